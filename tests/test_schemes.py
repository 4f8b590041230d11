import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import FixedThresholdClassifier, TunedThresholdClassifierCV
from sklearn.naive_bayes import GaussianNB
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

from imbalance_lab import calibration, models, schemes
from imbalance_lab.errors import ConfigError, InvalidParameterError, UnitSkipped

LABELS = [
    ("none", "none"),
    ({"weight": "balanced"}, "weight:balanced"),
    ({"weight": "power", "alpha": 0.5}, "weight:power(alpha=0.5)"),
    ({"weight": "effective_number", "beta": 0.99}, "weight:effective_number(beta=0.99)"),
    ({"weight": "target_ratio", "ratio": 2}, "weight:target_ratio(ratio=2)"),
    ({"weight": {0: 1, 1: 5}}, "weight:explicit(0=1,1=5)"),
    ({"weight": {"minority": 3, "majority": 1}}, "weight:explicit(majority=1,minority=3)"),
    ({"oversample": "replicate"}, "oversample:replicate"),
    ({"oversample": "replicate", "factor": 3}, "oversample:replicate(factor=3)"),
    ({"oversample": "replicate", "factor": 3.0}, "oversample:replicate(factor=3)"),
    ({"oversample": "random"}, "oversample:random"),
    ({"oversample": "smote", "k_neighbors": 5}, "oversample:smote(k_neighbors=5)"),
    ({"undersample": "random"}, "undersample:random"),
    ({"undersample": "near_miss", "version": 2}, "undersample:near_miss(version=2)"),
    ({"sampler": "imblearn.over_sampling:ADASYN", "params": {"n_neighbors": 3}},
     "sampler:imblearn.over_sampling:ADASYN(n_neighbors=3)"),
    ({"sampler": "smote_tomek"}, "sampler:smote_tomek"),
    ({"split": "balanced", "size_share": 0.613}, "split:balanced(size_share=0.613)"),
    ({"split": 6, "size_share": 0.613}, "split:6(size_share=0.613)"),
    ({"threshold": "prior"}, "threshold:prior"),
    ({"threshold": "cost", "c_fp": 1, "c_fn": 10}, "threshold:cost(c_fn=10,c_fp=1)"),
    ({"threshold": "tuned", "metric": "balanced_accuracy"}, "threshold:tuned(metric=balanced_accuracy)"),
    ({"weight": "balanced", "correct": True}, "weight:balanced+correct"),
    ({"oversample": "smote", "correct": False}, "oversample:smote"),
]


@pytest.mark.parametrize(("spec", "label"), LABELS)
def test_every_config_spelling_gets_its_canonical_label(spec, label):
    scheme = schemes.parse_scheme(spec)
    assert scheme.label == label
    # params are JSON-able, and the spec survives a JSON round trip (keys of
    # explicit mappings become strings) with the same label
    assert json.loads(scheme.params_json()) == scheme.params
    assert schemes.parse_scheme(json.loads(json.dumps(spec))).label == label


def test_expand_scheme_makes_one_scheme_per_listed_value():
    labels = [s.label for s in schemes.expand_scheme({"split": "balanced", "size_share": [0, 0.613, 1]})]
    assert labels == ["split:balanced(size_share=0)", "split:balanced(size_share=0.613)", "split:balanced(size_share=1)"]
    product = schemes.expand_scheme({"weight": "power", "alpha": [0.25, 0.5], "correct": [False, True]})
    assert len(product) == 4 and len({s.label for s in product}) == 4


def test_a_list_without_expansion_is_an_error():
    with pytest.raises(ConfigError) as info:
        schemes.parse_scheme({"split": "balanced", "size_share": [0, 1]}, "schemes[0]")
    assert info.value.name == "schemes[0].size_share"


