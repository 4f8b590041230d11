"""Does "minority copied k times" give the same fitted model as "minority weight k"?

For every classifier found (scikit-learn's ``all_estimators`` plus the
imbalanced-learn ensembles) this module fits one reference and three variants
on the same training rows and compares their outputs on held-out rows:

* ``copies`` (the reference): every minority row present k times, no weights;
* ``sample_weight``: original rows, minority ``sample_weight`` k;
* ``class_weight``: original rows, ``class_weight={majority: 1, minority: k}``;
* ``split``: minority rows present s times, each with weight k/s
  (``resampling.split_factor``), the seed's "6x = 3x size + 2x weight".

The verdict is measured, never looked up:

* ``exact``: at the same ``random_state`` the held-out scores differ by at most
  ``tolerance`` (relative to the score scale, see :func:`compare_outputs`) and
  every held-out prediction agrees;
* ``equal_in_distribution``: not exact, the estimator is random (its output
  changes with ``random_state``), and a two-sample permutation test over
  ``n_seeds`` independent fits per arm does not reject equality of the
  held-out score distributions at level ``alpha`` (:func:`permutation_test`);
* ``not_equivalent``: otherwise -- a deterministic estimator whose outputs
  differ, or a random one whose distributions differ;
* ``no_sample_weight``: ``fit`` takes no ``sample_weight``;
* ``not_applicable``: the variant needs a parameter the estimator lacks
  (``class_weight``);
* ``not_audited``: the estimator could not be built or fitted; ``reason`` says why.

Why the mechanism is named is in :mod:`imbalance_lab.audit.mechanisms`.
"""

from __future__ import annotations

import inspect
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin, clone
from sklearn.preprocessing import KBinsDiscretizer, MinMaxScaler, StandardScaler
from sklearn.utils import get_tags
from sklearn.utils.validation import has_fit_parameter

from imbalance_lab.audit.mechanisms import CLASS_DEFAULT, explain, extra_configs
from imbalance_lab.errors import InvalidParameterError, UnknownNameError, close_matches
from imbalance_lab.resampling import ReplicationSampler, split_factor
from imbalance_lab.weights import check_integer, check_number, plain_label

VARIANTS = ("sample_weight", "class_weight", "split")
VERDICTS = (
    "exact",
    "equal_in_distribution",
    "not_equivalent",
    "no_sample_weight",
    "not_applicable",
    "not_audited",
)
#: Offset between the seeds of the reference arm and of the variant arm in the
#: distribution test, so that the two samples of fits are independent.
VARIANT_SEED_OFFSET = 10_000


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditData:
    """Training and held-out rows of a binary problem, pre-processed once.

    The three input forms (standardised, min-max scaled to [0, 1] for
    estimators that take only non-negative input, integer bins for
    categorical ones) are fitted on the training rows, unweighted, *before*
    any variant is built, so every arm of a comparison sees identical inputs.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    minority: Any
    majority: Any
    forms: dict = field(repr=False)  # input form -> (X_train, X_test)

    def inputs(self, estimator) -> tuple[np.ndarray, np.ndarray]:
        """(X_train, X_test) in the form the estimator's tags ask for."""
        tags = get_tags(estimator).input_tags
        if tags.categorical:
            return self.forms["categorical"]
        if tags.positive_only:
            return self.forms["positive"]
        return self.forms["standard"]


