"""Classifier registry: a model name (or import path) and its hyper-parameters
become a scikit-learn pipeline ``impute -> [scale] -> model``.

Why every model gets the same front:

* ``impute`` (median :class:`~sklearn.impute.SimpleImputer`): user CSVs may
  hold missing values, and the samplers that a scheme puts between the front
  and the model (SMOTE and friends) cannot take NaN. It is a no-op on complete
  data. Trees and boosting could handle NaN natively, but imputing for every
  model keeps the comparison of models on the same features.
* ``scale`` (:class:`~sklearn.preprocessing.StandardScaler`) only for models
  whose fit depends on the feature scale (penalised linear models, distances).

Schemes insert their sampler just before the ``model`` step (see
:mod:`imbalance_lab.schemes`), so a sampler sees imputed, scaled features and
the scaler is fitted on the training fold as it was, the same for copies and
for weights (which keeps "k copies = weight k" exact for linear models).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sklearn.base import clone, is_classifier
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.validation import has_fit_parameter

from imbalance_lab.errors import InvalidParameterError, UnknownNameError, unknown_key

#: Name of the final step of every model pipeline (schemes rely on it).
MODEL_STEP = "model"


@dataclass(frozen=True)
class ModelEntry:
    """A registered model: its class, whether it needs scaled features, and
    the defaults we set on top of scikit-learn's (each with the reason)."""

    factory: Callable[..., Any]
    scale: bool
    defaults: Mapping[str, Any] = field(default_factory=dict)


MODELS: dict[str, ModelEntry] = {
    # lbfgs' default 100 iterations stop short on some KEEL sets at high weights.
    "logistic_regression": ModelEntry(LogisticRegression, scale=True, defaults={"max_iter": 1000}),
    # LinearSVC has no predict_proba: its probability metrics are NaN with a
    # reason rather than quietly wrapped in a calibrator.
    "linear_svm": ModelEntry(LinearSVC, scale=True, defaults={"max_iter": 10000}),
    "decision_tree": ModelEntry(DecisionTreeClassifier, scale=False),
    "random_forest": ModelEntry(RandomForestClassifier, scale=False),
    "hist_gradient_boosting": ModelEntry(HistGradientBoostingClassifier, scale=False),
    "knn": ModelEntry(KNeighborsClassifier, scale=True),
    "gaussian_nb": ModelEntry(GaussianNB, scale=False),
}

_SPEC_KEYS = ("name", "params", "scale")


@dataclass(frozen=True)
class ModelSpec:
    """A validated model spec.

    ``name`` is the registry name or the import path ``"package.module:Class"``;
    ``params`` the hyper-parameters we set (registry defaults, then the
    config's); ``scale`` whether a StandardScaler precedes the model.
    """

    name: str
    params: Mapping[str, Any]
    scale: bool

    def params_json(self) -> str:
        """The parameters as a JSON string with sorted keys (a result column)."""
        return json.dumps(dict(self.params), sort_keys=True, default=repr)


