"""End to end on real output: `configs/quick.yaml` swept by the real sweep
(papermill slices over KEEL and synthetic data), then `imbalance-lab report
RESULTS_DIR --check` runs the report notebook on it, exports the offline page
and opens it in headless Chromium."""

import argparse
import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from imbalance_lab import cli
from imbalance_lab.commands import report as report_command
from imbalance_lab.report import browser, export
from imbalance_lab.sweep import run_sweep

QUICK = Path(__file__).parents[1] / "configs" / "quick.yaml"
SECTIONS = ("What was run", "Every metric against the imbalance ratio", "Mean rank",
            "Critical-difference diagrams", "Pairwise differences", "Weight k against k copies",
            "Calibration", "Cost: copies against weights")


def _report(argv) -> int:
    parser = argparse.ArgumentParser()
    report_command.add_arguments(parser)
    return report_command.run(parser.parse_args(argv))


@pytest.mark.notebook
@pytest.mark.slow
def test_report_of_the_real_quick_sweep(tmp_path, capsys):
    out = tmp_path / "results" / "quick"
    run_sweep(QUICK, out=out)
    check = browser.find_chromium() is not None
    argv = [str(out), "--metric", "balanced_accuracy", "--metric", "brier"]
    assert _report(argv + (["--check"] if check else [])) == 0
    printed = capsys.readouterr().out
    assert printed.strip().splitlines()[-1] == f"report:  {out / 'report.html'}"

    executed = nbformat.read(out / "report.ipynb", as_version=4)
    assert [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"] == []
    html = (out / "report.html").read_text(encoding="utf-8")
    assert export.external_references(html) == []
    assert "report.show(" not in html  # code hidden
    for section in SECTIONS:
        assert section in html, section
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["git"]["commit"] or "not recorded") in html
    grid = pd.read_csv(out / "tables" / "grid.csv", index_col=0)["count"]
    units = manifest["units"].values()
    assert grid["units (data set x ratio x scheme x model x seed)"] == len(manifest["units"])
    for status in ("ok", "skipped", "error"):
        assert grid[f"units {status}"] == sum(u["status"] == status for u in units)
    datasets = pd.read_csv(out / "tables" / "datasets.csv").set_index("data set")
    for entry in manifest["data"].values():
        assert datasets.loc[entry["name"], "citation"] != "—"  # catalogue, or generated spec
    pngs = list((out / "figures").glob("*.png"))
    assert len(list((out / "figures").glob("*.svg"))) == len(pngs) >= 10
    assert html.count('src="data:image/png;base64,') == len(pngs)
    if not check:
        pytest.skip("Chromium is not installed (run `make browser`): page built but not opened")
    assert "browser: " in printed and (out / "report.png").read_bytes()[:4] == b"\x89PNG"


def test_the_cli_reports_a_missing_folder_without_a_traceback(tmp_path, capsys):
    code = cli.main(["report", str(tmp_path / "nowhere")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("imbalance-lab report: error: results_dir=")
    assert "no such folder" in err and "Traceback" not in err