@pytest.mark.parametrize(
    ("spec", "name"),
    [
        ("nonee", "schemes[4]"),
        ({"foo": 1}, "schemes[4].foo"),
        ({"weight": "balanced", "foo": 1}, "schemes[4].foo"),
        ({"weight": "balancd"}, "schemes[4].weight"),
        ({"weight": "power"}, "schemes[4].alpha"),
        ({"weight": "power", "alpha": -1}, "schemes[4].alpha"),
        ({"weight": {0: -1, 1: 2}}, "schemes[4].weight[0]"),
        ({"oversample": "smoteee"}, "schemes[4].oversample"),
        ({"oversample": "smote", "k_neighbours": 5}, "schemes[4].k_neighbours"),
        ({"oversample": "tomek_links"}, "schemes[4].oversample"),
        ({"undersample": "smote"}, "schemes[4].undersample"),
        ({"oversample": "replicate", "factor": 0.5}, "schemes[4].factor"),
        ({"oversample": "replicate", "factor": 1e12}, "schemes[4].factor"),  # beyond any memory
        ({"oversample": "replicate", "factors": {"minority": 1e12}}, "schemes[4].factors['minority']"),
        ({"sampler": "replicate", "params": {"factors": {1: 1e12}}}, "schemes[4].params.factors[1]"),
        ({"split": 1e12, "size_share": 1}, "schemes[4].split"),
        ({"oversample": "smote", "factor": 3}, "schemes[4].factor"),
        ({"sampler": "smote", "k_neighbors": 3}, "schemes[4].k_neighbors"),
        ({"sampler": "smote", "params": {"k_neighbours": 3}}, "schemes[4].params.k_neighbours"),
        ({"split": "balanced"}, "schemes[4].size_share"),
        ({"split": "balanced", "size_share": 1.5}, "schemes[4].size_share"),
        ({"split": "even", "size_share": 0.5}, "schemes[4].split"),
        ({"split": "balanced", "size_share": 0.5, "copies": 2}, "schemes[4].copies"),
        ({"threshold": "cost", "c_fp": 0, "c_fn": 1}, "schemes[4].c_fp"),
        ({"threshold": "tuned", "metric": "accuracy"}, "schemes[4].metric"),
        ({"threshold": "prior", "c_fp": 1}, "schemes[4].c_fp"),
        ({"weight": "balanced", "correct": "yes"}, "schemes[4].correct"),
        ({"weight": "balanced", "oversample": "smote"}, "schemes[4]"),
        (3, "schemes[4]"),
    ],
)
def test_bad_scheme_names_the_field(spec, name):
    with pytest.raises(ConfigError) as info:
        schemes.parse_scheme(spec, "schemes[4]")
    assert info.value.name == name


FAMILY_KEYS = "('weight', 'oversample', 'undersample', 'sampler', 'split', 'threshold')"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        # an unknown parameter: its own path, the value under it, the close name
        ({"oversample": "smote", "k_neighbours": 5},
         "schemes[4].k_neighbours=5 is invalid: unknown parameter of sampler 'smote'; did you mean 'k_neighbors'?"),
        ({"sampler": "smote", "params": {"k_neighbours": 5}},
         "schemes[4].params.k_neighbours=5 is invalid: unknown parameter of sampler 'smote'; "
         "did you mean 'k_neighbors'?"),
        ({"weight": "power", "alhpa": 0.5},
         "schemes[4].alhpa=0.5 is invalid: unknown parameter of scheme 'power'; did you mean 'alpha'?"),
        ({"split": "balanced", "size_shar": 0.5},
         "schemes[4].size_shar=0.5 is invalid: unknown key of split; did you mean 'size_share'?"),
        ({"wieght": "balanced"}, "schemes[4].wieght='balanced' is invalid: unknown scheme key; did you mean 'weight'?"),
        ({"threshold": "tuned", "metrc": "mcc"},
         "schemes[4].metrc='mcc' is invalid: unknown key of threshold 'tuned'; did you mean 'metric'?"),
        # a name close to 'none' gets the suggestion other unknown names get
        ("nonee", f"schemes[4]='nonee' is invalid: 'none' or a mapping with one of the keys {FAMILY_KEYS}; "
                  "did you mean 'none'?"),
        ("smote", f"schemes[4]='smote' is invalid: 'none' or a mapping with one of the keys {FAMILY_KEYS}"),
    ],
)
def test_a_bad_key_is_named_by_its_path_with_its_value(spec, message):
    with pytest.raises(ConfigError) as info:
        schemes.parse_scheme(spec, "schemes[4]")
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("spec", "name", "value", "fragment"),
    [
        ({"oversample": "smote", "k_neighbors": -1}, "schemes[4].k_neighbors", -1,
         "The 'k_neighbors' parameter of SMOTE must be an int in the range [1, inf)"),
        ({"sampler": "smote", "params": {"k_neighbors": -1}}, "schemes[4].params.k_neighbors", -1,
         "The 'k_neighbors' parameter of SMOTE must be an int in the range [1, inf)"),
        # two parameters, the second refused: it is the one named
        ({"undersample": "random", "replacement": True, "sampling_strategy": "bogus"},
         "schemes[4].sampling_strategy", "bogus", "The 'sampling_strategy' parameter of RandomUnderSampler"),
    ],
)
def test_a_refused_sampler_value_names_that_parameter(spec, name, value, fragment):
    # imbalanced-learn checks every parameter in one call; the error still
    # names the one it refused, with its value, not the whole mapping
    with pytest.raises(ConfigError) as info:
        schemes.parse_scheme(spec, "schemes[4]")
    assert (info.value.name, info.value.value) == (name, value)
    assert str(info.value).startswith(f"{name}={value!r} is invalid: ")
    assert fragment in str(info.value)


