"""Deterministic fault injection, for the tests of failure isolation and resume.

Set ``IMBALANCE_LAB_FAULT`` to a comma-separated list of ``ACTION@SELECTOR``:

* ACTION ``raise`` raises :class:`InjectedFault` (the unit becomes an error row),
  ``exit`` ends the process at once with ``os._exit(99)`` (a dying kernel or
  worker), ``interrupt`` raises :class:`KeyboardInterrupt`.
* SELECTOR is matched against the checkpoint's name: ``unit:<index>`` (the
  unit's position in the planned order) or ``unit:<unit_key prefix>``, or
  ``slice:<slice_key prefix>``.

Nothing here looks at the clock: a fault fires at the same point every time.
"""

from __future__ import annotations

import os

from imbalance_lab.errors import ImbalanceLabError

ENV_VAR = "IMBALANCE_LAB_FAULT"


class InjectedFault(ImbalanceLabError, RuntimeError):
    """Raised at a checkpoint named by ``IMBALANCE_LAB_FAULT``."""


def checkpoint(kind: str, *names: object) -> None:
    """Fire the fault configured for ``kind:<name>``, if any, for any of ``names``."""
    spec = os.environ.get(ENV_VAR, "").strip()
    if not spec:
        return
    for item in spec.split(","):
        action, _, selector = item.strip().partition("@")
        sel_kind, _, sel_value = selector.partition(":")
        if sel_kind != kind or not sel_value:
            continue
        if any(_matches(name, sel_value) for name in names):
            if action == "raise":
                raise InjectedFault(f"injected fault at {kind}:{sel_value}")
            if action == "exit":
                os._exit(99)
            if action == "interrupt":
                raise KeyboardInterrupt(f"injected interrupt at {kind}:{sel_value}")
            raise ValueError(f"{ENV_VAR}: unknown action {action!r} in {item!r}")


def _matches(name: object, selector: str) -> bool:
    # An index must match exactly (unit 30 is not unit 3); a key by its prefix.
    if isinstance(name, int):
        return str(name) == selector
    # A number selects an index only: hex unit keys may start with its digits.
    return not selector.isdigit() and str(name).startswith(selector)
