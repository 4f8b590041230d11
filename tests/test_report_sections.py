"""The report's sections without a kernel: files written, values carried
through, sparse grids reported instead of crashing, bad parameters refused
before any work."""

import json
import shutil

import pandas as pd
import pytest
from scipy import stats as sst
from test_report_fixture import cached_results, make_results, results_from_run_slice

from imbalance_lab.errors import InvalidParameterError, UnknownNameError
from imbalance_lab.report import sections
from imbalance_lab.report.sections import FigureBlock, TableBlock


def _texts(blocks):
    return "\n".join(b for b in blocks if isinstance(b, str))


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    rep = sections.open_report(cached_results(), out, metrics=["balanced_accuracy"])
    return rep, sections.all_blocks(rep)


def test_every_section_writes_its_figures_and_tables(full):
    rep, blocks = full
    figures = {b.name for b in blocks if isinstance(b, FigureBlock)}
    assert figures == {
        "metric_vs_ratio_balanced_accuracy", "mean_rank_balanced_accuracy",
        "critical_difference_balanced_accuracy", "advantage_over_none_balanced_accuracy",
        "weight_vs_copies", "reliability", "probability_shift", "calibration_scores", "cost",
    }
    for name in figures:
        png = rep.out_dir / "figures" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (rep.out_dir / "figures" / f"{name}.svg").read_text().lstrip().startswith("<?xml")
    for name in ("grid", "datasets", "skipped_and_failed", "friedman", "posthoc_pvalues",
                 "pairwise", "corrected_t_tests", "weight_vs_copies", "cost",
                 "reliability_bins", "calibration_scores"):
        assert (rep.out_dir / "tables" / f"{name}.csv").is_file(), name
    assert "not enough data" not in _texts(blocks).replace("Corrected t-test", "")


def test_friedman_table_carries_scipys_statistic_from_the_rows(full):
    rep, _ = full
    table = pd.read_csv(rep.out_dir / "tables" / "friedman.csv", dtype={"ratio": str})
    got = table[(table["ratio"] == "native") & (table["model"] == "logistic_regression")].iloc[0]
    # Independently: mean over seeds and folds per data set x scheme, then scipy.
    rows = rep.results.rows
    part = rows[(rows["ratio_target"] == "native") & (rows["model"] == "logistic_regression")
                & (rows["status"] == "ok")]
    blocks = part.groupby(["dataset", "scheme"])["balanced_accuracy"].mean().unstack()
    expected = sst.friedmanchisquare(*(blocks[c] for c in blocks.columns))
    assert got["friedman_chi2"] == pytest.approx(expected.statistic)
    assert got["p_friedman"] == pytest.approx(expected.pvalue)
    assert got["n_datasets"] == 3 and got["n_schemes"] == 6
    knn = table[(table["ratio"] == "native") & (table["model"] == "knn")].iloc[0]
    assert knn["n_schemes"] == 4  # its weighting schemes were all skipped
    assert "weight:balanced" in knn["note"]


def test_the_summary_lists_failed_units_and_data_sets(full):
    rep, blocks = full
    tables = {b.name: b.frame for b in blocks if isinstance(b, TableBlock)}
    failed = tables["skipped_and_failed"]
    assert "InjectedFault: injected fault at unit:fixture" in set(failed["reason"])
    datasets = tables["datasets"].set_index("data set")
    assert datasets.loc["synth_a", "citation"] == "synthetic data set synth_a (make_classification)"
    assert "0123456789abcdef" in _texts(blocks)  # the commit


def test_bibtex_citations_read_as_one_line():
    bib = ("@article{keel, author={Alcala-Fdez, J. and Fernandez, A. and Luengo, J. and "
           "Derrac, J.}, title={KEEL Data-Mining Software Tool}, journal={J. Mult.-Valued Logic "
           "Soft Comput.}, volume={17}, number={2-3}, year={2011}, pages={255-287} }")
    assert sections.format_citation(bib) == (
        "Alcala-Fdez, J., Fernandez, A., Luengo, J. et al. (2011). KEEL Data-Mining Software "
        "Tool. J. Mult.-Valued Logic Soft Comput., 17(2-3), 255-287.")
    assert sections.format_citation("Plain text (1999).") == "Plain text (1999)."


def test_a_catalogued_data_set_is_cited_from_the_catalogue():
    text = sections.citation("ecoli1", {})
    assert "KEEL" in text and "(2011)" in text
    assert sections.citation("not-a-data-set", {}) == "—"


def test_a_sparse_grid_gets_a_report_that_says_what_is_missing(tmp_path):
    folder = make_results(tmp_path / "results" / "tiny", datasets=("synth_a",), ratios=("native",),
                          schemes=("none", "weight:balanced"), models=("logistic_regression",),
                          seeds=(0,), folds=3, error_unit=None, predictions=False)
    rep = sections.open_report(folder, tmp_path / "out", metrics=["roc_auc"])
    text = _texts(sections.all_blocks(rep))
    assert "Friedman's test needs at least 3 schemes on at least 2 data sets" in text
    assert "Weight vs copies: not enough data" in text
    assert "Cost: not enough data" in text
    assert "no predictions/*.parquet" in text
    assert "equivalence audit (`imbalance-lab audit`" in text  # not run: said so


