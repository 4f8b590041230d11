"""User CSVs with a YAML sidecar: labels, features, missing values and clear errors."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

from imbalance_lab.datasets import (
    catalog_table,
    class_counts,
    dataset_name,
    load,
    load_named,
    load_spec,
    registered_names,
    validate_spec,
)
from imbalance_lab.errors import ConfigError, InvalidParameterError, UnknownNameError


@pytest.fixture
def data(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("IMBALANCE_LAB_DATA", str(folder))
    monkeypatch.setenv("IMBALANCE_LAB_CACHE", str(tmp_path / "cache"))
    return folder


def write(folder, name, csv, yaml=None):
    (folder / f"{name}.csv").write_text(textwrap.dedent(csv).lstrip())
    if yaml is not None:
        (folder / f"{name}.yaml").write_text(textwrap.dedent(yaml).lstrip())
    return folder / f"{name}.csv"


PATIENTS = """
    age,site,score,outcome
    61,north,1.5,sick
    45,south,,healthy
    50,,2.0,healthy
    33,north,0.5,healthy
    72,east,3.5,sick
    29,south,0.1,healthy
"""


def test_string_labels_with_a_positive_label(data):
    write(data, "patients", PATIENTS, "target: outcome\npositive: sick\n")
    dataset = load_named("patients")
    np.testing.assert_array_equal(dataset.y, [1, 0, 0, 0, 1, 0])
    assert dataset.classes == ("healthy", "sick")
    assert dataset.source == "csv" and dataset.name == "patients"


def test_features_one_hot_and_missing_values_stay_nan(data):
    write(data, "patients", PATIENTS, "target: outcome\npositive: sick\n")
    dataset = load_named("patients")
    assert dataset.feature_names == ("age", "site=east", "site=north", "site=south", "score")
    expected = np.array(
        [
            [61, 0, 1, 0, 1.5],
            [45, 0, 0, 1, np.nan],  # missing score stays NaN for the pipeline's imputer
            [50, np.nan, np.nan, np.nan, 2.0],  # missing site: every indicator unknown
            [33, 0, 1, 0, 0.5],
            [72, 1, 0, 0, 3.5],
            [29, 0, 0, 1, 0.1],
        ]
    )
    np.testing.assert_array_equal(dataset.X, expected)
    assert dataset.X.dtype == np.float64


def test_without_positive_the_minority_becomes_one(data):
    write(data, "patients", PATIENTS, "target: outcome\n")
    assert load("patients")[1].tolist() == [1, 0, 0, 0, 1, 0]  # 'sick' is the minority (2 of 6)


def test_numeric_labels_and_a_majority_positive_is_noted(data):
    write(data, "n", "x,y\n1,5\n2,5\n3,7\n4,5\n", "target: y\npositive: 5\n")
    dataset = load_named("n")
    assert dataset.y.tolist() == [1, 1, 0, 1]
    assert any("majority" in note for note in dataset.notes)


def test_more_than_two_labels(data):
    write(data, "m", "x,y\n1,b\n2,c\n3,a\n4,c\n", "target: y\n")
    dataset = load_named("m")
    assert dataset.y.tolist() == [1, 2, 0, 2] and dataset.classes == ("a", "b", "c")
    write(data, "m", "x,y\n1,b\n2,c\n3,a\n4,c\n", "target: y\npositive: a\n")
    assert load("m")[1].tolist() == [0, 0, 1, 0]  # one-vs-rest


def test_drop_categorical_and_na_values(data):
    write(
        data,
        "d",
        "id,grade,temp,y\nA1,1,36.6,0\nA2,2,?,1\nA3,1,37.0,0\nA4,3,38.1,0\n",
        "target: y\ndrop: [id]\ncategorical: [grade]\nna_values: ['?']\n",
    )
    dataset = load_named("d")
    assert dataset.feature_names == ("grade=1", "grade=2", "grade=3", "temp")
    assert np.isnan(dataset.X[1, 3]) and dataset.X[1, 1] == 1


def test_spec_with_inline_options_and_a_path(data, tmp_path):
    path = write(tmp_path, "elsewhere", PATIENTS)  # no sidecar
    spec = {"csv": str(path), "target": "outcome", "positive": "healthy", "name": "patients_h"}
    validate_spec(spec)
    dataset = load_spec(spec)
    assert dataset.name == "patients_h" == dataset_name(spec)
    assert dataset.y.tolist() == [0, 1, 1, 1, 0, 1]
    assert dataset_name({"csv": "data/foo.csv"}) == "foo"


def test_load_takes_every_spec_a_config_takes(data, tmp_path):
    write(data, "patients", PATIENTS, "target: outcome\n")
    path = write(tmp_path, "elsewhere", PATIENTS)  # no sidecar: options inline
    specs = [
        "patients",
        {"csv": str(path), "target": "outcome"},
        {"csv": str(path), "target": "outcome", "positive": "healthy", "name": "h"},
        {"synthetic": {"counts": [40, 10], "n_features": 3}},
    ]
    for spec in specs:
        X, y = load(spec)
        dataset = load_spec(spec)
        np.testing.assert_array_equal(X, dataset.X)
        np.testing.assert_array_equal(y, dataset.y)
    # 'sick' is 2 of the 6 PATIENTS rows: the minority, so label 1 (counted by hand)
    assert load({"csv": str(path), "target": "outcome"})[1].tolist() == [1, 0, 0, 0, 1, 0]
    assert np.bincount(load(specs[3])[1]).tolist() == [40, 10]


@pytest.mark.parametrize(
    ("spec", "name", "message"),
    [
        ({"csv": "absent.csv", "target": "y"}, "spec.csv", "an existing CSV file"),
        ({"csv": "PATH", "target": "label"}, "spec.csv.target", "its columns are"),
        ({"csv": "PATH", "target": "outcome", "postive": "sick"}, "spec.postive", "did you mean 'positive'?"),
        ({"synthetic": {"counts": [5, 0]}}, "spec.synthetic.counts", "counts"),
        ({}, "spec", "a data set name"),
    ],
)
def test_load_names_the_bad_part_of_a_spec_before_reading_data(data, tmp_path, spec, name, message):
    path = write(tmp_path, "elsewhere", PATIENTS)
    spec = {k: (str(path) if v == "PATH" else v) for k, v in spec.items()}
    with pytest.raises(InvalidParameterError) as info:
        load(spec)
    assert not isinstance(info.value, ConfigError)  # a call, not a config file
    assert info.value.name == name and message in str(info.value)


def test_user_sets_are_listed(data):
    write(data, "patients", PATIENTS, "target: outcome\n")
    write(data, "no_sidecar", PATIENTS)
    write(data, "ecoli1", PATIENTS, "target: outcome\n")  # collides with a public name
    assert "patients" in registered_names() and "no_sidecar" not in registered_names()
    users = catalog_table(include_public=False).set_index("name")
    assert set(users["source"]) == {"csv"}
    assert users.loc["patients", "status"] == "ok" and users.loc["patients", "n"] == 6
    assert "no_sidecar.yaml" in users.loc["no_sidecar", "reason"]
    assert "public data set" in users.loc["ecoli1", "reason"]


def test_a_csv_shadowing_a_public_name_is_an_error(data):
    write(data, "ecoli1", PATIENTS, "target: outcome\n")
    with pytest.raises(InvalidParameterError, match="rename the CSV"):
        load("ecoli1")


# ---------------------------------------------------------------- errors


def test_missing_target_column_lists_the_columns(data):
    write(data, "p", PATIENTS, "target: label\n")
    with pytest.raises(InvalidParameterError) as info:
        load("p")
    assert "'age', 'site', 'score', 'outcome'" in str(info.value) and "label" in str(info.value)
    assert info.value.name == f"{data / 'p.yaml'}: target"  # where the wrong value was written
    with pytest.raises(ConfigError) as info:
        validate_spec({"csv": str(data / "p.csv"), "target": "label"}, field="datasets[0]")
    assert info.value.name == "datasets[0].csv.target"


# An unknown sidecar key was named where it was written but got no suggestion.
def test_an_unknown_sidecar_key_is_named_where_it_was_written_with_the_close_one(data):
    write(data, "p", PATIENTS, "traget: outcome\n")
    with pytest.raises(UnknownNameError) as info:
        load("p")
    assert str(info.value) == f"{data / 'p.yaml'}: traget='outcome' is invalid: unknown key; did you mean 'target'?"
    with pytest.raises(ConfigError) as info:
        validate_spec({"csv": str(data / "p.csv")}, field="datasets[0]")
    assert str(info.value) == f"{data / 'p.yaml'}: traget='outcome' is invalid: unknown key; did you mean 'target'?"


NUMBERS_WITH_A_MARKER = "a,b,y\n" + "\n".join(f"{i},{'?' if i == 3 else i * 1.5},{i % 2}" for i in range(10))
IDENTIFIERS = "key,a,y\n" + "\n".join(f"id{i},{i},{i % 2}" for i in range(30))


@pytest.mark.parametrize(
    ("csv", "yaml", "match"),
    [
        ("x,y\n1,0\n2,\n3,1\n4,\n", "target: y\n", r"2 row\(s\).*lines 3, 5"),  # NaN targets
        ("x,y\n1,a\n2,a\n", "target: y\n", r"at least two classes.*'a'"),
        (PATIENTS, "target: outcome\npositive: ill\n", r"'healthy', 'sick'"),
        (PATIENTS, "target: outcome\nlabel_column: outcome\n", "label_column"),
        (NUMBERS_WITH_A_MARKER, "target: y\n", "na_values"),
        (IDENTIFIERS, "target: y\n", "identifier.*drop"),
        (PATIENTS, "target: [outcome\n", "valid YAML"),
        (PATIENTS, "target: outcome\ndrop: id\n", "a list of strings"),
    ],
)
def test_bad_csv_gives_a_clear_error(data, csv, yaml, match):
    write(data, "p", csv, yaml)
    with pytest.raises(InvalidParameterError, match=match):
        load("p")


def test_yaml_yes_is_a_boolean_and_the_error_says_so(data):
    write(data, "p", "x,y\n1,yes\n2,no\n3,no\n", "target: y\npositive: yes\n")
    with pytest.raises(InvalidParameterError, match="quote the label"):
        load("p")
    write(data, "p", "x,y\n1,yes\n2,no\n3,no\n", "target: y\npositive: 'yes'\n")
    assert load("p")[1].tolist() == [1, 0, 0]


def test_missing_file(data):
    write(data, "present", PATIENTS, "target: outcome\n")
    with pytest.raises(ConfigError) as info:
        validate_spec({"csv": str(data / "absent.csv"), "target": "y"})
    assert "present.csv" in str(info.value)
    with pytest.raises(UnknownNameError):
        load("absent")


def test_target_is_never_a_feature(data):
    write(data, "p", PATIENTS, "target: outcome\n")
    dataset = load_named("p")
    frame = pd.read_csv(data / "p.csv")
    assert dataset.X.shape == (len(frame), 5)  # age, 3 site indicators, score
    assert class_counts(dataset.y) == {0: 4, 1: 2}
