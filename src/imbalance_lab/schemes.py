"""Schemes: how a unit handles class imbalance, from its config spelling to an
imbalanced-learn pipeline fitted on one training fold.

Config spellings (YAML), and the canonical label each gets in result rows:

==========================================  ===========================================
spelling                                    label
==========================================  ===========================================
``none``                                    ``none``
``{weight: balanced}``                      ``weight:balanced``
``{weight: power, alpha: 0.5}``             ``weight:power(alpha=0.5)``
``{weight: effective_number, beta: 0.99}``  ``weight:effective_number(beta=0.99)``
``{weight: target_ratio, ratio: 2}``        ``weight:target_ratio(ratio=2)``
``{weight: {0: 1, 1: 5}}``                  ``weight:explicit(0=1,1=5)``
``{weight: {minority: 3, majority: 1}}``    ``weight:explicit(majority=1,minority=3)``
``{oversample: replicate}``                 ``oversample:replicate`` (copies up to balance)
``{oversample: replicate, factor: 3}``      ``oversample:replicate(factor=3)`` (minority × 3)
``{oversample: random}``                    ``oversample:random``
``{oversample: smote, k_neighbors: 5}``     ``oversample:smote(k_neighbors=5)``
``{undersample: random}``                   ``undersample:random``
``{sampler: "pkg.mod:Cls", params: {..}}``  ``sampler:pkg.mod:Cls(..)``
``{split: balanced, size_share: 0.613}``    ``split:balanced(size_share=0.613)``
``{split: 6, size_share: 0.613}``           ``split:6(size_share=0.613)``
``{threshold: prior}``                      ``threshold:prior``
``{threshold: cost, c_fp: 1, c_fn: 10}``    ``threshold:cost(c_fn=10,c_fp=1)``
``{threshold: tuned, metric: mcc}``         ``threshold:tuned(metric=mcc)``
any of them with ``correct: true``          the label followed by ``+correct``
==========================================  ===========================================

Labels list the parameters the config gave, sorted by name, numbers in their
shortest form (``3.0`` prints as ``3``). Explicit weight and factor mappings
(and a sampler's ``sampling_strategy`` mapping) take class labels or the roles
``minority`` / ``majority`` (the least and the most frequent class of the
training fold; the minority can also be given by the caller as ``positive``).
A mapping takes roles or labels, not both (:func:`parse_scheme` refuses
``{minority: 3, 0: 1}``). Each key must name a class of the data, and an explicit weight mapping must
give every class a weight: :meth:`Scheme.check_classes` checks that against
a data set's labels, which a sweep does when it plans, before any unit runs.

How a scheme is built on one training fold (:meth:`Scheme.build`):

* the model's pipeline ``impute -> [scale] -> model`` gets the sampler
  inserted before ``model``, so a sampler sees imputed, scaled features and
  the scaler is fitted on the training fold as given, the same for copies and
  for weights;
* class weights are computed from the training fold's ``y`` and applied by
  :class:`ClassWeightedClassifier` around the model: it turns them into
  ``sample_weight`` from the ``y`` it is fitted on (after any resampling) and
  scales them by ``weight_normalisation`` over those rows. Weights applied
  there follow resampling (the size × weight split) and nest inside the
  threshold and prior-correction wrappers, which do not forward fit
  parameters;
* a model that accepts no ``sample_weight`` (k-nearest neighbours) cannot take
  a weight or split scheme: :class:`UnitSkipped`, never a run without weights;
* a sampler that cannot run on the fold as configured (SMOTE with more
  neighbours than minority rows): :class:`UnitSkipped`, never a lowered
  ``k_neighbors``;
* threshold schemes are binary only: on multiclass data :class:`UnitSkipped`.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from imblearn.pipeline import Pipeline as ImbPipeline
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, TransformerMixin, clone
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from imbalance_lab import calibration, models, resampling, thresholds, weights
from imbalance_lab.errors import (
    ConfigError,
    InvalidParameterError,
    UnitSkipped,
    close_matches,
    unknown_key,
)

#: Top-level keys that name a scheme's family; a scheme has exactly one.
FAMILIES = ("weight", "oversample", "undersample", "sampler", "split", "threshold")

#: Config names for the two "random" samplers, by family.
_RANDOM = {"oversample": "random_over", "undersample": "random_under"}

#: Which imbalanced-learn sampling types each family accepts.
_SAMPLING_TYPES = {
    "oversample": ("over-sampling",),
    "undersample": ("under-sampling", "clean-sampling"),
}

#: Class roles an explicit mapping may use instead of labels.
ROLES = ("minority", "majority")

#: Sampler parameters that may be a {label: value} mapping.
_LABEL_KEYED = ("factors", "sampling_strategy")

#: Step names in built pipelines.
SAMPLER_STEP = "resample"
COUNT_STEP = "count_rows"


# --------------------------------------------------------------------------
# Parsed scheme
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Scheme:
    """A validated scheme.

    ``label`` is the canonical name recorded in result rows; ``params`` a
    JSON-able dict of everything that defines the scheme (recorded as
    ``scheme_params``). ``family`` is ``"none"`` or one of :data:`FAMILIES`;
    ``name`` the scheme within it (``"balanced"``, ``"smote"``, ...);
    ``options`` its parameters; ``correct`` whether probabilities are mapped
    back to the training prior.
    """

    label: str
    params: dict[str, Any]
    family: str
    name: Any
    options: dict[str, Any] = field(default_factory=dict)
    correct: bool = False

    @property
    def needs_sample_weight(self) -> bool:
        """Weight and split schemes pass class weights as sample weights."""
        return self.family in ("weight", "split")

    @property
    def binary_only(self) -> bool:
        return self.family == "threshold"

    def params_json(self) -> str:
        return json.dumps(self.params, sort_keys=True)

    def label_mappings(self) -> dict[str, Mapping]:
        """The scheme's ``{label: value}`` mappings by their field under the
        scheme: ``weight`` (explicit weights), ``factors`` and
        ``sampling_strategy`` (``params.factors``, ... for a ``sampler:``)."""
        if self.family == "weight":
            return {"weight": self.name} if isinstance(self.name, Mapping) else {}
        if self.family not in ("oversample", "undersample", "sampler"):
            return {}
        params, prefix = (self.options["params"], "params.") if self.family == "sampler" else (self.options, "")
        return {f"{prefix}{key}": params[key] for key in _LABEL_KEYED if isinstance(params.get(key), Mapping)}

    def check_classes(self, y: Any, *, field: str | None = None, data: str = "y", positive: Any = None) -> None:
        """Check every ``{label: value}`` mapping of the scheme against the
        classes of ``y`` as :meth:`build` will resolve them: each key a class
        or a role, no class given twice, and every class given a weight.

        ``field`` prefixes the names in errors (``schemes[3]``); ``data`` says
        whose classes they are in messages (``data set 'ecoli1' (datasets[0])``);
        ``positive`` is the minority label, as for :meth:`build` (by default the
        least frequent class). Raises :class:`InvalidParameterError` naming the
        key (``schemes[3].weight[7]``) and its value.
        """
        if self.label_mappings():
            y, classes, counts = weights.check_labels(y, name=data)
            self._resolved_mappings(classes, _roles(classes, counts, positive), field, data)

    def _resolved_mappings(self, classes: list, roles: Mapping, field: str | None, data: str) -> dict[str, dict]:
        return {
            path: _resolve_mapping(
                mapping, classes, roles, f"{field}.{path}" if field else path, data, require_all=path == "weight"
            )
            for path, mapping in self.label_mappings().items()
        }

    def build(
        self,
        model: Any,
        y_train: Any,
        *,
        random_state: int | None,
        weight_normalisation: str = "mean",
        positive: Any = None,
    ) -> tuple[Any, dict[str, Any]]:
        """The unfitted estimator for one training fold, and its fit parameters.

        ``model`` is an unfitted classifier or the pipeline of
        :func:`imbalance_lab.models.make_model` (it is cloned, not changed).
        ``y_train`` are the labels of the training fold the estimator will be
        fitted on: class weights, resampling factors and feasibility are
        computed from them only. ``positive`` is the minority label (by
        default the least frequent class of ``y_train``, ties to the largest
        label).

        Returns ``(estimator, fit_params)``; call
        ``estimator.fit(X_train, y_train, **fit_params)``. ``fit_params`` is
        empty for every scheme here: weights are applied inside the pipeline
        (see the module docstring).

        Raises :class:`UnitSkipped` when the scheme cannot run as asked on this
        model and fold, :class:`InvalidParameterError` when its labels do not
        match the fold's classes.
        """
        if weight_normalisation not in weights.NORMALISATIONS:
            raise InvalidParameterError(
                "weight_normalisation", weight_normalisation, f"one of {weights.NORMALISATIONS}"
            )
        y, classes, counts = weights.check_labels(y_train, name="y_train")
        roles = _roles(classes, counts, positive)
        resolved = self._resolved_mappings(classes, roles, None, "the training fold")
        if self.binary_only and len(classes) != 2:
            raise UnitSkipped(f"{self.label} is binary only; the training fold has {len(classes)} classes")
        if self.needs_sample_weight and not models.accepts_sample_weight(model):
            name = type(models.final_estimator(model)).__name__
            raise UnitSkipped(
                f"{name} accepts no sample_weight, which scheme {self.label} needs; "
                "skipped rather than run without the weights"
            )

        steps = [(n, clone(s)) for n, s in model.steps] if isinstance(model, Pipeline) else [
            (models.MODEL_STEP, clone(model))
        ]
        final_name, final = steps[-1]
        sampler, class_weight = self._sampler_and_weights(y, classes, counts, roles, resolved, random_state)
        if sampler is not None:
            resampling.check_sampler_feasible(sampler, y)
        if class_weight is not None:
            final = ClassWeightedClassifier(final, class_weight=class_weight, normalisation=weight_normalisation)
        front = steps[:-1]
        if sampler is not None:
            min_rows = int(getattr(final, "n_neighbors", None) or 1)
            counter = RowCounter(min_rows=min_rows, model_name=type(final).__name__)
            front = [*front, (SAMPLER_STEP, sampler), (COUNT_STEP, counter)]
        estimator: Any = ImbPipeline([*front, (final_name, final)])
        if self.correct:
            estimator = calibration.PriorCorrectedClassifier(estimator, weights="auto")
        if self.family == "threshold":
            spec = {"threshold": self.name, **self.options}
            estimator = thresholds.make_threshold_classifier(
                estimator, spec, y, positive=roles["minority"], random_state=random_state
            )
        return estimator, {}

    def _sampler_and_weights(self, y, classes, counts, roles, resolved, random_state):
        """(sampler or None, {label: class weight} or None) for this fold;
        ``resolved`` holds the label mappings with their keys as labels."""
        if self.family == "weight":
            if isinstance(self.name, Mapping):
                return None, resolved["weight"]
            return None, weights.class_weights(y, self.name, **self.options)
        if self.family in ("oversample", "undersample", "sampler"):
            options = dict(self.options["params"] if self.family == "sampler" else self.options)
            # keys as labels: roles, and labels that JSON turned into text
            options.update({path.rpartition(".")[2]: value for path, value in resolved.items()})
            if "factor" in options:
                options["factors"] = {roles["minority"]: options.pop("factor")}
            name = _sampler_name(self.family, self.name)
            return resampling.make_sampler(name, random_state=random_state, **options), None
        if self.family == "split":
            return _split(self, classes, counts, roles, random_state)
        return None, None


def _roles(classes: list, counts: np.ndarray, positive: Any) -> dict[str, Any]:
    """{"minority": label, "majority": label} for a training fold."""
    if positive is None:
        # least frequent; ties (a balanced fold) go to the largest label, the
        # minority of binary data sets here (minority = 1)
        positive = max((c for c, n in zip(classes, counts, strict=True) if n == counts.min()), key=_sort_key)
    elif positive not in classes:
        raise InvalidParameterError("positive", positive, f"one of the training fold's classes {classes}")
    rest = [(n, c) for c, n in zip(classes, counts, strict=True) if c != positive]
    majority = max(rest, key=lambda nc: (nc[0], _sort_key(nc[1])))[1]
    return {"minority": positive, "majority": majority}


def _sort_key(label: Any) -> tuple:
    return (str(type(label)), label)


def _resolve_mapping(
    mapping: Mapping, classes: list, roles: Mapping, field_name: str, data: str, *, require_all: bool = False
) -> dict:
    """Turn role names and stringified labels (JSON turns 1 into "1") into
    labels; ``data`` names whose ``classes`` these are, for messages."""
    resolved: dict = {}
    given_as: dict = {}  # label -> the key that gave it
    by_text = {str(c): c for c in classes}
    for key, value in mapping.items():
        if key in ROLES:
            label = roles[key]
        elif key in classes:
            label = key
        elif str(key) in by_text:
            label = by_text[str(key)]
        else:
            expected = f"a class of {data}, which has classes {classes}, or a role {ROLES}"
            close = close_matches(key, ROLES, n=1) if isinstance(key, str) else []
            raise InvalidParameterError(
                f"{field_name}[{key!r}]", value, expected + (f"; did you mean {close[0]!r}?" if close else "")
            )
        if label in resolved:
            raise InvalidParameterError(
                field_name, dict(mapping),
                f"one value per class of {data}; class {label!r} is given twice, as {given_as[label]!r} and {key!r}",
            )
        resolved[label], given_as[label] = value, key
    missing = [c for c in classes if c not in resolved]
    if require_all and missing:
        raise InvalidParameterError(
            field_name, dict(mapping), f"a value for every class of {data}, which has classes {classes}; missing {missing}"
        )
    return resolved


def _split(scheme: Scheme, classes, counts, roles, random_state):
    """Copies × weight: each class's factor split by ``size_share``."""
    share = scheme.options["size_share"]
    integer = scheme.options.get("integer_size", True)
    if scheme.name == "balanced":
        # the balanced factor of each class relative to the largest: n_max / n_c
        totals = {c: float(counts.max() / n) for c, n in zip(classes, counts, strict=True)}
    else:
        totals = {c: 1.0 for c in classes}
        totals[roles["minority"]] = float(scheme.name)
    sizes, class_weight = {}, {}
    for label, total in totals.items():
        size, weight = resampling.split_factor(total, share, integer_size=integer)
        sizes[label], class_weight[label] = size, weight
    factors = {c: s for c, s in sizes.items() if s != 1}
    sampler = resampling.make_sampler("replicate", random_state=random_state, factors=factors) if factors else None
    return sampler, class_weight


