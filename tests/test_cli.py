"""The command line: every sub-command is reachable, user errors end without a traceback."""

import shutil
from pathlib import Path

import pytest

from imbalance_lab import cli

QUICK = Path(__file__).resolve().parents[1] / "configs" / "quick.yaml"


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    for name in cli.COMMANDS:
        assert name in out


def test_an_out_path_that_is_a_file_is_a_clean_error(tmp_path, capsys):
    # Found by a fresh user: --out naming an existing file raised FileExistsError
    # with a traceback. Any OS error from a path the user named ends with exit 2.
    blocker = tmp_path / "outfile"
    blocker.write_text("not a folder")
    code = cli.main(["sweep", str(QUICK), "--out", str(blocker / "sub")])
    err = capsys.readouterr().err
    assert code == 2
    assert "error:" in err and "Traceback" not in err and str(blocker) in err


@pytest.mark.parametrize("flag", ["--out", "--jobs"])
def test_bad_flags_are_named_as_flags_before_any_work(tmp_path, capsys, flag):
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    value, expected = (str(blocker), f"--out='{blocker}' is invalid: a folder") if flag == "--out" else (
        "0", "--jobs=0 is invalid: an integer >= 1")
    code = cli.main(["sweep", str(QUICK), flag, value])
    err = capsys.readouterr().err
    assert code == 2 and expected in err and "Traceback" not in err
    assert blocker.read_text() == "not a folder"  # untouched


def _config_named(tmp_path, name):
    # a config whose file name is not its name (the sweep writes results/<name>)
    text = QUICK.read_text().replace("name: quick", f"name: {name}")
    assert f"name: {name}" in text
    path = tmp_path / "configs" / "my-study.yaml"
    path.parent.mkdir()
    path.write_text(text)
    return path


def test_report_of_a_config_finds_the_folder_its_sweep_writes(tmp_path, monkeypatch):
    from test_report_fixture import cached_results

    import imbalance_lab.report
    from imbalance_lab.report.load import load_results
    from imbalance_lab.sweep import results_folder

    config = _config_named(tmp_path, "renamed")
    monkeypatch.chdir(tmp_path)
    # the sweep writes results/<name> of the config, not results/<file stem>
    assert results_folder(config) == Path("results", "renamed")
    shutil.copytree(cached_results(), tmp_path / "results" / "renamed")
    seen = []

    def build_report(results_dir, out_dir=None, **kwargs):  # the notebook run itself is tested elsewhere
        seen.append(Path(results_dir))
        folder = Path(results_dir)
        return imbalance_lab.report.ReportFiles(folder / "report.html", folder / "report.ipynb", [], [])

    monkeypatch.setattr(imbalance_lab.report, "build_report", build_report)
    assert cli.main(["report", str(config)]) == 0
    assert seen == [Path("results", "renamed")]
    assert load_results(seen[0]).experiment == "fixture"  # the folder holds the sweep's results


def test_report_of_a_config_whose_sweep_has_not_run_names_that_folder(tmp_path, monkeypatch, capsys):
    config = _config_named(tmp_path, "never_run")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["report", str(config)]) == 2
    err = capsys.readouterr().err
    assert "results/never_run" in err and "no such folder" in err and "Traceback" not in err


