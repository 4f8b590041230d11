"""The report, section by section.

:func:`open_report` validates the parameters and loads the results folder;
each section function takes the :class:`Report` and returns a list of blocks
(Markdown text, tables, figures), saving every figure to
``figures/<name>.png`` and ``.svg`` and every table to ``tables/<name>.csv``
on the way. :func:`show` displays blocks in a notebook. A section whose data
are too sparse says so in a block instead of failing, so that a small or
partly failed sweep still gets a whole report.
"""

from __future__ import annotations

import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd

from imbalance_lab import rows as row_layout
from imbalance_lab.errors import ImbalanceLabError, InvalidParameterError, UnknownNameError
from imbalance_lab.folders import check_output_folder
from imbalance_lab.report import aggregate, figures, stats
from imbalance_lab.report.load import Results, RunInfo, load_results, read_predictions, run_info

#: Calibration metrics shown in the calibration section when present.
CALIBRATION_METRICS = ("brier", "log_loss", "ece")

#: Rows of a table shown in the page; the CSV always holds all of them.
MAX_SHOWN_ROWS = 40

#: Resolution of the PNG figures (SVG is vector).
DPI = 90


@dataclass
class FigureBlock:
    name: str
    png: bytes


@dataclass
class TableBlock:
    name: str
    frame: pd.DataFrame
    caption: str = ""


@dataclass
class Report:
    """A loaded results folder and the report's parameters."""

    results: Results
    out_dir: Path
    rows: pd.DataFrame
    metrics: list[str]
    alpha: float = 0.05
    posthoc: str = "nemenyi"
    baseline: str = "none"
    n_bins: int = 10
    saved: list[Path] = field(default_factory=list)

    @property
    def figures_dir(self) -> Path:
        return self.out_dir / "figures"

    @property
    def tables_dir(self) -> Path:
        return self.out_dir / "tables"

    @property
    def ratios(self) -> list[str]:
        present = set(self.rows["ratio"].astype(str))
        return [r for r in self.rows["ratio"].cat.categories if r in present]

    @property
    def models(self) -> list[str]:
        return sorted(self.rows["model"].astype(str).unique())

    @property
    def schemes(self) -> list[str]:
        return figures.scheme_order(self.rows["scheme"].unique())

    @property
    def palette(self) -> dict:
        return figures.scheme_palette(self.rows["scheme"].unique())

    def figure(self, fig: plt.Figure, name: str) -> FigureBlock:
        """Save ``fig`` as figures/<name>.png and .svg, close it, return its block."""
        self.figures_dir.mkdir(parents=True, exist_ok=True)
        # The tight bounding box once for both files ('tight' would lay the
        # figure out again for each), after the layout engine has placed the
        # panels (constrained layout runs at draw time).
        fig.draw_without_rendering()
        box = fig.get_tightbbox(fig.canvas.get_renderer()).padded(0.1)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, bbox_inches=box)
        png = buffer.getvalue()
        (self.figures_dir / f"{name}.png").write_bytes(png)
        # Text as SVG text, not glyph paths: a third faster, half the size, searchable.
        with matplotlib.rc_context({"svg.fonttype": "none"}):
            fig.savefig(self.figures_dir / f"{name}.svg", format="svg", bbox_inches=box)
        plt.close(fig)
        self.saved += [self.figures_dir / f"{name}.png", self.figures_dir / f"{name}.svg"]
        return FigureBlock(name, png)

    def table(self, frame: pd.DataFrame, name: str, caption: str = "") -> TableBlock:
        """Save ``frame`` as tables/<name>.csv and return its block."""
        self.tables_dir.mkdir(parents=True, exist_ok=True)
        path = self.tables_dir / f"{name}.csv"
        frame.to_csv(path, index=not isinstance(frame.index, pd.RangeIndex))
        self.saved.append(path)
        return TableBlock(name, frame, caption)

    def stacked_table(self, frames: list[pd.DataFrame], name: str) -> pd.DataFrame | None:
        """Save the frames a section collected panel by panel, one under the
        other, as tables/<name>.csv and return them; None when there are none
        (then no file is written)."""
        frames = [f for f in frames if len(f)]
        if not frames:
            return None
        table = pd.concat(frames, ignore_index=True)
        self.table(table, name)
        return table