# --------------------------------------------------------------------------
# Estimators used in built pipelines
# --------------------------------------------------------------------------


def _inner_has(attr: str):
    def check(self) -> bool:
        inner = getattr(self, "estimator_", self.estimator)
        return hasattr(inner, attr)

    return check


class ClassWeightedClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Fit ``estimator`` with per-row weights from class weights, computed on
    the ``y`` it is fitted on.

    Parameters
    ----------
    estimator : classifier whose ``fit`` takes ``sample_weight``.
    class_weight : mapping {label: weight}, one per class of the ``y`` given
        to ``fit``; only the ratios matter after normalisation.
    normalisation : "mean" (scale so the mean row weight over ``y`` is 1) or
        "none" (use as given); see :func:`imbalance_lab.weights.normalise_class_weights`.

    Attributes
    ----------
    estimator_ : the fitted clone; ``class_weight_`` the weights applied;
    ``classes_``.
    """

    def __init__(self, estimator, class_weight, normalisation="mean"):
        self.estimator = estimator
        self.class_weight = class_weight
        self.normalisation = normalisation

    def fit(self, X, y):
        self.class_weight_ = weights.normalise_class_weights(self.class_weight, y, how=self.normalisation)
        sample_weight = weights.sample_weights(y, self.class_weight_)
        self.estimator_ = clone(self.estimator).fit(X, y, sample_weight=sample_weight)
        self.classes_ = self.estimator_.classes_
        if hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        return self

    def predict(self, X):
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(X)

    @available_if(_inner_has("predict_proba"))
    def predict_proba(self, X):
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)

    @available_if(_inner_has("decision_function"))
    def decision_function(self, X):
        check_is_fitted(self, "estimator_")
        return self.estimator_.decision_function(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags = get_tags(self.estimator).input_tags
        return tags


class RowCounter(TransformerMixin, BaseEstimator):
    """Pass-through step after a sampler: records how many rows the model is
    fitted on (``n_rows_``), which imbalanced-learn's pipeline does not keep.

    ``min_rows`` is the fewest rows the model can be fitted on (k-nearest
    neighbours need ``n_neighbors``): an under-sampler that leaves fewer makes
    the unit a recorded skip, rather than an error inside the model's fit.
    """

    def __init__(self, min_rows: int = 1, model_name: str = "the model"):
        self.min_rows = min_rows
        self.model_name = model_name

    def fit(self, X, y=None):
        self.n_rows_ = int(X.shape[0])
        if self.n_rows_ < self.min_rows:
            raise UnitSkipped(
                f"after resampling the training fold has {self.n_rows_} rows, fewer than the "
                f"{self.min_rows} that {self.model_name} needs; n_neighbors is not lowered"
            )
        return self

    def transform(self, X):
        return X


def fitted_train_rows(estimator: Any) -> int | None:
    """Rows the model inside a fitted built estimator was fitted on after
    resampling, or None when the pipeline has no sampler (then: the fold)."""
    while not isinstance(estimator, Pipeline) and hasattr(estimator, "estimator_"):
        estimator = estimator.estimator_
    if isinstance(estimator, Pipeline) and COUNT_STEP in estimator.named_steps:
        return estimator.named_steps[COUNT_STEP].n_rows_
    return None


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    """A parameter value as it appears in a label."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{k}={_fmt(v)}" for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))) + "}"
    return str(value)


