"""Reading a results folder: what is refused, with what message, and what is read."""

import json
import shutil

import pandas as pd
import pytest
from test_report_fixture import cached_results

from imbalance_lab import rows as row_layout
from imbalance_lab.errors import InvalidParameterError
from imbalance_lab.report.load import load_results, read_predictions, run_info


@pytest.fixture()
def results(tmp_path):
    """A private copy of the small fixture, free to be damaged."""
    return shutil.copytree(cached_results(), tmp_path / "results")


def test_a_missing_folder_is_named(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(InvalidParameterError, match="no such folder") as info:
        load_results(missing)
    assert info.value.name == "results_dir"
    assert str(missing) in str(info.value)


def test_a_file_is_not_a_results_folder(tmp_path):
    file = tmp_path / "rows.csv"
    file.write_text("a,b\n")
    with pytest.raises(InvalidParameterError, match="not a folder"):
        load_results(file)


def test_a_folder_whose_listed_slices_have_no_rows_yet_says_what_is_missing(results):
    # the sweep wrote its manifest, then was stopped before any slice finished
    shutil.rmtree(results / "rows")
    with pytest.raises(InvalidParameterError) as info:
        load_results(results)
    assert str(info.value) == (
        f"results_dir='{results}' is invalid: the folder holds no result rows (no rows/*.parquet "
        "of a slice its manifest.json lists); run `imbalance-lab sweep` into it first, or check "
        "that the sweep finished at least one slice")


def test_half_written_files_are_not_results(results):
    # An atomic writer's temporaries (hidden names) must never be read as rows.
    for file in (results / "rows").glob("*.parquet"):
        file.rename(file.with_name(f".{file.name}.tmp-123-abcdef01"))
    with pytest.raises(InvalidParameterError, match="no result rows"):
        load_results(results)


def test_rows_of_an_older_layout_name_the_missing_columns(results):
    file = sorted((results / "rows").glob("*.parquet"))[1]
    pd.read_parquet(file).drop(columns=["ratio_target", "metric_notes"]).to_parquet(file)
    with pytest.raises(InvalidParameterError) as info:
        load_results(results)
    message = str(info.value)
    assert file.name in message
    assert "older" in message and "'ratio_target'" in message and "'metric_notes'" in message
    assert f"layout version {row_layout.ROW_LAYOUT_VERSION}" in message


def test_a_manifest_of_another_layout_version_is_refused(results):
    manifest = json.loads((results / "manifest.json").read_text())
    manifest["row_layout_version"] = row_layout.ROW_LAYOUT_VERSION - 1  # if a sweep records it
    (results / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InvalidParameterError, match=f"version {row_layout.ROW_LAYOUT_VERSION - 1}"):
        load_results(results)


def test_a_broken_manifest_is_refused(results):
    (results / "manifest.json").write_text("{not json")
    with pytest.raises(InvalidParameterError, match="manifest.json is not valid JSON"):
        load_results(results)


def test_unknown_status_values_are_refused(results):
    file = sorted((results / "rows").glob("*.parquet"))[0]
    frame = pd.read_parquet(file)
    frame.loc[0, "status"] = "done"
    frame.to_parquet(file)
    with pytest.raises(InvalidParameterError, match=r"unknown status values \['done'\]"):
        load_results(results)


def test_every_row_file_is_read_in_the_layout_order():
    folder = cached_results()
    loaded = load_results(folder)
    files = sorted((folder / "rows").glob("*.parquet"))
    assert len(loaded.rows) == sum(len(pd.read_parquet(f)) for f in files)
    assert list(loaded.rows.columns) == list(row_layout.COLUMNS)
    assert loaded.experiment == "fixture"
    assert sorted(p.name for p in loaded.prediction_files) == sorted(
        p.name for p in (folder / "predictions").glob("*.parquet"))
    run = loaded.run
    assert run.commit == "0123456789abcdef0123456789abcdef01234567" and run.dirty is False
    assert run.runs == 1 and run.wall_seconds == run.total_wall_seconds > 0
    assert set(run.datasets) == {"synth_a", "synth_b", "synth_c"}
    assert run.versions["python"] == "3.11"


def _write_manifest(results, text):
    (results / "manifest.json").write_text(text)


def _drop_field(name):
    def damage(results):
        manifest = json.loads((results / "manifest.json").read_text())
        del manifest[name]
        _write_manifest(results, json.dumps(manifest))
    return damage


def _set_field(name, value):
    def damage(results):
        manifest = json.loads((results / "manifest.json").read_text())
        manifest[name] = value
        _write_manifest(results, json.dumps(manifest))
    return damage


#: (damage to the fixture's manifest, what the message says after "results_dir='<folder>' is invalid: ")
BROKEN_MANIFESTS = {
    "deleted": (lambda r: (r / "manifest.json").unlink(),
                "it holds no manifest.json, so it is not a results folder written by `imbalance-lab "
                "sweep` (the manifest says which rows/*.parquet are the results); pass the folder a "
                "sweep wrote, or run `imbalance-lab sweep CONFIG --out FOLDER`"),
    "a folder": (lambda r: ((r / "manifest.json").unlink(), (r / "manifest.json").mkdir()),
                 "manifest.json cannot be read (IsADirectoryError: Is a directory)"),
    "foreign": (lambda r: _write_manifest(r, '{"foo": 1}'),
                "manifest.json lacks the field(s) ['layout', 'slices', 'units'] that every manifest "
                "`imbalance-lab sweep` writes holds, so it was not written by the sweep or was "
                "damaged; run the sweep (imbalance-lab sweep CONFIG --out FOLDER) into a fresh folder"),
    "without units": (_drop_field("units"), "manifest.json lacks the field(s) ['units'] that"),
    "slices null": (_set_field("slices", None), "manifest.json lacks the field(s) ['slices'] that"),
    "empty": (lambda r: _write_manifest(r, ""),
              "manifest.json is not valid JSON (Expecting value: line 1 column 1 (char 0))"),
    "cut short": (lambda r: _write_manifest(r, '{"layout": 1, "slices": {'),
                  "manifest.json is not valid JSON (Expecting property name enclosed in double quotes: "
                  "line 1 column 26 (char 25))"),
    "not text": (lambda r: (r / "manifest.json").write_bytes(b"\xff\xfe\x00garbage"),
                 "manifest.json is not valid JSON ('utf-8' codec can't decode byte 0xff in position 0: "
                 "invalid start byte)"),
    "a list": (lambda r: _write_manifest(r, "[1, 2]"), "manifest.json does not hold a JSON object"),
    "slices a list": (_set_field("slices", ["synth_a__knn"]),
                      "manifest.json: field 'slices' holds list ['synth_a__knn'] where an object is "
                      "expected, so it was not written by `imbalance-lab sweep` or was damaged"),
    "data text": (_set_field("data", "synth_a"),
                  "manifest.json: field 'data' holds str 'synth_a' where an object is expected"),
    "layout true": (_set_field("layout", True),
                    "manifest.json: field 'layout' holds bool True where an integer is expected"),
    "layout 2": (_set_field("layout", 2),
                 "manifest.json is in manifest layout 2, this imbalance-lab reads layout 1; report it "
                 "with the imbalance-lab that ran the sweep, or re-run the sweep (imbalance-lab sweep "
                 "CONFIG --force)"),
}


@pytest.mark.parametrize("case", list(BROKEN_MANIFESTS))
def test_a_missing_or_broken_manifest_is_refused_before_any_row_is_read(results, monkeypatch, case):
    # Found by a fresh user: without manifest.json, or with {"foo": 1} in it,
    # every rows/*.parquet was read as the results, without a word.
    import imbalance_lab.report.load as load

    damage, expected = BROKEN_MANIFESTS[case]
    damage(results)
    read = []
    monkeypatch.setattr(load, "read_table", lambda file, **kwargs: read.append(file))
    with pytest.raises(InvalidParameterError) as info:
        load_results(results)
    assert info.value.name == "results_dir" and info.value.value == str(results)
    assert str(info.value).startswith(f"results_dir='{results}' is invalid: {expected}")
    assert read == []


@pytest.mark.parametrize("case", ["deleted", "foreign", "cut short"])
def test_the_report_of_a_folder_with_a_broken_manifest_stops_before_the_notebook(results, monkeypatch,
                                                                                  capsys, case):
    import imbalance_lab.report.export
    from imbalance_lab import cli

    damage, expected = BROKEN_MANIFESTS[case]  # the whole message, for these three
    damage(results)

    def never(*args, **kwargs):
        raise AssertionError("the report notebook ran on a folder without a sound manifest")

    monkeypatch.setattr(imbalance_lab.report.export, "execute_notebook", never)
    assert cli.main(["report", str(results)]) == 2
    # one line, and no 'report: running the report notebook' before it
    assert capsys.readouterr().err == f"imbalance-lab report: error: results_dir='{results}' is invalid: {expected}\n"
    assert not (results / "report.ipynb").exists() and not (results / "figures").exists()


def test_a_manifest_without_the_optional_fields_still_loads(results):
    # the three fields the report needs; everything else shows as 'not recorded'
    manifest = json.loads((results / "manifest.json").read_text())
    _write_manifest(results, json.dumps({k: manifest[k] for k in ("layout", "slices", "units")}
                                        | {"config_text": None}))
    loaded = load_results(results)
    assert len(loaded.rows) == 3 * 3 * 2 * 6 * 2 * 3
    assert loaded.experiment == "fixture"  # from the rows
    assert loaded.run.commit is None and loaded.run.wall_seconds is None and loaded.run.config_text == ""


def test_run_info_adds_up_the_runs_into_a_folder():
    info = run_info({"runs": [{"wall_seconds": 10.0}, {"wall_seconds": 0.5}, {"started": "x"}],
                     "git": {"commit": "abc", "dirty": True}})
    assert (info.wall_seconds, info.total_wall_seconds, info.runs) == (0.5, 10.5, 3)
    assert info.dirty is True


def test_a_predictions_file_without_its_keys_is_named(results):
    file = sorted((results / "predictions").glob("*.parquet"))[0]
    pd.read_parquet(file).drop(columns=["y_true"]).to_parquet(file)
    with pytest.raises(InvalidParameterError, match=rf"predictions/{file.name} lacks columns \['y_true'\]"):
        list(read_predictions(load_results(results)))


@pytest.mark.parametrize("cut", [0.5, 0.0])
def test_an_unreadable_rows_file_is_named_and_the_cli_exits_2_without_traceback(results, cut, capsys):
    from imbalance_lab import cli

    file = sorted((results / "rows").glob("*.parquet"))[1]
    data = file.read_bytes()
    file.write_bytes(data[: int(len(data) * cut)])  # truncated (footer gone), or empty
    with pytest.raises(InvalidParameterError) as info:
        load_results(results)
    assert f"rows/{file.name} cannot be read" in str(info.value)
    assert "imbalance-lab sweep" in str(info.value)  # says how to get it back

    assert cli.main(["report", str(results), "--out", str(results.parent / "report")]) == 2
    err = capsys.readouterr().err
    assert f"rows/{file.name} cannot be read" in err and "Traceback" not in err


def test_an_unreadable_predictions_file_is_named(results):
    file = sorted((results / "predictions").glob("*.parquet"))[0]
    file.write_bytes(b"PAR1 and then nothing")
    with pytest.raises(InvalidParameterError, match=rf"predictions/{file.name} cannot be read"):
        list(read_predictions(load_results(results)))


def test_only_the_slices_the_manifest_lists_are_read(results):
    # A slice dropped from the config leaves its files behind; they are not results.
    stray = pd.read_parquet(results / "rows" / "synth_a__knn.parquet").assign(dataset="stray_set")
    stray.to_parquet(results / "rows" / "stray_set__knn.parquet")
    preds = pd.read_parquet(sorted((results / "predictions").glob("*.parquet"))[0])
    preds.to_parquet(results / "predictions" / "stray_set__knn.parquet")
    loaded = load_results(results)
    assert "stray_set" not in set(loaded.rows["dataset"])
    assert "stray_set__knn.parquet" not in [p.name for p in loaded.prediction_files]
    # the small grid by hand: 3 data sets x 3 models x 2 ratios x 6 schemes x 2 seeds x 3 folds
    assert len(loaded.rows) == 3 * 3 * 2 * 6 * 2 * 3
    assert len(loaded.prediction_files) == len(list((results / "predictions").glob("*.parquet"))) - 1


def test_a_listed_slice_without_a_rows_file_yet_is_left_out(results):
    # a slice the sweep has not finished: in the manifest, no file
    (results / "rows" / "synth_b__knn.parquet").unlink()
    loaded = load_results(results)
    assert len(loaded.rows) == (3 * 3 - 1) * 2 * 6 * 2 * 3


@pytest.mark.parametrize(("column", "damage", "wanted"), [
    ("balanced_accuracy", lambda s: s.astype(str), "numbers"),  # a metric written as text
    ("seed", lambda s: s.astype(str), "numbers"),
    ("n_train", lambda s: s > 10, "numbers"),  # booleans are no counts
    ("model", lambda s: pd.Series(range(len(s))), "text"),
    ("status", lambda s: s.eq("ok").astype(int), "text"),
])
def test_a_rows_column_of_the_wrong_kind_is_named_with_its_file(results, column, damage, wanted, capsys):
    from imbalance_lab import cli

    file = sorted((results / "rows").glob("*.parquet"))[2]
    frame = pd.read_parquet(file)
    frame[column] = damage(frame[column])
    frame.to_parquet(file)
    with pytest.raises(InvalidParameterError) as info:
        load_results(results)
    message = str(info.value)
    assert f"rows/{file.name}: column {column!r}" in message and f"where {wanted} are expected" in message
    assert cli.main(["report", str(results), "--out", str(results.parent / "report")]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_an_all_missing_column_is_accepted_whatever_its_dtype(results):
    # every unit of a slice skipped: no metric has a value, pyarrow stores nulls
    file = sorted((results / "rows").glob("*.parquet"))[0]
    frame = pd.read_parquet(file)
    frame["threshold"] = pd.Series([None] * len(frame), dtype=object)
    frame.to_parquet(file)
    assert load_results(results).rows["threshold"].isna().sum() >= len(frame)


def test_a_predictions_score_of_the_wrong_kind_is_named(results):
    file = sorted((results / "predictions").glob("*.parquet"))[0]
    frame = pd.read_parquet(file)
    frame.assign(score=frame["score"].astype(str)).to_parquet(file)
    with pytest.raises(InvalidParameterError, match=rf"predictions/{file.name}: column 'score' holds str"):
        list(read_predictions(load_results(results)))


def test_the_manifest_run_sweep_writes_passes_the_checks(tmp_path):
    # The required fields are those every sweep writes: a folder from run_sweep loads.
    from test_sweep_support import InlineExecutor, fake_config, fake_load

    from imbalance_lab.sweep import run_sweep

    run_sweep(fake_config(), out=tmp_path / "out", executor=InlineExecutor(), load_dataset=fake_load)
    loaded = load_results(tmp_path / "out")
    assert len(loaded.rows) == 3 * 2 * 2 * 2 * 2 * 3  # data sets x models x ratios x schemes x seeds x folds
    assert loaded.run.runs == 1 and len(loaded.run.units) == 3 * 2 * 2 * 2 * 2