def open_report(results_dir, out_dir=None, *, metrics=None, alpha: float = 0.05,
                posthoc: str = "nemenyi", baseline: str | None = None, n_bins: int = 10) -> Report:
    """Check the parameters, load ``results_dir`` and return the :class:`Report`.

    ``out_dir``: where figures/ and tables/ go (default: the results folder;
    refused, first, when it or a folder above it is a file);
    ``metrics``: main metrics to show (default: every main metric with values);
    ``alpha``: significance level; ``posthoc``: 'nemenyi' or 'conover';
    ``baseline``: the scheme others are compared with (default 'none' when
    run, else the first scheme); ``n_bins``: bins of the reliability curves.
    """
    if out_dir is not None:
        out_dir = check_output_folder(out_dir, "out_dir", "the report")
    stats.check_alpha(alpha)
    stats.check_posthoc(posthoc)
    if not isinstance(n_bins, int) or isinstance(n_bins, bool) or n_bins < 2:
        raise InvalidParameterError("n_bins", n_bins, "an integer >= 2")
    if metrics is not None:
        if isinstance(metrics, str):
            metrics = [metrics]
        for metric in metrics:
            if metric not in row_layout.METRICS:
                raise UnknownNameError("metrics", metric, row_layout.METRICS, kind="metric")
    results = load_results(results_dir)
    rows = aggregate.prepare(results.rows)
    present = aggregate.present_metrics(rows, row_layout.METRICS)
    if metrics is None:
        metrics = [m for m in aggregate.MAIN_METRICS if m in present]
    schemes = figures.scheme_order(rows["scheme"].unique())
    if baseline is None:
        baseline = "none" if "none" in schemes else schemes[0]
    elif baseline not in schemes:
        raise UnknownNameError("baseline", baseline, schemes, kind="scheme of this results folder")
    out = out_dir if out_dir is not None else results.path
    return Report(results=results, out_dir=out, rows=rows, metrics=list(metrics), alpha=alpha,
                  posthoc=posthoc, baseline=baseline, n_bins=n_bins)


def show(blocks) -> None:
    """Display blocks in a notebook (Markdown, tables, PNG figures)."""
    from IPython.display import HTML, Image, Markdown, display

    for block in blocks:
        if isinstance(block, str):
            display(Markdown(block))
        elif isinstance(block, FigureBlock):
            display(Image(data=block.png, format="png"))
        elif isinstance(block, TableBlock):
            if block.caption:
                display(Markdown(block.caption))
            frame = block.frame
            shown = frame.head(MAX_SHOWN_ROWS)
            index = not isinstance(frame.index, pd.RangeIndex)
            display(HTML(shown.to_html(index=index, float_format=_format_float, na_rep="",
                                       border=0, classes="dataframe")))
            if len(frame) > MAX_SHOWN_ROWS:
                display(Markdown(f"*{len(frame) - MAX_SHOWN_ROWS} more rows in "
                                 f"[tables/{block.name}.csv](tables/{block.name}.csv)*"))
        else:
            display(block)


def _format_float(value: float) -> str:
    return f"{value:.4g}"


def _too_little(what: str, reason: str) -> str:
    return f"> **{what}: not enough data.** {reason}"


# --- 1. what was run ---------------------------------------------------------------------------

_BIBTEX_FIELD = re.compile(r"(\w+)\s*=\s*[{\"](.*?)[}\"]\s*(?:,|}\s*$)", re.DOTALL)


