"""run_sweep with a test executor: caching, resume, failure isolation.

The task here is a test double that honours run_slice's contract; the same
scenarios with real notebooks are in test_sweep_e2e.py.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from test_sweep_support import InlineExecutor, fake_config, fake_load, fake_metric

from imbalance_lab import rows
from imbalance_lab.sweep import faults, run_sweep
from imbalance_lab.sweep.store import ResultsStore


def _run(tmp_path, config=None, **kwargs):
    executor = InlineExecutor()
    summary = run_sweep(config or fake_config(), out=tmp_path / "out", executor=executor,
                        load_dataset=fake_load, **kwargs)
    return summary, executor


def _manifest(tmp_path):
    return json.loads((tmp_path / "out" / "manifest.json").read_text())


def test_first_run_computes_and_records_every_unit(tmp_path):
    summary, executor = _run(tmp_path)
    n = 3 * 2 * 2 * 2 * 2  # data sets x models x ratios x schemes x seeds
    assert (summary.units, summary.ok, summary.cached, summary.error, summary.failed) == (n, n, 0, 0, 0)
    assert summary.fits == n * 3  # 3 folds, one fit each
    assert summary.exit_code == 0
    assert len(executor.submitted) == 6

    manifest = _manifest(tmp_path)
    assert len(manifest["units"]) == n
    assert {u["status"] for u in manifest["units"].values()} == {"ok"}
    assert {s["status"] for s in manifest["slices"].values()} == {"done"}
    assert manifest["config"]["name"] == "fake"
    assert manifest["row_layout_version"] == rows.ROW_LAYOUT_VERSION
    assert set(manifest["data"]) == {"alpha", "beta", "gamma"}
    assert manifest["runs"][-1]["interrupted"] is False
    assert manifest["runs"][-1]["fits"] == n * 3
    assert "numpy" in manifest["versions"] and "commit" in manifest["git"]

    out = tmp_path / "out"
    for key in manifest["slices"]:
        assert (out / "rows" / f"{key}.parquet").exists()
        assert (out / "rows" / f"{key}.csv").exists()
        assert (out / "predictions" / f"{key}.parquet").exists()
        assert (out / "notebooks" / f"{key}.ipynb").exists()
    stored = ResultsStore(out).read_rows()
    assert len(stored) == n * 3
    # the values are the task's, unit by unit and fold by fold
    expected = [fake_metric(k, r, f) for k, r, f in stored[["unit_key", "repeat", "fold"]].itertuples(index=False)]
    assert stored["balanced_accuracy"].tolist() == pytest.approx(expected)


def test_second_run_computes_nothing(tmp_path):
    _run(tmp_path)
    rows_before = ResultsStore(tmp_path / "out").read_rows()
    summary, executor = _run(tmp_path)
    assert executor.submitted == []
    assert summary.cached == summary.units and summary.fits == 0 and summary.exit_code == 0
    pd.testing.assert_frame_equal(ResultsStore(tmp_path / "out").read_rows(), rows_before)
    assert len(_manifest(tmp_path)["runs"]) == 2


def test_adding_a_scheme_runs_only_its_units(tmp_path):
    _run(tmp_path)
    before = set(_manifest(tmp_path)["units"])
    bigger = fake_config(schemes=("none", {"weight": "balanced"}, {"oversample": "random"}))
    summary, executor = _run(tmp_path, bigger)
    computed = set(executor.unit_keys())
    assert len(computed) == 3 * 2 * 2 * 2  # data sets x models x ratios x seeds, one scheme
    assert not computed & before
    assert summary.cached == len(before) and summary.ok == len(computed)
    # every slice file now holds old and new units, once each
    stored = ResultsStore(tmp_path / "out").read_rows()
    assert stored.groupby("unit_key").size().eq(3).all()
    assert set(stored["unit_key"]) == before | computed


def test_force_recomputes_everything(tmp_path):
    _run(tmp_path)
    summary, executor = _run(tmp_path, force=True)
    assert len(executor.unit_keys()) == summary.units and summary.cached == 0
    assert len(ResultsStore(tmp_path / "out").read_rows()) == summary.units * 3


def test_dropping_a_model_leaves_its_files_out_of_the_manifest(tmp_path):
    _run(tmp_path)
    summary, executor = _run(tmp_path, fake_config(models=("logistic_regression",)))
    assert executor.submitted == [] and summary.units == 3 * 2 * 2 * 2
    manifest = _manifest(tmp_path)
    assert all("random_forest" not in key for key in manifest["slices"])
    assert len(ResultsStore(tmp_path / "out").read_rows()) == summary.units * 3


def test_a_raising_unit_becomes_error_rows_and_runs_again_next_time(tmp_path, monkeypatch):
    monkeypatch.setenv(faults.ENV_VAR, "raise@unit:5")
    summary, _ = _run(tmp_path)
    assert (summary.error, summary.ok) == (1, summary.units - 1)
    assert summary.exit_code == 1
    manifest = _manifest(tmp_path)
    bad = [k for k, u in manifest["units"].items() if u["status"] == "error"]
    assert len(bad) == 1 and manifest["units"][bad[0]]["index"] == 5
    assert "injected fault" in manifest["units"][bad[0]]["error"]
    assert "injected fault" in summary.text()
    stored = ResultsStore(tmp_path / "out").read_rows()
    assert set(stored.loc[stored.status == "error", "unit_key"]) == set(bad)

    monkeypatch.delenv(faults.ENV_VAR)
    summary, executor = _run(tmp_path)
    assert executor.unit_keys() == bad
    assert summary.exit_code == 0 and summary.ok == 1
    stored = ResultsStore(tmp_path / "out").read_rows()
    assert (stored["status"] == "ok").all() and len(stored) == summary.units * 3


def test_a_failed_slice_is_recorded_with_its_notebook_and_the_rest_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("IMBALANCE_LAB_TEST_FAIL_SLICES", "beta__logistic_regression")
    summary, _ = _run(tmp_path)
    assert summary.failed == 8 and summary.ok == summary.units - 8 and summary.exit_code == 1
    manifest = _manifest(tmp_path)
    entry = manifest["slices"]["beta__logistic_regression"]
    assert entry["status"] == "failed" and "kernel died" in entry["error"]
    assert (tmp_path / "out" / "notebooks" / "beta__logistic_regression.ipynb").exists()
    assert not (tmp_path / "out" / "rows" / "beta__logistic_regression.parquet").exists()
    notebook = tmp_path / "out" / "notebooks" / "beta__logistic_regression.ipynb"
    assert "failed slice beta__logistic_regression: the kernel died" in summary.text()
    assert f"(see {notebook})" in summary.text()

    monkeypatch.delenv("IMBALANCE_LAB_TEST_FAIL_SLICES")
    summary, executor = _run(tmp_path)
    assert [s["slice_key"] for s in executor.submitted] == ["beta__logistic_regression"]
    assert summary.exit_code == 0 and summary.ok == 8


def test_interrupted_sweep_keeps_what_was_recorded(tmp_path, monkeypatch):
    # Ctrl-C arrives after the first two slices were recorded.
    config = fake_config()
    order = [s["slice_key"] for s in _dry_order(tmp_path, config)]
    monkeypatch.setenv(faults.ENV_VAR, f"interrupt@record:{order[2]}")
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path / "real", config)
    manifest = json.loads((tmp_path / "real" / "out" / "manifest.json").read_text())
    assert manifest["runs"][-1]["interrupted"] is True
    done_slices = [k for k, s in manifest["slices"].items() if s["status"] == "done"]
    assert sorted(done_slices) == sorted(order[:2])

    monkeypatch.delenv(faults.ENV_VAR)
    summary, executor = _run(tmp_path / "real", config)
    assert [s["slice_key"] for s in executor.submitted] == order[2:]
    assert summary.cached == 16 and summary.exit_code == 0


def test_crash_between_rows_and_manifest_recomputes_that_slice_without_duplicates(tmp_path, monkeypatch):
    config = fake_config()
    specs = _dry_order(tmp_path, config)
    order = [s["slice_key"] for s in specs]
    monkeypatch.setenv(faults.ENV_VAR, f"raise@manifest:{order[1]}")
    with pytest.raises(faults.InjectedFault):
        _run(tmp_path / "real", config)
    out = tmp_path / "real" / "out"
    # the rows of order[1] are on disk, but the manifest does not call them done
    assert ResultsStore(out).rows_path(order[1]).exists()
    assert ResultsStore(out).done_units() == {u["unit_key"] for u in specs[0]["units"]}

    monkeypatch.delenv(faults.ENV_VAR)
    summary, executor = _run(tmp_path / "real", config)
    assert [s["slice_key"] for s in executor.submitted] == order[1:]
    stored = ResultsStore(out).read_rows()
    assert stored.groupby("unit_key").size().eq(3).all() and len(stored) == summary.units * 3


def test_out_defaults_to_results_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    summary = run_sweep(fake_config(name="here"), executor=InlineExecutor(), load_dataset=fake_load)
    assert summary.out == tmp_path.joinpath("results", "here").relative_to(tmp_path)
    assert (tmp_path / "results" / "here" / "manifest.json").exists()


def _dry_order(tmp_path, config):
    """The slice specs in the order a sweep submits them."""
    _, executor = _run(tmp_path / "dry", config)
    return executor.submitted


def _damage(path, how):
    data = path.read_bytes()
    if how == "truncated":  # a full disk or a copy cut short: the parquet footer is gone
        path.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        path.write_bytes(b"not a parquet file at all\n")
    else:  # "empty"
        path.write_bytes(b"")


@pytest.mark.parametrize("how", ["truncated", "garbage", "empty"])
@pytest.mark.parametrize("table", ["rows", "predictions"])
def test_an_unreadable_slice_file_is_named_and_only_that_slice_is_recomputed(tmp_path, table, how):
    _run(tmp_path)
    out = tmp_path / "out"
    store = ResultsStore(out)
    victim = "beta__logistic_regression"
    others = {p: p.read_bytes() for p in (out / table).glob("*.parquet") if p.stem != victim}
    damaged = store.rows_path(victim) if table == "rows" else store.predictions_path(victim)
    _damage(damaged, how)

    with pytest.warns(UserWarning, match=rf"{damaged}.*cannot be read.*recomputed") as caught:
        summary, executor = _run(tmp_path)
    assert len([w for w in caught if str(damaged) in str(w.message)]) == 1  # said once
    # that slice's 2 ratios x 2 schemes x 2 seeds units again, nothing else
    assert [s["slice_key"] for s in executor.submitted] == [victim]
    assert summary.cached == summary.units - 8 and summary.ok == 8 and summary.exit_code == 0
    # the other slices' files are untouched, byte for byte
    assert {p: p.read_bytes() for p in others} == others
    # the slice file is whole again, with the task's values for every unit and fold
    stored = store.read_rows(victim)
    assert len(stored) == 8 * 3 and stored.groupby("unit_key").size().eq(3).all()
    expected = [fake_metric(k, r, f) for k, r, f in stored[["unit_key", "repeat", "fold"]].itertuples(index=False)]
    assert stored["balanced_accuracy"].tolist() == pytest.approx(expected)
    assert len(pd.read_parquet(store.predictions_path(victim))) == 8 * 3
    assert len(store.read_rows()) == summary.units * 3


def test_a_rows_file_without_unit_keys_is_recomputed(tmp_path):
    _run(tmp_path)
    store = ResultsStore(tmp_path / "out")
    victim = store.rows_path("gamma__logistic_regression")
    pd.read_parquet(victim).drop(columns="unit_key").to_parquet(victim)
    with pytest.warns(UserWarning, match=r"has no column 'unit_key'"):
        summary, executor = _run(tmp_path)
    assert [s["slice_key"] for s in executor.submitted] == ["gamma__logistic_regression"]
    assert store.read_rows("gamma__logistic_regression").groupby("unit_key").size().eq(3).all()


def _beta_unavailable(spec, field="dataset"):
    from imbalance_lab.datasets import DatasetUnavailable

    if spec == "beta":
        raise DatasetUnavailable("beta", "load_beta() raised KeyError: 'class' (pandas 3)")
    return fake_load(spec, field)


def test_a_dataset_that_cannot_load_here_becomes_skipped_units_and_the_rest_runs(tmp_path, monkeypatch):
    from imbalance_lab import datasets

    # the fake names are in no registry; run_slice's spec check would refuse them
    monkeypatch.setattr(datasets, "validate_spec", lambda spec, field="dataset": None)
    executor = InlineExecutor()
    summary = run_sweep(fake_config(), out=tmp_path / "out", executor=executor, load_dataset=_beta_unavailable)
    per_slice = 2 * 2 * 2  # ratios x schemes x seeds
    # beta x 2 models skipped, alpha and gamma x 2 models run; no kernel for beta
    assert (summary.skipped, summary.ok, summary.error, summary.failed) == (2 * per_slice, 4 * per_slice, 0, 0)
    assert summary.exit_code == 0 and summary.slices_run == 4
    assert not any(s["slice_key"].startswith("beta") for s in executor.submitted)
    manifest = _manifest(tmp_path)
    beta = [u for u in manifest["units"].values() if u["dataset"] == "beta"]
    assert len(beta) == 2 * per_slice and {u["status"] for u in beta} == {"skipped"}
    assert all("'beta' cannot be loaded: load_beta() raised KeyError" in u["error"] for u in beta)
    assert manifest["data"]["beta"]["unavailable"].startswith("data set 'beta' cannot be loaded")
    # one skipped row per fold, with the reason, as run_slice records a skip
    stored = ResultsStore(tmp_path / "out").read_rows()
    skipped = stored[stored["dataset"] == "beta"]
    assert len(skipped) == 2 * per_slice * 3 and set(skipped["status"]) == {"skipped"}
    assert skipped["error"].str.contains("load_beta").all() and skipped["balanced_accuracy"].isna().all()
    assert set(stored.loc[stored["dataset"] != "beta", "status"]) == {"ok"}

    # recorded skips are done: a second run computes nothing
    executor = InlineExecutor()
    summary = run_sweep(fake_config(), out=tmp_path / "out", executor=executor, load_dataset=_beta_unavailable)
    assert executor.submitted == [] and summary.cached == summary.units


def test_a_sweep_where_every_unit_is_skipped_fails_and_says_why(tmp_path, monkeypatch):
    # Found by a fresh user: folds > a class's rows gave '0 ok, 48 skipped'
    # and exit 0, as if the sweep had succeeded.
    from imbalance_lab import datasets
    from imbalance_lab.datasets import DatasetUnavailable

    def only_alpha_loads(spec, field="dataset"):
        if spec != "alpha":
            raise DatasetUnavailable(spec, "not on this machine")
        return fake_load(spec, field)

    monkeypatch.setattr(datasets, "validate_spec", lambda spec, field="dataset": None)
    per_slice = 2 * 2 * 2  # ratios x schemes x seeds
    nothing = fake_config(datasets=["beta", "gamma"])
    summary = run_sweep(nothing, out=tmp_path / "none", executor=InlineExecutor(), load_dataset=only_alpha_loads)
    assert (summary.units, summary.skipped, summary.with_results) == (4 * per_slice, 4 * per_slice, 0)
    assert summary.no_results and summary.exit_code == 1
    last = summary.text().splitlines()[-1]
    # 2 data sets x 2 models: each reason is shared by one data set's 2 slices
    assert last.startswith(f"  no unit has results: all {4 * per_slice} were skipped; "
                           f"the commonest reason ({2 * per_slice} of them): ")
    assert "cannot be loaded" in last and "not on this machine" in last

    # one data set with results is enough; a re-run of it, all cached, too
    some = fake_config(datasets=["alpha", "beta"])
    for _ in range(2):
        summary = run_sweep(some, out=tmp_path / "some", executor=InlineExecutor(), load_dataset=only_alpha_loads)
        assert (summary.with_results, summary.exit_code) == (2 * per_slice, 0) and not summary.no_results
        assert "no unit has results" not in summary.text()
    assert summary.cached == summary.units


def test_a_sweep_whose_every_slice_failed_says_so_not_that_units_were_skipped(tmp_path, monkeypatch):
    # Found by a fresh user: every slice failed, and the summary read 'all 1
    # were skipped; the commonest reason (0 of them): ?'.
    monkeypatch.setenv("IMBALANCE_LAB_TEST_FAIL_SLICES", "alpha__logistic_regression")
    config = fake_config(datasets=("alpha",), models=("logistic_regression",))
    summary, _ = _run(tmp_path, config)
    per_slice = 2 * 2 * 2  # ratios x schemes x seeds
    assert (summary.failed, summary.with_results, summary.exit_code) == (per_slice, 0, 1)
    assert summary.text().splitlines()[-1] == f"  no unit has results: {per_slice} failed"
    assert "skipped;" not in summary.text()


def test_an_unknown_dataset_name_is_still_a_config_error_before_any_work(tmp_path):
    from imbalance_lab.errors import ConfigError
    from imbalance_lab.sweep import load_config

    config = tmp_path / "c.yaml"
    config.write_text("name: c\ndatasets: [german, germann]\nratios: [native]\n"
                      "models: [logistic_regression]\nschemes: [none]\n")
    with pytest.raises(ConfigError) as info:
        run_sweep(load_config(config), out=tmp_path / "out")
    assert info.value.name == "datasets[1]" and info.value.value == "germann"
    assert "'german'" in str(info.value)  # the close match
    assert not (tmp_path / "out").exists()


def test_a_warning_during_the_progress_bar_is_written_whole_above_it(tmp_path, capsys):
    # A warning printed into the bar's line is cut by the next redraw (the
    # bar's "\r"); it must come out as a line of its own, and the warnings
    # machinery must be as it was after the sweep.
    import warnings

    from test_sweep_support import fake_task

    def warning_task(spec, **kwargs):
        warnings.warn(f"deliberate warning from {spec['slice_key']}", UserWarning, stacklevel=1)
        return fake_task(spec, **kwargs)

    shown = warnings.showwarning
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        summary = run_sweep(fake_config(), out=tmp_path / "out", executor=InlineExecutor(warning_task),
                            load_dataset=fake_load, progress=True)
        assert warnings.showwarning is shown
    assert summary.ok == summary.units
    pieces = [p.strip() for line in capsys.readouterr().err.split("\n") for p in line.split("\r")]
    said = [p for p in pieces if "UserWarning: deliberate warning" in p]
    assert len(said) == summary.slices_run == 6
    # whole lines: from the file name to the slice key, no bar drawn into them
    whole = re.compile(rf"{re.escape(__file__)}:\d+: UserWarning: deliberate warning from [\w-]+")
    assert all(whole.fullmatch(p) for p in said), said