class PickySampler:
    """A foreign sampler whose constructor checks its own parameters."""

    def __init__(self, level, size=1, mode="a"):
        if level < 0:
            raise ValueError("level must be >= 0")
        if mode not in ("a", "b"):
            raise ValueError("mode must be 'a' or 'b'")
        if size > 1 and mode == "b":
            raise ValueError("mode 'b' takes size 1 only")
        self.level, self.size, self.mode = level, size, mode

    def fit_resample(self, X, y):
        return X, y


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"level": 1, "mode": "z"}, "schemes[4].params.mode='z' is invalid: mode must be 'a' or 'b'"),
        # the required parameter is in every trial, so a bad one is blamed on itself
        ({"mode": "a", "level": -1}, "schemes[4].params.level=-1 is invalid: level must be >= 0"),
        # only the combination is refused: the mapping is named
        ({"level": 0, "size": 2, "mode": "b"},
         "schemes[4].params={'level': 0, 'size': 2, 'mode': 'b'} is invalid: mode 'b' takes size 1 only"),
    ],
)
def test_a_foreign_sampler_constructor_error_names_the_parameter(params, message):
    with pytest.raises(ConfigError) as info:
        schemes.parse_scheme({"sampler": "test_schemes:PickySampler", "params": params}, "schemes[4]")
    assert str(info.value) == message


# ---------------------------------------------------------------- building


def _data(n_major=60, n_minor=12, n_features=3, seed=0, labels=(0, 1)):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_major + n_minor, n_features))
    y = np.array([labels[0]] * n_major + [labels[1]] * n_minor)
    X[y == labels[1]] += 1.0
    return X, y


def _build(spec, y, model="logistic_regression", normalisation="mean", positive=None):
    scheme = schemes.parse_scheme(spec)
    return scheme.build(models.make_model(model, random_state=0), y, random_state=0,
                        weight_normalisation=normalisation, positive=positive)


def _reference_lr(X, y, sample_weight=None, **params):
    """Logistic regression on standardised X, fitted directly."""
    Xs = StandardScaler().fit_transform(X)
    return LogisticRegression(max_iter=1000, **params).fit(Xs, y, sample_weight=sample_weight)


