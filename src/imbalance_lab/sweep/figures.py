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


def plot_slice(rows: pd.DataFrame, metric: str = HEADLINE_METRIC):
    """Two panels: held-out ``metric`` by class ratio for each scheme (mean
    ± 1.96 standard errors over seeds, repeats and folds), and fit time by scheme.
    Returns the figure, or None (with a note) when no fold ran ok."""
    ok = rows[rows["status"] == "ok"]
    if ok.empty or ok[metric].isna().all():
        print(f"No ok folds with a {metric} value in this slice: nothing to plot.")
        return None
    import matplotlib.pyplot as plt
    import seaborn as sns

    ok = ok.assign(ratio_target=ok["ratio_target"].astype(str))
    schemes = list(pd.unique(ok["scheme"]))
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6), dpi=72, gridspec_kw={"width_ratios": [3, 2]})
    sns.pointplot(
        data=ok, x="ratio_target", y=metric, hue="scheme", hue_order=schemes,
        order=[str(r) for r in ratio_order(ok["ratio_target"])],
        # seaborn divides the dodge by (schemes - 1): no dodge for one scheme
        dodge=0.4 if len(schemes) > 1 else False,
        errorbar=("se", 1.96), linestyle="none", marker="o", ax=left,
    )
    left.set_xlabel("class ratio asked for (majority:minority)")
    left.set_ylabel(f"held-out {metric.replace('_', ' ')}")
    left.legend(title="scheme", fontsize="small", loc="best")
    sns.stripplot(data=ok, y="scheme", x="fit_seconds", order=schemes, ax=right, size=2.5, jitter=0.25)
    right.set_xscale("log")
    right.set_xlabel("fit seconds (log scale)")
    right.set_ylabel("")
    dataset, model = ok["dataset"].iloc[0], ok["model"].iloc[0]
    fig.suptitle(f"{dataset} x {model}")
    fig.tight_layout()
    return fig