def _label(family: str, name: Any, options: Mapping[str, Any], correct: bool) -> str:
    if family == "none":
        text = "none"
    else:
        text = f"{family}:{'explicit' if isinstance(name, Mapping) else _fmt(name)}"
        if isinstance(name, Mapping):
            args = dict(name)
        elif family == "sampler":
            args = dict(options.get("params", {}))
        else:
            args = dict(options)
        if args:
            text += "(" + ",".join(f"{k}={_fmt(v)}" for k, v in sorted(args.items(), key=lambda kv: str(kv[0]))) + ")"
    return text + ("+correct" if correct else "")


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _config_error(exc: InvalidParameterError, field_name: str, rename: Mapping[str, str] | None = None) -> ConfigError:
    """Re-raise a library error as a config error under the scheme's field."""
    name = str(exc.name)
    for old, new in (rename or {}).items():
        if name == old or name.startswith((old + "[", old + ".")):
            name = new + name[len(old):]
            break
    else:
        name = f"{field_name}.{name}"
    error = ConfigError(name, exc.value, exc.expected)
    error.__cause__ = exc
    return error


def _not_a_scheme(field_name: str, spec: Any) -> ConfigError:
    expected = f"'none' or a mapping with one of the keys {FAMILIES}"
    if isinstance(spec, str) and close_matches(spec, ["none"], n=1):
        expected += "; did you mean 'none'?"
    return ConfigError(field_name, spec, expected)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parse_scheme(spec: Any, field: str = "scheme") -> Scheme:
    """Validate one scheme spec (see the module docstring) and return it parsed.

    Raises :class:`ConfigError` naming ``field`` (or ``field.key``) and the
    value for an unknown family, name or key, a bad parameter value, or a
    list-valued parameter (expand those with :func:`expand_scheme`).
    """
    if isinstance(spec, Scheme):
        return spec
    if isinstance(spec, str) and spec == "none":
        return Scheme(label="none", params={"family": "none"}, family="none", name="none")
    if not isinstance(spec, Mapping):
        raise _not_a_scheme(field, spec)
    families = [k for k in FAMILIES if k in spec]
    if len(families) != 1:
        if not families:
            unknown = [k for k in spec if k != "correct"]
            if unknown:
                key = unknown[0]
                raise unknown_key(f"{field}.{key}", key, spec[key], FAMILIES, "scheme key", error=ConfigError)
            raise ConfigError(field, dict(spec), f"one of the keys {FAMILIES}")
        raise ConfigError(
            field, dict(spec),
            f"exactly one of {FAMILIES}; got {families} (copies with weights: use split with size_share)",
        )
    family = families[0]
    correct = spec.get("correct", False)
    if not isinstance(correct, bool):
        raise ConfigError(f"{field}.correct", correct, "true or false")
    name = spec[family]
    options = {k: v for k, v in spec.items() if k not in (family, "correct")}
    for key, value in options.items():
        if isinstance(value, list):
            raise ConfigError(f"{field}.{key}", value, "a single value here (expand_scheme expands lists)")
    options = _PARSERS[family](name, options, field)
    params = _jsonable({"family": family, "name": name, **options, "correct": correct})
    scheme = Scheme(
        label=_label(family, name, options, correct),
        params=params,
        family=family,
        name=name,
        options=options,
        correct=correct,
    )
    for path, mapping in scheme.label_mappings().items():
        _check_mapping_keys(mapping, f"{field}.{path}")
    return scheme