def format_citation(text: str) -> str:
    """A BibTeX entry as one readable line ('Authors (year). Title. Journal
    volume(number), pages.'); any other text as it is."""
    text = " ".join(str(text).split())
    if not text.startswith("@"):
        return text
    fields = {k.lower(): v.strip() for k, v in _BIBTEX_FIELD.findall(text)}
    if "title" not in fields:
        return text
    authors = [a.strip() for a in fields.get("author", "").split(" and ") if a.strip()]
    who = ", ".join(authors[:3]) + (" et al." if len(authors) > 3 else "")
    venue = fields.get("journal") or fields.get("booktitle") or fields.get("publisher", "")
    volume = fields.get("volume", "") + (f"({fields['number']})" if fields.get("number") else "")
    parts = [f"{who} ({fields.get('year', 'n.d.')}). {fields['title']}."]
    tail = ", ".join(p for p in (venue, volume, fields.get("pages", "")) if p)
    if tail:
        parts.append(tail + ".")
    return " ".join(parts).strip()


def citation(name: str, manifest: dict) -> str:
    """The data set's citation: from the data-set catalogue when it knows the
    name, else from the manifest (for generated data, its spec), else a dash."""
    try:
        from imbalance_lab import datasets

        text = datasets.describe(name).get("citation")
        if text:
            return format_citation(text)
    except (ImportError, AttributeError, ImbalanceLabError, KeyError, ValueError):
        pass
    entry = run_info(manifest).datasets.get(name, {})
    if entry.get("citation"):
        return format_citation(entry["citation"])
    if isinstance(entry.get("spec"), dict):  # generated data: say how
        return "generated by this study: " + json.dumps(entry["spec"], sort_keys=True)
    return "—"


def _format_seconds(seconds) -> str:
    try:
        seconds = float(seconds)
    except (TypeError, ValueError):
        return "not recorded"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)} min {rest:.1f} s" if minutes else f"{rest:.1f} s"


def run_summary(rep: Report) -> list:
    manifest = rep.results.manifest
    run = rep.results.run
    rows = rep.rows
    commit = f"`{run.commit}`" if run.commit else "not recorded"
    if run.dirty:
        commit += " (with uncommitted edits)"
    wall = _format_seconds(run.wall_seconds)
    if run.runs > 1:
        wall += f" in the last of {run.runs} runs ({_format_seconds(run.total_wall_seconds)} in all)"
    blocks = [
        f"# Report: `{rep.results.experiment}`\n\n"
        f"Results folder `{rep.results.path}`; git commit {commit}; sweep wall time {wall}; "
        f"rows in column layout version {row_layout.ROW_LAYOUT_VERSION}. Significance level "
        f"α = {rep.alpha:g}; post-hoc test: {rep.posthoc}; baseline scheme: `{rep.baseline}`.",
        "## What was run",
        rep.table(aggregate.grid_summary(rows), "grid", "**Grid sizes**"),
    ]
    datasets = []
    for name, part in rows.groupby("dataset", observed=True):
        ok = aggregate.ok_rows(part)
        datasets.append({
            "data set": name, "citation": citation(str(name), manifest),
            "ratios": ", ".join(r for r in rep.ratios if r in set(part["ratio"].astype(str))),
            "native ratio": _native_ratio(part),
            "classes": _count_or_dash(part["n_classes"]),
            "fingerprint": str(run.datasets.get(str(name), {}).get("fingerprint", "—"))[:16],
            "ok folds": len(ok), "of folds": len(part),
        })
    blocks.append(rep.table(pd.DataFrame(datasets), "datasets", "**Data sets**"))
    blocks.append(rep.table(
        pd.DataFrame({"model": rep.models}).assign(
            params=lambda f: f["model"].map(rows.drop_duplicates("model").set_index("model")["model_params"])),
        "models", "**Models**"))
    blocks.append(rep.table(pd.DataFrame({"scheme": rep.schemes}).assign(
        params=lambda f: f["scheme"].map(rows.drop_duplicates("scheme").set_index("scheme")["scheme_params"])),
        "schemes", "**Schemes**"))
    problems = pd.concat([aggregate.problem_units(rows), _unrecorded_units(run, rows)],
                         ignore_index=True)
    if problems.empty:
        blocks.append("Every unit finished (no skipped or failed units).")
    else:
        rep.table(problems, "skipped_and_failed_units")
        blocks.append(rep.table(aggregate.problem_reasons(problems), "skipped_and_failed",
                                "**Skipped and failed units**, one line per reason (skipped = the "
                                "scheme cannot run as asked; error = it raised; failed / pending = "
                                "its slice's notebook died or never ran, so it has no rows; every "
                                "unit in [tables/skipped_and_failed_units.csv]"
                                "(tables/skipped_and_failed_units.csv))"))
    failed = [{"slice": key, "status": info.get("status"), "error": str(info.get("error", ""))[:300]}
              for key, info in run.slices.items() if info.get("status") not in ("ok", "done")]
    if failed:
        blocks.append(rep.table(pd.DataFrame(failed), "failed_slices",
                                "**Slices that did not finish** (their executed notebooks are in "
                                "notebooks/)"))
    if run.versions:
        blocks.append(rep.table(pd.DataFrame({"version": run.versions}).rename_axis("package"),
                                "versions", "**Versions**"))
    else:
        blocks.append("Package versions: not recorded in the manifest.")
    if run.config_text:
        blocks.append("**The sweep's config**\n\n```yaml\n" + run.config_text.rstrip() + "\n```")
    blocks.append(_audit_link(rep))
    return blocks