def test_balanced_weights_equal_sklearn_sample_weights():
    X, y = _data()
    estimator, fit_params = _build({"weight": "balanced"}, y)
    assert fit_params == {}
    estimator.fit(X, y, **fit_params)
    reference = _reference_lr(X, y, sample_weight=compute_sample_weight("balanced", y))
    fitted = estimator.named_steps["model"].estimator_
    np.testing.assert_allclose(fitted.coef_, reference.coef_, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(fitted.intercept_, reference.intercept_, rtol=1e-5, atol=1e-8)


def test_power_weights_come_from_the_training_fold_and_are_normalised_to_mean_one():
    X, y = _data(n_major=48, n_minor=12)
    estimator, _ = _build({"weight": "power", "alpha": 0.5}, y)
    estimator.fit(X, y)
    cw = estimator.named_steps["model"].class_weight_
    # w_c ∝ n_c^-0.5, scaled so that 48 w_0 + 12 w_1 = 60
    raw = {0: 48 ** -0.5, 1: 12 ** -0.5}
    scale = 60 / (48 * raw[0] + 12 * raw[1])
    assert cw[0] == pytest.approx(raw[0] * scale) and cw[1] == pytest.approx(raw[1] * scale)
    assert cw[1] / cw[0] == pytest.approx(2.0)


def test_explicit_role_weights_follow_the_minority_and_normalisation():
    X, y = _data(n_major=30, n_minor=10, labels=(1, 0))  # minority labelled 0
    estimator, _ = _build({"weight": {"minority": 3, "majority": 1}}, y, normalisation="none")
    estimator.fit(X, y)
    assert estimator.named_steps["model"].class_weight_ == {0: 3.0, 1: 1.0}
    estimator, _ = _build({"weight": {"minority": 3, "majority": 1}}, y, normalisation="mean")
    estimator.fit(X, y)
    cw = estimator.named_steps["model"].class_weight_
    assert 10 * cw[0] + 30 * cw[1] == pytest.approx(40) and cw[0] / cw[1] == pytest.approx(3)


def test_json_stringified_label_keys_still_match_integer_labels():
    X, y = _data()
    estimator, _ = _build(json.loads(json.dumps({"weight": {0: 1, 1: 5}})), y, normalisation="none")
    estimator.fit(X, y)
    assert estimator.named_steps["model"].class_weight_ == {0: 1.0, 1: 5.0}


def test_weight_mapping_with_a_label_not_in_the_fold_is_an_error():
    _, y = _data()
    with pytest.raises(InvalidParameterError) as info:
        _build({"weight": {0: 1, 7: 5}}, y)
    assert str(info.value) == (
        "weight[7]=5 is invalid: a class of the training fold, which has classes [0, 1], "
        "or a role ('minority', 'majority')"
    )


ROLE_TEXT = "or a role ('minority', 'majority')"


@pytest.mark.parametrize(
    ("spec", "y", "message"),
    [
        ({"weight": {0: 1, 7: 3}}, [0, 0, 0, 1],
         f"schemes[2].weight[7]=3 is invalid: a class of data set 'd' (datasets[0]), which has classes [0, 1], "
         f"{ROLE_TEXT}"),
        # a typo of a role gets the close one
        ({"weight": {"minorty": 3, "majority": 1}}, [0, 0, 0, 1],
         f"schemes[2].weight['minorty']=3 is invalid: a class of data set 'd' (datasets[0]), which has classes "
         f"[0, 1], {ROLE_TEXT}; did you mean 'minority'?"),
        # explicit weights need every class: roles name two of three
        ({"weight": {"minority": 3, "majority": 1}}, [0, 0, 0, 1, 1, 2],
         "schemes[2].weight={'minority': 3, 'majority': 1} is invalid: a value for every class of data set 'd' "
         "(datasets[0]), which has classes [0, 1, 2]; missing [1]"),
        # the minority (least frequent) is 1 here, given again by its label (a
        # mapping parse_scheme refuses for mixing roles and labels; built directly)
        (schemes.Scheme("w", {}, "weight", {"minority": 3, 1: 2, 0: 1}), [0, 0, 0, 1],
         "schemes[2].weight={'minority': 3, 1: 2, 0: 1} is invalid: one value per class of data set 'd' "
         "(datasets[0]); class 1 is given twice, as 'minority' and 1"),
        ({"oversample": "replicate", "factors": {2: 3}}, [0, 0, 0, 1],
         f"schemes[2].factors[2]=3 is invalid: a class of data set 'd' (datasets[0]), which has classes [0, 1], "
         f"{ROLE_TEXT}"),
        ({"sampler": "replicate", "params": {"factors": {"1": 2, "5": 2}}}, [0, 0, 0, 1],
         f"schemes[2].params.factors['5']=2 is invalid: a class of data set 'd' (datasets[0]), which has classes "
         f"[0, 1], {ROLE_TEXT}"),
        ({"oversample": "smote", "sampling_strategy": {7: 30}}, [0, 0, 0, 1],
         f"schemes[2].sampling_strategy[7]=30 is invalid: a class of data set 'd' (datasets[0]), which has "
         f"classes [0, 1], {ROLE_TEXT}"),
    ],
)
def test_check_classes_names_the_key_its_value_and_whose_classes(spec, y, message):
    scheme = schemes.parse_scheme(spec, "schemes[2]")
    with pytest.raises(InvalidParameterError) as info:
        scheme.check_classes(np.array(y), field="schemes[2]", data="data set 'd' (datasets[0])")
    assert str(info.value) == message


@pytest.mark.parametrize(
    "spec",
    [
        "none",
        {"weight": "balanced"},
        {"weight": {0: 1, 1: 3}},
        {"weight": {"0": 1, "1": 3}},  # labels as JSON gives them back
        {"weight": {"minority": 3, "majority": 1}},
        {"oversample": "replicate", "factors": {"minority": 2}},
        {"oversample": "smote", "sampling_strategy": {1: 6}},
        {"threshold": "prior"},
    ],
)
def test_check_classes_accepts_what_build_resolves(spec):
    schemes.parse_scheme(spec).check_classes(np.array([0, 0, 0, 0, 1, 1]))


def test_a_sampling_strategy_mapping_survives_the_json_of_a_slice_spec():
    # The slice spec goes to the notebook as JSON, which turns the label 1
    # into "1": imbalanced-learn then found no class "1" and every unit was skipped.
    X, y = _data(n_major=60, n_minor=12)
    for spec in ({"oversample": "random", "sampling_strategy": {1: 30}},
                 json.loads(json.dumps({"oversample": "random", "sampling_strategy": {1: 30}})),
                 {"oversample": "random", "sampling_strategy": {"minority": 30}}):
        estimator, _ = _build(spec, y)
        assert schemes.fitted_train_rows(estimator.fit(X, y)) == 60 + 30


def test_an_explicit_weight_mapping_missing_a_class_is_refused_when_built():
    _, y = _data()
    y = np.concatenate([y, [2, 2, 2]])
    with pytest.raises(InvalidParameterError) as info:
        _build({"weight": {0: 1, 1: 5}}, y)
    assert str(info.value) == (
        "weight={0: 1, 1: 5} is invalid: a value for every class of the training fold, "
        "which has classes [0, 1, 2]; missing [2]"
    )


def test_sampler_goes_after_impute_and_scale_and_rows_are_counted():
    X, y = _data(n_major=60, n_minor=12)
    estimator, _ = _build({"oversample": "replicate"}, y)
    assert [name for name, _ in estimator.steps] == ["impute", "scale", "resample", "count_rows", "model"]
    estimator.fit(X, y)
    assert schemes.fitted_train_rows(estimator) == 120  # minority copied up to 60
    estimator, _ = _build({"oversample": "replicate", "factor": 3}, y)
    assert schemes.fitted_train_rows(estimator.fit(X, y)) == 60 + 36
    estimator, _ = _build({"undersample": "random"}, y)
    assert schemes.fitted_train_rows(estimator.fit(X, y)) == 24
    estimator, _ = _build({"weight": "balanced"}, y)
    assert schemes.fitted_train_rows(estimator.fit(X, y)) is None  # no sampler: the fold itself


def test_build_leaves_the_model_template_unfitted_and_unchanged():
    X, y = _data()
    template = models.make_model("logistic_regression")
    before = repr(template)
    estimator, _ = schemes.parse_scheme({"oversample": "smote"}).build(template, y, random_state=0)
    estimator.fit(X, y)
    assert repr(template) == before and not hasattr(template.named_steps["model"], "coef_")


def test_copies_equal_weights_exactly_for_logistic_regression():
    X, y = _data(n_major=50, n_minor=10)
    copies, _ = _build({"oversample": "replicate", "factor": 3}, y, normalisation="none")
    weighted, _ = _build({"weight": {"minority": 3, "majority": 1}}, y, normalisation="none")
    copies.fit(X, y)
    weighted.fit(X, y)
    a = copies.named_steps["model"]
    b = weighted.named_steps["model"].estimator_
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-4)
    # ... and both equal a direct fit with per-row weight 3 on the minority
    reference = _reference_lr(X, y, sample_weight=np.where(y == 1, 3.0, 1.0))
    np.testing.assert_allclose(a.coef_, reference.coef_, rtol=1e-4)