def _check_mapping_keys(mapping: Mapping, field_name: str) -> None:
    """Refuse a ``{label: value}`` mapping keyed by roles and labels at once
    (``{minority: 3, 0: 1}``), or by labels both as numbers and as text
    (``{0: 1, '1': 5}``): which class a role is depends on the fold, and
    keys of mixed types cannot be sorted when the unit's notebook is written.
    A text key close to a role (``minorty``) is left to :meth:`Scheme.check_classes`,
    which names it with the role meant."""
    roles = [key for key in mapping if isinstance(key, str) and key in ROLES]
    labels = [
        key for key in mapping
        if not (isinstance(key, str) and (key in ROLES or close_matches(key, ROLES, n=1)))
    ]
    if roles and labels:
        raise ConfigError(
            field_name, dict(mapping),
            f"a mapping keyed by roles {ROLES} or by class labels, not both; "
            f"it has the role {roles[0]!r} and the label {labels[0]!r}",
        )
    text = [key for key in labels if isinstance(key, str)]
    numbers = [key for key in labels if not isinstance(key, str)]
    if text and numbers:
        raise ConfigError(
            field_name, dict(mapping),
            f"class labels written alike, all as numbers or all as text; it has the number {numbers[0]!r} "
            f"and the text {text[0]!r}",
        )


