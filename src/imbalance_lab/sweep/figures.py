"""The small table and figure that each slice's notebook shows of itself.

They only describe the slice the notebook just ran; comparisons across data
sets and models are the report's job (``imbalance_lab.report``).
"""

from __future__ import annotations

import pandas as pd

#: The metric the slice's figure and table show.
HEADLINE_METRIC = "balanced_accuracy"


def ratio_order(values) -> list:
    """Ratio targets in reading order: 'native' first, then by size."""
    def key(value):
        return (0, 0.0) if str(value) == "native" else (1, float(value))

    return sorted(pd.unique(pd.Series(list(values), dtype=object)), key=key)


def slice_table(rows: pd.DataFrame, metric: str = HEADLINE_METRIC) -> pd.DataFrame:
    """Mean held-out ``metric`` per scheme (rows) and ratio (columns) over
    the slice's ok folds, with each scheme's fold counts by status."""
    counts = rows.pivot_table(index="scheme", columns="status", values="fold", aggfunc="count", fill_value=0)
    counts.columns = [f"folds {status}" for status in counts.columns]
    ok = rows[rows["status"] == "ok"]
    if ok.empty:
        return counts
    means = ok.pivot_table(index="scheme", columns="ratio_target", values=metric, aggfunc="mean")
    means = means[[r for r in ratio_order(ok["ratio_target"]) if r in means.columns]]
    means.columns = [f"{metric} @ {r}" for r in means.columns]
    return means.join(counts, how="outer")


#: Share of a ratio's slot on the x axis that the schemes' markers spread over.
DODGE_WIDTH = 0.5


def slice_summary(rows: pd.DataFrame, metric: str = HEADLINE_METRIC) -> pd.DataFrame:
    """Mean, standard error (ddof 1) and count of held-out ``metric`` per
    scheme and ratio over the ok folds: what the slice's figure draws."""
    ok = rows[(rows["status"] == "ok") & rows[metric].notna()]
    grouped = ok.groupby([ok["scheme"], ok["ratio_target"].astype(str)], sort=False)[metric]
    return grouped.agg(["mean", "sem", "count"])


def plot_slice(rows: pd.DataFrame, metric: str = HEADLINE_METRIC):
    """Two panels: held-out ``metric`` by class ratio for each scheme (mean
    ± 1.96 standard errors over seeds, repeats and folds), and fit time by
    scheme. Returns the figure, or None (with a note) when no fold ran ok.

    The sweep draws this once per slice, so it is built for speed: plain
    matplotlib (seaborn's version cost twice the time), every scheme's means
    in one scatter and their error bars in one line collection (an
    ``errorbar`` per scheme was a third of the cost), and no minor ticks on
    the log axis (their tick objects were another third) — ``make bench``,
    harness."""
    ok = rows[rows["status"] == "ok"]
    if ok.empty or ok[metric].isna().all():
        print(f"No ok folds with a {metric} value in this slice: nothing to plot.")
        return None
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import NullLocator

    summary = slice_summary(rows, metric)
    schemes = list(pd.unique(ok["scheme"]))
    ratios = [str(r) for r in ratio_order(ok["ratio_target"])]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6), dpi=72, gridspec_kw={"width_ratios": [3, 2]})
    # One colour per scheme, told apart up to 20; the fit-time panel, which
    # names every scheme in its colour, is the key (a legend would cover data).
    palette = plt.get_cmap("tab10" if len(schemes) <= 10 else "tab20")
    colour = {scheme: palette(i % palette.N) for i, scheme in enumerate(schemes)}
    offsets = np.linspace(-DODGE_WIDTH / 2, DODGE_WIDTH / 2, len(schemes)) if len(schemes) > 1 else [0.0]
    offset = dict(zip(schemes, offsets, strict=True))
    slot = {ratio: i for i, ratio in enumerate(ratios)}
    cells = summary.index.to_frame(index=False)  # scheme, ratio_target: the summary's rows in order
    x = cells["ratio_target"].map(slot).to_numpy() + cells["scheme"].map(offset).to_numpy()
    mean = summary["mean"].to_numpy()
    half = 1.96 * summary["sem"].fillna(0).to_numpy()  # one fold: no spread to show
    colours = [colour[scheme] for scheme in cells["scheme"]]
    left.vlines(x, mean - half, mean + half, colors=colours, linewidth=1)
    left.scatter(x, mean, s=16, c=colours, zorder=3)
    left.set_xticks(range(len(ratios)), ratios)
    left.set_xlim(-0.5, len(ratios) - 0.5)
    left.set_xlabel("class ratio asked for (majority:minority)")
    left.set_ylabel(f"held-out {metric.replace('_', ' ')}")
    # Fixed jitter (seeded): the same rows always draw the same figure.
    jitter = np.random.default_rng(0).uniform(-0.25, 0.25, len(ok))
    position = ok["scheme"].map({scheme: i for i, scheme in enumerate(schemes)}).to_numpy()
    right.scatter(ok["fit_seconds"].clip(lower=1e-4), position + jitter, s=4,
                  c=[colour[scheme] for scheme in ok["scheme"]])
    right.set_yticks(range(len(schemes)), schemes)
    for label, scheme in zip(right.get_yticklabels(), schemes, strict=True):
        label.set_color(colour[scheme])
    right.invert_yaxis()
    right.set_xscale("log")
    right.xaxis.set_minor_locator(NullLocator())  # minor labels collide on a short log axis, and cost
    right.set_xlabel("fit seconds (log scale)")
    dataset, model = ok["dataset"].iloc[0], ok["model"].iloc[0]
    fig.suptitle(f"{dataset} x {model}")
    fig.tight_layout()
    return fig