def make_audit_data(
    dataset: Any = "synthetic",
    *,
    n_train: int = 300,
    n_test: int = 200,
    minority_share: float = 0.1,
    n_features: int = 6,
    random_state: int = 0,
) -> AuditData:
    """Binary audit data: ``"synthetic"`` (``make_classification``) or any data
    set spec that :func:`imbalance_lab.datasets.load_spec` accepts.

    A real data set is split (stratified) into at most ``n_train`` training and
    ``n_test`` held-out rows; ``minority_share`` and ``n_features`` apply to
    the synthetic data only.
    """
    check_sizes(n_train, n_test, random_state)
    check_number("minority_share", minority_share, "a share in (0, 0.5)", lambda v: 0 < v < 0.5)
    from sklearn.model_selection import train_test_split

    if dataset == "synthetic":
        from sklearn.datasets import make_classification

        X, y = make_classification(
            n_samples=n_train + n_test,
            n_features=n_features,
            n_informative=max(2, n_features - 2),
            n_redundant=min(1, n_features - 2),
            weights=[1 - minority_share],
            flip_y=0.02,
            class_sep=1.0,
            random_state=random_state,
        )
        name = f"synthetic(n={n_train + n_test}, minority_share={minority_share})"
    else:
        X, y, name = load_dataset(dataset)
    labels, counts = np.unique(y, return_counts=True)
    test_size = min(n_test, len(y) // 3)
    train_size = min(n_train, len(y) - test_size)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, train_size=train_size, test_size=test_size, stratify=y, random_state=random_state
    )
    minority, majority = labels[np.argmin(counts)], labels[np.argmax(counts)]
    return AuditData(
        name=str(name),
        X_train=X_tr,
        y_train=y_tr,
        X_test=X_te,
        y_test=y_te,
        minority=minority,
        majority=majority,
        forms=_input_forms(X_tr, X_te),
    )


def check_sizes(n_train, n_test, random_state=0) -> None:
    """The sizes and seed :func:`make_audit_data` takes: ``n_train`` and
    ``n_test`` integers >= 20, ``random_state`` an integer >= 0."""
    check_integer("n_train", n_train, 20)
    check_integer("n_test", n_test, 20)
    check_integer("random_state", random_state, 0)


def load_dataset(dataset: Any) -> tuple[np.ndarray, np.ndarray, str]:
    """``(X, y, name)`` of a binary data set spec (not ``"synthetic"``), as
    :func:`make_audit_data` audits it. An unknown name raises
    :class:`UnknownNameError` with the close names, a bad spec or a data set
    with other than two classes :class:`InvalidParameterError`, all naming
    ``dataset``."""
    try:
        from imbalance_lab import datasets
    except ImportError as exc:  # the data-set registry is not installed here
        raise InvalidParameterError(
            "dataset",
            dataset,
            f"'synthetic' (imbalance_lab.datasets cannot be imported: {exc})",
        ) from exc
    loaded = datasets.load_spec(dataset, field="dataset", error=InvalidParameterError)
    n_classes = np.unique(loaded.y).size
    if n_classes != 2:
        hint = ""
        if isinstance(dataset, str):
            others = [n for n in datasets.registered_names() if n != dataset]
            close = ([n for n in others if n.startswith(dataset)] or close_matches(dataset, others))[:5]
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise InvalidParameterError(
            "dataset", dataset, f"a binary data set (it has {n_classes} classes){hint}"
        )
    return loaded.X, loaded.y, loaded.name


def _input_forms(X_tr: np.ndarray, X_te: np.ndarray) -> dict:
    forms = {}
    for form, transformer in (
        ("standard", StandardScaler()),
        ("positive", MinMaxScaler(clip=True)),
        (
            "categorical",
            KBinsDiscretizer(
                n_bins=5,
                encode="ordinal",
                strategy="quantile",
                quantile_method="averaged_inverted_cdf",
            ),
        ),
    ):
        with warnings.catch_warnings():
            # discrete features give (expected) "bins too small, removed" warnings
            warnings.simplefilter("ignore", UserWarning)
            fitted = transformer.fit(X_tr)
        train, test = fitted.transform(X_tr), fitted.transform(X_te)
        if form == "categorical":
            train, test = train.astype(np.int64), test.astype(np.int64)
        forms[form] = (train, test)
    return forms