def _parse_weight(name: Any, options: dict, field_name: str) -> dict:
    if isinstance(name, Mapping):
        if options:
            key = next(iter(options))
            raise ConfigError(f"{field_name}.{key}", options[key], "no other key with an explicit weight mapping")
    elif not isinstance(name, str):
        raise ConfigError(f"{field_name}.weight", name, "a weight scheme name or a {label: weight} mapping")
    try:
        weights.check_scheme(name, **options)
    except InvalidParameterError as exc:
        raise _config_error(exc, field_name, {"scheme": f"{field_name}.weight"}) from None
    return options


def _parse_sampler(family: str):
    def parse(name: Any, options: dict, field_name: str) -> dict:
        if not isinstance(name, str):
            raise ConfigError(f"{field_name}.{family}", name, "a sampler name")
        if family == "sampler":
            unknown = [k for k in options if k != "params"]
            if unknown:
                raise ConfigError(f"{field_name}.{unknown[0]}", options[unknown[0]], "only 'params' beside 'sampler'")
            params = options.get("params") or {}
            if not isinstance(params, Mapping):
                raise ConfigError(f"{field_name}.params", params, "a mapping of sampler parameters")
            prefix = f"{field_name}.params"
        else:
            params = options
            prefix = field_name
        probe = dict(params)
        if "factor" in probe:
            factor = probe.pop("factor")
            if _sampler_name(family, name) != "replicate" or "factors" in probe:
                raise ConfigError(f"{prefix}.factor", factor, "factor goes with replicate, and not with factors")
            try:
                resampling.check_factor("factor", factor)
            except InvalidParameterError as exc:
                raise _config_error(exc, prefix) from None
        try:
            sampler = resampling.make_sampler(_sampler_name(family, name), **probe)
        except InvalidParameterError as exc:
            # make_sampler names a parameter by its path under params (params.k_neighbors=-1)
            rename = {"name": f"{field_name}.{family}", "params": prefix}
            raise _config_error(exc, prefix, rename) from None
        allowed = _SAMPLING_TYPES.get(family)
        kind = getattr(sampler, "_sampling_type", None)
        if allowed and kind not in allowed:
            raise ConfigError(
                f"{field_name}.{family}", name,
                f"an {family}r ({', '.join(allowed)}); {name} is {kind}: name it with 'sampler:' instead",
            )
        return {"params": dict(params)} if family == "sampler" else dict(params)

    return parse