def test_report_check_without_chromium_is_a_one_line_error_before_any_work(tmp_path, monkeypatch, capsys):
    from test_report_fixture import cached_results

    import imbalance_lab.report.export
    from imbalance_lab.report import browser

    folder = tmp_path / "results"
    shutil.copytree(cached_results(), folder)
    monkeypatch.setattr(browser.shutil, "which", lambda name: None)  # no Chromium on this PATH

    def never(*args, **kwargs):
        raise AssertionError("the report notebook ran before the missing browser was reported")

    monkeypatch.setattr(imbalance_lab.report.export, "execute_notebook", never)
    assert cli.main(["report", str(folder), "--check"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "report --check" in err and "make browser" in err
    assert not (folder / "report.ipynb").exists()


@pytest.mark.parametrize("progress", [True, False])
def test_report_progress_names_each_step_on_stderr_only_when_asked(tmp_path, monkeypatch, capsys, progress):
    from test_report_fixture import cached_results

    import imbalance_lab.report.export
    from imbalance_lab.report import build_report

    folder = tmp_path / "results"
    shutil.copytree(cached_results(), folder)
    bars = []

    def execute_notebook(output, parameters, *, progress_bar=False, **kwargs):  # the real run: test_report_e2e
        bars.append(progress_bar)
        Path(output).write_text("{}")
        return Path(output)

    monkeypatch.setattr(imbalance_lab.report.export, "execute_notebook", execute_notebook)
    monkeypatch.setattr(imbalance_lab.report.export, "export_html", lambda notebook, html: Path(html))
    build_report(folder, progress=progress)
    captured = capsys.readouterr()
    steps = [line for line in captured.err.splitlines() if line.startswith("report: ")]
    assert bars == [progress] and captured.out == ""
    if progress:
        assert [step.split()[1] for step in steps] == ["running", "exporting"]
        assert str(folder / "report.ipynb") in steps[0]
    else:
        assert steps == []


@pytest.mark.parametrize("under", [False, True])
def test_report_out_that_is_a_file_is_refused_under_its_flag_before_any_work(tmp_path, monkeypatch, capsys,
                                                                             under):
    # Found by a fresh user: `report FOLDER --out FILE` announced the notebook
    # run into FILE/report.ipynb, then failed with "[Errno 17] File exists".
    from test_report_fixture import cached_results

    import imbalance_lab.report.export
    import imbalance_lab.report.sections

    folder = tmp_path / "results"
    shutil.copytree(cached_results(), folder)
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    out = blocker / "report" if under else blocker

    def never(*args, **kwargs):
        raise AssertionError("work started before --out was checked")

    monkeypatch.setattr(imbalance_lab.report.export, "execute_notebook", never)
    monkeypatch.setattr(imbalance_lab.report.sections, "load_results", never)  # nor the folder read
    assert cli.main(["report", str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    why = f"{blocker} is a file, so no folder can be made in it" if under else "this path is a file"
    assert err == (f"imbalance-lab report: error: --out='{out}' is invalid: a folder to write the "
                   f"report in ({why})\n")
    assert blocker.read_text() == "not a folder"  # untouched
    assert not (folder / "report.ipynb").exists()


def test_report_out_is_checked_before_the_results_folder(tmp_path, capsys):
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    assert cli.main(["report", str(tmp_path / "nowhere"), "--out", str(blocker)]) == 2
    err = capsys.readouterr().err
    assert f"--out='{blocker}' is invalid" in err and "results_dir" not in err


@pytest.mark.parametrize("command", [["sweep", "no-such.yaml"], ["report", "no-such-folder"], ["audit"],
                                     ["calibration"]])
@pytest.mark.parametrize("where", ["empty", "file", "under a file"])
def test_every_out_flag_is_checked_under_its_name_before_any_work(tmp_path, monkeypatch, capsys, command, where):
    from imbalance_lab import kernels

    def never(*args, **kwargs):
        raise AssertionError("a notebook ran before --out was checked")

    monkeypatch.setattr(kernels, "execute_notebook", never)
    (tmp_path / "afile").write_text("mine")
    out = {"empty": "", "file": str(tmp_path / "afile"), "under a file": str(tmp_path / "afile" / "sub")}[where]
    why = {"empty": "a folder path (it is empty)",
           "file": "(this path is a file)",
           "under a file": f"({tmp_path / 'afile'} is a file, so no folder can be made in it)"}[where]
    assert cli.main([*command, "--out", out]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"imbalance-lab {command[0]}: error: --out={out!r} is invalid: ") and why in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert (tmp_path / "afile").read_text() == "mine"


def test_report_of_an_empty_path_is_refused_not_read_as_the_working_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["report", ""]) == 2
    err = capsys.readouterr().err
    assert err.strip() == ("imbalance-lab report: error: results_dir='' is invalid: "
                           "a results folder or a config (it is empty)")