def test_split_balanced_uses_whole_copies_and_the_rest_as_weight():
    # 60:10 -> balanced factor 6; size_share ln3/ln6 -> 3 copies x weight 2 (the seed's claim)
    X, y = _data(n_major=60, n_minor=10)
    share = math.log(3) / math.log(6)
    estimator, _ = _build({"split": "balanced", "size_share": share}, y, normalisation="none")
    estimator.fit(X, y)
    assert schemes.fitted_train_rows(estimator) == 60 + 30
    assert estimator.named_steps["model"].class_weight_ == pytest.approx({0: 1.0, 1: 2.0})


def test_split_all_weight_has_no_sampler():
    X, y = _data(n_major=60, n_minor=10)
    estimator, _ = _build({"split": "balanced", "size_share": 0}, y, normalisation="none")
    assert "resample" not in estimator.named_steps
    estimator.fit(X, y)
    assert estimator.named_steps["model"].class_weight_ == pytest.approx({0: 1.0, 1: 6.0})


@settings(max_examples=25, deadline=None)
@given(n_major=st.integers(20, 80), n_minor=st.integers(5, 20), share=st.floats(0, 1))
def test_split_balanced_keeps_the_weighted_classes_balanced(n_major, n_minor, share):
    X, y = _data(n_major=n_major, n_minor=n_minor, n_features=2)
    estimator, _ = _build({"split": "balanced", "size_share": share}, y, model="gaussian_nb", normalisation="none")
    estimator.fit(X, y)
    rows = schemes.fitted_train_rows(estimator) or len(y)
    cw = estimator.named_steps["model"].class_weight_
    minority_rows = rows - n_major
    # copies x weight of the minority = the majority's total weight (balanced)
    assert minority_rows * cw[1] == pytest.approx(n_major * cw[0])
    assert minority_rows % n_minor == 0  # whole copies only


