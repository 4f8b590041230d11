"""The report's figures (matplotlib + seaborn). Each function takes a tidy
table and returns a :class:`matplotlib.figure.Figure`; nothing here reads
files or computes statistics."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence

import matplotlib.colors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import scikit_posthocs as sp
import seaborn as sns

from imbalance_lab.report import aggregate

#: Confidence bands: mean ± 1.96 standard errors, the normal-approximation
#: 95 % interval. seaborn's bootstrap interval would cost a Python loop of
#: hundreds of resamples per point (minutes on a full sweep) for bands that
#: differ little at the 10-30 folds behind each point.
ERRORBAR = ("se", 1.96)


def scheme_order(schemes) -> list[str]:
    """'none' first (the baseline), then the rest alphabetically."""
    schemes = sorted(set(map(str, schemes)))
    return (["none"] if "none" in schemes else []) + [s for s in schemes if s != "none"]


def scheme_palette(schemes) -> dict[str, tuple]:
    """One fixed colour per scheme, the same in every figure."""
    order = scheme_order(schemes)
    colours = sns.color_palette("tab10" if len(order) <= 10 else "tab20", n_colors=max(len(order), 1))
    return dict(zip(order, colours, strict=False))


def metric_title(metric: str) -> str:
    title = metric.replace("_", " ")
    if aggregate.is_prevalence_dependent(metric):
        title += " [prevalence-dependent]"
    return title + (" (lower is better)" if not aggregate.higher_is_better(metric) else "")


def _ratio_axis(grid, ratios: Sequence[str]) -> None:
    for ax in np.ravel(grid.axes):
        ax.set_xticks(range(len(ratios)))
        ax.set_xticklabels(ratios)


def metric_vs_ratio(replicates: pd.DataFrame, metric: str, palette: Mapping,
                    ratios: Sequence[str]) -> plt.Figure:
    """``metric`` against the imbalance ratio from
    :func:`~imbalance_lab.report.aggregate.replicate_means`: one line per
    scheme, a panel per model, the mean over data sets with a 95 % band
    (mean ± 1.96 SE) over seeds × repeats × folds."""
    positions = {r: i for i, r in enumerate(ratios)}
    data = replicates.assign(ratio_position=replicates["ratio"].astype(str).map(positions))
    hue_order = [s for s in palette if s in set(data["scheme"])]
    n_models = data["model"].nunique()
    grid = sns.relplot(
        data=data, x="ratio_position", y=metric, hue="scheme", hue_order=hue_order,
        palette=palette, col="model", col_wrap=min(3, n_models), kind="line", marker="o",
        markersize=4, errorbar=ERRORBAR, height=2.8, aspect=1.3,
        facet_kws={"sharey": False},
    )
    _ratio_axis(grid, ratios)
    grid.set_axis_labels("majority : minority ratio", metric.replace("_", " "))
    grid.set_titles(col_template="{col_name}")
    grid.figure.suptitle(metric_title(metric), y=1.02)
    return grid.figure


def rank_heatmaps(ranks: pd.DataFrame, metric: str, schemes: Sequence[str]) -> plt.Figure:
    """Mean rank (1 = best) of each scheme × ratio over data sets, one panel per model."""
    models = sorted(ranks["model"].unique())
    ratios = [r for r in ranks["ratio"].cat.categories if r in set(ranks["ratio"].astype(str))]
    order = [s for s in schemes if s in set(ranks["scheme"])]
    ncols = min(3, len(models))
    nrows = math.ceil(len(models) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(0.8 * len(ratios) * ncols + 3.2 * ncols,
                                                    0.38 * len(order) * nrows + 1.2 * nrows),
                             squeeze=False, constrained_layout=True)
    vmax = len(order)
    for ax, model in zip(axes.ravel(), models, strict=False):
        part = ranks[ranks["model"] == model]
        matrix = part.pivot_table(index="scheme", columns="ratio", values="mean_rank",
                                  observed=True).reindex(index=order, columns=ratios)
        n = int(part["n_datasets"].max())
        _heatmap(ax, matrix, matrix.map(lambda v: "" if pd.isna(v) else f"{v:.1f}"),
                 cmap="viridis_r", vmin=1, vmax=vmax, fontsize=7)
        ax.set_title(f"{model} ({n} data set{'s' if n != 1 else ''})", fontsize=9)
        ax.set_xlabel("ratio")
        ax.set_ylabel("")
    for ax in axes.ravel()[len(models):]:
        ax.set_visible(False)
    fig.suptitle(f"mean rank, 1 = best — {metric_title(metric)}")
    return fig


def _heatmap(ax, values: pd.DataFrame, labels: pd.DataFrame, *, cmap: str, vmin: float,
             vmax: float, fontsize: float) -> None:
    """An annotated heatmap of ``values`` (rows × columns) on ``ax``; empty
    cells stay blank. (seaborn's heatmap redraws the whole figure once per
    call to place its labels, which costs minutes on a figure of many panels.)"""
    colormap = plt.get_cmap(cmap)
    norm = matplotlib.colors.Normalize(vmin=vmin, vmax=vmax)
    data = np.ma.masked_invalid(values.to_numpy(dtype=float))
    ax.imshow(data, cmap=colormap, norm=norm, aspect="auto", interpolation="nearest")
    for (i, j), value in np.ndenumerate(values.to_numpy(dtype=float)):
        if np.isnan(value):
            continue
        r, g, b, _ = colormap(norm(value))
        ink = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"
        ax.text(j, i, labels.iat[i, j], ha="center", va="center", fontsize=fontsize, color=ink)
    ax.set_xticks(range(values.shape[1]), [str(c) for c in values.columns])
    ax.set_yticks(range(values.shape[0]), [str(r) for r in values.index])
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


def cd_grid(cells: Mapping[tuple[str, str], object], ratios: Sequence[str], models: Sequence[str],
            metric: str, alpha: float, palette: Mapping) -> plt.Figure:
    """Critical-difference diagrams, a panel per model (rows) × ratio (columns)
    (ratios are fewer than models, so the figure stays readable at page width).

    ``cells[(ratio, model)]`` is a :class:`~imbalance_lab.report.stats.FriedmanResult`
    or a string saying why that panel could not be drawn. Schemes joined by a
    bar are not significantly different. When Friedman's test does not
    reject, no post-hoc difference is claimed: every scheme is joined.
    """
    fig, axes = plt.subplots(len(models), len(ratios), squeeze=False,
                             figsize=(5.2 * len(ratios), 2.6 * len(models)))
    for j, ratio in enumerate(ratios):
        for i, model in enumerate(models):
            ax = axes[i, j]
            cell = cells.get((ratio, model), "no rows")
            if isinstance(cell, str):
                ax.axis("off")
                ax.text(0.5, 0.5, f"ratio {ratio}, {model}:\n{_wrap(cell)}", ha="center",
                        va="center", fontsize=7, transform=ax.transAxes, color="0.35")
                continue
            significant = cell.pvalue < alpha
            sig = cell.posthoc if significant else cell.posthoc * 0 + 1.0
            sp.critical_difference_diagram(
                cell.mean_ranks, sig, ax=ax, alpha=alpha,
                cd=cell.critical_difference if significant else None,
                color_palette={s: palette.get(s, "k") for s in cell.mean_ranks.index},
                label_props={"fontsize": 6.5}, text_h_margin=0.2,
            )
            k = len(cell.schemes)
            ax.set_xlim(0.5 - 0.25 * k, k + 0.5 + 0.25 * k)
            ax.set_xticks(range(1, k + 1, 1 if k <= 8 else 2))
            ax.tick_params(axis="x", labelsize=6.5)
            verdict = (f"{cell.posthoc_name} post-hoc" if significant
                       else "n.s.: no post-hoc claim")
            ax.set_title(f"ratio {ratio}, {model}: N={cell.n_datasets}, Friedman "
                         f"p={cell.pvalue:.2g} ({verdict})", fontsize=7.5, pad=14)
    fig.suptitle(f"critical-difference diagrams (rank 1 = best) — {metric_title(metric)}", y=1.0)
    fig.tight_layout()
    return fig


def _wrap(text: str, width: int = 60) -> str:
    return "\n".join(textwrap.wrap(text, width))


def advantage_heatmaps(table: pd.DataFrame, metric: str, baseline: str, alpha: float,
                       schemes: Sequence[str], ratios: Sequence[str]) -> plt.Figure:
    """Mean advantage of each scheme over ``baseline`` across data sets,
    scheme × ratio per model; '*' marks a Holm-adjusted Wilcoxon p < alpha."""
    models = sorted(table["model"].unique())
    order = [s for s in schemes if s in set(table["scheme_a"])]
    ratios = [r for r in ratios if r in set(table["ratio"].astype(str))]
    ncols = min(3, len(models))
    nrows = math.ceil(len(models) / ncols)
    fig, axes = plt.subplots(nrows, ncols, squeeze=False, constrained_layout=True,
                             figsize=(0.9 * len(ratios) * ncols + 3.2 * ncols,
                                      0.4 * len(order) * nrows + 1.3 * nrows))
    limit = float(np.nanmax(np.abs(table["mean_advantage_a"]))) if len(table) else 1.0
    limit = limit if limit > 0 and np.isfinite(limit) else 1.0
    for ax, model in zip(axes.ravel(), models, strict=False):
        part = table[table["model"] == model].assign(ratio=lambda f: f["ratio"].astype(str))
        values = part.pivot_table(index="scheme_a", columns="ratio", values="mean_advantage_a",
                                  observed=True).reindex(index=order, columns=ratios)
        pvals = part.pivot_table(index="scheme_a", columns="ratio", values="p_holm",
                                 observed=True).reindex(index=order, columns=ratios)
        labels = values.map(lambda v: "" if pd.isna(v) else f"{v:+.3f}")
        labels = labels + pvals.map(lambda p: "*" if pd.notna(p) and p < alpha else "")
        _heatmap(ax, values, labels, cmap="RdBu", vmin=-limit, vmax=limit, fontsize=6.5)
        ax.set_title(model, fontsize=9)
        ax.set_xlabel("ratio")
        ax.set_ylabel("")
    for ax in axes.ravel()[len(models):]:
        ax.set_visible(False)
    fig.suptitle(f"advantage over '{baseline}' (mean over data sets; * Holm p < {alpha:g}) — "
                 f"{metric_title(metric)}")
    return fig


def weight_vs_copies(diffs: pd.DataFrame) -> plt.Figure:
    """Paired differences (copies side − weights) per data set, a panel per
    metric (rows) × model (columns); zero where the two are equivalent."""
    data = diffs.assign(comparison=diffs["scheme"] + "  −  " + diffs["weights_scheme"])
    comparisons = sorted(data["comparison"].unique())
    grid = sns.catplot(
        data=data, x="dataset", y="difference", hue="comparison", hue_order=comparisons,
        row="metric", col="model", kind="point", errorbar=ERRORBAR,
        dodge=0.4 if len(comparisons) > 1 else False, linestyle="none", height=2.4, aspect=1.5,
        sharey="row", margin_titles=True, palette="tab10", markersize=4,
    )
    for ax in np.ravel(grid.axes):
        ax.axhline(0, color="0.3", lw=0.8, ls="--")
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    grid.set_titles(row_template="{row_name}", col_template="{col_name}")
    grid.figure.suptitle("weight k against k copies: paired difference per fold "
                         "(mean, 95 % CI over ratios × seeds × folds)", y=1.01)
    return grid.figure


def cost(table: pd.DataFrame) -> plt.Figure:
    """Fit seconds and training rows of copies against weights as the factor grows."""
    long = table.melt(id_vars=["model", "kind", "effective_factor"],
                      value_vars=["fit_seconds", "train_rows_after_resampling"],
                      var_name="cost", value_name="value")
    grid = sns.relplot(
        data=long, x="effective_factor", y="value", hue="kind", style="kind", row="cost",
        col="model", kind="line", marker="o", errorbar=None, height=2.4, aspect=1.3,
        facet_kws={"sharey": "row", "margin_titles": True},
    )
    grid.set_axis_labels("minority up-weighting factor k", "")
    grid.set_titles(row_template="{row_name}", col_template="{col_name}")
    grid.figure.suptitle("cost of weights vs copies (mean per fold)", y=1.01)
    return grid.figure


def reliability(bins: pd.DataFrame, palette: Mapping, ratios: Sequence[str]) -> plt.Figure:
    """Reliability curves (observed minority share against mean predicted
    probability per bin), a line per scheme, panels ratio (rows) × model."""
    curves = bins[bins["count"] > 0]
    models = sorted(curves["model"].unique())
    ratios = [r for r in ratios if r in set(curves["ratio"].astype(str))]
    fig, axes = plt.subplots(len(ratios), len(models), squeeze=False, sharex=True, sharey=True,
                             figsize=(2.6 * len(models) + 2.0, 2.4 * len(ratios)),
                             constrained_layout=True)
    for i, ratio in enumerate(ratios):
        for j, model in enumerate(models):
            ax = axes[i, j]
            ax.plot([0, 1], [0, 1], color="0.6", lw=0.8, ls="--")
            part = curves[(curves["model"] == model) & (curves["ratio"].astype(str) == ratio)]
            for scheme, curve in part.groupby("scheme", observed=True):
                curve = curve.sort_values("bin")
                ax.plot(curve["mean_score"], curve["fraction_positive"], marker="o", ms=2.5,
                        lw=1, color=palette.get(scheme, "k"), label=scheme)
            ax.set_title(f"ratio {ratio}, {model}", fontsize=8)
            if i == len(ratios) - 1:
                ax.set_xlabel("mean predicted P(minority)")
            if j == 0:
                ax.set_ylabel("observed minority share")
    handles = [plt.Line2D([], [], color=c, marker="o", lw=1, label=s) for s, c in palette.items()
               if s in set(curves["scheme"])]
    fig.legend(handles=handles, loc="outside right upper", fontsize=7, frameon=False)
    fig.suptitle("reliability curves (out-of-fold predictions pooled over data sets, seeds, folds)")
    return fig


def probability_shift(shift: pd.DataFrame, palette: Mapping, ratios: Sequence[str]) -> plt.Figure:
    """Mean predicted minority probability minus the minority share, per
    scheme against the ratio, a panel per model."""
    data = shift.assign(ratio_position=shift["ratio"].map(
        {r: i for i, r in enumerate(ratios)}).astype(int))
    hue_order = [s for s in palette if s in set(data["scheme"])]
    grid = sns.relplot(data=data, x="ratio_position", y="gap", hue="scheme", hue_order=hue_order,
                       palette=palette, col="model", col_wrap=min(3, data["model"].nunique()),
                       kind="line", marker="o", height=2.6, aspect=1.3)
    for ax in np.ravel(grid.axes):
        ax.axhline(0, color="0.3", lw=0.8, ls="--")
    _ratio_axis(grid, ratios)
    grid.set_axis_labels("majority : minority ratio", "mean P(minority) − minority share")
    grid.figure.suptitle("how far each scheme shifts predicted probabilities", y=1.02)
    return grid.figure


def calibration_scores(rows: pd.DataFrame, metrics: Sequence[str], palette: Mapping) -> plt.Figure:
    """Brier score and log-loss (and any other calibration metric given) per
    scheme, a panel per metric (rows) × model; mean and 95 % CI over data
    sets × ratios × seeds × folds."""
    ok = aggregate.ok_rows(rows)
    long = ok.melt(id_vars=["model", "scheme"], value_vars=list(metrics), var_name="metric",
                   value_name="value").dropna(subset=["value"])
    order = [s for s in palette if s in set(long["scheme"])]
    grid = sns.catplot(data=long, x="scheme", y="value", order=order, hue="scheme",
                       hue_order=order, palette=palette, row="metric", col="model", kind="bar",
                       errorbar=ERRORBAR, height=2.4,
                       aspect=1.2, sharey="row", margin_titles=True, legend=False)
    for ax in np.ravel(grid.axes):
        ax.tick_params(axis="x", labelrotation=90, labelsize=6.5)
    grid.set_titles(row_template="{row_name}", col_template="{col_name}")
    grid.figure.suptitle("calibration scores per scheme (lower is better)", y=1.01)
    return grid.figure