def _sampler_name(family: str, name: str) -> str:
    """The registry name behind a config name ("random" means two samplers)."""
    return _RANDOM.get(family, name) if name == "random" else name


def _parse_split(name: Any, options: dict, field_name: str) -> dict:
    if name != "balanced" and not (_is_number(name) and name >= 1):
        raise ConfigError(f"{field_name}.split", name, "'balanced' or a total factor >= 1")
    unknown = [k for k in options if k not in ("size_share", "integer_size")]
    if unknown:
        key = unknown[0]
        raise unknown_key(
            f"{field_name}.{key}", key, options[key], ("size_share", "integer_size"), "key of split", error=ConfigError
        )
    if "size_share" not in options:
        raise ConfigError(f"{field_name}.size_share", None, "a number in [0, 1] (1 = all copies, 0 = all weight)")
    if not isinstance(options.get("integer_size", True), bool):
        raise ConfigError(f"{field_name}.integer_size", options["integer_size"], "true or false")
    try:
        resampling.split_factor(2.0, options["size_share"])
    except InvalidParameterError as exc:
        raise _config_error(exc, field_name) from None
    if name != "balanced":
        # the copies part of a total factor: even a one-row minority class is
        # copied that often (a balanced split is bounded by the data instead)
        size, _ = resampling.split_factor(name, options["size_share"], options.get("integer_size", True))
        try:
            resampling.check_output_fits(
                math.floor(size + 0.5), resampling.MIN_ROW_BYTES, "split", name, at_least=True
            )
        except InvalidParameterError as exc:
            raise _config_error(exc, field_name) from None
    return options


