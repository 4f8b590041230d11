"""Exception types, each carrying structured fields (as papermill's do).

Every error a user can cause names the argument (or config field) and the
offending value, so the message alone says what to fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any


class ImbalanceLabError(Exception):
    """Base class of every error raised on purpose by imbalance-lab."""


class InvalidParameterError(ImbalanceLabError, ValueError):
    """An argument or config field has a value it may not take.

    Fields: ``name`` (argument or dotted config path), ``value``, ``expected``
    (what would have been accepted).
    """

    def __init__(self, name: str, value: Any, expected: str):
        self.name = name
        self.value = value
        self.expected = expected
        super().__init__(f"{name}={_short_repr(value)} is invalid: {expected}")


#: How alike (difflib's ratio) a name must be to one it may stand for to be
#: suggested, wherever a message says "did you mean".
CLOSE_CUTOFF = 0.5


def close_matches(value: Any, choices: Iterable[str], n: int = 5) -> list[str]:
    """The names of ``choices`` that ``value`` may be a misspelling of, the
    closest first (at most ``n``)."""
    return difflib.get_close_matches(str(value), list(choices), n=n, cutoff=CLOSE_CUTOFF)


class UnknownNameError(InvalidParameterError):
    """A name (scheme, model, data set, metric, ...) that is not registered.

    The message lists the closest registered names.
    """

    def __init__(self, name: str, value: Any, choices: Iterable[str], kind: str = "name"):
        self.choices = sorted(choices)
        close = close_matches(value, self.choices)
        if not self.choices:
            hint = f"unknown {kind} (there are none)"
        elif close:
            hint = f"unknown {kind}; did you mean {', '.join(map(repr, close))}?"
        else:
            shown = ", ".join(map(repr, self.choices[:20]))
            more = f" (and {len(self.choices) - 20} more)" if len(self.choices) > 20 else ""
            hint = f"unknown {kind}; choose one of {shown}{more}"
        super().__init__(name, value, hint)


class ConfigError(InvalidParameterError):
    """A sweep config is invalid. ``name`` is the dotted path of the field
    (for example ``schemes[3].alpha``); ``source`` the file it came from."""

    def __init__(self, name: str, value: Any, expected: str, source: str | None = None):
        self.source = source
        super().__init__(name, value, expected)
        if source:
            self.args = (f"{source}: {self.args[0]}",)


def unknown_key(
    name: str,
    key: Any,
    value: Any,
    choices: Iterable[str],
    kind: str,
    error: type[InvalidParameterError] = UnknownNameError,
) -> InvalidParameterError:
    """The error for a key of a mapping that is not accepted (a parameter, a
    spec or config key).

    Like every other parameter error it names the key's own path ``name``
    (``models[0].params.max_iterr``) and the value given under it (``5``),
    never the parent field, nor the key as if it were the value; the close
    matches among ``choices`` are looked up for ``key`` (``unknown parameter
    of LogisticRegression; did you mean 'max_iter'?``).

    The error is an :class:`UnknownNameError` (with ``choices``) when that is
    an ``error``, as for the default and :class:`InvalidParameterError`;
    otherwise (a :class:`ConfigError`) an ``error`` with the same message.
    """
    unknown = UnknownNameError(name, key, choices, kind=kind)
    if not issubclass(UnknownNameError, error):
        return error(name, value, unknown.expected)
    # the suggestions come from the key; the message shows the value under it
    InvalidParameterError.__init__(unknown, name, value, unknown.expected)
    return unknown


class UnitSkipped(ImbalanceLabError):
    """A unit (or fold) cannot be run as asked and is recorded as skipped.

    Raised, for example, when a model accepts no ``sample_weight`` but the
    scheme needs weights, or when SMOTE would need more minority rows than a
    training fold holds. Never run silently in a weakened form instead.
    """

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def _short_repr(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class RatioUnreachable(UnitSkipped):
    """A class ratio cannot be imposed on a data set by subsampling alone with
    enough rows of every class (for example fewer minority rows than folds).

    Fields: ``ratio`` asked for, ``counts`` {label: rows available},
    ``needed`` {label: rows the ratio would need}.
    """

    def __init__(self, ratio: Any, counts: dict, needed: dict, why: str):
        self.ratio = ratio
        self.counts = counts
        self.needed = needed
        super().__init__(f"ratio {ratio!r} cannot be reached: {why}")
