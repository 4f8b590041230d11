"""Figures of the equivalence audit (matplotlib; the notebook only saves them)."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: verdict -> colour, strongest equivalence first.
VERDICT_COLOURS = {
    "exact": "#1a9850",
    "equal_in_distribution": "#91cf60",
    "not_equivalent": "#d73027",
    "no_sample_weight": "#bdbdbd",
    "not_applicable": "#f0f0f0",
    "not_audited": "#737373",
}


def plot_verdicts(frame: pd.DataFrame):
    """One row per estimator configuration, one column per variant, coloured
    by the measured verdict and annotated with the mechanism's first label."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    verdicts = list(VERDICT_COLOURS)
    labels = (frame["estimator"] + "  [" + frame["config"] + "]").str.slice(0, 80)
    table = frame.assign(label=labels).pivot_table(
        index="label", columns="variant", values="verdict", aggfunc="first", sort=False
    )
    table = table[[v for v in ("sample_weight", "class_weight", "split") if v in table]]
    codes = table.apply(lambda col: col.map(verdicts.index)).to_numpy(float)
    mechanism = (
        frame.assign(label=labels)
        .pivot_table(
            index="label", columns="variant", values="mechanism", aggfunc="first", sort=False
        )
        .reindex(index=table.index, columns=table.columns)
    )
    height = 0.28 * len(table) + 1.5
    fig, ax = plt.subplots(figsize=(11, height))
    ax.imshow(
        codes,
        cmap=ListedColormap(list(VERDICT_COLOURS.values())),
        vmin=0,
        vmax=len(verdicts) - 1,
        aspect="auto",
    )
    ax.set_xticks(range(table.shape[1]), table.columns)
    ax.set_yticks(range(table.shape[0]), table.index, fontsize=7)
    ax.xaxis.tick_top()
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            text = mechanism.iloc[i, j]
            if isinstance(text, str) and text:
                ax.text(j, i, text.split(";")[0], ha="center", va="center", fontsize=6)
    ax.legend(
        handles=[Patch(color=c, label=v) for v, c in VERDICT_COLOURS.items()],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.01),
        ncol=3,
        fontsize=8,
    )
    ax.set_title("k copies vs weight k: measured verdict (text: mechanism)", fontsize=10, pad=24)
    fig.tight_layout()
    return fig


def plot_differences(frame: pd.DataFrame, tolerance: float):
    """Relative score difference at the same seed per estimator configuration
    and variant (log scale), with the exact-verdict tolerance."""
    import matplotlib.pyplot as plt

    measured = frame.dropna(subset=["relative_diff"]).copy()
    measured["label"] = (measured["estimator"] + " [" + measured["config"] + "]").str.slice(0, 70)
    floor = 1e-17  # exact zeros on a log axis
    fig, ax = plt.subplots(figsize=(8, 0.22 * measured["label"].nunique() + 1.5))
    for variant, marker in (("sample_weight", "o"), ("class_weight", "s"), ("split", "^")):
        part = measured[measured["variant"] == variant]
        ax.scatter(
            np.maximum(part["relative_diff"], floor),
            part["label"],
            marker=marker,
            label=variant,
            s=18,
            alpha=0.8,
        )
    ax.axvline(tolerance, color="k", ls="--", lw=1, label=f"tolerance {tolerance:g}")
    ax.set_xscale("log")
    ax.set_xlabel("max |score(copies) - score(variant)| / max(1, max |score|), same random_state")
    ax.tick_params(axis="y", labelsize=6)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_cost(cost: pd.DataFrame):
    """Fit time and peak memory against k, copies vs weight, one column per model."""
    import matplotlib.pyplot as plt

    models = list(dict.fromkeys(cost["model"]))
    fig, axes = plt.subplots(2, len(models), figsize=(3.2 * len(models), 5.5), squeeze=False)
    for j, model in enumerate(models):
        part = cost[cost["model"] == model]
        for arm, style in (("copies", "o-"), ("weight", "s--")):
            rows = part[part["arm"] == arm].sort_values("factor")
            axes[0, j].plot(rows["factor"], rows["fit_seconds"], style, label=arm)
            axes[1, j].plot(rows["factor"], rows["peak_mib"], style, label=arm)
        axes[0, j].set_title(model, fontsize=9)
        axes[1, j].set_xlabel("factor k")
        for ax in axes[:, j]:
            ax.set_xscale("log")
    axes[0, 0].set_ylabel("fit seconds (best of repeats)")
    axes[1, 0].set_ylabel("peak MiB (tracemalloc)")
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    return fig
