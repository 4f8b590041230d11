"""Class-weight schemes → ``{class: weight}``; class weights → per-row sample weights.

A class weight ``w_c`` multiplies the loss of every row of class ``c``. For a
model whose loss is a sum over rows, weight ``k`` on a class trains exactly the
model that copying each of its rows ``k`` times does (see
:mod:`imbalance_lab.resampling`).

The overall *scale* of the weights matters as soon as the model is
regularised: multiplying every weight by ``s`` is the same as dividing the
penalty strength by ``s``. So every scheme states what it is normalised to
(``n`` rows, ``K`` classes, ``n_c`` rows of class ``c``):

* ``"none"``: every weight 1.
* ``"balanced"``: ``n / (K n_c)`` (scikit-learn's ``compute_class_weight``);
  ``Σ_c n_c w_c = n``, i.e. mean per-row weight 1.
* ``"power"``: ``∝ n_c^(−alpha)``; mean per-row weight 1, like balanced.
* ``"effective_number"``: ``∝ (1 − beta) / (1 − beta^n_c)`` (Cui et al.
  2019); ``Σ_c w_c = K``, as in the paper.
* ``"target_ratio"``: 1 for the majority, ``n_max / (ratio n_c)`` for every
  other class; majority weight 1.
* a ``{label: weight}`` mapping: used as given.

:func:`normalise_class_weights` with ``how="mean"`` puts any of them on the
common scale "mean per-row weight 1" (which ``balanced`` and ``power`` already
have), so that schemes compare at the same effective regularisation.

Labels may be integers or strings; binary and multiclass targets both work.
Every bad input raises :class:`~imbalance_lab.errors.InvalidParameterError`
(a ``ValueError``) naming the argument and the offending value, before any
computation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.utils.class_weight import compute_class_weight

from imbalance_lab.errors import InvalidParameterError, UnknownNameError, unknown_key

# The label check is shared with datasets and resampling; it stays importable
# from here (weights.check_labels), where callers have long found it.
from imbalance_lab.labels import check_labels, plain_label

__all__ = [
    "NORMALISATIONS",
    "WEIGHT_SCHEMES",
    "WeightScheme",
    "check_labels",
    "check_number",
    "check_label_mapping",
    "check_scheme",
    "plain_label",
    "class_weights",
    "normalise_class_weights",
    "sample_weights",
]


# --------------------------------------------------------------------------- labels


def check_label_mapping(
    mapping: Any,
    classes: list,
    *,
    name: str,
    require_all: bool,
    check_value: Callable[[str, Any], None],
) -> None:
    """Check a ``{label: value}`` mapping against the classes of ``y``.

    Every key must be a class of ``y`` (a key for an absent label is almost
    always a typo or the wrong label type, for example ``"1"`` for ``1``);
    with ``require_all`` every class needs a value. ``check_value(field, value)``
    validates each value; ``field`` reads ``name[label]``.
    """
    if not isinstance(mapping, Mapping):
        raise InvalidParameterError(name, mapping, "a mapping {label: value}")
    present = set(classes)
    absent = [label for label in mapping if label not in present]
    if absent:
        raise InvalidParameterError(
            name, dict(mapping), f"labels {absent!r} are not classes of y; y has classes {classes!r}"
        )
    if require_all:
        missing = [label for label in classes if label not in mapping]
        if missing:
            raise InvalidParameterError(
                name, dict(mapping), f"a value for every class of y; missing classes {missing!r}"
            )
    for label, value in mapping.items():
        check_value(f"{name}[{label!r}]", value)


def check_number(
    name: str, value: Any, expected: str, accept: Callable[[float], bool] = lambda v: True
) -> None:
    """Raise :class:`InvalidParameterError` (``name``, ``value``, ``expected``)
    unless ``value`` is a finite real number, not a bool, that ``accept``s."""
    # bool is an int subclass, but True as a weight or factor is a mistake
    is_real = isinstance(value, Real) and not isinstance(value, bool | np.bool_)
    if not (is_real and math.isfinite(value) and accept(value)):
        raise InvalidParameterError(name, value, expected)


def is_integer(value: Any) -> bool:
    """An integer (Python's or numpy's), not a bool."""
    return isinstance(value, Integral) and not isinstance(value, bool | np.bool_)


def check_integer(name: str, value: Any, minimum: int) -> None:
    """Raise :class:`InvalidParameterError` (``name``, ``value``, "an integer
    >= ``minimum``") unless ``value`` is such an integer."""
    if not (is_integer(value) and value >= minimum):
        raise InvalidParameterError(name, value, f"an integer >= {minimum}")


def _check_positive_weight(name: str, value: Any) -> None:
    check_number(name, value, "a finite number > 0", lambda v: v > 0)


# ------------------------------------------------------------------------- schemes


def _check_alpha(name: str, value: Any) -> None:
    check_number(
        name, value, "a finite number >= 0 (0 = no weighting, 0.5 = inverse square root, 1 = balanced)",
        lambda v: v >= 0,
    )


def _check_beta(name: str, value: Any) -> None:
    check_number(name, value, "a number in [0, 1) (0 = no weighting; towards 1 = balanced)", lambda v: 0 <= v < 1)


def _check_ratio(name: str, value: Any) -> None:
    check_number(
        name,
        value,
        "a finite majority:minority ratio >= 1 (a ratio below 1 would make the minority "
        "outweigh the majority; give an explicit {label: weight} mapping for that)",
        lambda v: v >= 1,
    )


def _none(y, classes, counts):
    return np.ones(len(classes))


def _balanced(y, classes, counts):
    # scikit-learn's own definition: n / (K n_c)
    return compute_class_weight("balanced", classes=np.asarray(classes, dtype=y.dtype), y=y)


def _power(y, classes, counts, *, alpha):
    # Work in logs: n_c^(-alpha) under- or overflows for large n_c or alpha.
    log_w = -alpha * np.log(counts)
    w = np.exp(log_w - log_w.max())
    return w * (counts.sum() / np.dot(counts, w))


def _effective_number(y, classes, counts, *, beta):
    if beta == 0:
        return np.ones(len(classes))
    # (1 - beta) / (1 - beta^n_c), with 1 - beta^n = -expm1(n log beta) so that
    # beta close to 1 keeps its precision.
    w = (1.0 - beta) / -np.expm1(counts * math.log(beta))
    return w * (len(classes) / w.sum())


def _target_ratio(y, classes, counts, *, ratio):
    n_max = counts.max()
    return np.where(counts == n_max, 1.0, n_max / (ratio * counts))


@dataclass(frozen=True)
class WeightScheme:
    """A registered class-weight scheme.

    ``compute(y, classes, counts, **params)`` returns the weights aligned with
    ``classes``; ``params`` maps each (required) parameter to its check;
    ``normalised_to`` says what fixes the overall scale.
    """

    name: str
    compute: Callable[..., np.ndarray]
    params: dict[str, Callable[[str, Any], None]]
    normalised_to: str


#: Registered class-weight schemes by name. An explicit ``{label: weight}``
#: mapping is accepted wherever a scheme name is.
WEIGHT_SCHEMES: dict[str, WeightScheme] = {
    s.name: s
    for s in (
        WeightScheme("none", _none, {}, "every weight 1"),
        WeightScheme("balanced", _balanced, {}, "sum_c n_c w_c = n (mean per-row weight 1)"),
        WeightScheme("power", _power, {"alpha": _check_alpha}, "sum_c n_c w_c = n (mean per-row weight 1)"),
        WeightScheme("effective_number", _effective_number, {"beta": _check_beta}, "sum_c w_c = K"),
        WeightScheme("target_ratio", _target_ratio, {"ratio": _check_ratio}, "majority weight 1"),
    )
}


def check_scheme(scheme: Any, **params: Any) -> None:
    """Validate a scheme and its parameters without any data (for configs).

    Raises :class:`UnknownNameError` for an unknown scheme name or parameter
    and :class:`InvalidParameterError` for a missing or bad parameter value or
    a non-positive / non-finite weight in an explicit mapping.
    """
    if isinstance(scheme, Mapping):
        if params:
            raise InvalidParameterError(
                "params", params, "no parameters with an explicit {label: weight} mapping"
            )
        if not scheme:
            raise InvalidParameterError("scheme", dict(scheme), "a non-empty {label: weight} mapping")
        for label, weight in scheme.items():
            _check_positive_weight(f"scheme[{label!r}]", weight)
        return
    if not isinstance(scheme, str):
        raise InvalidParameterError(
            "scheme", scheme, f"a scheme name ({', '.join(WEIGHT_SCHEMES)}) or a {{label: weight}} mapping"
        )
    if scheme not in WEIGHT_SCHEMES:
        raise UnknownNameError("scheme", scheme, WEIGHT_SCHEMES, kind="class-weight scheme")
    spec = WEIGHT_SCHEMES[scheme]
    for key in params:
        if key not in spec.params:
            if not spec.params:
                raise InvalidParameterError(key, params[key], f"scheme {scheme!r} takes no parameters")
            raise unknown_key(key, key, params[key], spec.params, kind=f"parameter of scheme {scheme!r}")
    for key, check in spec.params.items():
        if key not in params:
            raise InvalidParameterError(key, None, f"scheme {scheme!r} needs {key}= (no default is assumed)")
        check(key, params[key])


def class_weights(y: Any, scheme: str | Mapping = "balanced", **params: Any) -> dict[Any, float]:
    """Class weights ``{label: weight}`` for the labels ``y`` under ``scheme``.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels (integers or strings), at least two classes.
    scheme : str or mapping, default "balanced"
        ``"none"``
            Every weight 1.
        ``"balanced"``
            ``n / (K n_c)``, identical to scikit-learn's
            ``compute_class_weight("balanced", ...)``. Normalised so that
            ``Σ_c n_c w_c = n`` (mean per-row weight 1); ``w_c n_c = n / K`` is
            the same for every class (class shares 10/60/30 % give 6:1:2).
        ``"power"`` with ``alpha >= 0``
            ``w_c ∝ n_c^(−alpha)``, scaled like ``balanced`` so that
            ``Σ_c n_c w_c = n``. ``alpha = 0`` is ``"none"``, ``alpha = 1`` is
            exactly ``"balanced"``, ``alpha = 0.5`` is inverse square root.
        ``"effective_number"`` with ``0 <= beta < 1``
            Cui et al. (2019), *Class-balanced loss based on effective number
            of samples*: ``w_c ∝ (1 − beta) / (1 − beta^n_c)``, scaled so that
            ``Σ_c w_c = K`` as in the paper (**not** mean per-row weight 1).
            ``beta = 0`` gives all ones; as ``beta → 1`` the weights tend to
            ``∝ 1 / n_c``, the balanced ratios.
        ``"target_ratio"`` with ``ratio >= 1``
            Weights that make the weighted training set look as if its
            majority:minority ratio were ``ratio``: the majority class (every
            class with the largest count) gets weight 1 and every other class
            ``c`` gets ``n_max / (ratio n_c)``, so its weighted total
            ``n_c w_c`` is ``n_max / ratio``. In a binary problem the weighted
            majority:minority total is then exactly ``ratio``. ``ratio = 1``
            gives the balanced ratios scaled to majority weight 1. A weight
            below 1 is possible and intended: a class that already holds more
            than ``n_max / ratio`` rows (data less imbalanced than ``ratio``)
            is weighted down to reach ``ratio``. ``ratio < 1`` is rejected:
            it would make the minority the weighted majority; give a mapping
            for that.
        mapping ``{label: weight}``
            Explicit weights, each finite and > 0, one for every class of ``y``
            and none for a label absent from ``y``. Used as given.
    **params
        The scheme's parameter (``alpha``, ``beta`` or ``ratio``); required
        where the scheme has one — no default is assumed.

    Returns
    -------
    dict
        ``{label: weight}`` in sorted label order, labels as plain Python
        values, weights as floats.
    """
    check_scheme(scheme, **params)
    y, classes, counts = check_labels(y)
    if isinstance(scheme, Mapping):
        check_label_mapping(
            scheme, classes, name="scheme", require_all=True, check_value=_check_positive_weight
        )
        return {c: float(scheme[c]) for c in classes}
    weights = WEIGHT_SCHEMES[scheme].compute(y, classes, counts.astype(float), **params)
    for c, w in zip(classes, weights, strict=True):
        # e.g. power with a huge alpha: the majority's weight underflows to 0
        if not (math.isfinite(w) and w > 0):
            (name, value), = params.items() if params else [("scheme", scheme)]
            raise InvalidParameterError(
                name, value, f"a value whose weights stay finite and > 0; class {c!r} would get {float(w)!r}"
            )
    return {c: float(w) for c, w in zip(classes, weights, strict=True)}


# ---------------------------------------------------------- per-row and scaling


#: Ways to put class weights on a common scale (see normalise_class_weights).
NORMALISATIONS = ("mean", "none")


def normalise_class_weights(class_weight: Mapping, y: Any, how: str = "mean") -> dict[Any, float]:
    """Rescale class weights so that their overall scale is comparable.

    ``how="mean"`` multiplies every weight by ``n / Σ_c n_c w_c`` so that the
    mean per-row weight over ``y`` is 1 (the sum of row weights equals the
    number of rows: a regularised model then sees the same effective penalty
    strength as without weights). Ratios between classes are unchanged.
    ``how="none"`` returns the weights as they are (validated).
    """
    if how not in NORMALISATIONS:
        raise UnknownNameError("how", how, NORMALISATIONS, kind="weight normalisation")
    y, classes, counts = check_labels(y)
    check_label_mapping(
        class_weight, classes, name="class_weight", require_all=True, check_value=_check_positive_weight
    )
    weights = np.array([float(class_weight[c]) for c in classes])
    if how == "mean":
        weights = weights * (counts.sum() / np.dot(counts, weights))
    return {c: float(w) for c, w in zip(classes, weights, strict=True)}


def sample_weights(y: Any, class_weight: Mapping | str, sample_weight: Any = None) -> np.ndarray:
    """Per-row weights: the weight of each row's class, times ``sample_weight``.

    ``class_weight`` is a ``{label: weight}`` mapping covering exactly the
    classes of ``y`` (as :func:`class_weights` returns), or the name of a
    scheme without parameters (``"none"``, ``"balanced"``) computed on ``y``.
    An existing ``sample_weight`` (one finite value >= 0 per row) multiplies.
    Returns a float64 array of shape ``(n_samples,)``.
    """
    y, classes, _ = check_labels(y)
    if isinstance(class_weight, str):
        class_weight = class_weights(y, class_weight)
    check_label_mapping(
        class_weight, classes, name="class_weight", require_all=True, check_value=_check_positive_weight
    )
    per_class = np.array([float(class_weight[c]) for c in classes])
    # np.unique sorts exactly as check_labels did, so the inverse indexes `classes`
    _, row_class = np.unique(y, return_inverse=True)
    weights = per_class[row_class]
    if sample_weight is None:
        return weights
    try:
        sw = np.asarray(sample_weight, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError("sample_weight", sample_weight, "an array of numbers") from exc
    if sw.shape != y.shape:
        raise InvalidParameterError(
            "sample_weight", f"<array of shape {sw.shape}>", f"one weight per row of y, shape {y.shape}"
        )
    bad = np.flatnonzero(~np.isfinite(sw) | (sw < 0))
    if bad.size:
        raise InvalidParameterError(
            "sample_weight", f"{float(sw[bad[0]])!r} at row {bad[0]}", "finite weights >= 0"
        )
    return weights * sw