def _unrecorded_units(run: RunInfo, rows: pd.DataFrame) -> pd.DataFrame:
    """Units the manifest lists as failed or pending that have no rows (their
    slice's notebook died, or the sweep was interrupted before them)."""
    have = set(rows["unit_key"])
    records = [{"status": info.get("status"), "dataset": info.get("dataset"),
                "ratio": aggregate.ratio_label(info.get("ratio")), "model": info.get("model"),
                "scheme": info.get("scheme"), "seed": info.get("seed"), "unit_key": key,
                "reason": str(info.get("error") or "(no reason recorded)"), "folds": 0}
               for key, info in run.units.items()
               if key not in have and info.get("status") not in ("ok", "skipped", "error")]
    return pd.DataFrame(records)


def _count_or_dash(values: pd.Series) -> str:
    # A data set whose units were all skipped has no class count recorded (NA).
    largest = values.dropna().max() if values.notna().any() else None
    return "—" if largest is None else str(int(largest))


def _native_ratio(part: pd.DataFrame) -> str:
    native = part[part["ratio"].astype(str) == "native"]["ratio_actual"].dropna()
    return f"{native.mean():.2f}" if len(native) else "—"


#: Files of the equivalence audit (`imbalance-lab audit`) worth a link, when present.
AUDIT_FILES = ("report.html", "equivalence.html", "summary.csv", "equivalence.csv",
               "equivalence.ipynb")


def _audit_link(rep: Report) -> str:
    audit = rep.results.path.parent / "equivalence"
    if not audit.is_dir():
        return ("The equivalence audit (`imbalance-lab audit`, written to `results/equivalence/`) "
                "has not been run beside this folder.")

    def link(path: Path) -> str:
        # relative to the page, so the link survives moving the results tree
        return Path(os.path.relpath(path.resolve(), rep.out_dir.resolve())).as_posix()

    found = [audit / name for name in AUDIT_FILES if (audit / name).is_file()]
    files = "".join(f", [{p.name}]({link(p)})" for p in found)
    return (f"The equivalence audit — which models honour 'k copies = weight k' exactly — "
            f"is beside this folder: [{link(audit)}/]({link(audit)}){files}.")


# --- 2. metrics against ratio ------------------------------------------------------------------