# --------------------------------------------------------------------------
# the estimators
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One estimator class in one parameter configuration.

    ``config`` is ``"default"`` or the parameters set on top of the defaults
    (e.g. ``"min_samples_leaf=5"``); ``reason`` is set when the estimator
    cannot be audited as found (it is recorded, never skipped silently).
    """

    name: str
    source: str
    cls: type
    params: dict = field(default_factory=dict)
    constructor_args: dict = field(default_factory=dict)
    reason: str | None = None

    @property
    def config(self) -> str:
        return format_params(self.params)

    @property
    def accepts_sample_weight(self) -> bool:
        return has_fit_parameter(self.cls, "sample_weight")

    @property
    def accepts_class_weight(self) -> bool:
        return "class_weight" in inspect.signature(self.cls).parameters

    def build(self):
        estimator = self.cls(**{k: clone(v) for k, v in self.constructor_args.items()})
        return estimator.set_params(**self.params)

    def with_params(self, **params) -> Candidate:
        return Candidate(
            self.name, self.source, self.cls, {**self.params, **params}, self.constructor_args
        )


def format_params(params: dict) -> str:
    if not params:
        return "default"
    return ", ".join(f"{k}={_param_text(v)}" for k, v in params.items())


def _param_text(value) -> str:
    if isinstance(value, type):
        return value.__name__
    return repr(value)  # an estimator's repr shows its non-default parameters


def _constructor_defaults() -> dict[str, dict]:
    """Meta-estimators that cannot be built without a sub-estimator get the
    simplest one whose weighted fit is known to be exact (logistic regression),
    so that what the audit measures is the meta-estimator's own handling."""
    from sklearn.linear_model import LogisticRegression

    return {
        "MultiOutputClassifier": {"estimator": LogisticRegression()},
        "ClassifierChain": {"estimator": LogisticRegression()},
        "OneVsRestClassifier": {"estimator": LogisticRegression()},
        "OneVsOneClassifier": {"estimator": LogisticRegression()},
        "OutputCodeClassifier": {"estimator": LogisticRegression()},
        "FixedThresholdClassifier": {"estimator": LogisticRegression()},
        "TunedThresholdClassifierCV": {"estimator": LogisticRegression()},
        "SelfTrainingClassifier": {"estimator": LogisticRegression()},
        "StackingClassifier": {"estimators": [("lr", LogisticRegression())]},
        "VotingClassifier": {"estimators": [("lr", LogisticRegression())]},
    }


def enumerate_classifiers(include_imblearn: bool = True) -> list[Candidate]:
    """Every classifier scikit-learn's ``all_estimators`` finds, plus the
    imbalanced-learn classifiers (its ensembles), each in its default
    configuration. Nothing is filtered out: one that takes no
    ``sample_weight`` or cannot be built is kept with a reason."""
    from sklearn.utils import all_estimators

    found = [("scikit-learn", n, c) for n, c in all_estimators(type_filter="classifier")]
    if include_imblearn:
        found += _imblearn_classifiers()
    defaults = _constructor_defaults()
    candidates = []
    for source, name, cls in found:
        args = defaults.get(name, {})
        reason = None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)  # deprecated classes still count
                cls(**args)
        except TypeError as exc:  # a required constructor argument we have no default for
            reason = f"needs constructor args: {exc}"
        candidates.append(Candidate(name, source, cls, {}, args, reason))
    return candidates


def _imblearn_classifiers() -> list[tuple[str, str, type]]:
    try:
        from imblearn.utils.testing import all_estimators as imblearn_estimators
    except ImportError:  # recorded by the caller as "not found"; the audit goes on
        return []
    return sorted(
        ("imbalanced-learn", name, cls)
        for name, cls in imblearn_estimators()
        if issubclass(cls, ClassifierMixin)
    )


def select(candidates: Iterable[Candidate], names: Sequence[str] | None) -> list[Candidate]:
    """The candidates whose class name is in ``names`` (all when None), in the
    order of ``names``; an unknown name raises :class:`UnknownNameError`."""
    candidates = list(candidates)
    if names is None:
        return candidates
    by_name = {c.name: c for c in candidates}
    for name in names:
        if name not in by_name:
            raise UnknownNameError("estimators", name, by_name, kind="classifier")
    return [by_name[n] for n in names]


# --------------------------------------------------------------------------
# the variants
# --------------------------------------------------------------------------


def replicate_minority(X, y, minority, factor: int):
    """Rows of ``minority`` present ``factor`` times in all, by
    :class:`~imbalance_lab.resampling.ReplicationSampler` (exact copies: the
    originals first, then the copies). Returns ``(X, y, origin)`` with
    ``origin`` the training row behind every output row."""
    sampler = ReplicationSampler(factors={plain_label(minority): factor})
    X_out, y_out = sampler.fit_resample(X, y)
    return X_out, y_out, sampler.sample_indices_