def test_knn_cannot_take_weights_so_weight_and_split_schemes_are_skipped():
    _, y = _data()
    for spec in ({"weight": "balanced"}, {"weight": "none"}, {"split": "balanced", "size_share": 0.5}):
        with pytest.raises(UnitSkipped, match="sample_weight"):
            _build(spec, y, model="knn")
    estimator, _ = _build({"oversample": "smote"}, y, model="knn")  # samplers are fine
    assert "resample" in estimator.named_steps


def test_smote_without_enough_minority_rows_is_skipped_not_weakened():
    _, y = _data(n_major=40, n_minor=4)
    with pytest.raises(UnitSkipped, match="k_neighbors"):
        _build({"oversample": "smote", "k_neighbors": 5}, y)


def test_threshold_schemes_are_binary_only():
    y = np.array([0] * 30 + [1] * 20 + [2] * 10)
    with pytest.raises(UnitSkipped, match="binary only"):
        _build({"threshold": "prior"}, y)
    estimator, _ = _build({"weight": "balanced"}, y)  # weights are fine on multiclass
    rng = np.random.default_rng(0)
    estimator.fit(rng.normal(size=(60, 3)), y)
    assert set(estimator.named_steps["model"].class_weight_) == {0, 1, 2}


def test_threshold_schemes_wrap_sklearn_threshold_classifiers():
    X, y = _data(n_major=60, n_minor=15)
    estimator, _ = _build({"threshold": "cost", "c_fp": 1, "c_fn": 10}, y)
    assert isinstance(estimator, FixedThresholdClassifier) and estimator.threshold == pytest.approx(1 / 11)
    estimator, _ = _build({"threshold": "prior"}, y)
    assert estimator.threshold == pytest.approx(15 / 75)
    estimator, _ = _build({"threshold": "tuned", "metric": "balanced_accuracy"}, y)
    assert isinstance(estimator, TunedThresholdClassifierCV)
    estimator.fit(X, y)
    assert 0 < estimator.best_threshold_ < 1


def test_correct_wraps_in_prior_correction_that_measures_the_weights():
    X, y = _data(n_major=60, n_minor=15)
    estimator, _ = _build({"weight": "balanced", "correct": True}, y)
    assert isinstance(estimator, calibration.PriorCorrectedClassifier)
    estimator.fit(X, y)
    # balanced weights are 75/(2*60) and 75/(2*15): factor ratio 4
    assert estimator.weights_[1] / estimator.weights_[0] == pytest.approx(4.0)
    # corrected probabilities are the inner model's mapped back: p = q / (q + 4 (1 - q))
    q = estimator.estimator_.predict_proba(X)[:, 1]
    np.testing.assert_allclose(estimator.predict_proba(X)[:, 1], q / (q + 4 * (1 - q)))


def test_class_weighted_classifier_exposes_only_what_its_model_has():
    cw = schemes.ClassWeightedClassifier(models.make_model("linear_svm").named_steps["model"], {0: 1, 1: 2})
    assert not hasattr(cw, "predict_proba") and hasattr(cw, "decision_function")
    cw = schemes.ClassWeightedClassifier(GaussianNB(), {0: 1, 1: 2})
    X, y = _data()
    assert cw.fit(X, y).predict_proba(X).shape == (72, 2)


def test_bad_weight_normalisation_is_rejected():
    _, y = _data()
    with pytest.raises(InvalidParameterError) as info:
        _build({"weight": "balanced"}, y, normalisation="sum")
    assert info.value.name == "weight_normalisation"