def metrics_vs_ratio(rep: Report) -> list:
    blocks = [
        "## Every metric against the imbalance ratio",
        "One line per scheme, a panel per model: the mean over data sets, with a 95 % confidence "
        "band (mean ± 1.96 standard errors) over seeds × folds — each seed and fold is averaged "
        "over the data sets first, so the band shows resampling noise, not how data sets differ. "
        "Every data set's own means and standard errors are in "
        "[tables/metrics_by_dataset.csv](tables/metrics_by_dataset.csv). Metrics marked "
        "**[prevalence-dependent]** (" + ", ".join(row_layout.PREVALENCE_DEPENDENT) + ") move "
        "with the minority share of the test folds itself: imposing a ratio changes the test "
        "folds too, so their level across ratios is not comparable — compare schemes within a ratio.",
    ]
    ok = aggregate.ok_rows(rep.rows)
    if ok.empty:
        return blocks + [_too_little("Metrics", "no unit finished with status 'ok'.")]
    rep.table(aggregate.metric_summary(rep.rows, rep.metrics), "metrics_by_dataset")
    for metric in rep.metrics:
        if ok[metric].notna().sum() == 0:
            blocks.append(_too_little(metric, "no fold has a value."))
            continue
        replicates = aggregate.replicate_means(rep.rows, metric)
        blocks.append(rep.figure(figures.metric_vs_ratio(replicates, metric, rep.palette,
                                                         rep.ratios),
                                 f"metric_vs_ratio_{metric}"))
    return blocks


# --- 3. mean-rank heatmaps ---------------------------------------------------------------------

def rank_heatmaps(rep: Report) -> list:
    blocks = ["## Mean rank of each scheme, per ratio and model",
              "Schemes ranked within each data set (1 = best, on the mean over seeds and folds), "
              "then averaged over data sets; only data sets where every shown scheme ran."]
    all_ranks = []
    for metric in rep.metrics:
        ranks = aggregate.mean_ranks(rep.rows, metric)
        if ranks.empty:
            blocks.append(_too_little(metric, "fewer than 2 schemes with results in every panel."))
            continue
        all_ranks.append(ranks.assign(metric=metric))
        blocks.append(rep.figure(figures.rank_heatmaps(ranks, metric, rep.schemes),
                                 f"mean_rank_{metric}"))
    rep.stacked_table(all_ranks, "mean_ranks")
    return blocks


# --- 4. critical-difference diagrams -----------------------------------------------------------

def critical_difference(rep: Report) -> list:
    blocks = [
        "## Critical-difference diagrams across data sets",
        f"Per main metric, ratio and model: Friedman's test over the data sets (one block per "
        f"data set: the mean over its folds and seeds), then the {rep.posthoc.title()} post-hoc "
        f"test (scikit-posthocs), as in Demšar (2006). Schemes joined by a bar do not differ "
        f"significantly at α = {rep.alpha:g}; where Friedman's test does not reject, no pairwise "
        f"difference is claimed and all are joined. Friedman's test needs ≥ "
        f"{stats.MIN_SCHEMES} schemes on ≥ {stats.MIN_DATASETS} data sets.",
    ]
    friedman_rows, posthoc_rows = [], []
    for metric in rep.metrics:
        cells: dict = {}
        for ratio, model, blocks_table in aggregate.block_tables(rep.rows, metric):
            try:
                result = stats.friedman(blocks_table, metric, posthoc=rep.posthoc, alpha=rep.alpha)
            except stats.TooLittleData as exc:
                cells[(ratio, model)] = exc.reason
                friedman_rows.append({"metric": metric, "ratio": ratio, "model": model,
                                      "note": exc.reason})
                continue
            cells[(ratio, model)] = result
            friedman_rows.append({
                "metric": metric, "ratio": ratio, "model": model,
                "n_datasets": result.n_datasets, "n_schemes": len(result.schemes),
                "friedman_chi2": result.statistic, "p_friedman": result.pvalue,
                "critical_difference": result.critical_difference,
                "best": result.mean_ranks.index[0], "note": "; ".join(result.notes),
            })
            pv = result.posthoc.rename_axis(index="scheme_a", columns="scheme_b") \
                .stack().rename("p").reset_index()
            posthoc_rows.append(pv[pv["scheme_a"] < pv["scheme_b"]].assign(
                metric=metric, ratio=ratio, model=model, posthoc=rep.posthoc))
        if all(isinstance(c, str) for c in cells.values()):
            blocks.append(_too_little(metric, next(iter(cells.values()), "no rows")))
            continue
        blocks.append(rep.figure(figures.cd_grid(cells, rep.ratios, rep.models, metric, rep.alpha,
                                                 rep.palette), f"critical_difference_{metric}"))
    table = pd.DataFrame(friedman_rows)
    if "p_friedman" in table:
        shown = table.dropna(subset=["p_friedman"])
        blocks.append(rep.table(table, "friedman",
                                f"**Friedman tests** ({len(shown)} panels tested, "
                                f"{int((shown['p_friedman'] < rep.alpha).sum())} significant)"))
    rep.stacked_table(posthoc_rows, "posthoc_pvalues")
    return blocks


