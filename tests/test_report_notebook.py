"""End to end: `imbalance-lab report RESULTS_DIR --check` runs the real report
notebook through papermill on a generated results folder, exports the
offline page, and headless Chromium loads it."""

import argparse
import shutil

import nbformat
import pytest
from test_report_fixture import cached_results

from imbalance_lab import cli
from imbalance_lab.commands import report as report_command
from imbalance_lab.report import browser, export


def _run(argv) -> int:
    parser = argparse.ArgumentParser()
    report_command.add_arguments(parser)
    return report_command.run(parser.parse_args(argv))


@pytest.mark.notebook
@pytest.mark.slow
def test_report_command_writes_an_offline_page_that_renders(tmp_path, capsys):
    results = shutil.copytree(cached_results(), tmp_path / "results" / "fixture")
    check = browser.find_chromium() is not None
    argv = [str(results), "--metric", "balanced_accuracy", "--metric", "log_loss"]
    assert _run(argv + (["--check"] if check else [])) == 0
    printed = capsys.readouterr().out
    assert printed.strip().splitlines()[-1] == f"report:  {results / 'report.html'}"

    executed = nbformat.read(results / "report.ipynb", as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    html = (results / "report.html").read_text(encoding="utf-8")
    assert export.external_references(html) == []
    assert "report.show(" not in html  # code hidden
    for section in ("What was run", "Every metric against the imbalance ratio", "Mean rank",
                    "Critical-difference diagrams", "Pairwise differences", "Weight k against k copies",
                    "Calibration", "Cost: copies against weights"):
        assert section in html, section
    pngs = sorted((results / "figures").glob("*.png"))
    assert len(pngs) >= 12 and len(list((results / "figures").glob("*.svg"))) == len(pngs)
    assert html.count('src="data:image/png;base64,') == len(pngs)
    assert (results / "tables" / "friedman.csv").is_file()
    if not check:
        pytest.skip("Chromium is not installed (run `make browser`): page rendered but not opened")
    assert "browser: " in printed and (results / "report.png").read_bytes()[:4] == b"\x89PNG"


def test_the_cli_reports_a_missing_folder_without_a_traceback(tmp_path, capsys, monkeypatch):
    # Only this branch's command is registered until the others are merged.
    monkeypatch.setattr(cli, "COMMANDS", {"report": cli.COMMANDS["report"]})
    code = cli.main(["report", str(tmp_path / "nowhere")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("imbalance-lab report: error: results_dir=")
    assert "no such folder" in err and "Traceback" not in err