def test_split_on_multiclass_balances_every_class_against_the_largest():
    # shares 60/30/10: balanced factors 1, 2, 6 relative to the largest class
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [60, 30, 10])
    X = rng.normal(size=(100, 2)) + y[:, None]
    estimator, _ = _build({"split": "balanced", "size_share": 1}, y, model="gaussian_nb", normalisation="none")
    estimator.fit(X, y)
    assert schemes.fitted_train_rows(estimator) == 60 + 60 + 60  # all copies
    assert estimator.named_steps["model"].class_weight_ == pytest.approx({0: 1.0, 1: 1.0, 2: 1.0})
    estimator, _ = _build({"split": "balanced", "size_share": 0}, y, model="gaussian_nb", normalisation="none")
    estimator.fit(X, y)
    assert estimator.named_steps["model"].class_weight_ == pytest.approx({0: 1.0, 1: 2.0, 2: 6.0})  # all weight


def test_knn_after_undersampling_below_its_neighbours_is_a_recorded_skip():
    # Found in the default sweep (haberman, ratio 50): random undersampling left a
    # 4-row training fold for k-nearest neighbours with n_neighbors=5, and the fit
    # raised ValueError. 8 majority + 2 minority rows -> 2 + 2 = 4 rows after undersampling.
    import numpy as np
    import pytest as _pytest

    from imbalance_lab import models, schemes
    from imbalance_lab.errors import UnitSkipped

    X = np.arange(20.0).reshape(10, 2)
    y = np.array([0] * 8 + [1] * 2)
    estimator, fit_params = schemes.parse_scheme({"undersample": "random"}).build(
        models.make_model("knn"), y, random_state=0, weight_normalisation="mean", positive=1
    )
    with _pytest.raises(UnitSkipped, match="4 rows, fewer than the 5"):
        estimator.fit(X, y, **fit_params)
    # with enough rows left the same scheme fits
    y_many = np.array([0] * 8 + [1] * 3)
    estimator, _ = schemes.parse_scheme({"undersample": "random"}).build(
        models.make_model("knn"), y_many, random_state=0, weight_normalisation="mean", positive=1
    )
    estimator.fit(np.arange(22.0).reshape(11, 2), y_many)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"weight": {"minority": 3, 0: 1}},
         "schemes[4].weight={'minority': 3, 0: 1} is invalid: a mapping keyed by roles ('minority', 'majority') "
         "or by class labels, not both; it has the role 'minority' and the label 0"),
        # a label given as text is a label too
        ({"oversample": "random", "sampling_strategy": {"1": 30, "majority": 60}},
         "schemes[4].sampling_strategy={'1': 30, 'majority': 60} is invalid: a mapping keyed by roles "
         "('minority', 'majority') or by class labels, not both; it has the role 'majority' and the label '1'"),
        ({"sampler": "replicate", "params": {"factors": {0: 1, "majority": 2, "minority": 3}}},
         "schemes[4].params.factors={0: 1, 'majority': 2, 'minority': 3} is invalid: a mapping keyed by roles "
         "('minority', 'majority') or by class labels, not both; it has the role 'majority' and the label 0"),
        # labels both as numbers and as text cannot be sorted either
        ({"weight": {0: 1, "1": 5}},
         "schemes[4].weight={0: 1, '1': 5} is invalid: class labels written alike, all as numbers or all as "
         "text; it has the number 0 and the text '1'"),
    ],
)
def test_a_mapping_mixing_roles_and_labels_is_refused_when_parsed(spec, message):
    with pytest.raises(ConfigError) as info:
        schemes.parse_scheme(spec, "schemes[4]")
    assert str(info.value) == message
    with pytest.raises(ConfigError):
        schemes.expand_scheme(spec, "schemes[4]")


@pytest.mark.parametrize(
    "spec",
    [
        {"weight": {"minority": 3, "majority": 1}},
        {"weight": {0: 1, 1: 3}},
        {"weight": {"0": 1, "1": 3}},
        # a typo of a role is left to check_classes, which names the role meant
        {"weight": {"minorty": 3, "majority": 1}},
        {"weight": {"minorty": 3, 0: 1}},
    ],
)
def test_a_mapping_of_roles_only_or_labels_of_one_type_is_parsed(spec):
    assert schemes.parse_scheme(spec).label_mappings() == {"weight": spec["weight"]}