# --- 5. pairwise differences and the corrected t-test ------------------------------------------

def pairwise(rep: Report) -> list:
    blocks = [
        "## Pairwise differences and effect sizes",
        f"Across data sets: for every pair of schemes, the paired difference of block means "
        f"(positive = the first is better), Cohen's d_z, the matched-pairs rank-biserial r and "
        f"Wilcoxon's signed-rank p, Holm-adjusted per metric × ratio × model "
        f"(all pairs in `tables/pairwise.csv`). The heatmaps show each scheme against the "
        f"baseline `{rep.baseline}`.\n\n"
        f"Within a data set: the corrected resampled t-test of Nadeau & Bengio (2003) of each "
        f"scheme against `{rep.baseline}` on the same folds (seeds × repeats × folds as the J "
        f"resamples; variance inflated by 1/J + n_test/n_train, n_test/n_train = 1/(k−1)); "
        f"every test in `tables/corrected_t_tests.csv`.",
    ]
    pair_frames, tests = [], []
    for metric in rep.metrics:
        for ratio, model, blocks_table in aggregate.block_tables(rep.rows, metric):
            table = blocks_table.table
            if table.shape[1] < 2 or table.shape[0] < 1:
                continue
            pair = stats.pairwise_across_datasets(table, metric)
            pair_frames.append(pair.assign(metric=metric, ratio=ratio, model=model))
        for scheme in rep.schemes:
            if scheme == rep.baseline:
                continue
            try:
                tests.append(stats.corrected_tests(rep.rows, metric, scheme, rep.baseline))
            except stats.TooLittleData as exc:
                blocks.append(_too_little("Corrected t-test", exc.reason))
                break
    pairs = rep.stacked_table(pair_frames, "pairwise")
    if pairs is None:
        return blocks + [_too_little("Pairwise differences", "no ratio × model with ≥ 2 schemes.")]
    # Each scheme against the baseline, oriented scheme − baseline.
    vs = _against(pairs, rep.baseline)
    for metric in rep.metrics:
        part = vs[vs["metric"] == metric]
        if part.empty:
            continue
        blocks.append(rep.figure(figures.advantage_heatmaps(part, metric, rep.baseline, rep.alpha,
                                                            rep.schemes, rep.ratios),
                                 f"advantage_over_{_safe(rep.baseline)}_{metric}"))
    table = rep.stacked_table(tests, "corrected_t_tests")
    if table is not None:
        blocks.append(rep.table(_tally(table, rep), "corrected_t_test_summary",
                                f"**Corrected resampled t-tests against `{rep.baseline}`**: per "
                                f"metric, model and scheme, how many data set × ratio cells are "
                                f"significantly better / worse (p < {rep.alpha:g}) or not"))
    return blocks


