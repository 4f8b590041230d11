"""The error types carry their fields and name the argument and the value."""

import pytest

from imbalance_lab.errors import (
    ConfigError,
    InvalidParameterError,
    RatioUnreachable,
    UnitSkipped,
    UnknownNameError,
    unknown_key,
)


def test_invalid_parameter_names_argument_and_value():
    err = InvalidParameterError("alpha", -0.5, "must be >= 0")
    assert isinstance(err, ValueError)
    assert (err.name, err.value, err.expected) == ("alpha", -0.5, "must be >= 0")
    assert "alpha=-0.5" in str(err) and "must be >= 0" in str(err)


def test_unknown_name_suggests_close_matches():
    err = UnknownNameError("scheme", "balancd", ["balanced", "none", "power"], kind="scheme")
    assert "'balanced'" in str(err) and "scheme='balancd'" in str(err)
    assert err.choices == ["balanced", "none", "power"]


def test_unknown_name_without_close_match_lists_choices():
    err = UnknownNameError("model", "zzz", ["knn", "gaussian_nb"], kind="model")
    assert "'gaussian_nb', 'knn'" in str(err)


def test_config_error_names_source_and_field():
    err = ConfigError("schemes[3].alpha", "x", "must be a number", source="configs/a.yaml")
    assert str(err).startswith("configs/a.yaml: schemes[3].alpha='x'")
    assert err.source == "configs/a.yaml"


def test_ratio_unreachable_is_a_skip_with_fields():
    err = RatioUnreachable(50, {0: 100, 1: 3}, {0: 150, 1: 3}, "needs 150 majority rows")
    assert isinstance(err, UnitSkipped)
    assert err.counts == {0: 100, 1: 3} and err.ratio == 50
    assert "50" in err.reason


def test_long_values_are_shortened():
    err = InvalidParameterError("y", list(range(1000)), "bad")
    assert len(str(err)) < 200


@pytest.mark.parametrize("cls", [InvalidParameterError, UnknownNameError, ConfigError])
def test_user_errors_are_value_errors(cls):
    assert issubclass(cls, ValueError)


def test_unknown_key_names_the_path_and_the_value_and_suggests_from_the_key():
    err = unknown_key("a.b.colour", "colour", [1, 2], ["color", "size"], kind="parameter of X")
    assert isinstance(err, UnknownNameError)
    assert str(err) == "a.b.colour=[1, 2] is invalid: unknown parameter of X; did you mean 'color'?"
    assert (err.name, err.value, err.choices) == ("a.b.colour", [1, 2], ["color", "size"])


def test_unknown_key_asked_as_an_invalid_parameter_is_an_unknown_name():
    # the type of error a caller asks for: UnknownNameError is one
    err = unknown_key("spec.nmae", "nmae", "x", ["name", "csv"], kind="key", error=InvalidParameterError)
    assert type(err) is UnknownNameError
    assert str(err) == "spec.nmae='x' is invalid: unknown key; did you mean 'name'?"


def test_unknown_key_as_a_config_error_has_the_same_message():
    err = unknown_key("datasets[0].csvv", "csvv", "x.csv", ["csv", "synthetic"], kind="key", error=ConfigError)
    assert type(err) is ConfigError
    assert str(err) == "datasets[0].csvv='x.csv' is invalid: unknown key; did you mean 'csv'?"
    assert (err.name, err.value) == ("datasets[0].csvv", "x.csv")


def test_unknown_key_without_any_choice_says_there_are_none():
    err = unknown_key("params.level", "level", 3, [], kind="parameter of sampler 'x'")
    assert str(err) == "params.level=3 is invalid: unknown parameter of sampler 'x' (there are none)"