#: Value of a ``cv`` parameter that the audit replaces, per arm, by explicit
#: folds in which every copy of a row sits in the fold of its original (the
#: grouping scikit-learn's own equivalence check uses for estimators with an
#: internal cross-validation).
GROUPED_CV = "grouped_by_origin"
N_GROUPED_FOLDS = 5


@dataclass(frozen=True)
class Arm:
    """The training set and fit arguments of one arm of a comparison.

    ``folds`` holds, per training row, the fold of the original row it copies
    (used only when the estimator's ``cv`` is :data:`GROUPED_CV`).
    """

    X: np.ndarray
    y: np.ndarray
    sample_weight: np.ndarray | None
    params: dict
    folds: np.ndarray

    def grouped_splits(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [
            (np.flatnonzero(self.folds != f), np.flatnonzero(self.folds == f))
            for f in range(N_GROUPED_FOLDS)
        ]


def build_arms(
    data: AuditData, X_train: np.ndarray, factor: int, size_share: float
) -> dict[str, Arm]:
    """The reference (``copies``) and the three variants as training sets."""
    from sklearn.model_selection import StratifiedKFold

    y, lo, hi = data.y_train, data.minority, data.majority
    fold_of = np.empty(len(y), dtype=int)
    splitter = StratifiedKFold(N_GROUPED_FOLDS, shuffle=True, random_state=0)
    for fold, (_, test) in enumerate(splitter.split(X_train, y)):
        fold_of[test] = fold
    X_rep, y_rep, rep_origin = replicate_minority(X_train, y, lo, factor)
    size, weight = split_factor(factor, size_share, integer_size=True)
    X_split, y_split, split_origin = replicate_minority(X_train, y, lo, size)
    return {
        "copies": Arm(X_rep, y_rep, None, {}, fold_of[rep_origin]),
        "sample_weight": Arm(X_train, y, np.where(y == lo, float(factor), 1.0), {}, fold_of),
        "class_weight": Arm(
            X_train, y, None, {"class_weight": {hi: 1.0, lo: float(factor)}}, fold_of
        ),
        "split": Arm(
            X_split, y_split, np.where(y_split == lo, weight, 1.0), {}, fold_of[split_origin]
        ),
    }


def with_seed(estimator, seed: int):
    """Set every ``*random_state`` parameter (nested ones too) to ``seed``."""
    keys = [k for k in estimator.get_params(deep=True) if k.endswith("random_state")]
    return estimator.set_params(**dict.fromkeys(keys, seed)) if keys else estimator


def fit_outputs(estimator, arm: Arm, X_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fit a fresh clone on the arm, return (held-out scores, predictions).

    The score is ``predict_proba`` of the last class where the estimator has
    it, otherwise ``decision_function``.
    """
    est = clone(estimator).set_params(**arm.params)
    if est.get_params().get("cv") == GROUPED_CV:
        est.set_params(cv=arm.grouped_splits())
    y = arm.y
    multi_output = (
        get_tags(est).target_tags.multi_output and not get_tags(est).target_tags.single_output
    )
    if multi_output:  # e.g. MultiOutputClassifier: one target column
        y = y.reshape(-1, 1)
    kwargs = {} if arm.sample_weight is None else {"sample_weight": arm.sample_weight}
    est.fit(arm.X, y, **kwargs)
    predictions = np.asarray(est.predict(X_test)).reshape(len(X_test), -1)[:, 0]
    if hasattr(est, "predict_proba"):
        proba = est.predict_proba(X_test)
        proba = proba[0] if isinstance(proba, list) else proba
        scores = np.asarray(proba)[:, -1]
    else:
        scores = np.asarray(est.decision_function(X_test)).reshape(len(X_test), -1)[:, -1]
    return scores.astype(float), predictions


def compare_outputs(ref_scores, ref_pred, scores, pred) -> dict:
    """Largest absolute score difference, the same relative to the scale of the
    reference scores (``max |a - b| / max(1, max |a|)``: equal to the absolute
    difference for probabilities, scale-free for decision functions), and the
    rate at which held-out predictions agree."""
    diff = float(np.max(np.abs(ref_scores - scores)))
    scale = max(1.0, float(np.max(np.abs(ref_scores))))
    return {
        "max_abs_diff": diff,
        "relative_diff": diff / scale,
        "agreement": float(np.mean(ref_pred == pred)),
    }


# --------------------------------------------------------------------------
# the distribution test
# --------------------------------------------------------------------------


def permutation_test(
    A: np.ndarray, B: np.ndarray, *, n_permutations: int = 999, random_state: int = 0
) -> tuple[float, float]:
    """Two-sample permutation test of "fits of arm A and fits of arm B have the
    same distribution of held-out scores".

    ``A`` and ``B`` are (fits x held-out rows). The statistic is
    ``sum_j (mean_A_j - mean_B_j)**2 / s2_j`` with ``s2_j`` the variance of
    row j over all fits pooled (left out where it is 0). Under the null the
    2n fits are i.i.d. (each arm uses its own seeds), so every relabelling is
    equally likely and the p-value ``(1 + #{T_perm >= T}) / (1 + P)`` is exact
    for any statistic; this one sums standardised mean shifts over held-out
    rows, so a systematic shift on any of them counts. Returns (T, p).
    """
    A, B = np.asarray(A, float), np.asarray(B, float)
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[1]:
        raise InvalidParameterError("A, B", (A.shape, B.shape), "2-D arrays with equal columns")
    if len(A) < 2 or len(B) < 2:
        raise InvalidParameterError("A, B", (len(A), len(B)), "at least 2 fits per arm")
    pooled = np.vstack([A, B])
    var = pooled.var(axis=0, ddof=1)
    keep = var > 1e-15
    if not keep.any():  # every fit gave the same scores: nothing can differ
        return 0.0, 1.0
    pooled, var = pooled[:, keep], var[keep]
    n_a = len(A)

    def statistic(in_a: np.ndarray) -> np.ndarray:  # in_a: (perms, 2n) boolean
        w = in_a / n_a - (~in_a) / (len(pooled) - n_a)
        return ((w @ pooled) ** 2 / var).sum(axis=1)

    observed_mask = np.zeros((1, len(pooled)), bool)
    observed_mask[0, :n_a] = True
    observed = float(statistic(observed_mask)[0])
    rng = np.random.default_rng(random_state)
    perms = np.argsort(rng.random((n_permutations, len(pooled))), axis=1) < n_a
    null = statistic(perms)
    p_value = (1 + int(np.sum(null >= observed - 1e-12 * abs(observed)))) / (1 + n_permutations)
    return observed, float(p_value)


# --------------------------------------------------------------------------
# the audit of one estimator
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditSettings:
    """What the audit fits and how it decides.

    ``factor`` k (an integer >= 2), ``size_share`` of the split variant (the
    size factor is ``round(k ** size_share)``), ``tolerance`` of the exact
    verdict (relative score difference), ``n_seeds`` fits per arm of the
    distribution test, its level ``alpha`` and ``n_permutations``;
    ``variants`` to fit (all of :data:`VARIANTS` by default).
    """

    factor: int = 6
    size_share: float = 0.613
    tolerance: float = 1e-6
    n_seeds: int = 15
    alpha: float = 0.01
    n_permutations: int = 999
    variants: tuple[str, ...] = VARIANTS

    def __post_init__(self):
        check_integer("factor", self.factor, 2)
        check_number("size_share", self.size_share, "a share in [0, 1]", lambda v: 0 <= v <= 1)
        check_number("tolerance", self.tolerance, "a number in (0, 1)", lambda v: 0 < v < 1)
        check_integer("n_seeds", self.n_seeds, 5)
        check_number("alpha", self.alpha, "a level in (0, 0.5)", lambda v: 0 < v < 0.5)
        check_integer("n_permutations", self.n_permutations, 99)
        variants = tuple(self.variants) if not isinstance(self.variants, str) else (self.variants,)
        for variant in variants:
            if variant not in VARIANTS:
                raise UnknownNameError("variants", variant, VARIANTS, kind="variant")
        if not variants:
            raise InvalidParameterError(
                "variants", self.variants, f"a non-empty subset of {VARIANTS}"
            )
        object.__setattr__(self, "variants", variants)


def audit_candidate(
    candidate: Candidate, data: AuditData, settings: AuditSettings = AuditSettings()
) -> list[dict]:
    """One row per variant: the measured verdict and the numbers behind it."""
    size, weight = split_factor(settings.factor, settings.size_share, integer_size=True)
    base = {
        "estimator": candidate.name,
        "source": candidate.source,
        "config": candidate.config,
        "dataset": data.name,
        "factor": settings.factor,
        "size_factor": size,
        "weight_factor": weight,
        "params": dict(candidate.params),
        "restore": {},
    }
    rows = [dict(base, variant=v) for v in settings.variants]
    if not candidate.accepts_sample_weight:
        return [
            dict(row, verdict="no_sample_weight", reason=_no_weight_reason(candidate.cls))
            for row in rows
        ]
    if candidate.reason:
        return [dict(row, verdict="not_audited", reason=candidate.reason) for row in rows]
    n_rows = len(data.y_train)
    started = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            measured = _measure(candidate, data, settings)
    except _FitFailed as exc:  # the reference failed: no variant can be compared
        return [dict(row, verdict="not_audited", reason=f"fit failed ({exc})") for row in rows]
    warned = sorted(
        {
            w.category.__name__
            for w in caught
            if not issubclass(w.category, FutureWarning | DeprecationWarning)
        }
    )
    seconds = time.perf_counter() - started
    out = []
    for row in rows:
        result = measured.get(row["variant"])
        if result is None:
            row.update(verdict="not_applicable", reason="no class_weight parameter")
        else:
            row.update(result)
            row["warnings"] = ", ".join(warned)
            if row["verdict"] != "not_audited":
                params = candidate.build().get_params()
                row.update(explain(candidate.name, params, row["variant"], row["verdict"], n_rows))
        row["audit_seconds"] = round(seconds, 3)
        out.append(row)
    return out


class _FitFailed(Exception):
    """One fit of the audit raised; the message names the arm and the seed."""

    def __init__(self, arm: str, seed: int, error: Exception):
        self.arm = arm
        super().__init__(f"{arm} arm, random_state={seed}: {type(error).__name__}: {error}")


def _audit_one_thread(candidate: Candidate, data: AuditData, settings: AuditSettings) -> list[dict]:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return audit_candidate(candidate, data, settings)


def _no_weight_reason(cls) -> str:
    fit = inspect.signature(cls.fit)
    if any(p.kind is p.VAR_KEYWORD for p in fit.parameters.values()):
        return "fit takes no sample_weight parameter (only **params for metadata routing)"
    return "fit takes no sample_weight parameter"


def _measure(candidate: Candidate, data: AuditData, s: AuditSettings) -> dict[str, dict]:
    estimator = candidate.build()
    X_train, X_test = data.inputs(estimator)
    arms = build_arms(data, X_train, s.factor, s.size_share)
    variants = [v for v in s.variants if v != "class_weight" or candidate.accepts_class_weight]

    def fit(arm_name: str, seed: int):
        try:
            return fit_outputs(with_seed(clone(estimator), seed), arms[arm_name], X_test)
        except Exception as exc:  # say which fit failed; the caller records it
            raise _FitFailed(arm_name, seed, exc) from exc

    reference = fit("copies", 0)
    # Random = the fitted output moves with random_state on this data.
    has_seed = any(k.endswith("random_state") for k in estimator.get_params(deep=True))
    random = has_seed and compare_outputs(*reference, *fit("copies", 1))["max_abs_diff"] > 0
    results = {}
    ref_sample = None
    for variant in variants:
        try:
            same_seed = fit(variant, 0)
            row = compare_outputs(*reference, *same_seed)
            row.update(random=random, n_seeds=np.nan, p_value=np.nan, mean_shift=np.nan)
            if row["relative_diff"] <= s.tolerance and row["agreement"] == 1.0:
                row["verdict"] = "exact"
            elif not random:
                row["verdict"] = "not_equivalent"
            else:
                if ref_sample is None:
                    ref_sample = _sample(fit, "copies", range(s.n_seeds))
                row.update(_distribution_verdict(fit, variant, ref_sample, data, s))
        except _FitFailed as exc:  # this variant only; a failed reference fails them all
            if exc.arm == "copies":
                raise
            row = {"verdict": "not_audited", "reason": f"fit failed ({exc})"}
        results[variant] = row
    return results


def _distribution_verdict(fit, variant: str, ref_sample, data: AuditData, s: AuditSettings) -> dict:
    seeds = range(VARIANT_SEED_OFFSET, VARIANT_SEED_OFFSET + s.n_seeds)
    var_sample = _sample(fit, variant, seeds)
    _, p = permutation_test(
        ref_sample[0], var_sample[0], n_permutations=s.n_permutations, random_state=0
    )
    return {
        "n_seeds": s.n_seeds,
        "p_value": p,
        # mean over held-out rows of |mean score shift| between the arms, in
        # units of the between-seed standard deviation of the pooled fits
        "mean_shift": _standardised_shift(ref_sample[0], var_sample[0]),
        "accuracy_copies": float(np.mean(ref_sample[1] == data.y_test)),
        "accuracy_variant": float(np.mean(var_sample[1] == data.y_test)),
        "verdict": "equal_in_distribution" if p >= s.alpha else "not_equivalent",
    }


def _sample(fit, arm_name: str, seeds) -> tuple[np.ndarray, np.ndarray]:
    outputs = [fit(arm_name, seed) for seed in seeds]
    return np.array([o[0] for o in outputs]), np.array([o[1] for o in outputs])


def _standardised_shift(A: np.ndarray, B: np.ndarray) -> float:
    sd = np.vstack([A, B]).std(axis=0, ddof=1)
    keep = sd > 1e-15
    if not keep.any():
        return 0.0
    return float(np.mean(np.abs(A.mean(0) - B.mean(0))[keep] / sd[keep]))


# --------------------------------------------------------------------------
# the whole audit
# --------------------------------------------------------------------------

COLUMNS = (
    "estimator",
    "source",
    "config",
    "variant",
    "verdict",
    "mechanism",
    "mechanism_detail",
    "predicted",
    "table_agrees",
    "restored_by",
    "restored_verdict",
    "max_abs_diff",
    "relative_diff",
    "agreement",
    "random",
    "n_seeds",
    "p_value",
    "mean_shift",
    "accuracy_copies",
    "accuracy_variant",
    "factor",
    "size_factor",
    "weight_factor",
    "dataset",
    "warnings",
    "reason",
    "audit_seconds",
)


def run_audit(
    candidates: Iterable[Candidate],
    data: AuditData,
    settings: AuditSettings = AuditSettings(),
    *,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Audit every candidate; one row per candidate x variant (``COLUMNS``).

    ``n_jobs`` candidates are audited at once (joblib processes); the result
    does not depend on it. Every fit runs with BLAS/OpenMP held to one thread:
    the fits are tiny, and on a busy machine threads only wait for cores.
    """
    from joblib import Parallel, delayed

    candidates = list(candidates)
    check_n_jobs(n_jobs)
    per_candidate = Parallel(n_jobs=int(n_jobs))(
        delayed(_audit_one_thread)(c, data, settings) for c in candidates
    )
    rows = [row for rows in per_candidate for row in rows]
    frame = pd.DataFrame(rows)
    defaults = {
        c.name: {k: p.default for k, p in inspect.signature(c.cls).parameters.items()}
        for c in candidates
    }
    frame["restored_by"], frame["restored_verdict"] = _restored(frame, defaults)
    for column in COLUMNS:
        if column not in frame:
            frame[column] = np.nan
    return frame[list(COLUMNS)]


def check_n_jobs(n_jobs) -> None:
    """``n_jobs`` of :func:`run_audit`: an integer >= 1."""
    check_integer("n_jobs", n_jobs, 1)


def _restored(frame: pd.DataFrame, defaults: dict[str, dict]) -> tuple[list, list]:
    """For a row whose mechanisms have restoring settings (``restore``), the
    audited configuration that applies them and its measured verdict, so the
    claim "this setting restores equivalence" is measured, not asserted.

    Sought first: the row's parameters updated by ``restore`` (compared after
    dropping values equal to the class defaults); failing that (e.g.
    ``max_samples`` must go when ``bootstrap=False``), the configuration with
    the most parameters among those that set every ``restore`` item."""
    by_key: dict = {}
    for r in frame.itertuples(index=False):
        by_key.setdefault((r.estimator, r.variant), []).append(r)
    configs, verdicts = [], []
    for r in frame.itertuples(index=False):
        restore = r.restore if isinstance(r.restore, dict) else {}
        if not restore:
            configs.append("")
            verdicts.append("")
            continue
        own = defaults.get(r.estimator, {})
        restore = {k: own.get(k) if v == CLASS_DEFAULT else v for k, v in restore.items()}

        def norm(params: dict, own=own) -> dict:
            return {
                k: _param_text(v)
                for k, v in params.items()
                if _param_text(own.get(k, _MISSING)) != _param_text(v)
            }

        target = norm({**r.params, **restore})
        others = [o for o in by_key[(r.estimator, r.variant)] if o.config != r.config]
        matches = [o for o in others if norm(o.params) == target]
        if not matches:
            wanted = {k: _param_text(v) for k, v in restore.items()}
            full = [
                o
                for o in others
                if wanted.items()
                <= {
                    **{k: _param_text(v) for k, v in own.items()},
                    **{k: _param_text(v) for k, v in o.params.items()},
                }.items()
            ]
            matches = sorted(full, key=lambda o: -len(o.params))
        found = matches[0] if matches else None
        configs.append(found.config if found is not None else format_params(restore))
        verdicts.append(found.verdict if found is not None else "not audited")
    return configs, verdicts


_MISSING = object()


def audit_candidates(
    names: Sequence[str] | None = None, *, include_imblearn: bool = True, extra: bool = True
) -> list[Candidate]:
    """The default configuration of every classifier found (or of ``names``),
    followed by the extra configurations of the mechanism table."""
    for name, value in (("include_imblearn", include_imblearn), ("extra", extra)):
        if not isinstance(value, bool | np.bool_):
            raise InvalidParameterError(name, value, "true or false")
    if names is not None and (isinstance(names, str) or not isinstance(names, Sequence)):
        raise InvalidParameterError("estimators", names, "None or a list of classifier names")
    defaults = select(enumerate_classifiers(include_imblearn), names)
    configs = extra_configs() if extra else {}
    out = []
    for candidate in defaults:
        out.append(candidate)
        if candidate.reason is None or candidate.name in configs:
            out.extend(candidate.with_params(**p) for p in configs.get(candidate.name, []))
    return out


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    """One line per estimator configuration: the verdict of each variant, the
    mechanisms named, and the restoring setting with its measured verdict."""
    frame = frame.copy()
    frame["key"] = frame["estimator"] + "\x00" + frame["config"]
    verdicts = frame.pivot_table(
        index="key", columns="variant", values="verdict", aggfunc="first", sort=False
    )
    verdicts = verdicts.reindex(columns=list(VARIANTS))

    def joined(values) -> str:
        parts = [p.strip() for v in values if isinstance(v, str) for p in v.split(";") if p.strip()]
        return "; ".join(dict.fromkeys(parts))

    grouped = frame.groupby("key", sort=False)
    out = pd.DataFrame(
        {
            "estimator": grouped["estimator"].first(),
            "source": grouped["source"].first(),
            "config": grouped["config"].first(),
            **{v: verdicts[v] for v in VARIANTS},
            "mechanism": grouped["mechanism"].agg(joined),
            "restored_by": grouped["restored_by"].agg(joined),
            "restored_verdict": grouped["restored_verdict"].agg(joined),
            "reason": grouped["reason"].agg(joined),
        }
    )
    return out.reset_index(drop=True)