def _against(pairs: pd.DataFrame, baseline: str) -> pd.DataFrame:
    a = pairs[pairs["scheme_b"] == baseline]
    b = pairs[pairs["scheme_a"] == baseline].rename(columns={"scheme_a": "scheme_b",
                                                             "scheme_b": "scheme_a"})
    b = b.assign(mean_advantage_a=-b["mean_advantage_a"], cohens_dz=-b["cohens_dz"],
                 rank_biserial=-b["rank_biserial"])
    return pd.concat([a, b], ignore_index=True)


def _tally(table: pd.DataFrame, rep: Report) -> pd.DataFrame:
    sign = table["metric"].map(lambda m: 1 if aggregate.higher_is_better(m) else -1)
    significant = table["p_corrected_t"] < rep.alpha
    better = significant & (sign * table["mean_difference"] > 0)
    worse = significant & (sign * table["mean_difference"] < 0)
    out = table.assign(better=better, worse=worse, tested=table["p_corrected_t"].notna()) \
        .groupby(["metric", "model", "scheme_a"], observed=True)[["better", "worse", "tested"]] \
        .sum().reset_index().rename(columns={"scheme_a": "scheme"})
    out["not significant"] = out["tested"] - out["better"] - out["worse"]
    return out


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


# --- 6. weight k against k copies --------------------------------------------------------------

def weight_vs_copies(rep: Report) -> list:
    blocks = [
        "## Weight k against k copies",
        "Each scheme that puts part or all of a minority up-weighting k into copies (replication, "
        "or the copies × weight split) against pure class weight k on the very same folds: the "
        "paired difference per fold (copies side − weights). Zero on every fold where the two are "
        "equivalent (models whose loss is a sum over rows); how far apart elsewhere. "
        "'balanced' pairs balanced weights with replication up to balance.",
    ]
    diffs = aggregate.weight_vs_copies(rep.rows, rep.metrics)
    if diffs.empty:
        return blocks + [_too_little(
            "Weight vs copies",
            "the sweep holds no pair of a class-weight scheme and a replication (or split) "
            "scheme with the same factor that both finished on the same folds.")]
    ratio = stats.kfold_test_train_ratio(aggregate.ok_rows(rep.rows))
    summary = []
    keys = ["metric", "dataset", "model", "factor", "scheme", "weights_scheme"]
    for key, part in diffs.groupby(keys, observed=True):
        test = stats.nadeau_bengio(part["difference"], ratio)
        summary.append({**dict(zip(keys, key, strict=True)), "folds": len(part),
                        "mean_difference": test.mean,
                        "max_abs_difference": float(part["difference"].abs().max()),
                        "share_identical": float((part["difference"].abs() <= 1e-12).mean()),
                        "p_corrected_t": test.pvalue, "note": test.note})
    rep.table(diffs, "weight_vs_copies_folds")
    table = pd.DataFrame(summary)
    shown = [m for m in ("balanced_accuracy", "roc_auc", "log_loss") if m in rep.metrics] \
        or rep.metrics[:3]
    blocks.append(rep.figure(figures.weight_vs_copies(diffs[diffs["metric"].isin(shown)]),
                             "weight_vs_copies"))
    blocks.append(rep.table(
        table, "weight_vs_copies",
        "**Paired differences per data set and model** (over ratios × seeds × folds; "
        "share_identical = folds with exactly equal scores; p from the corrected resampled t-test)"))
    by_model = table.groupby(["model", "metric"], observed=True).agg(
        max_abs_difference=("max_abs_difference", "max"),
        share_identical=("share_identical", "mean")).reset_index()
    blocks.append(rep.table(by_model, "weight_vs_copies_by_model",
                            "**By model**: the largest paired difference seen, and the share of "
                            "folds where copies and weights score identically"))
    return blocks


# --- 7. calibration ----------------------------------------------------------------------------