def _import_class(path: str, field_name: str) -> type:
    module_name, _, attr = path.partition(":")
    if not module_name or not attr:
        raise InvalidParameterError(field_name, path, "an import path must look like 'package.module:ClassName'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InvalidParameterError(field_name, path, f"module {module_name!r} cannot be imported ({exc})") from None
    try:
        cls = getattr(module, attr)
    except AttributeError:
        raise InvalidParameterError(field_name, path, f"module {module_name!r} has no attribute {attr!r}") from None
    if not isinstance(cls, type):
        raise InvalidParameterError(field_name, path, "must name a class")
    return cls


def _resolve(name: Any, field_name: str) -> tuple[type, bool, Mapping[str, Any]]:
    """(class, scale by default, registry defaults) for a name or import path."""
    if not isinstance(name, str) or not name:
        raise InvalidParameterError(field_name, name, "a model name (string)")
    if ":" in name:
        cls = _import_class(name, field_name)
        try:
            probe = cls()
        except Exception as exc:  # a class that cannot be built with defaults is no estimator
            raise InvalidParameterError(field_name, name, f"{cls.__name__}() fails: {exc}") from None
        if not is_classifier(probe):
            raise InvalidParameterError(field_name, name, "must be a scikit-learn classifier")
        # We cannot know whether a foreign model needs scaling: the config says.
        return cls, False, {}
    if name not in MODELS:
        raise UnknownNameError(field_name, name, MODELS, kind="model")
    entry = MODELS[name]
    return entry.factory, entry.scale, entry.defaults


def _check_params(cls: type, params: Mapping[str, Any], field_name: str) -> None:
    """Fail early, naming the parameter, on an unknown or out-of-range value.

    Each parameter is checked on its own, on an otherwise default estimator,
    so that the error names the one that is wrong. Range checks use
    scikit-learn's declarative constraints (``_validate_params``) where the
    estimator declares them; cross-parameter rules are only checked at fit.
    """
    valid = set(cls().get_params(deep=False))
    for key, value in params.items():
        if not isinstance(key, str) or key not in valid:
            raise unknown_key(
                f"{field_name}.params.{key}", key, params[key], valid, kind=f"parameter of {cls.__name__}"
            )
        probe = cls()
        try:
            probe.set_params(**{key: value})
            validate = getattr(probe, "_validate_params", None)
            if validate is not None:
                validate()
        except (ValueError, TypeError) as exc:
            raise InvalidParameterError(f"{field_name}.params.{key}", value, str(exc)) from None


def validate_model_spec(spec: Any, field: str = "model") -> ModelSpec:
    """Check a model spec without fitting anything; return it normalised.

    Accepted: ``"knn"``, ``"sklearn.svm:SVC"``, or
    ``{"name": ..., "params": {...}, "scale": bool}`` (``params`` and
    ``scale`` optional). Raises :class:`UnknownNameError` for an unknown name
    or parameter and :class:`InvalidParameterError` for a bad value.
    """
    if isinstance(spec, ModelSpec):
        return spec
    if isinstance(spec, str):
        spec = {"name": spec}
    if not isinstance(spec, Mapping):
        raise InvalidParameterError(field, spec, "a model name or a mapping with 'name' and optional 'params', 'scale'")
    unknown = [k for k in spec if k not in _SPEC_KEYS]
    if unknown:
        raise unknown_key(f"{field}.{unknown[0]}", unknown[0], spec[unknown[0]], _SPEC_KEYS, kind="model key")
    if "name" not in spec:
        raise InvalidParameterError(f"{field}.name", None, "a model name is required")
    name = spec["name"]
    cls, scale, defaults = _resolve(name, f"{field}.name")
    params = spec.get("params") or {}
    if not isinstance(params, Mapping):
        raise InvalidParameterError(f"{field}.params", params, "a mapping of hyper-parameters")
    scale = spec.get("scale", scale)
    if not isinstance(scale, bool):
        raise InvalidParameterError(f"{field}.scale", scale, "true or false")
    merged = {**defaults, **params}
    _check_params(cls, merged, field)
    return ModelSpec(name=name, params=merged, scale=scale)


def make_model(spec: Any, random_state: int | None = None) -> Pipeline:
    """Build an unfitted pipeline ``impute -> [scale] -> model`` from a spec.

    ``random_state`` is set on the estimator when it has that parameter and
    the spec did not fix it itself (an explicit value in the config wins).
    """
    model_spec = validate_model_spec(spec)
    cls, _, _ = _resolve(model_spec.name, "model.name")
    params = dict(model_spec.params)
    estimator = cls(**params)
    if "random_state" in estimator.get_params(deep=False) and "random_state" not in params:
        estimator.set_params(random_state=random_state)
    steps: list[tuple[str, Any]] = [("impute", SimpleImputer(strategy="median"))]
    if model_spec.scale:
        steps.append(("scale", StandardScaler()))
    steps.append((MODEL_STEP, estimator))
    return Pipeline(steps)


def final_estimator(estimator: Any) -> Any:
    """The last step of a (possibly nested) pipeline, or the estimator itself."""
    while isinstance(estimator, Pipeline):
        estimator = estimator.steps[-1][1]
    return estimator


def accepts_sample_weight(estimator: Any) -> bool:
    """Whether the model at the end of ``estimator`` takes ``sample_weight`` in fit."""
    return has_fit_parameter(final_estimator(estimator), "sample_weight")


def has_predict_proba(estimator: Any) -> bool:
    """Whether the model at the end of ``estimator`` gives class probabilities.

    Checked on an unfitted clone's ``predict_proba`` attribute: estimators
    such as SVC expose it only when ``probability=True``.
    """
    try:
        return hasattr(clone(final_estimator(estimator)), "predict_proba")
    except Exception:  # an estimator whose hasattr raises has no usable predict_proba
        return False

