"""Planning: units, slices, cache keys."""

from __future__ import annotations

import shutil
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from test_sweep_support import FAKE_DATA, FakeDataset, fake_config, fake_load

import imbalance_lab
from imbalance_lab.errors import ConfigError
from imbalance_lab.sweep.config import parse_config
from imbalance_lab.sweep.plan import library_versions, plan_sweep, source_hash


def _plan(**changes):
    return plan_sweep(fake_config(**changes), load_dataset=fake_load)


def test_grid_becomes_one_slice_per_dataset_and_model():
    plan = _plan()
    config = plan.config
    # 3 data sets x 2 models slices; 2 ratios x 2 schemes x 2 seeds units each
    assert len(plan.slices) == 3 * 2
    assert all(len(s.units) == 2 * 2 * 2 for s in plan.slices)
    assert [u.index for u in plan.units] == list(range(3 * 2 * 2 * 2 * 2))
    assert len({u.key for u in plan.units}) == len(plan.units)
    assert len({s.key for s in plan.slices}) == len(plan.slices)
    # every (ratio, scheme, seed) combination once per slice
    first = plan.slices[0]
    combos = {(u.ratio, str(u.scheme), u.seed) for u in first.units}
    assert len(combos) == len(config.ratios) * len(config.schemes) * len(config.seeds)


def test_slice_keys_are_file_names_and_model_variants_do_not_collide():
    plan = _plan(models=("logistic_regression",
                         {"name": "random_forest", "params": {"n_estimators": 5}},
                         {"name": "random_forest", "params": {"n_estimators": 9}}))
    keys = [s.key for s in plan.slices if s.data.name == "alpha"]
    assert keys[0] == "alpha__logistic_regression"
    assert keys[1].startswith("alpha__random_forest-") and keys[2].startswith("alpha__random_forest-")
    assert keys[1] != keys[2]
    for key in keys:
        assert "/" not in key and not key.startswith(".")


def test_slice_spec_has_the_run_slice_fields():
    plan = _plan(unit_time_limit=7, store_predictions=False, keep_n=True)
    s = plan.slices[0]
    spec = s.spec(plan.config, s.units[:2])
    assert set(spec) == {"experiment", "slice_key", "dataset", "model", "cv", "metrics",
                         "weight_normalisation", "keep_n", "ece_binning", "store_predictions",
                         "unit_time_limit", "units"}
    assert spec["unit_time_limit"] == 7 and spec["keep_n"] is True and spec["store_predictions"] is False
    assert [u["unit_key"] for u in spec["units"]] == [u.key for u in s.units[:2]]
    assert set(spec["units"][0]) == {"unit_key", "index", "ratio", "scheme", "seed"}


def test_keys_are_stable_and_ignore_what_cannot_move_a_number():
    base = {u.index: u.key for u in _plan().units}
    assert {u.index: u.key for u in _plan().units} == base
    # the name, the time limit, jobs and the executor do not enter the key
    same = _plan(name="other", unit_time_limit=5, jobs=1, description="x")
    assert {u.index: u.key for u in same.units} == base
    # 2 and 2.0 are the same ratio
    assert {u.index: u.key for u in _plan(ratios=("native", 2.0)).units} == base


@pytest.mark.parametrize(
    "changes",
    [
        {"cv": {"folds": 4, "repeats": 1}},
        {"cv": {"folds": 3, "repeats": 2}},
        {"metrics": ("balanced_accuracy",)},
        {"weight_normalisation": "none"},
        {"keep_n": True},
        {"ece_binning": "quantile"},
        {"store_predictions": False},
    ],
)
def test_every_result_relevant_setting_changes_every_key(changes):
    before = {u.key for u in _plan().units}
    after = {u.key for u in _plan(**changes).units}
    assert not before & after


def test_one_more_scheme_adds_only_new_keys():
    before = {u.key for u in _plan().units}
    after = {u.key for u in _plan(schemes=("none", {"weight": "balanced"}, {"oversample": "random"})).units}
    assert before < after
    assert len(after - before) == 3 * 2 * 2 * 1 * 2  # datasets x models x ratios x 1 scheme x seeds


def test_new_data_changes_the_keys(monkeypatch):
    before = {u.key for u in _plan().units}
    monkeypatch.setenv("IMBALANCE_LAB_TEST_DATA_VERSION", "2")
    after = {u.key for u in _plan().units}
    assert not before & after


