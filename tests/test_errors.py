"""The error types carry their fields and name the argument and the value."""

import pytest

from imbalance_lab.errors import (
    ConfigError,
    InvalidParameterError,
    RatioUnreachable,
    UnitSkipped,
    UnknownNameError,
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
