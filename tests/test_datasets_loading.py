"""Config specs -> Dataset: validation without loading, names, and imposed instances."""

from __future__ import annotations

import numpy as np
import pytest
from datasets_support import isolated_folders  # noqa: F401  (autouse fixture)

from imbalance_lab.datasets import (
    Dataset,
    class_counts,
    dataset_name,
    fingerprint,
    impose_ratio,
    load,
    load_spec,
    validate_spec,
)
from imbalance_lab.datasets import public as public_module
from imbalance_lab.errors import ConfigError, UnknownNameError


def test_validate_spec_loads_nothing(monkeypatch):
    def no_loading(*args, **kwargs):
        raise AssertionError("validate_spec must not load data")

    monkeypatch.setattr(public_module, "load_public", no_loading)
    validate_spec("ecoli1")
    validate_spec("breast_cancer")
    validate_spec({"synthetic": {"counts": [600, 300, 100], "n_features": 5}})


@pytest.mark.parametrize(
    ("spec", "name", "message"),
    [
        ("ecoli_1", "datasets[0]", "did you mean 'ecoli1'"),
        (42, "datasets[0]", "a data set name"),
        ({}, "datasets[0]", "a data set name"),
        ({"synthetic": {"counts": [5, 1]}, "csv": "a.csv"}, "datasets[0]", "a data set name"),
        ({"synthetic": {"counts": [5, 1]}, "ratio": 3}, "datasets[0].ratio", "unknown key; choose one of 'synthetic'"),
        ({"synthetic": {"counts": [5, 1], "n_features": 0}}, "datasets[0].synthetic.n_features", ">= 1"),
        ({"csv": 3}, "datasets[0].csv", "a path"),
    ],
)
def test_bad_specs_raise_config_errors_naming_the_field(spec, name, message):
    with pytest.raises(ConfigError) as info:
        validate_spec(spec, "datasets[0]")
    assert info.value.name == name
    assert message in str(info.value)


# Found by a fresh user: `datasets: [{csvv: x.csv}]` named the parent with the
# whole mapping (datasets[0]={'csvv': 'x.csv'} is invalid), not the key.
@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"csvv": "x.csv"}, "datasets[0].csvv='x.csv' is invalid: unknown key; did you mean 'csv'?"),
        # the other keys of a csv spec are fine: the misspelt one is named
        ({"target": "outcome", "csvv": "x.csv"}, "datasets[0].csvv='x.csv' is invalid: unknown key; did you mean 'csv'?"),
        ({"synthtic": {"counts": [5, 1]}},
         "datasets[0].synthtic={'counts': [5, 1]} is invalid: unknown key; did you mean 'synthetic'?"),
        ({"csv": "x.csv", "nmae": "mine"}, "datasets[0].nmae='mine' is invalid: unknown key; did you mean 'name'?"),
        ({"synthetic": {"counts": [5, 1]}, "name": "mine"},
         "datasets[0].name='mine' is invalid: unknown key; choose one of 'synthetic'"),
        # nothing misspelt, only csv or synthetic missing: the spec as a whole
        ({"target": "outcome"},
         "datasets[0]={'target': 'outcome'} is invalid: a data set name, {synthetic: {...}} or "
         "{csv: path, target: ..., positive: ...}"),
    ],
)
def test_an_unknown_spec_key_is_named_by_its_path_with_its_value(spec, message):
    with pytest.raises(ConfigError) as info:
        validate_spec(spec, "datasets[0]")
    assert str(info.value) == message


def test_a_call_gets_the_unknown_key_as_an_unknown_name_before_any_file_is_read():
    with pytest.raises(UnknownNameError) as info:
        load({"csvv": "absent.csv"})
    assert not isinstance(info.value, ConfigError)
    assert (info.value.name, info.value.value) == ("spec.csvv", "absent.csv")
    assert "csv" in info.value.choices and str(info.value).endswith("did you mean 'csv'?")


def test_load_spec_by_name_matches_load():
    dataset = load_spec("ecoli1")
    X, y = load("ecoli1")
    assert isinstance(dataset, Dataset) and dataset.name == "ecoli1"
    np.testing.assert_array_equal(dataset.X, X)
    assert dataset.fingerprint == fingerprint(X, y)
    assert "keel" in dataset.citation


def test_dataset_names():
    assert dataset_name("yeast3") == "yeast3"
    assert dataset_name({"synthetic": {"counts": [900, 100], "kind": "gaussian"}}) == "synthetic_gaussian_900-100"
    assert dataset_name({"synthetic": {"counts": [9, 1], "name": "mine"}}) == "mine"
    assert dataset_name({"csv": "data/patients.csv", "target": "y"}) == "patients"


def test_an_imposed_instance_records_its_parameters_in_the_fingerprint():
    base = load_spec({"synthetic": {"counts": [500, 100], "random_state": 1}})
    five = base.impose_ratio(5, random_state=0, min_per_class=5)
    assert class_counts(five.y) == {0: 500, 1: 100}  # already 5:1 -> every row
    two = base.impose_ratio(2, random_state=0)
    assert class_counts(two.y) == {0: 200, 1: 100}
    again = base.impose_ratio(2, random_state=0)
    other_seed = base.impose_ratio(2, random_state=1)
    assert two.fingerprint == again.fingerprint
    assert two.fingerprint != other_seed.fingerprint
    # same rows as the plain function, and the parameters are part of the hash
    X, y = impose_ratio(base.X, base.y, 2, random_state=0)
    np.testing.assert_array_equal(two.X, X)
    assert two.params["imposed"] == {"ratio": 2, "keep_n": False, "random_state": 0}
    assert two.fingerprint == fingerprint(X, y, **two.params)
    assert five.fingerprint != base.fingerprint  # same rows, other parameters
    assert two.name == base.name


def test_keep_n_instances_have_one_n():
    base = load_spec({"synthetic": {"counts": [800, 150]}})
    sizes = {r: base.impose_ratio(r, keep_n=True, random_state=0).y.size for r in ("native", 1, 3, 10)}
    assert set(sizes.values()) == {300}  # min(2 * 150, 800)


def test_synthetic_spec_errors_are_config_errors_with_the_path():
    with pytest.raises(ConfigError) as info:
        load_spec({"synthetic": {"counts": [5, 5], "class_sep": "far"}}, field="datasets[2]")
    assert info.value.name == "datasets[2].synthetic.class_sep"
    dataset = load_spec({"synthetic": {"counts": [600, 300, 100]}})
    assert class_counts(dataset.y) == {0: 600, 1: 300, 2: 100}
