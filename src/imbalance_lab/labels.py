"""Class labels: the one check every function that takes ``y`` runs first.

Weights, samplers and ratio subsampling all group rows by their label, so a
label that is missing (``None``, NaN, ``pd.NA``), infinite, or of another type
than the rest (``0`` beside ``"a"``) would otherwise fail deep inside numpy
(``'<' not supported between 'NoneType' and 'int'``) or, worse, become a
class of its own. :func:`check_labels` refuses them up front with an
:class:`~imbalance_lab.errors.InvalidParameterError` that names the argument,
the offending label and the row it is in.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import type_of_target

from imbalance_lab.errors import InvalidParameterError

__all__ = ["check_labels", "plain_label"]


def plain_label(label: Any) -> Any:
    """A numpy scalar label as the plain Python value (so dicts are JSON-able
    and print as ``{0: ..., 'a': ...}``); other labels unchanged."""
    return label.item() if isinstance(label, np.generic) else label


def check_labels(y: Any, *, name: str = "y", min_classes: int = 2) -> tuple[np.ndarray, list, np.ndarray]:
    """Validate class labels; return ``(y as a 1-D array, classes, counts)``.

    ``classes`` are sorted plain Python values; ``counts[i]`` is the number of
    rows of ``classes[i]``. Raises :class:`InvalidParameterError` naming
    ``name`` for a target that is not 1-D, is empty, holds a missing label
    (None, NaN, NA) or an infinite one, mixes numbers and strings, is not
    binary or multiclass (for example continuous), or has fewer than
    ``min_classes`` classes.
    """
    arr = np.asarray(y)
    if arr.ndim != 1:
        shown = y if arr.ndim == 0 else f"<array of shape {arr.shape}>"
        raise InvalidParameterError(name, shown, "a 1-D array of class labels")
    if arr.size == 0:
        raise InvalidParameterError(name, "<empty array>", "at least one labelled row")
    if _check_values(y, arr, name) == "number" and arr.dtype.kind == "O":
        # numbers held as objects (a pandas object column once its missing
        # labels are dropped): scikit-learn calls that an "unknown" target
        arr = np.asarray(arr.tolist())
        _check_values(arr, arr, name)  # an infinity among them
    try:
        kind = type_of_target(arr, input_name=name)
    except ValueError as exc:
        raise InvalidParameterError(name, arr, f"class labels (integers or strings): {exc}") from exc
    if kind not in ("binary", "multiclass"):
        raise InvalidParameterError(
            name, arr, f"binary or multiclass labels (integers or strings), not a {kind!r} target"
        )
    classes, counts = np.unique(arr, return_counts=True)
    if classes.size < min_classes:
        raise InvalidParameterError(
            name,
            {plain_label(c): int(n) for c, n in zip(classes, counts, strict=True)},
            f"at least {min_classes} classes (weights and resampling need something to balance)",
        )
    return arr, [plain_label(c) for c in classes], counts


def _check_values(y: Any, arr: np.ndarray, name: str) -> str:
    """Refuse missing, infinite and mixed-type labels, naming the first bad
    row; return the kind of every label ("number", "string" or a type name)."""
    if arr.dtype.kind in "fc":
        _refuse(name, arr, ~np.isfinite(arr))
        return "number"
    if arr.dtype.kind in "US" and not isinstance(y, np.ndarray):
        # numpy turns a list like ["a", None, nan] into the strings "None" and
        # "nan"; look at the values as given before they were stringified
        objects = np.asarray(y, dtype=object)
    elif arr.dtype.kind == "O":
        objects = arr
    else:  # integers, booleans: nothing can be missing
        return "number" if arr.dtype.kind in "iub" else arr.dtype.kind
    _refuse(name, objects, pd.isna(objects))
    kinds = [_kind(value) for value in objects]
    first = kinds[0]
    other = next((i for i, k in enumerate(kinds) if k != first), None)
    if other is not None:
        raise InvalidParameterError(
            name,
            objects[other],
            f"labels all of one type (all integers or all strings); row 0 holds a {first} "
            f"({objects[0]!r}) but row {other} a {kinds[other]} ({objects[other]!r})",
        )
    return first


def _refuse(name: str, values: np.ndarray, bad: np.ndarray) -> None:
    rows = np.flatnonzero(bad)
    if rows.size == 0:
        return
    first = values[rows[0]]
    missing = bool(pd.isna(first))
    what = "a missing label (None, NaN or NA)" if missing else "an infinite label"
    more = ""
    if rows.size > 1:
        more = f" (and {rows.size - 1} more row(s): {rows[1:6].tolist()}{'...' if rows.size > 6 else ''})"
    raise InvalidParameterError(
        name,
        plain_label(first),
        f"a class label in every row; row {rows[0]} holds {what}{more}: "
        "drop those rows or correct their labels first",
    )


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, numbers.Number | np.bool_):
        return "number"
    return type(value).__name__
