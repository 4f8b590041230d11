"""Shape result rows into the tables the report's statistics and figures read.

Rows are one per fold; most views average a *block* (one data set × ratio ×
model × scheme) over its seeds and folds, as Demšar (2006) prescribes for
comparisons across data sets. Nothing here tests or plots.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from imbalance_lab import rows as row_layout

#: Calibration diagnostics: shown in the calibration section, not ranked
#: (their best value is a target, 0 or 1, not an end of the scale).
CALIBRATION_DIAGNOSTICS = ("ece", "calibration_intercept", "calibration_slope")

#: The metrics the report treats as main results, in the rows' order.
MAIN_METRICS = tuple(m for m in row_layout.METRICS if m not in CALIBRATION_DIAGNOSTICS)

#: Metrics where a smaller value is better; every other main metric is
#: "higher is better".
LOWER_IS_BETTER = frozenset({"brier", "log_loss", "ece"})

#: The keys that pair two schemes on the very same rows: same data set,
#: ratio, model, subsample seed, repeat and fold.
FOLD_KEYS = ("dataset", "ratio", "model", "seed", "repeat", "fold")


def higher_is_better(metric: str) -> bool:
    return metric not in LOWER_IS_BETTER


def is_prevalence_dependent(metric: str) -> bool:
    return metric in row_layout.PREVALENCE_DEPENDENT


def ratio_label(value) -> str:
    """'native' or a number as its shortest spelling ('5', '2.5')."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "?"
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return f"{number:g}"


def ratio_order(labels) -> list[str]:
    """'native' first, then numbers ascending, then anything else."""
    labels = set(labels)
    numeric = sorted((x for x in labels if _is_number(x)), key=float)
    others = sorted(x for x in labels if not _is_number(x) and x != "native")
    return (["native"] if "native" in labels else []) + numeric + others


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def prepare(rows: pd.DataFrame) -> pd.DataFrame:
    """Add an ordered categorical ``ratio`` column (labels from
    ``ratio_target``) used by every later grouping and axis."""
    out = rows.copy()
    labels = out["ratio_target"].map(ratio_label)
    out["ratio"] = pd.Categorical(labels, categories=ratio_order(labels.unique()), ordered=True)
    return out


