"""Imposing a class ratio (or class shares) on a data set by subsampling only.

Nothing is ever synthesised or copied here: every returned row is a row of the
input, each at most once, in the input's order. The counts are computed first
by :func:`ratio_counts` / :func:`shares_counts` (pure integer arithmetic,
documented below), then exactly that many rows of each class are drawn without
replacement with a seeded ``numpy.random.RandomState`` — whose stream numpy
keeps frozen, so the same seed picks the same rows on every machine.

Ratios are *majority : minority* and at least 1. In a multiclass problem the
ratio is a *step imbalance*: the majority class (the largest in the input) is
``ratio`` times as large as every other class, and all other classes get the
same count. Arbitrary class shares (for example 10/60/30 %) go through
:func:`impose_shares` instead.

Arithmetic is exact: a ratio is read as the decimal it prints as
(``Fraction(repr(float(ratio)))``, so 9.9 means 99/10), and "round" means
round half up.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from sklearn.utils import check_random_state

from imbalance_lab.errors import InvalidParameterError, RatioUnreachable
from imbalance_lab.labels import check_labels

NATIVE = "native"

__all__ = [
    "NATIVE",
    "check_ratio",
    "class_counts",
    "class_ratio",
    "default_keep_n",
    "ratio_counts",
    "shares_counts",
    "apportion",
    "subsample_indices",
    "ratio_indices",
    "impose_ratio",
    "shares_indices",
    "impose_shares",
]


# --------------------------------------------------------------------------
# argument checks (all run before any work)


def check_ratio(ratio: Any, name: str = "ratio") -> str | float:
    """Return ``"native"`` or the ratio as a float; raise for anything else.

    Accepted: the string ``"native"`` or a finite real number >= 1. Rejected
    with :class:`InvalidParameterError`: booleans, other strings (also numeric
    ones like ``"5"``: a config should hold a number), NaN, infinities,
    numbers <= 0 and numbers in (0, 1) (these would make the minority the
    majority; swap the classes instead).
    """
    if isinstance(ratio, str):
        if ratio == NATIVE:
            return NATIVE
        raise InvalidParameterError(
            name, ratio, "a number >= 1 (majority:minority) or the string 'native'"
        )
    if isinstance(ratio, bool) or not isinstance(ratio, numbers.Real):
        raise InvalidParameterError(
            name, ratio, "a number >= 1 (majority:minority) or the string 'native'"
        )
    value = float(ratio)
    if not math.isfinite(value):
        raise InvalidParameterError(name, ratio, "a finite number >= 1 (majority:minority)")
    if value <= 0:
        raise InvalidParameterError(name, ratio, "a positive number >= 1 (majority:minority)")
    if value < 1:
        raise InvalidParameterError(
            name,
            ratio,
            "a number >= 1: the ratio is majority:minority, and a value below 1 "
            "would make the minority the majority",
        )
    return value


def _check_positive_int(value: Any, name: str, *, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise InvalidParameterError(name, value, "an integer >= 1")
    return int(value)


def _check_y(y: Any) -> tuple[np.ndarray, dict[Any, int]]:
    """``(y as an array, {label: rows})`` after the label check weights and
    samplers run too: 1-D, not empty, no missing, infinite or mixed-type
    label. One class passes: what it allows is the caller's to say."""
    arr, labels, counts = check_labels(y, name="y", min_classes=1)
    return arr, {label: int(c) for label, c in zip(labels, counts, strict=True)}


def _check_Xy(X: Any, y: Any) -> np.ndarray:
    y_arr = _check_y(y)[0]
    n_rows = X.shape[0] if hasattr(X, "shape") else len(X)
    if n_rows != y_arr.shape[0]:
        raise InvalidParameterError(
            "y", f"{y_arr.shape[0]} labels", f"one label per row of X ({n_rows} rows)"
        )
    return y_arr


def class_counts(y: Any) -> dict[Any, int]:
    """``{label: rows}`` in sorted label order; bad labels raise
    :class:`InvalidParameterError` naming ``y``."""
    return _check_y(y)[1]


def class_ratio(y: Any) -> float:
    """Majority:minority ratio of ``y`` (largest class count / smallest)."""
    counts = list(class_counts(y).values())
    return max(counts) / min(counts)