def test_editing_a_package_source_file_changes_the_key(tmp_path):
    copy = tmp_path / "imbalance_lab"
    shutil.copytree(Path(imbalance_lab.__file__).parent, copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    assert source_hash(copy) == source_hash()
    config = fake_config()
    before = {u.key for u in plan_sweep(config, load_dataset=fake_load, source_root=copy).units}
    rows_py = copy / "rows.py"
    rows_py.write_text(rows_py.read_text() + "\n# an edit\n")
    source_hash.cache_clear()
    assert source_hash(copy) != source_hash()
    after = {u.key for u in plan_sweep(config, load_dataset=fake_load, source_root=copy).units}
    assert not before & after


def test_library_versions_are_the_installed_ones():
    versions = library_versions()
    import numpy
    import sklearn

    assert versions["numpy"] == numpy.__version__
    assert versions["scikit-learn"] == sklearn.__version__
    assert versions["pandas"] == metadata.version("pandas")
    assert versions["python"].count(".") == 2


def test_pending_skips_done_units_and_puts_big_slices_first():
    plan = _plan()
    done = {u.key for u in plan.slices[0].units} | {plan.slices[1].units[0].key}
    work = plan.pending(done)
    assert plan.slices[0].key not in {s.key for s, _ in work}
    todo = {u.key for _, units in work for u in units}
    assert todo == {u.key for u in plan.units} - done
    sizes = [len(units) * s.data.n_samples for s, units in work]
    assert sizes == sorted(sizes, reverse=True)
    assert work[0][0].data.n_samples == max(FAKE_DATA.values())


def test_a_dataset_that_does_not_load_is_a_config_error():
    def broken(spec, field):
        raise OSError("disk on fire")

    with pytest.raises(ConfigError) as info:
        plan_sweep(fake_config(), load_dataset=broken)
    assert info.value.name == "datasets[0]" and info.value.value == "alpha"
    assert "disk on fire" in str(info.value)


def test_a_dataset_unavailable_here_is_planned_with_the_reason_and_the_rest_is_unchanged():
    from imbalance_lab.datasets import DatasetUnavailable

    def beta_broken(spec, field):
        if spec == "beta":
            raise DatasetUnavailable("beta", "load_beta() raised KeyError: 'class'")
        return fake_load(spec, field)

    plan = plan_sweep(fake_config(), load_dataset=beta_broken)
    whole = _plan()
    beta = plan.data["beta"]
    assert beta.unavailable == "data set 'beta' cannot be loaded: load_beta() raised KeyError: 'class'"
    assert beta.fingerprint is None and beta.name == "beta"
    # the grid is the same: 3 data sets x 2 models slices, 8 units each
    assert [s.key for s in plan.slices] == [s.key for s in whole.slices]
    assert len(plan.units) == len(whole.units) == 3 * 2 * 8
    # the data sets that load keep their keys (nothing they depend on changed)
    loaded = {u.key for u in plan.units if u.dataset != "beta"}
    assert loaded == {u.key for u in whole.units if u.dataset != "beta"}
    # beta's units have keys of their own, unlike the keys it would have if it loaded
    broken = {u.key for u in plan.units if u.dataset == "beta"}
    assert len(broken) == 16 and not broken & {u.key for u in whole.units}


def test_a_units_manifest_record_is_its_spec_with_the_scheme_as_text_and_its_place():
    plan = _plan()
    unit = next(u for u in plan.units
                if u.dataset == "beta" and u.scheme == {"weight": "balanced"} and u.ratio == 2 and u.seed == 1)
    assert unit.record() == {
        "index": unit.index, "ratio": 2, "scheme": '{"weight":"balanced"}', "seed": 1,
        "slice": "beta__logistic_regression", "dataset": "beta", "model": "logistic_regression",
    }
    assert unit.spec() == {"unit_key": unit.key, "index": unit.index, "ratio": 2,
                           "scheme": {"weight": "balanced"}, "seed": 1}


def test_a_slice_spec_sets_every_optional_key_run_slice_knows():
    from imbalance_lab import experiment

    plan = _plan(unit_time_limit=7, keep_n=True)
    spec = plan.slices[0].spec(plan.config)
    assert set(spec) == set(experiment.REQUIRED) | set(experiment.DEFAULTS)
    assert (spec["unit_time_limit"], spec["keep_n"]) == (7, True)
    # a config left alone limits a unit to 300 s; run_slice called by hand has no limit
    assert fake_config().unit_time_limit == 300 and experiment.DEFAULTS["unit_time_limit"] is None


# --------------------------------------------------------- label mappings


def labelled_load(spec, field="dataset"):
    """Like fake_load, with labels as the loaders give them: 0..K-1, the
    minority of binary data 1; gamma has three classes."""
    dataset = fake_load(spec, field)
    n = len(dataset.y)
    y = np.array([0] * (n - n // 4) + [1] * (n // 4))
    if spec == "gamma":
        y = np.array([0] * (n // 2) + [1] * (n // 3) + [2] * (n - n // 2 - n // 3))
    return FakeDataset(dataset.name, y, dataset.fingerprint)


def test_an_explicit_weight_for_a_label_no_data_set_has_is_refused_when_planned():
    # found by a fresh user: {weight: {0: 1, 7: 3}} ran, and every unit of
    # the scheme was recorded as an error, showing the key 7 as '7'
    config = fake_config(schemes=("none", {"weight": {0: 1, 7: 3}}), source="x.yaml")
    with pytest.raises(ConfigError) as info:
        plan_sweep(config, load_dataset=labelled_load)
    assert str(info.value) == (
        "x.yaml: schemes[1].weight[7]=3 is invalid: a class of data set 'alpha' (datasets[0]), "
        "which has classes [0, 1], or a role ('minority', 'majority')"
    )
    assert (info.value.name, info.value.value) == ("schemes[1].weight[7]", 3)


def test_a_label_mapping_error_names_the_scheme_as_written_before_expansion():
    config = parse_config({
        "name": "t", "datasets": ["ecoli1"], "ratios": ["native"], "models": ["knn"],
        "schemes": [{"split": "balanced", "size_share": [0, 1]},
                    {"oversample": "replicate", "factors": [{"minority": 2}, {7: 2}]}],
    }, source="x.yaml")
    with pytest.raises(ConfigError) as info:
        plan_sweep(config, load_dataset=lambda spec, field: labelled_load("alpha", field))
    assert str(info.value) == (
        "x.yaml: schemes[1].factors[7]=2 is invalid: a class of data set 'alpha' (datasets[0]), "
        "which has classes [0, 1], or a role ('minority', 'majority')"
    )


def test_a_weight_mapping_is_checked_against_every_data_set():
    # binary alpha and beta have both labels; gamma has a third class
    config = fake_config(schemes=({"weight": {"majority": 1, "minority": 4}},))
    with pytest.raises(ConfigError) as info:
        plan_sweep(config, load_dataset=labelled_load)
    assert str(info.value) == (
        "schemes[0].weight={'majority': 1, 'minority': 4} is invalid: a value for every class of data set "
        "'gamma' (datasets[2]), which has classes [0, 1, 2]; missing [1]"
    )


def test_label_mappings_that_fit_every_data_set_are_planned():
    config = fake_config(datasets=("alpha", "beta"),
                         schemes=({"weight": {0: 1, 1: 5}}, {"oversample": "replicate", "factors": {1: 2}},
                                  {"oversample": "smote", "sampling_strategy": {"minority": 40}}))
    plan = plan_sweep(config, load_dataset=labelled_load)
    assert len(plan.units) == 2 * 2 * 3 * 2 * 2


def test_a_data_set_unavailable_here_leaves_its_labels_unchecked():
    from imbalance_lab.datasets import DatasetUnavailable

    def beta_broken(spec, field):
        if spec == "beta":
            raise DatasetUnavailable("beta", "load_beta() raised KeyError: 'class'")
        return labelled_load(spec, field)

    config = fake_config(datasets=("alpha", "beta"), schemes=({"weight": {0: 1, 1: 5}},))
    assert plan_sweep(config, load_dataset=beta_broken).data["beta"].unavailable is not None


def test_run_sweep_refuses_a_label_mapping_before_any_work(tmp_path):
    from imbalance_lab.sweep import run_sweep

    config = fake_config(schemes=({"weight": {0: 1, 7: 3}},))
    with pytest.raises(ConfigError, match=r"^schemes\[0\]\.weight\[7\]=3 is invalid"):
        run_sweep(config, out=tmp_path / "out", load_dataset=labelled_load)
    assert not (tmp_path / "out").exists()


def test_two_data_sets_that_load_with_one_name_are_refused_when_planned(tmp_path):
    # A config built directly skips parse_config: the plan checks the names
    # the data sets load with, which are the names the report groups rows by.
    def renamed(spec, field):
        dataset = fake_load(spec, field)
        return FakeDataset("alpha" if spec == "gamma" else dataset.name, dataset.y, dataset.fingerprint)

    from imbalance_lab.sweep import run_sweep

    with pytest.raises(ConfigError) as info:
        run_sweep(fake_config(), out=tmp_path / "out", load_dataset=renamed)
    assert str(info.value) == (
        "datasets[2]='gamma' is invalid: a data set with a name of its own, but it has the same name 'alpha' "
        "as datasets[0], and the report would merge their results; give one of them a distinct name"
    )
    assert not (tmp_path / "out").exists()