def ok_rows(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[rows["status"] == "ok"]


def present_metrics(rows: pd.DataFrame, candidates=MAIN_METRICS) -> list[str]:
    """The metrics among ``candidates`` with at least one value in ok rows."""
    ok = ok_rows(rows)
    return [m for m in candidates if m in ok.columns and ok[m].notna().any()]


def block_means(rows: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Mean of ``metric`` over seeds and folds per data set × ratio × model ×
    scheme (ok rows, NaN folds left out), with the number of folds averaged."""
    ok = ok_rows(rows)
    grouped = ok.groupby(["dataset", "ratio", "model", "scheme"], observed=True)[metric]
    out = grouped.agg(value="mean", n="count").reset_index()
    return out[out["n"] > 0]


def replicate_means(rows: pd.DataFrame, metric: str) -> pd.DataFrame:
    """``metric`` averaged over data sets for each resample (seed × repeat ×
    fold) of each model × ratio × scheme, so that the spread of these means
    is the spread over seeds × folds only, not the differences between data
    sets. Data sets without a value (skipped, failed) are left out of a mean."""
    ok = ok_rows(rows).dropna(subset=[metric])
    keys = ["model", "ratio", "scheme", "seed", "repeat", "fold"]
    return ok.groupby(keys, observed=True).agg(
        **{metric: (metric, "mean"), "n_datasets": ("dataset", "nunique")}).reset_index()


def metric_summary(rows: pd.DataFrame, metrics) -> pd.DataFrame:
    """Per data set × model × ratio × scheme and metric: mean, standard error
    and number of folds (ok rows), the numbers behind every line of the report."""
    ok = ok_rows(rows)
    long = ok.melt(id_vars=["dataset", "model", "ratio", "scheme"], value_vars=list(metrics),
                   var_name="metric", value_name="value").dropna(subset=["value"])
    return long.groupby(["metric", "dataset", "model", "ratio", "scheme"], observed=True)["value"] \
        .agg(mean="mean", se="sem", folds="count").reset_index()


@dataclass
class BlockTable:
    """Data sets (rows) × schemes (columns) of block means, complete blocks
    only, and what had to be left out to make it so."""

    table: pd.DataFrame
    dropped_schemes: list[str] = field(default_factory=list)
    dropped_datasets: list[str] = field(default_factory=list)


def block_table(means: pd.DataFrame, *, ratio: str, model: str, schemes=None) -> BlockTable:
    """The complete block design of one ratio and model from
    :func:`block_means` output.

    A scheme (of ``schemes``, the ones that were run; default: those with a
    value) with no value on any data set (say, weights for k-nearest
    neighbours, always skipped) is dropped first; then every data set still
    missing a scheme is dropped, since Friedman's test needs complete blocks.
    """
    part = means[(means["ratio"] == ratio) & (means["model"] == model)]
    table = part.pivot_table(index="dataset", columns="scheme", values="value", observed=True,
                             dropna=False)
    columns = sorted(set(table.columns) | set(schemes if schemes is not None else ()))
    table = table.reindex(columns, axis=1).sort_index()
    empty = [str(s) for s in table.columns[table.isna().all(axis=0)]]
    table = table.drop(columns=empty)
    incomplete = [str(d) for d in table.index[table.isna().any(axis=1)]]
    table = table.drop(index=incomplete)
    table.columns.name = "scheme"
    return BlockTable(table=table, dropped_schemes=empty, dropped_datasets=incomplete)


def rank_table(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Rank schemes within each data set, 1 = best (ties share the mean rank)."""
    return table.rank(axis=1, ascending=not higher_is_better(metric), method="average")


def block_tables(rows: pd.DataFrame, metric: str):
    """Yield (ratio, model, :class:`BlockTable`) for every ratio × model of ``rows``."""
    means = block_means(rows, metric)
    ratios = [r for r in rows["ratio"].cat.categories if r in set(rows["ratio"].astype(str))]
    for ratio in ratios:
        for model in sorted(rows["model"].astype(str).unique()):
            run = rows.loc[(rows["ratio"] == ratio) & (rows["model"] == model), "scheme"]
            yield ratio, model, block_table(means, ratio=ratio, model=model, schemes=run.unique())


def mean_ranks(rows: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Mean rank (1 = best) of each scheme over data sets, per model and ratio,
    on complete blocks: model, ratio, scheme, mean_rank, n_datasets."""
    records = []
    for ratio, model, blocks in block_tables(rows, metric):
        table = blocks.table
        if table.shape[0] < 1 or table.shape[1] < 2:
            continue
        for scheme, rank in rank_table(table, metric).mean(axis=0).items():
            records.append({"model": model, "ratio": ratio, "scheme": scheme,
                            "mean_rank": rank, "n_datasets": table.shape[0]})
    out = pd.DataFrame(records, columns=["model", "ratio", "scheme", "mean_rank", "n_datasets"])
    out["ratio"] = pd.Categorical(out["ratio"], categories=rows["ratio"].cat.categories,
                                  ordered=True)
    return out


def paired_fold_differences(rows: pd.DataFrame, metric: str, scheme_a: str, scheme_b: str,
                            ) -> pd.DataFrame:
    """``metric`` of ``scheme_a`` minus ``scheme_b`` on the same folds (same
    data set, ratio, model, seed, repeat, fold); folds where either is NaN or
    not ok are left out."""
    ok = ok_rows(rows)
    keys = list(FOLD_KEYS)
    a = ok.loc[ok["scheme"] == scheme_a, keys + [metric, "n_train"]]
    b = ok.loc[ok["scheme"] == scheme_b, keys + [metric]]
    both = a.merge(b, on=keys, suffixes=("_a", "_b")).dropna(subset=[f"{metric}_a", f"{metric}_b"])
    both["difference"] = both[f"{metric}_a"] - both[f"{metric}_b"]
    return both


# --- weight k against k copies ---------------------------------------------------------------

#: Minority label of binary data (the data sets' convention: minority = 1).
_MINORITY, _MAJORITY = "1", "0"


@dataclass(frozen=True)
class Family:
    """Where a scheme sits among 'weight k / k copies / copies × weight':
    ``factor`` the total up-weighting of the minority (a number, or
    'balanced' when it is the majority:minority ratio of the fold),
    ``size_share`` the part of it done by copies (0 = pure weight, 1 = pure
    copies) and ``correct`` whether probabilities were prior-corrected."""

    factor: float | str
    size_share: float
    correct: bool = False

    @property
    def kind(self) -> str:
        if self.size_share == 0:
            kind = "weights"
        elif self.size_share == 1:
            kind = "copies"
        else:
            kind = f"copies x weights (size_share={self.size_share:g})"
        return kind + (" +correct" if self.correct else "")


def family(scheme: str, scheme_params) -> Family | None:
    """The :class:`Family` of a scheme from its ``scheme_params`` (as
    :mod:`imbalance_lab.schemes` records them: ``family``, ``name``, options,
    ``correct``), or None for schemes outside it (power weights, SMOTE,
    undersampling, thresholds, ...)."""
    params = _params(scheme_params)
    kind = params.get("family", scheme.split(":")[0])
    name = params.get("name")
    correct = bool(params.get("correct", False))
    if kind == "weight":
        factor, share = _factor(name), 0.0
    elif kind == "oversample" and name == "replicate":
        factor, share = _factor(params.get("factor", params.get("factors", "balanced"))), 1.0
    elif kind == "split" and params.get("size_share") is not None:
        factor, share = _factor(name), float(params["size_share"])
    else:
        return None
    return None if factor is None else Family(factor, share, correct)


def _params(raw) -> dict:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw) if raw else {}
    except (TypeError, json.JSONDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def _factor(raw) -> float | str | None:
    """Minority up-weighting of a weight/factor spec: 'balanced', a number,
    or a binary mapping by label (minority = 1, the data sets' convention) or
    by role ({minority: k, majority: 1}), minority over majority."""
    if isinstance(raw, str) and raw.strip() == "balanced":
        return "balanced"
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    if isinstance(raw, dict):
        mapping = {str(k): v for k, v in raw.items()}
        for minority, majority in (("minority", "majority"), ("1", "0")):
            if set(mapping) == {minority, majority}:
                return float(mapping[minority]) / float(mapping[majority])
            if set(mapping) == {minority}:  # factors given for the minority only
                return float(mapping[minority])
    return None


def family_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Ok rows of schemes in a :class:`Family`, with ``factor`` (label),
    ``size_share``, ``kind`` and ``effective_factor`` (the number: for
    'balanced', the majority:minority ratio of the training fold)."""
    ok = ok_rows(rows)
    pairs = ok[["scheme", "scheme_params"]].drop_duplicates()
    fam = {(s, p): family(s, p) for s, p in pairs.itertuples(index=False)}
    inside = np.array([fam[(s, p)] is not None
                       for s, p in zip(ok["scheme"], ok["scheme_params"], strict=True)], dtype=bool)
    keep = ok[inside].copy()
    members = [fam[(s, p)] for s, p in zip(keep["scheme"], keep["scheme_params"], strict=True)]
    keep["factor"] = [f"{m.factor:g}" if isinstance(m.factor, float) else m.factor for m in members]
    keep["size_share"] = [m.size_share for m in members]
    keep["kind"] = [m.kind for m in members]
    keep["correct"] = [m.correct for m in members]
    fold_ratio = (keep["n_train"] - keep["n_minority_train"]) / keep["n_minority_train"]
    keep["effective_factor"] = np.where(
        keep["factor"] == "balanced", fold_ratio,
        pd.to_numeric(keep["factor"], errors="coerce"),
    )
    return keep


def weight_vs_copies(rows: pd.DataFrame, metrics) -> pd.DataFrame:
    """Paired differences, fold by fold, of every scheme that moves weight
    into copies (size_share > 0) against pure weights of the same total
    factor: one row per fold and metric with ``difference`` = copies-side
    minus weights. Zero on every fold where the two are equivalent."""
    fam = family_rows(rows)
    keys = list(FOLD_KEYS) + ["factor", "correct"]
    weights = fam[fam["size_share"] == 0]
    others = fam[fam["size_share"] > 0]
    frames = []
    for metric in metrics:
        left = others[keys + ["scheme", "size_share", "kind", "n_train", metric]]
        right = weights[keys + ["scheme", metric]]
        both = left.merge(right, on=keys, suffixes=("", "_weights"))
        both = both.dropna(subset=[metric, f"{metric}_weights"])
        if both.empty:
            continue
        frames.append(pd.DataFrame({
            **{k: both[k] for k in keys},
            "scheme": both["scheme"], "weights_scheme": both["scheme_weights"],
            "size_share": both["size_share"], "kind": both["kind"],
            "n_train": both["n_train"], "metric": metric,
            "value": both[metric], "value_weights": both[f"{metric}_weights"],
            "difference": both[metric] - both[f"{metric}_weights"],
        }))
    columns = keys + ["scheme", "weights_scheme", "size_share", "kind", "n_train", "metric",
                      "value", "value_weights", "difference"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def cost_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Fit seconds and training rows of every Family scheme, per model, kind
    and factor: the seed's claim that weights are cheaper than copies."""
    fam = family_rows(rows)
    if fam.empty:
        return pd.DataFrame(columns=["model", "kind", "factor", "ratio", "effective_factor",
                                     "fit_seconds", "train_rows_after_resampling", "n_train",
                                     "n_folds"])
    # A 'balanced' factor is the fold's own ratio: keep ratios apart so that
    # each point sits at its real k.
    out = fam.groupby(["model", "kind", "factor", "ratio"], observed=True).agg(
        effective_factor=("effective_factor", "mean"),
        fit_seconds=("fit_seconds", "mean"),
        train_rows_after_resampling=("train_rows_after_resampling", "mean"),
        n_train=("n_train", "mean"),
        n_folds=("fit_seconds", "count"),
    ).reset_index()
    return out.sort_values(["model", "effective_factor", "kind"], ignore_index=True)


# --- calibration from out-of-fold predictions ------------------------------------------------

def unit_table(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per ok unit: unit_key → data set, ratio, model, scheme, seed."""
    ok = ok_rows(rows)
    return ok[["unit_key", "dataset", "ratio", "model", "scheme", "seed", "n_classes"]] \
        .drop_duplicates("unit_key")


def reliability_bins(predictions, units: pd.DataFrame, n_bins: int = 10) -> pd.DataFrame:
    """Per model × ratio × scheme and probability bin: the number of rows, the
    sum of predicted minority probabilities and the number of minority rows,
    accumulated over every predictions frame in ``predictions`` (an iterable,
    read one at a time). Bins as scikit-learn's ``calibration_curve``
    (uniform, ``n_bins``), so that a curve is ``sum_score / count`` against
    ``sum_true / count`` over non-empty bins. Binary units with probability
    scores only (``score_kind`` 'proba'; a linear SVM's decision function is
    left out)."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
    binary = units[units["n_classes"] == 2]
    parts = []
    for frame in predictions:
        if "score" not in frame.columns:
            continue
        if "score_kind" in frame.columns:  # a decision function is no probability
            frame = frame[frame["score_kind"] == "proba"]
        merged = frame[["unit_key", "y_true", "score"]].merge(binary, on="unit_key")
        merged = merged[merged["score"].notna()]
        if merged.empty:
            continue
        merged = merged.assign(
            bin=np.searchsorted(edges, merged["score"].to_numpy()),
            positive=(merged["y_true"] == 1).astype(float),
        )
        parts.append(merged.groupby(["model", "ratio", "scheme", "bin"], observed=True).agg(
            count=("score", "size"), sum_score=("score", "sum"), sum_true=("positive", "sum"),
        ))
    if not parts:
        return pd.DataFrame(columns=["model", "ratio", "scheme", "bin", "count", "sum_score",
                                     "sum_true"])
    total = pd.concat(parts).groupby(level=[0, 1, 2, 3], observed=True).sum().reset_index()
    total["mean_score"] = total["sum_score"] / total["count"]
    total["fraction_positive"] = total["sum_true"] / total["count"]
    return total


def probability_shift(bins: pd.DataFrame) -> pd.DataFrame:
    """Calibration in the large from :func:`reliability_bins`: mean predicted
    minority probability against the minority share actually present, per
    model × ratio × scheme (positive gap = probabilities pushed up)."""
    if bins.empty:
        return pd.DataFrame(columns=["model", "ratio", "scheme", "mean_predicted",
                                     "minority_share", "gap"])
    sums = bins.groupby(["model", "ratio", "scheme"], observed=True)[
        ["count", "sum_score", "sum_true"]].sum().reset_index()
    sums["mean_predicted"] = sums["sum_score"] / sums["count"]
    sums["minority_share"] = sums["sum_true"] / sums["count"]
    sums["gap"] = sums["mean_predicted"] - sums["minority_share"]
    return sums[["model", "ratio", "scheme", "mean_predicted", "minority_share", "gap", "count"]]


# --- what was run ----------------------------------------------------------------------------

def grid_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Size of each grid axis and of the whole grid, and unit counts by status."""
    units = rows.drop_duplicates("unit_key")
    axes = {
        "data sets": rows["dataset"].nunique(),
        "ratios": rows["ratio"].nunique(),
        "schemes": rows["scheme"].nunique(),
        "models": rows["model"].nunique(),
        "seeds": rows["seed"].nunique(),
        "repeats": rows["repeat"].nunique(),
        "folds per repeat": rows["fold"].nunique(),
        "units (data set x ratio x scheme x model x seed)": len(units),
        "fold rows": len(rows),
    }
    for status in row_layout.STATUSES:
        axes[f"units {status}"] = int((units["status"] == status).sum())
    return pd.DataFrame({"count": axes}).rename_axis("grid")


def problem_units(rows: pd.DataFrame) -> pd.DataFrame:
    """Skipped and failed units, one line per unit with its reason."""
    columns = ["status", "dataset", "ratio", "model", "scheme", "seed", "unit_key", "reason",
               "folds"]
    bad = rows[rows["status"] != "ok"]
    if bad.empty:
        return pd.DataFrame(columns=columns)
    reason = bad["error"].fillna("").astype(str).str.strip().replace("", "(no reason recorded)")
    bad = bad.assign(reason=reason)
    out = bad.groupby(["status", "dataset", "ratio", "model", "scheme", "seed", "unit_key",
                       "reason"], observed=True).size().rename("folds").reset_index()
    return out[columns].sort_values(["status", "model", "scheme", "dataset"], ignore_index=True)


def problem_reasons(problems: pd.DataFrame) -> pd.DataFrame:
    """:func:`problem_units` folded to one line per status × model × scheme ×
    reason, naming the data sets and ratios it covers."""
    columns = ["status", "model", "scheme", "reason", "units", "data sets", "ratios"]
    if problems.empty:
        return pd.DataFrame(columns=columns)
    out = problems.groupby(["status", "model", "scheme", "reason"], observed=True).agg(
        units=("unit_key", "nunique"),
        datasets=("dataset", lambda v: ", ".join(sorted(map(str, set(v))))),
        ratios=("ratio", lambda v: ", ".join(ratio_order({str(x) for x in v}))),
    ).reset_index().rename(columns={"datasets": "data sets"})
    return out[columns]