def _sorted_counts(counts: Mapping[Any, int]) -> dict[Any, int]:
    """``counts`` as ints in sorted label order (given order if unsortable),
    so that results never depend on how a caller ordered a mapping."""
    try:
        labels = sorted(counts)
    except TypeError:
        labels = list(counts)
    return {label: int(counts[label]) for label in labels}


def _majority(counts: Mapping[Any, int]) -> Any:
    # The largest class; among equal largest classes the first in label order.
    order = {label: i for i, label in enumerate(counts)}
    return max(counts, key=lambda label: (counts[label], -order[label]))


def _round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def _exact(ratio: float) -> Fraction:
    return Fraction(repr(float(ratio)))


# --------------------------------------------------------------------------
# counts


def default_keep_n(counts: Mapping[Any, int]) -> int:
    """The fixed total n used by ``keep_n=True`` when no ``n_total`` is given.

    ``n = min(K * smallest class, largest class)`` for K classes: the largest
    n for which *every* ratio >= 1 is reachable by subsampling (ratio 1 needs
    n <= K * smallest; a very large ratio needs n <= largest). So every ratio
    of a sweep uses the same n, and only the minority count shrinks as the
    ratio grows (until fewer than ``min_per_class`` rows are left).
    """
    values = list(counts.values())
    return min(len(values) * min(values), max(values))


def ratio_counts(
    counts: Mapping[Any, int],
    ratio: Any,
    *,
    keep_n: bool = False,
    n_total: int | None = None,
    min_per_class: int = 1,
) -> dict[Any, int]:
    """Rows of each class to keep so that majority:minority = ``ratio``.

    ``counts`` is ``{label: rows available}`` (at least two classes). Let M be
    the largest class (the majority; ties go to the first label), m the
    smallest of the others, K the number of classes and r the ratio.

    * ``"native"``, ``keep_n=False``: every row (the counts unchanged).
    * number, ``keep_n=False`` (as much data as the ratio allows): each
      non-majority class keeps ``k = min(m, floor(M / r))`` rows and the
      majority keeps ``round(r * k)`` (<= M).
    * ``keep_n=True``: the total is n = ``n_total`` or, if not given,
      :func:`default_keep_n`. For a number r, each non-majority class keeps
      ``k = round(n / (r + K - 1))`` and the majority ``n - (K - 1) * k``;
      for ``"native"``, n is split in the native shares by largest remainder
      (see :func:`shares_counts`), so that every ratio, native included, has
      the same n.

    Raises :class:`RatioUnreachable` (a ``UnitSkipped``, with the counts
    available and needed) if a class would get fewer than ``min_per_class``
    rows or more rows than it has (only possible with an explicit
    ``n_total``), and :class:`InvalidParameterError` for bad arguments.
    """
    ratio = check_ratio(ratio)
    min_per_class = _check_positive_int(min_per_class, "min_per_class")
    n_total = _check_positive_int(n_total, "n_total", allow_none=True)
    if n_total is not None and not keep_n:
        raise InvalidParameterError("n_total", n_total, "only used with keep_n=True")
    counts = _sorted_counts(counts)
    if len(counts) < 2:
        if ratio == NATIVE and not keep_n:
            needed = dict(counts)
            _check_needed(ratio, counts, needed, min_per_class)
            return needed
        raise InvalidParameterError(
            "y", f"one class {list(counts)}", "at least two classes to impose a ratio"
        )

    majority = _majority(counts)
    others = [label for label in counts if label != majority]
    K = len(counts)
    if ratio == NATIVE and not keep_n:
        needed = dict(counts)
    elif ratio == NATIVE:
        n = n_total if n_total is not None else default_keep_n(counts)
        needed = apportion(n, {label: Fraction(c) for label, c in counts.items()})
    elif not keep_n:
        r = _exact(ratio)
        k = min(min(counts[label] for label in others), math.floor(counts[majority] / r))
        needed = {label: k for label in others}
        needed[majority] = _round_half_up(r * k)
    else:
        r = _exact(ratio)
        n = n_total if n_total is not None else default_keep_n(counts)
        k = _round_half_up(Fraction(n) / (r + K - 1))
        needed = {label: k for label in others}
        needed[majority] = n - (K - 1) * k
    needed = {label: needed[label] for label in counts}  # label order
    _check_needed(ratio, counts, needed, min_per_class)
    return needed