def calibration(rep: Report) -> list:
    blocks = [
        "## Calibration",
        "How weighting and resampling shift predicted probabilities: reliability curves from the "
        "out-of-fold predictions (binary data; uniform bins as scikit-learn's "
        "`calibration_curve`), the mean predicted minority probability against the minority "
        "share actually present, and Brier score / log-loss per scheme.",
    ]
    present = [m for m in CALIBRATION_METRICS if m in aggregate.present_metrics(rep.rows,
                                                                                  CALIBRATION_METRICS)]
    if rep.results.prediction_files:
        bins = aggregate.reliability_bins(read_predictions(rep.results),
                                          aggregate.unit_table(rep.rows), n_bins=rep.n_bins)
        if bins.empty:
            blocks.append(_too_little("Reliability curves",
                                      "the predictions hold no binary probability scores."))
        else:
            rep.table(bins, "reliability_bins")
            blocks.append(rep.figure(figures.reliability(bins, rep.palette, rep.ratios),
                                     "reliability"))
            shift = aggregate.probability_shift(bins)
            rep.table(shift, "probability_shift")
            blocks.append(rep.figure(figures.probability_shift(shift, rep.palette, rep.ratios),
                                     "probability_shift"))
    else:
        blocks.append(_too_little("Reliability curves",
                                  "the results folder holds no predictions/*.parquet "
                                  "(the sweep ran with store_predictions off)."))
    if present:
        blocks.append(rep.figure(figures.calibration_scores(rep.rows, present, rep.palette),
                                 "calibration_scores"))
        table = aggregate.ok_rows(rep.rows).groupby(["model", "scheme"], observed=True)[present] \
            .mean().reset_index()
        blocks.append(rep.table(table, "calibration_scores",
                                "**Mean calibration scores per model and scheme** (over data "
                                "sets, ratios, seeds and folds)"))
    else:
        blocks.append(_too_little("Calibration scores", "no Brier score or log-loss recorded."))
    return blocks


# --- 8. cost -----------------------------------------------------------------------------------

def cost(rep: Report) -> list:
    blocks = [
        "## Cost: copies against weights",
        "Fit seconds and training rows (after resampling) per fold as the up-weighting factor k "
        "grows — the seed's claim that weights are cheaper in storage and compute, measured. "
        "For 'balanced' schemes k is the majority:minority ratio of the training fold.",
    ]
    table = aggregate.cost_table(rep.rows)
    kinds = set(table["kind"])
    if table.empty or not ({"weights", "copies"} <= kinds):
        return blocks + [_too_little("Cost", "the sweep holds no class-weight scheme together "
                                     "with a replication scheme that finished.")]
    blocks.append(rep.figure(figures.cost(table), "cost"))
    wide = table.pivot_table(index=["model", "factor", "ratio"], columns="kind",
                             values=["fit_seconds", "train_rows_after_resampling"], observed=True)
    ratio = pd.DataFrame(index=wide.index)
    if ("fit_seconds", "copies") in wide and ("fit_seconds", "weights") in wide:
        ratio["fit seconds, copies / weights"] = wide[("fit_seconds", "copies")] / \
            wide[("fit_seconds", "weights")]
        ratio["training rows, copies / weights"] = wide[("train_rows_after_resampling", "copies")] / \
            wide[("train_rows_after_resampling", "weights")]
    blocks.append(rep.table(table, "cost", "**Mean cost per fold**"))
    if len(ratio.columns):
        blocks.append(rep.table(ratio.dropna(how="all").reset_index(), "cost_ratio",
                                "**Copies relative to weights** at the same factor"))
    return blocks


SECTIONS = (run_summary, metrics_vs_ratio, rank_heatmaps, critical_difference, pairwise,
            weight_vs_copies, calibration, cost)


def all_blocks(rep: Report) -> list:
    """Every section in order (what the notebook shows, for use without a kernel)."""
    out = []
    for section in SECTIONS:
        out += section(rep)
    return out
