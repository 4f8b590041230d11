import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier

from imbalance_lab import models
from imbalance_lab.errors import InvalidParameterError, UnknownNameError

EXPECTED = {
    "logistic_regression": (LogisticRegression, True),
    "linear_svm": (LinearSVC, True),
    "decision_tree": (DecisionTreeClassifier, False),
    "random_forest": (RandomForestClassifier, False),
    "hist_gradient_boosting": (HistGradientBoostingClassifier, False),
    "knn": (KNeighborsClassifier, True),
    "gaussian_nb": (GaussianNB, False),
}


def test_registry_holds_the_seven_models():
    assert set(models.MODELS) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_make_model_builds_impute_scale_model(name):
    cls, scaled = EXPECTED[name]
    pipe = models.make_model(name, random_state=3)
    assert isinstance(pipe, Pipeline)
    names = [step for step, _ in pipe.steps]
    assert names == (["impute", "scale", "model"] if scaled else ["impute", "model"])
    assert type(pipe.named_steps["model"]) is cls
    if scaled:
        assert isinstance(pipe.named_steps["scale"], StandardScaler)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_model_fits_data_with_missing_values(name):
    X, y = make_classification(n_samples=80, n_features=4, n_informative=3, n_redundant=0, random_state=0)
    X[::7, 1] = np.nan
    pipe = models.make_model(name, random_state=0).fit(X, y)
    assert pipe.predict(X).shape == (80,)


def test_random_state_is_passed_where_the_estimator_has_one():
    assert models.make_model("random_forest", random_state=7).named_steps["model"].random_state == 7
    assert models.make_model("linear_svm", random_state=5).named_steps["model"].random_state == 5
    # GaussianNB and KNN have no random_state; building them must not fail.
    assert "random_state" not in models.make_model("gaussian_nb", random_state=1).named_steps["model"].get_params()


def test_explicit_random_state_in_the_config_wins():
    pipe = models.make_model({"name": "decision_tree", "params": {"random_state": 42}}, random_state=7)
    assert pipe.named_steps["model"].random_state == 42


def test_hyper_parameters_from_the_spec_are_set():
    pipe = models.make_model({"name": "random_forest", "params": {"n_estimators": 7, "max_depth": 3}})
    est = pipe.named_steps["model"]
    assert (est.n_estimators, est.max_depth) == (7, 3)


def test_registry_defaults_are_recorded_and_overridable():
    spec = models.validate_model_spec("logistic_regression")
    assert spec.params == {"max_iter": 1000}
    spec = models.validate_model_spec({"name": "logistic_regression", "params": {"max_iter": 50, "C": 0.1}})
    assert spec.params == {"max_iter": 50, "C": 0.1}
    assert spec.params_json() == '{"C": 0.1, "max_iter": 50}'


def test_import_path_model_with_params_and_scale_choice():
    pipe = models.make_model({"name": "sklearn.svm:SVC", "params": {"C": 2.0, "probability": True}, "scale": True}, random_state=1)
    est = pipe.named_steps["model"]
    assert type(est) is SVC and est.C == 2.0 and est.random_state == 1
    assert "scale" in pipe.named_steps
    assert "scale" not in models.make_model("sklearn.svm:SVC").named_steps


def test_accepts_sample_weight():
    for name in EXPECTED:
        assert models.accepts_sample_weight(models.make_model(name)) is (name != "knn"), name
    assert models.accepts_sample_weight(LogisticRegression())


def test_has_predict_proba():
    assert not models.has_predict_proba(models.make_model("linear_svm"))
    assert models.has_predict_proba(models.make_model("logistic_regression"))
    assert not models.has_predict_proba(models.make_model("sklearn.svm:SVC"))
    assert models.has_predict_proba(models.make_model({"name": "sklearn.svm:SVC", "params": {"probability": True}}))


def test_unknown_model_name_suggests_close_matches():
    with pytest.raises(UnknownNameError, match="did you mean 'knn'") as info:
        models.validate_model_spec("knnn", field="models[2]")
    assert info.value.name == "models[2].name" and info.value.value == "knnn"


def test_bad_parameter_value_names_the_parameter():
    with pytest.raises(InvalidParameterError) as info:
        models.validate_model_spec({"name": "logistic_regression", "params": {"max_iter": 10, "C": -1}})
    assert info.value.name == "model.params.C" and info.value.value == -1


def test_unknown_parameter_is_named_by_its_path_with_its_value():
    with pytest.raises(UnknownNameError) as info:
        models.validate_model_spec({"name": "decision_tree", "params": {"critrion": "gini"}}, field="models[1]")
    assert str(info.value) == (
        "models[1].params.critrion='gini' is invalid: unknown parameter of DecisionTreeClassifier; "
        "did you mean 'criterion'?"
    )
    assert info.value.name == "models[1].params.critrion" and info.value.value == "gini"
    assert "criterion" in info.value.choices


def test_unknown_parameter_without_a_close_match_lists_the_parameters():
    with pytest.raises(UnknownNameError) as info:
        models.validate_model_spec({"name": "gaussian_nb", "params": {"zzz": 1}})
    assert str(info.value) == (
        "model.params.zzz=1 is invalid: unknown parameter of GaussianNB; choose one of 'priors', 'var_smoothing'"
    )


def test_unknown_spec_key_is_named_by_its_path_with_its_value():
    with pytest.raises(UnknownNameError) as info:
        models.validate_model_spec({"name": "knn", "parms": {"n_neighbors": 3}}, field="models[0]")
    assert str(info.value) == (
        "models[0].parms={'n_neighbors': 3} is invalid: unknown model key; did you mean 'params'?"
    )


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("sklearn.svm:SVR", "classifier"),
        ("no_such_module_xyz:Thing", "cannot be imported"),
        ("sklearn.svm:NoSuchClass", "has no attribute"),
        ("sklearn.svm:", "import path"),
        (3, "model name"),
        ({"params": {}}, "required"),
        ({"name": "knn", "scale": "yes"}, "true or false"),
        ({"name": "knn", "params": [1]}, "mapping"),
    ],
)
def test_bad_specs_raise_before_any_fit(spec, fragment):
    with pytest.raises(InvalidParameterError, match=fragment):
        models.validate_model_spec(spec)