def _check_needed(ratio, counts, needed, min_per_class) -> None:
    short = {label: c for label, c in needed.items() if c < min_per_class}
    if short:
        raise RatioUnreachable(
            ratio,
            counts,
            needed,
            f"it leaves {_fmt(short)} row(s) in class(es) {list(short)}, fewer than "
            f"min_per_class={min_per_class} (available {_fmt(counts)}, would keep {_fmt(needed)})",
        )
    over = {label: c for label, c in needed.items() if c > counts[label]}
    if over:
        raise RatioUnreachable(
            ratio,
            counts,
            needed,
            f"it needs more rows than class(es) {list(over)} hold "
            f"(available {_fmt(counts)}, would need {_fmt(needed)}); subsampling never copies rows",
        )


def _fmt(counts: Mapping[Any, int]) -> str:
    return "{" + ", ".join(f"{label!r}: {c}" for label, c in counts.items()) + "}"


def apportion(n: int, weights: Mapping[Any, Fraction]) -> dict[Any, int]:
    """Split ``n`` in proportion to ``weights`` by largest remainder (Hamilton):
    floors first, then one more row to the largest remainders (ties: label
    order). Never gives a class more than ``n * share`` rounded up."""
    total = sum(weights.values())
    exact = {label: Fraction(n) * w / total for label, w in weights.items()}
    out = {label: math.floor(v) for label, v in exact.items()}
    left = n - sum(out.values())
    order = sorted(exact, key=lambda label: -(exact[label] - out[label]))  # stable: label order
    for label in order[:left]:
        out[label] += 1
    return out


def _check_shares(shares: Any, labels: list) -> dict[Any, Fraction]:
    expected = (
        f"a mapping {{label: share}} over exactly the labels {labels} (or a sequence in that "
        "order) of positive finite numbers; they are normalised to sum to 1"
    )
    if isinstance(shares, Mapping):
        mapping = dict(shares)
    elif isinstance(shares, Sequence) and not isinstance(shares, str):
        if len(shares) != len(labels):
            raise InvalidParameterError("shares", shares, expected)
        mapping = dict(zip(labels, shares, strict=True))
    else:
        raise InvalidParameterError("shares", shares, expected)
    if sorted(map(str, mapping)) != sorted(map(str, labels)):
        raise InvalidParameterError("shares", shares, expected)
    by_str = {str(label): value for label, value in mapping.items()}
    out = {}
    for label in labels:
        value = by_str[str(label)]
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Real)
            or not math.isfinite(float(value))
            or value <= 0
        ):
            raise InvalidParameterError(f"shares[{label!r}]", value, "a positive finite number")
        out[label] = _exact(value)
    return out


def shares_counts(
    counts: Mapping[Any, int],
    shares: Any,
    *,
    n_total: int | None = None,
    min_per_class: int = 1,
) -> dict[Any, int]:
    """Rows of each class to keep so that the classes have the given shares.

    ``shares`` maps every label to a positive number (normalised to sum 1),
    or lists them in label order. The total n is ``n_total`` or, if not
    given, the largest n the data allow: ``floor(min_c counts[c] / share[c])``.
    n is split by largest remainder, so the counts sum to n exactly and each
    is within one row of ``n * share``. Raises :class:`RatioUnreachable` if a
    class would get fewer than ``min_per_class`` rows or more than it has.
    """
    counts = _sorted_counts(counts)
    weights = _check_shares(shares, list(counts))
    min_per_class = _check_positive_int(min_per_class, "min_per_class")
    n_total = _check_positive_int(n_total, "n_total", allow_none=True)
    total = sum(weights.values())
    if n_total is None:
        n_total = math.floor(min(counts[label] * total / w for label, w in weights.items()))
    needed = apportion(n_total, weights)
    ratio = {label: float(w / total) for label, w in weights.items()}
    _check_needed(ratio, counts, needed, min_per_class)
    return needed


# --------------------------------------------------------------------------
# rows


