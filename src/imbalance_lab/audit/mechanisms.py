"""Why an estimator's weighted fit is not its fit on copies: a documented table.

The audit *measures* every verdict (:mod:`imbalance_lab.audit.equivalence`).
This table only names the mechanism behind a measured difference, and says
which verdict that mechanism alone predicts, so the audit can report where the
table and the measurement disagree (``table_agrees``) instead of trusting
either. Each rule comes from reading the estimator's source (scikit-learn
1.9, imbalanced-learn 0.14) or scikit-learn's meta-issue #16298 and the
``check_sample_weight_equivalence`` expected-failure list, and was checked by
the parameter settings in :data:`EXTRA_CONFIGS`, which switch the mechanism on
or off and are audited like every default configuration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

#: mechanism label -> what it is.
MECHANISMS = {
    "rows_counting": (
        "a rule counts training rows, not their weight: k copies of one row pass a "
        "row-count threshold (min_samples_leaf, min_samples_split) that one row of "
        "weight k does not"
    ),
    "random_draws": (
        "a bootstrap draws as many rows as the training set has (max_samples=None): "
        "n draws from n weighted rows, n+(k-1)m draws from the copies; with a "
        "fractional max_samples both draw the same number from the same distribution"
    ),
    "weighted_draws": (
        "bootstrap rows are drawn with probability proportional to their weight, so "
        "weights and copies give the same distribution of trees but not the same trees"
    ),
    "resampling_by_rows": (
        "the ensemble undersamples each class to a row count, ignoring weights: copies "
        "raise the minority row count and with it how many majority rows are kept"
    ),
    "internal_cv": (
        "an internal cross-validation splits rows into folds: copies of one row land "
        "in training and validation folds at once, a weighted row in one fold only"
    ),
    "cv_scoring_ignores_class_weight": (
        "the internal cross-validation scores held-out folds with sample_weight but "
        "not with class_weight, so it picks another regularisation strength"
    ),
    "early_stopping_split": (
        "early stopping holds out a random share of rows: copies of one row can sit "
        "on both sides of that split"
    ),
    "stochastic_optimisation": (
        "stochastic (sub)gradient steps run once per row and epoch: copies mean more "
        "updates per epoch, another learning-rate schedule and another stopping point"
    ),
    "tolerance": (
        "an iterative solver stops at its tolerance, not at the optimum: the two fits "
        "stop at different points near the same optimum"
    ),
    "round_off_ties": (
        "floating-point round-off differs between summing k copies and multiplying "
        "by k, and flips the choice between (nearly) tied splits (scikit-learn #23728; "
        "float32 gradients in histogram boosting)"
    ),
    "data_dependent_default": (
        "a hyper-parameter is computed from the unweighted rows: gamma='scale' = "
        "1 / (n_features * X.var()) changes when rows are copied"
    ),
    "class_weight_ignored": "the estimator accepts class_weight but its solver does not use it",
    "non_convex": (
        "a non-convex loss from a random initialisation: the same seed reaches another "
        "local optimum, so the fits agree at most in distribution"
    ),
}

#: A restoring value meaning "the class's own default" (e.g. SVC's
#: ``probability``, whose default in scikit-learn 1.9 is ``"deprecated"``).
CLASS_DEFAULT = "<class default>"

#: Order of strength of the verdicts a rule can predict.
_STRENGTH = {"exact": 0, "either": 1, "equal_in_distribution": 2, "not_equivalent": 3}


@dataclass(frozen=True)
class Rule:
    """``mechanism`` acts on ``estimators`` when ``when(params, n_rows)`` holds
    (``condition`` says the same in words). Alone it predicts ``expected``
    (``"either"``: depends on the data, e.g. whether a tie occurs);
    ``variants`` are those it affects; ``restored_by`` are parameters that
    switch it off (audited in :data:`EXTRA_CONFIGS`)."""

    estimators: tuple[str, ...]
    mechanism: str
    condition: str
    when: Callable[[dict, int], bool]
    expected: str
    variants: tuple[str, ...] = ("sample_weight", "class_weight", "split")
    restored_by: dict | None = None


_TREES = (
    "DecisionTreeClassifier",
    "ExtraTreeClassifier",
    "RandomForestClassifier",
    "ExtraTreesClassifier",
    "GradientBoostingClassifier",
    "BalancedRandomForestClassifier",
)
_FORESTS = ("RandomForestClassifier", "ExtraTreesClassifier", "BalancedRandomForestClassifier")


def _bootstrap(p: dict) -> bool:
    return bool(p.get("bootstrap", False))


RULES: tuple[Rule, ...] = (
    Rule(
        _TREES,
        "rows_counting",
        "min_samples_leaf > 1 or min_samples_split > 2",
        lambda p, n: (
            _count(p.get("min_samples_leaf", 1), n) > 1
            or _count(p.get("min_samples_split", 2), n) > 2
        ),
        "not_equivalent",
        restored_by={"min_samples_leaf": 1, "min_samples_split": 2},
    ),
    Rule(
        ("HistGradientBoostingClassifier",),
        "rows_counting",
        "min_samples_leaf > 1 (default 20)",
        lambda p, n: p.get("min_samples_leaf", 20) > 1,
        "not_equivalent",
        restored_by={"min_samples_leaf": 1},
    ),
    Rule(
        _TREES + ("HistGradientBoostingClassifier",),
        "round_off_ties",
        "always (ties are data-dependent)",
        lambda p, n: True,
        "either",
    ),
    Rule(
        _FORESTS,
        "random_draws",
        "bootstrap=True and max_samples=None",
        lambda p, n: _bootstrap(p) and p.get("max_samples") is None,
        "not_equivalent",
        restored_by={"max_samples": 1.0},
    ),
    Rule(
        _FORESTS,
        "weighted_draws",
        "bootstrap=True and max_samples set",
        lambda p, n: _bootstrap(p) and p.get("max_samples") is not None,
        "equal_in_distribution",
        restored_by={"bootstrap": False},
    ),
    Rule(
        ("BaggingClassifier",),
        "random_draws",
        "max_samples=None",
        lambda p, n: p.get("max_samples") is None,
        "not_equivalent",
        restored_by={"max_samples": 1.0},
    ),
    Rule(
        ("BaggingClassifier",),
        "weighted_draws",
        "max_samples set",
        lambda p, n: p.get("max_samples") is not None,
        "equal_in_distribution",
    ),
    Rule(
        ("GradientBoostingClassifier",),
        "random_draws",
        "subsample < 1",
        lambda p, n: p.get("subsample", 1.0) < 1.0,
        "not_equivalent",
        restored_by={"subsample": 1.0},
    ),
    Rule(
        ("BalancedRandomForestClassifier", "RUSBoostClassifier"),
        "resampling_by_rows",
        "always",
        lambda p, n: True,
        "not_equivalent",
    ),
    Rule(
        ("LogisticRegressionCV", "RidgeClassifierCV", "CalibratedClassifierCV"),
        "internal_cv",
        "cv is not grouped by original row (RidgeClassifierCV: cv set)",
        lambda p, n: (
            p.get("cv") != "grouped_by_origin" and not (p.get("cv") is None and "alphas" in p)
        ),
        "not_equivalent",
        restored_by={"cv": "grouped_by_origin"},
    ),
    Rule(
        ("LogisticRegressionCV",),
        "cv_scoring_ignores_class_weight",
        "always",
        lambda p, n: True,
        "not_equivalent",
        variants=("class_weight",),
    ),
    Rule(
        ("CalibratedClassifierCV",),
        "tolerance",
        "the default LinearSVC stops at tol=1e-4",
        lambda p, n: p.get("estimator") is None,
        "either",
    ),
    Rule(
        ("HistGradientBoostingClassifier",),
        "early_stopping_split",
        "early_stopping=True, or 'auto' with more than 10000 rows, with a validation_fraction",
        lambda p, n: (
            (p.get("early_stopping") is True or (p.get("early_stopping") == "auto" and n > 10_000))
            and p.get("validation_fraction") is not None
        ),
        "not_equivalent",
        restored_by={"early_stopping": False},
    ),
    Rule(
        ("GradientBoostingClassifier",),
        "early_stopping_split",
        "n_iter_no_change set",
        lambda p, n: p.get("n_iter_no_change") is not None,
        "not_equivalent",
        restored_by={"n_iter_no_change": None},
    ),
    Rule(
        ("SGDClassifier", "Perceptron", "PassiveAggressiveClassifier"),
        "stochastic_optimisation",
        "always",
        lambda p, n: True,
        "not_equivalent",
    ),
    Rule(
        ("SGDClassifier", "Perceptron", "PassiveAggressiveClassifier", "MLPClassifier"),
        "early_stopping_split",
        "early_stopping=True",
        lambda p, n: p.get("early_stopping") is True,
        "not_equivalent",
        restored_by={"early_stopping": False},
    ),
    Rule(
        ("MLPClassifier",),
        "stochastic_optimisation",
        "solver 'adam' or 'sgd' (mini-batches of rows)",
        lambda p, n: p.get("solver") in ("adam", "sgd"),
        "not_equivalent",
        restored_by={"solver": "lbfgs"},
    ),
    Rule(
        ("MLPClassifier",),
        "non_convex",
        "always",
        lambda p, n: True,
        "equal_in_distribution",
    ),
    Rule(
        ("LogisticRegression",),
        "tolerance",
        "solver 'sag' or 'saga' with tol > 1e-8",
        lambda p, n: p.get("solver") in ("sag", "saga") and p.get("tol", 1e-4) > 1e-8,
        "either",
        restored_by={"tol": 1e-10, "max_iter": 10_000},
    ),
    Rule(
        ("LinearSVC",),
        "stochastic_optimisation",
        "dual=True (random coordinate order)",
        lambda p, n: p.get("dual") is True,
        "not_equivalent",
        restored_by={"dual": False},
    ),
    Rule(
        ("SVC", "NuSVC"),
        "data_dependent_default",
        "gamma='scale' with a non-linear kernel",
        lambda p, n: p.get("gamma") == "scale" and p.get("kernel") != "linear",
        "not_equivalent",
        restored_by={"gamma": 0.2},
    ),
    Rule(
        ("SVC", "NuSVC"),
        "tolerance",
        "tol > 1e-6 (default 1e-3)",
        lambda p, n: p.get("tol", 1e-3) > 1e-6,
        "either",
        restored_by={"tol": 1e-8},
    ),
    Rule(
        ("SVC", "NuSVC"),
        "internal_cv",
        "probability=True (Platt scaling by internal 5-fold CV)",
        lambda p, n: p.get("probability") is True,
        "not_equivalent",
        restored_by={"probability": CLASS_DEFAULT},
    ),
    Rule(
        ("NuSVC",),
        "class_weight_ignored",
        "always",
        lambda p, n: True,
        "not_equivalent",
        variants=("class_weight",),
    ),
)


def _count(value, n_rows: int) -> float:
    """A min_samples_* value as a row count (floats are fractions of rows)."""
    return value if isinstance(value, int) else value * n_rows


def rules_for(name: str, params: dict, variant: str, n_rows: int) -> list[Rule]:
    return [
        r
        for r in RULES
        if name in r.estimators and variant in r.variants and r.when(params, n_rows)
    ]


def predicted_verdict(rules: list[Rule]) -> str:
    """The strongest verdict the applicable rules predict (``exact`` if none)."""
    return max((r.expected for r in rules), key=_STRENGTH.get, default="exact")


def explain(name: str, params: dict, variant: str, verdict: str, n_rows: int) -> dict:
    """Mechanism columns of one measured row.

    ``mechanism`` names the applicable rules when the verdict is not exact
    (``"unexplained"`` when the table has none: a finding, not an error);
    ``table_agrees`` compares the measured verdict with the table's
    prediction (None where the prediction is "either"); ``restore`` merges
    the parameters that switch the applicable mechanisms off.
    """
    rules = rules_for(name, params, variant, n_rows)
    predicted = predicted_verdict(rules)
    if verdict == "exact":
        mechanism = ""
        detail = "; ".join(
            f"{r.mechanism} possible ({r.condition})" for r in rules if r.expected == "either"
        )
    elif rules:
        active = [r for r in rules if _STRENGTH[r.expected] >= _STRENGTH.get(verdict, 0)] or rules
        mechanism = "; ".join(dict.fromkeys(r.mechanism for r in active))
        detail = "; ".join(f"{r.mechanism}: {r.condition}" for r in active)
    else:
        mechanism, detail = "unexplained", "no rule in the mechanism table applies"
    agrees = None if predicted == "either" else predicted == verdict
    restore = {}
    if verdict != "exact":
        for r in rules:
            restore.update(r.restored_by or {})
    return {
        "mechanism": mechanism,
        "mechanism_detail": detail,
        "predicted": predicted,
        "table_agrees": agrees,
        "restore": restore,
    }


def extra_configs() -> dict[str, list[dict]]:
    """Parameter settings audited besides the defaults: each switches one
    mechanism on or off, so the table's claims are measured, not asserted."""
    from sklearn.tree import DecisionTreeClassifier

    return {
        # rows-counting on, and its weight-based counterpart
        "DecisionTreeClassifier": [{"min_samples_leaf": 5}, {"min_weight_fraction_leaf": 0.02}],
        # bootstrap size follows the weight sum, then no bootstrap at all
        "RandomForestClassifier": [{"max_samples": 1.0}, {"bootstrap": False}],
        "BaggingClassifier": [{"max_samples": 1.0}],
        # leaves counted in rows off; an early-stopping split on
        "HistGradientBoostingClassifier": [{"min_samples_leaf": 1}, {"early_stopping": True}],
        "LogisticRegression": [
            {"solver": "saga"},
            {"solver": "saga", "tol": 1e-10, "max_iter": 10_000},
        ],
        "LogisticRegressionCV": [{"cv": "grouped_by_origin"}],
        "CalibratedClassifierCV": [{"cv": "grouped_by_origin"}],
        "LinearSVC": [{"dual": False}, {"dual": True}],
        "SVC": [{"gamma": 0.2}, {"gamma": 0.2, "tol": 1e-8}, {"probability": True}],
        # the default nu=0.5 is infeasible for the class_weight variant (nu <= 2 * 31/300)
        "NuSVC": [{"nu": 0.1}, {"nu": 0.1, "gamma": 0.2, "tol": 1e-8}],
        "MLPClassifier": [{"solver": "lbfgs"}],
        # stumps can be "worse than random" on a balanced undersample
        "RUSBoostClassifier": [{"estimator": DecisionTreeClassifier(max_depth=2)}],
    }