def _parse_threshold(name: Any, options: dict, field_name: str) -> dict:
    try:
        checked = thresholds.check_threshold_spec({"threshold": name, **options}, field=field_name)
    except InvalidParameterError as exc:
        raise ConfigError(exc.name, exc.value, exc.expected) from None
    # keep the keys the config gave (labels), with the values as checked
    return {k: checked[k] for k in options}


_PARSERS = {
    "weight": _parse_weight,
    "oversample": _parse_sampler("oversample"),
    "undersample": _parse_sampler("undersample"),
    "sampler": _parse_sampler("sampler"),
    "split": _parse_split,
    "threshold": _parse_threshold,
}


def expand_scheme(spec: Any, field: str = "scheme") -> list[Scheme]:
    """Parse a scheme whose parameters may be lists: one scheme per
    combination (``{split: balanced, size_share: [0, 0.613, 1]}`` gives three).
    """
    if not isinstance(spec, Mapping):
        return [parse_scheme(spec, field)]
    listed = {k: v for k, v in spec.items() if isinstance(v, list)}
    for key, values in listed.items():
        if not values:
            raise ConfigError(f"{field}.{key}", values, "a non-empty list")
    if not listed:
        return [parse_scheme(spec, field)]
    keys = list(listed)
    return [
        parse_scheme({**spec, **dict(zip(keys, combo, strict=True))}, field)
        for combo in itertools.product(*(listed[k] for k in keys))
    ]
