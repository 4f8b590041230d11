"""Where a sweep may write: a new or empty folder, or one of its own earlier
runs; never among a user's files (found by a fresh user: `--out ""` wrote
rows/, a manifest and slice notebooks into the project's own folders)."""

from __future__ import annotations

import json

import pytest
from test_sweep_support import InlineExecutor, fake_config, fake_load

from imbalance_lab import cli
from imbalance_lab.errors import InvalidParameterError
from imbalance_lab.sweep import run_sweep
from imbalance_lab.sweep.store import check_results_folder


def _user_folder(tmp_path):
    folder = tmp_path / "thesis"
    (folder / "notebooks").mkdir(parents=True)
    (folder / "thesis.tex").write_text("\\documentclass{article}")
    (folder / "notebooks" / "mine.ipynb").write_text("{}")
    return folder


def _refused(folder, name="out"):
    with pytest.raises(InvalidParameterError) as info:
        check_results_folder(folder, name)
    assert (info.value.name, info.value.value) == (name, str(folder))
    return str(info.value)


def test_a_new_an_empty_and_a_hidden_files_only_folder_are_accepted(tmp_path):
    check_results_folder(tmp_path / "new" / "deeper", "out")
    (tmp_path / "empty").mkdir()
    check_results_folder(tmp_path / "empty", "out")
    (tmp_path / "hidden").mkdir()
    (tmp_path / "hidden" / ".lock").write_text("")  # left by a sweep stopped before its manifest
    check_results_folder(tmp_path / "hidden", "out")


def test_a_folder_of_user_files_is_refused_naming_them(tmp_path):
    message = _refused(_user_folder(tmp_path))
    assert "it holds notebooks, thesis.tex but no manifest.json" in message


def test_a_long_listing_is_cut_at_five_names(tmp_path):
    for i in range(7):
        (tmp_path / f"f{i}.txt").write_text("")
    assert "it holds f0.txt, f1.txt, f2.txt, f3.txt, f4.txt and 2 more but no" in _refused(tmp_path)


def test_an_empty_path_is_refused_not_read_as_the_working_folder():
    with pytest.raises(InvalidParameterError) as info:
        check_results_folder("", "--out")
    assert str(info.value) == "--out='' is invalid: a folder path (it is empty)"


def test_a_file_and_a_path_under_a_file_are_refused(tmp_path):
    (tmp_path / "f").write_text("")
    assert "(this path is a file)" in _refused(tmp_path / "f")
    assert f"({tmp_path / 'f'} is a file, so no folder can be made in it)" in _refused(tmp_path / "f" / "a" / "b")


@pytest.mark.parametrize(("manifest", "why"), [
    ({"foo": 1}, "lacks the field(s) ['layout', 'slices', 'units']"),
    ({"layout": 2, "slices": {}, "units": {}}, "is in manifest layout 2, not 1"),
    ([1, 2], "manifest.json does not hold a JSON object"),
])
def test_a_manifest_the_sweep_did_not_write_is_refused(tmp_path, manifest, why):
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert why in _refused(tmp_path)


def test_a_manifest_that_is_not_json_is_refused_not_a_traceback(tmp_path):
    (tmp_path / "manifest.json").write_text('{"layout": 1, "slic')
    assert "manifest.json is not valid JSON" in _refused(tmp_path)


def test_the_folder_of_an_earlier_sweep_is_accepted_and_resumed(tmp_path):
    config = fake_config()
    first = run_sweep(config, out=tmp_path / "out", executor=InlineExecutor(), load_dataset=fake_load)
    check_results_folder(tmp_path / "out", "out")
    again = run_sweep(config, out=tmp_path / "out", executor=InlineExecutor(), load_dataset=fake_load)
    assert (again.cached, again.ok) == (first.ok, 0)


def test_run_sweep_refuses_before_writing_anything(tmp_path):
    folder = _user_folder(tmp_path)
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    executor = InlineExecutor()
    with pytest.raises(InvalidParameterError) as info:
        run_sweep(fake_config(), out=folder, executor=executor, load_dataset=fake_load)
    assert info.value.name == "out"
    assert executor.submitted == []
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before  # not even a .lock


@pytest.mark.parametrize("out", ["", "USER"])
def test_the_cli_refuses_under_the_flags_name_before_reading_the_config(tmp_path, capsys, out):
    out = str(_user_folder(tmp_path)) if out == "USER" else out
    # the config does not exist: the flag is refused first
    assert cli.main(["sweep", str(tmp_path / "no-such.yaml"), "--out", out]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"imbalance-lab sweep: error: --out={out!r} is invalid") and "Traceback" not in err
    assert "no-such.yaml" not in err


def test_the_folder_of_another_experiment_is_refused_before_anything_is_replaced(tmp_path):
    # Found by a fresh user: `sweep quick.yaml --out` a finished default
    # sweep's folder replaced its manifest and its ecoli1 rows, exit 0.
    run_sweep(fake_config(name="first"), out=tmp_path / "out", executor=InlineExecutor(), load_dataset=fake_load)
    before = {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    executor = InlineExecutor()
    with pytest.raises(InvalidParameterError) as info:
        run_sweep(fake_config(name="second"), out=tmp_path / "out", executor=executor, load_dataset=fake_load)
    assert (info.value.name, info.value.value) == ("out", str(tmp_path / "out"))
    assert "earlier sweep of this config (name 'second'); it holds the results of experiment 'first'" in str(info.value)
    assert executor.submitted == []
    assert {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()} == before


def test_the_cli_names_another_experiments_folder_under_the_flag(tmp_path, capsys):
    import shutil

    from test_report_fixture import cached_results

    folder = shutil.copytree(cached_results(), tmp_path / "theirs")  # experiment 'fixture'
    config = tmp_path / "mine.yaml"
    config.write_text("name: mine\ndatasets: [ecoli1]\nratios: [native]\nmodels: [gaussian_nb]\nschemes: [none]\n")
    assert cli.main(["sweep", str(config), "--out", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"imbalance-lab sweep: error: --out={str(folder)!r} is invalid: ")
    assert "it holds the results of experiment 'fixture'" in err and "Traceback" not in err