def test_a_sweep_with_every_unit_failed_still_gets_a_report(tmp_path):
    folder = make_results(tmp_path / "results" / "dead", datasets=("synth_a",), ratios=("native",),
                          schemes=("none",), models=("logistic_regression",), seeds=(0,),
                          error_unit=("synth_a", "native", "none", "logistic_regression", 0))
    rep = sections.open_report(folder, tmp_path / "out")
    blocks = sections.all_blocks(rep)
    assert "no unit finished with status 'ok'" in _texts(blocks)
    failed = [b for b in blocks if isinstance(b, TableBlock) and b.name == "skipped_and_failed"]
    assert failed[0].frame["units"].sum() == 1


def test_the_audit_is_linked_when_it_sits_beside(tmp_path):
    results = shutil.copytree(cached_results(), tmp_path / "results" / "fixture")
    (tmp_path / "results" / "equivalence").mkdir()
    (tmp_path / "results" / "equivalence" / "report.html").write_text("<html></html>")
    rep = sections.open_report(results, tmp_path / "out", metrics=["mcc"])
    assert "[../equivalence/report.html](../equivalence/report.html)" in _texts(
        sections.run_summary(rep))


def test_units_of_a_dead_slice_are_listed_from_the_manifest(tmp_path):
    # A slice whose notebook died leaves no rows: the manifest alone knows its units.
    results = shutil.copytree(cached_results(), tmp_path / "results" / "fixture")
    (results / "rows" / "synth_b__knn.parquet").unlink()
    manifest = json.loads((results / "manifest.json").read_text())
    manifest["slices"]["synth_b__knn"].update(status="failed", error="kernel died (exit 99)")
    dead = [k for k, u in manifest["units"].items() if u["slice"] == "synth_b__knn"]
    for key in dead:
        manifest["units"][key].update(status="failed", error="kernel died (exit 99)")
    (results / "manifest.json").write_text(json.dumps(manifest))
    rep = sections.open_report(results, tmp_path / "out", metrics=["mcc"])
    tables = {b.name: b.frame for b in sections.run_summary(rep) if isinstance(b, TableBlock)}
    assert tables["failed_slices"].to_dict("records") == [
        {"slice": "synth_b__knn", "status": "failed", "error": "kernel died (exit 99)"}]
    reasons = tables["skipped_and_failed"]
    dead_row = reasons[reasons["status"] == "failed"]
    assert dead_row["units"].sum() == len(dead) == 6 * 2 * 2  # schemes x ratios x seeds
    assert set(dead_row["reason"]) == {"kernel died (exit 99)"}


@pytest.mark.parametrize("kwargs, error, match", [
    ({"alpha": 1.5}, InvalidParameterError, "alpha=1.5"),
    ({"posthoc": "tukey"}, UnknownNameError, "posthoc='tukey'"),
    ({"metrics": ["auc"]}, UnknownNameError, "did you mean 'roc_auc'"),
    ({"n_bins": 1}, InvalidParameterError, "n_bins=1"),
])
def test_bad_parameters_are_refused_before_the_folder_is_read(tmp_path, kwargs, error, match):
    # The folder does not exist: the parameter error must come first.
    with pytest.raises(error, match=match):
        sections.open_report(tmp_path / "missing", **kwargs)


def test_an_unknown_baseline_lists_the_schemes_run():
    with pytest.raises(UnknownNameError, match="baseline='nothing'") as info:
        sections.open_report(cached_results(), baseline="nothing")
    assert "none" in info.value.choices and "weight:balanced" in info.value.choices


def test_show_displays_blocks_outside_a_notebook(capsys, full):
    rep, blocks = full
    sections.show([blocks[0], next(b for b in blocks if isinstance(b, TableBlock)),
                   next(b for b in blocks if isinstance(b, FigureBlock))])
    out = capsys.readouterr().out
    assert "IPython.core.display.Markdown" in out or "Report" in out


@pytest.mark.slow
def test_the_report_reads_what_the_compute_code_writes(tmp_path):
    # Rows and predictions from experiment.run_slice on two KEEL data sets:
    # real scheme labels and parameters, NaN notes, score kinds.
    folder = results_from_run_slice(tmp_path / "results" / "compute")
    rep = sections.open_report(folder, tmp_path / "out", metrics=["balanced_accuracy"])
    blocks = sections.all_blocks(rep)
    tables = {b.name: b.frame for b in blocks if isinstance(b, TableBlock)}
    pairs = tables["weight_vs_copies"]
    assert set(pairs["scheme"]) == {"oversample:replicate(factor=3)"}
    assert set(pairs["weights_scheme"]) == {"weight:explicit(majority=1,minority=3)"}
    friedman = tables["friedman"]
    assert friedman["p_friedman"].notna().all()  # 5 schemes on 2 data sets in every panel
    assert {"reliability", "calibration_scores", "cost"} <= {
        b.name for b in blocks if isinstance(b, FigureBlock)}
    datasets = tables["datasets"].set_index("data set")
    assert "KEEL" in datasets.loc["ecoli1", "citation"]
