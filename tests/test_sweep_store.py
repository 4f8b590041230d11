"""The results store: atomic writes, merging slice files, what counts as done."""

from __future__ import annotations

import json
import math
import os

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_sweep_support import fake_rows

from imbalance_lab import rows
from imbalance_lab.sweep.store import (
    ResultsStore,
    StoreLocked,
    UnitOutcome,
    atomic_write,
    atomic_write_bytes,
    unit_outcomes,
)


def _spec(keys, folds=2):
    return {
        "experiment": "t", "dataset": "alpha", "model": "m", "cv": {"folds": folds, "repeats": 1},
        "units": [{"unit_key": k, "index": i, "ratio": "native", "scheme": "none", "seed": 0}
                  for i, k in enumerate(keys)],
    }


def _leftovers(folder):
    return [p.name for p in folder.rglob("*") if ".tmp-" in p.name]


def test_atomic_write_keeps_the_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "a" / "x.json"
    atomic_write_bytes(target, b"old")

    def half_then_crash(tmp):
        tmp.write_bytes(b"new but incomp")
        raise RuntimeError("killed mid-write")

    with pytest.raises(RuntimeError):
        atomic_write(target, half_then_crash)
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_lock_refuses_a_second_writer_and_clears_leftover_temp_files(tmp_path):
    store = ResultsStore(tmp_path / "exp")
    (tmp_path / "exp" / "rows").mkdir(parents=True)
    stale = tmp_path / "exp" / "rows" / ".a.parquet.tmp-123-abcd"
    stale.write_bytes(b"half")
    store.lock()
    try:
        assert not stale.exists()
        with pytest.raises(StoreLocked):
            ResultsStore(tmp_path / "exp").lock()
    finally:
        store.unlock()
    ResultsStore(tmp_path / "exp").lock()  # free again


def test_new_rows_replace_the_same_units_and_drop_units_no_longer_planned(tmp_path):
    store = ResultsStore(tmp_path)
    first, preds = fake_rows(_spec(["u1", "u2", "old"]))
    order = {"u1": 0, "u2": 1, "old": 2}
    store.write_slice_tables("s", first, preds, order)
    assert store.read_rows("s")["unit_key"].tolist() == ["u1", "u1", "u2", "u2", "old", "old"]

    # a re-run of u2 (say after a crash before the manifest) and a new unit u0;
    # 'old' is no longer in the plan
    again, preds2 = fake_rows(_spec(["u2", "u0"]))
    again["error"] = "second run"
    order = {"u0": 0, "u1": 1, "u2": 2}
    store.write_slice_tables("s", again, preds2, order)
    stored = store.read_rows("s")
    assert stored["unit_key"].tolist() == ["u0", "u0", "u1", "u1", "u2", "u2"]
    assert list(stored.columns) == list(rows.COLUMNS)
    assert (stored.loc[stored.unit_key == "u2", "error"] == "second run").all()
    assert (stored.loc[stored.unit_key == "u1", "error"] == "").all()
    # the CSV holds the same rows
    csv = pd.read_csv(tmp_path / "rows" / "s.csv")
    assert csv["unit_key"].tolist() == stored["unit_key"].tolist()
    assert csv["balanced_accuracy"].tolist() == pytest.approx(stored["balanced_accuracy"].tolist())
    predictions = pd.read_parquet(store.predictions_path("s"))
    assert sorted(set(predictions["unit_key"])) == ["u0", "u1", "u2"]
    assert len(predictions) == 6
    assert _leftovers(tmp_path) == []


def test_done_units_need_the_manifest_and_the_rows(tmp_path):
    store = ResultsStore(tmp_path)
    assert store.done_units() == set()
    frame, _ = fake_rows(_spec(["a", "b", "c"]))
    store.write_slice_tables("s", frame, None, {"a": 0, "b": 1, "c": 2})
    manifest = {"units": {
        "a": {"slice": "s", "status": "ok"},
        "b": {"slice": "s", "status": "skipped"},
        "c": {"slice": "s", "status": "error"},      # errors run again
        "d": {"slice": "s", "status": "ok"},         # manifest says done, rows missing
        "e": {"slice": "s", "status": "pending"},
    }}
    store.write_manifest(manifest)
    assert store.done_units() == {"a", "b"}
    assert json.loads(store.manifest_path.read_text())["updated"]
    os.remove(store.rows_path("s"))
    assert store.done_units() == set()


def test_unit_status_error_beats_skipped_beats_ok():
    frame = pd.DataFrame({"unit_key": "u", "status": ["ok", "skipped", "ok"], "error": ["", "too few rows", ""],
                          "fit_seconds": 1.0, "predict_seconds": 0.5})
    assert unit_outcomes(frame)["u"] == UnitOutcome("skipped", "too few rows", 3, 4.5)
    frame.loc[2, ["status", "error"]] = ["error", "boom"]
    assert unit_outcomes(frame)["u"].reason == "boom"
    assert unit_outcomes(frame[frame.status == "ok"])["u"].status == "ok"
    assert unit_outcomes(frame.iloc[:0]) == {}


_fold = st.tuples(
    st.sampled_from(["u0", "u1", "u2"]),
    st.sampled_from(["ok", "skipped", "error"]),
    st.sampled_from(["", "boom", "too few rows", "other"]),
    st.one_of(st.floats(0, 10), st.just(float("nan"))),
    st.one_of(st.floats(0, 10), st.just(float("nan"))),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_fold, max_size=20))
def test_unit_outcomes_match_a_per_unit_count_by_hand(folds):
    frame = pd.DataFrame(folds, columns=["unit_key", "status", "error", "fit_seconds", "predict_seconds"])
    got = unit_outcomes(frame)
    assert set(got) == {key for key, *_ in folds}
    for key, outcome in got.items():
        mine = [f for f in folds if f[0] == key]
        statuses = [f[1] for f in mine]
        worst = "error" if "error" in statuses else "skipped" if "skipped" in statuses else "ok"
        reason = "" if worst == "ok" else next(f[2] for f in mine if f[1] == worst)
        seconds = sum(0.0 if math.isnan(x) else x for f in mine for x in f[3:])
        assert (outcome.status, outcome.reason, outcome.folds) == (worst, reason, len(mine))
        assert outcome.seconds == pytest.approx(seconds)