def subsample_indices(y: Any, needed: Mapping[Any, int], random_state: Any = None) -> np.ndarray:
    """Sorted row indices holding exactly ``needed[label]`` rows of each label.

    Classes are drawn in the order of ``needed`` (label order, as the
    ``*_counts`` functions return it) from one ``RandomState``, each without
    replacement; the result keeps the input's row order.
    """
    return _draw(_check_y(y)[0], needed, random_state)


def _draw(y: np.ndarray, needed: Mapping[Any, int], random_state: Any) -> np.ndarray:
    """:func:`subsample_indices` on labels already checked."""
    rng = check_random_state(random_state)
    chosen = []
    for label, k in needed.items():
        rows = np.flatnonzero(y == label)
        if k > rows.size:
            raise InvalidParameterError(
                f"needed[{label!r}]", k, f"at most the {rows.size} rows class {label!r} has"
            )
        if k == rows.size:
            chosen.append(rows)
        else:
            chosen.append(rng.choice(rows, size=k, replace=False))
    return np.sort(np.concatenate(chosen)) if chosen else np.empty(0, dtype=np.intp)


def ratio_indices(
    y: Any,
    ratio: Any,
    *,
    keep_n: bool = False,
    n_total: int | None = None,
    random_state: Any = None,
    min_per_class: int = 1,
) -> np.ndarray:
    """Row indices (sorted) of the subsample :func:`impose_ratio` returns."""
    y, counts = _check_y(y)
    needed = ratio_counts(counts, ratio, keep_n=keep_n, n_total=n_total, min_per_class=min_per_class)
    if needed == counts:  # native without keep_n, or a ratio the data already have
        return np.arange(y.shape[0])
    return _draw(y, needed, random_state)


def impose_ratio(
    X: Any,
    y: Any,
    ratio: Any,
    *,
    keep_n: bool = False,
    random_state: Any = None,
    min_per_class: int = 1,
    n_total: int | None = None,
) -> tuple[Any, np.ndarray]:
    """Subsample ``(X, y)`` to majority:minority = ``ratio``; exact counts.

    ``ratio`` is ``"native"`` (the data as they are; with ``keep_n=True`` the
    native ratio at the fixed n) or a number >= 1. ``keep_n=True`` keeps the
    total n the same for every ratio (``n_total``, or by default
    ``min(K * smallest class, largest class)``), so that ratio and sample size
    are not confounded. The counts are those of :func:`ratio_counts`; rows are
    drawn with ``random_state`` and returned in their original order.

    Raises :class:`InvalidParameterError` for a bad ratio or arguments (before
    any work) and :class:`RatioUnreachable` when a class would keep fewer than
    ``min_per_class`` rows (pass the number of folds here).
    """
    y = _check_Xy(X, y)
    rows = ratio_indices(
        y, ratio, keep_n=keep_n, n_total=n_total, random_state=random_state, min_per_class=min_per_class
    )
    return _take(X, rows), y[rows]


def shares_indices(
    y: Any,
    shares: Any,
    *,
    n_total: int | None = None,
    random_state: Any = None,
    min_per_class: int = 1,
) -> np.ndarray:
    """Row indices (sorted) of the subsample :func:`impose_shares` returns."""
    y, counts = _check_y(y)
    needed = shares_counts(counts, shares, n_total=n_total, min_per_class=min_per_class)
    return _draw(y, needed, random_state)


def impose_shares(
    X: Any,
    y: Any,
    shares: Any,
    *,
    n_total: int | None = None,
    random_state: Any = None,
    min_per_class: int = 1,
) -> tuple[Any, np.ndarray]:
    """Subsample ``(X, y)`` to the given class shares (e.g. ``{0: .1, 1: .6, 2: .3}``).

    Counts as in :func:`shares_counts`; rows drawn as in :func:`impose_ratio`.
    """
    y = _check_Xy(X, y)
    rows = shares_indices(y, shares, n_total=n_total, random_state=random_state, min_per_class=min_per_class)
    return _take(X, rows), y[rows]


def _take(X: Any, rows: np.ndarray) -> Any:
    if hasattr(X, "iloc"):
        return X.iloc[rows]
    return np.asarray(X)[rows] if not hasattr(X, "shape") else X[rows]
