"""End to end on real output: `configs/quick.yaml` swept by the real sweep
(papermill slices over KEEL and synthetic data), then the report built on
it and opened in headless Chromium."""

import importlib
import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from imbalance_lab.report import browser, build_report, export

QUICK = Path(__file__).parents[1] / "configs" / "quick.yaml"
run_sweep = getattr(importlib.import_module("imbalance_lab.sweep"), "run_sweep", None)


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.skipif(run_sweep is None or not QUICK.exists(),
                    reason="the sweep (issue 4) and configs/quick.yaml are not on this branch yet")
def test_report_of_the_real_quick_sweep(tmp_path):
    out = tmp_path / "results" / "quick"
    run_sweep(QUICK, out=out)
    check = browser.find_chromium() is not None
    files = build_report(out, metrics=["balanced_accuracy", "brier"], check_browser=check)

    manifest = json.loads((out / "manifest.json").read_text())
    executed = nbformat.read(files.notebook, as_version=4)
    assert [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"] == []
    html = files.html.read_text(encoding="utf-8")
    assert export.external_references(html) == []
    assert (manifest["git"]["commit"] or "not recorded") in html
    grid = pd.read_csv(out / "tables" / "grid.csv", index_col=0)["count"]
    units = manifest["units"].values()
    assert grid["units (data set x ratio x scheme x model x seed)"] == len(manifest["units"])
    for status in ("ok", "skipped", "error"):
        assert grid[f"units {status}"] == sum(u["status"] == status for u in units)
    datasets = pd.read_csv(out / "tables" / "datasets.csv").set_index("data set")
    for entry in manifest["data"].values():
        cited = datasets.loc[entry["name"], "citation"]
        assert cited != "—"  # a catalogue citation, or the spec of generated data
    assert html.count('src="data:image/png;base64,') == len(list((out / "figures").glob("*.png")))
    if check:
        assert files.page_check.ok, files.page_check.problems()
        assert files.screenshot == out / "report.png"
