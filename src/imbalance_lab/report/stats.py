"""Statistics of the report: is a difference between schemes real or noise?

* Across data sets (Demšar 2006): Friedman's test on the block design
  data sets × schemes (one block mean per data set, over folds and seeds),
  then a post-hoc test (Nemenyi or Conover) from scikit-posthocs.
* Pairwise across data sets: paired differences of block means with effect
  sizes (Cohen's d_z, matched-pairs rank-biserial correlation) and Wilcoxon's
  signed-rank test (scipy), Holm-adjusted within each family.
* Within one data set, two schemes on the same folds: the corrected resampled
  t-test of Nadeau & Bengio (2003), which inflates the variance of the fold
  differences by (1/J + n_test/n_train) because overlapping training sets
  make fold scores correlated. No installed library offers it, so it is
  written here (and tested against the formula computed independently).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scikit_posthocs as sp
from scipy import stats as sst

from imbalance_lab.errors import InvalidParameterError, UnknownNameError
from imbalance_lab.report import aggregate

#: post-hoc name -> scikit-posthocs function on a blocks × groups matrix.
POSTHOCS = {
    "nemenyi": sp.posthoc_nemenyi_friedman,
    "conover": sp.posthoc_conover_friedman,
}

#: Friedman's test needs at least this many schemes and data sets.
MIN_SCHEMES, MIN_DATASETS = 3, 2


class TooLittleData(Exception):  # noqa: N818 - a condition, not a failure
    """A section or test cannot be computed from the rows at hand; ``reason``
    says why, and the report prints it in place of the figure."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def check_alpha(alpha: float) -> float:
    if not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise InvalidParameterError("alpha", alpha, "a significance level strictly between 0 and 1")
    return float(alpha)


def check_posthoc(name: str) -> str:
    if name not in POSTHOCS:
        raise UnknownNameError("posthoc", name, POSTHOCS, kind="post-hoc test")
    return name


# --- Friedman + post-hoc across data sets ------------------------------------------------------

@dataclass
class FriedmanResult:
    """Friedman's test on one block design and its post-hoc p-values."""

    metric: str
    n_datasets: int
    schemes: list[str]
    statistic: float
    pvalue: float
    mean_ranks: pd.Series  # 1 = best
    posthoc: pd.DataFrame  # symmetric p-values, schemes × schemes
    posthoc_name: str
    critical_difference: float | None  # Nemenyi only
    notes: list[str] = field(default_factory=list)


def critical_difference(k: int, n: int, alpha: float = 0.05) -> float:
    """Nemenyi's critical difference of mean ranks for ``k`` schemes on ``n``
    data sets: q_alpha · sqrt(k(k+1) / (6n)), with q_alpha the studentized
    range quantile divided by sqrt(2) (Demšar 2006, eq. 5)."""
    q_alpha = sst.studentized_range.ppf(1 - alpha, k, np.inf) / math.sqrt(2)
    return float(q_alpha * math.sqrt(k * (k + 1) / (6.0 * n)))


def friedman(blocks: aggregate.BlockTable | pd.DataFrame, metric: str, *,
             posthoc: str = "nemenyi", alpha: float = 0.05) -> FriedmanResult:
    """Friedman's test over the data sets (rows) × schemes (columns) of
    ``blocks``, then the post-hoc test ``posthoc`` ('nemenyi' or 'conover').

    Raises :class:`TooLittleData` with fewer than 3 schemes or 2 complete data sets.
    """
    check_posthoc(posthoc)
    alpha = check_alpha(alpha)
    notes = []
    if isinstance(blocks, aggregate.BlockTable):
        if blocks.dropped_schemes:
            notes.append(f"left out (no value on any data set): {', '.join(blocks.dropped_schemes)}")
        if blocks.dropped_datasets:
            notes.append(f"data sets left out (a scheme missing): {', '.join(blocks.dropped_datasets)}")
        table = blocks.table
    else:
        table = blocks
    n, k = table.shape
    if k < MIN_SCHEMES or n < MIN_DATASETS:
        raise TooLittleData(
            f"Friedman's test needs at least {MIN_SCHEMES} schemes on at least {MIN_DATASETS} "
            f"data sets with complete results; here {k} scheme(s) on {n} data set(s)"
            + (f" ({'; '.join(notes)})" if notes else "")
        )
    values = table.to_numpy(dtype=float)
    # Orientation does not change the test (ranks only flip), but it makes
    # rank 1 the best scheme in the diagram.
    oriented = values if aggregate.higher_is_better(metric) else -values
    if np.all(oriented == oriented[:, :1]):
        raise TooLittleData(f"every scheme scores the same on every data set ({n} x {k}); "
                            "there is nothing to rank")
    statistic, pvalue = sst.friedmanchisquare(*oriented.T)
    ranks = pd.Series(sst.rankdata(-oriented, axis=1).mean(axis=0), index=table.columns)
    pvalues = POSTHOCS[posthoc](oriented)
    pvalues.index = pvalues.columns = table.columns
    return FriedmanResult(
        metric=metric, n_datasets=n, schemes=list(table.columns), statistic=float(statistic),
        pvalue=float(pvalue), mean_ranks=ranks.sort_values(), posthoc=pvalues,
        posthoc_name=posthoc,
        critical_difference=critical_difference(k, n, alpha) if posthoc == "nemenyi" else None,
        notes=notes,
    )


# --- the corrected resampled t-test ------------------------------------------------------------

@dataclass(frozen=True)
class CorrectedTTest:
    """Nadeau & Bengio's corrected resampled t-test on J paired differences."""

    mean: float
    statistic: float
    pvalue: float
    df: int
    n_pairs: int
    note: str = ""


def nadeau_bengio(differences, test_train_ratio: float) -> CorrectedTTest:
    """Corrected resampled t-test (Nadeau & Bengio 2003) of paired score
    differences d_1..d_J of two schemes on the same J train/test splits:

        t = mean(d) / sqrt((1/J + n_test/n_train) · var(d)),  df = J - 1,

    with var the sample variance (ddof=1); two-sided p from Student's t.
    ``test_train_ratio`` is n_test/n_train (1/(k-1) for k-fold CV).

    Where the differences are constant the test is undefined: statistic and
    p-value are NaN and ``note`` says so (all zero = the two schemes score
    identically on every split).
    """
    d = np.asarray(differences, dtype=float)
    d = d[~np.isnan(d)]
    if not (isinstance(test_train_ratio, int | float) and test_train_ratio > 0):
        raise InvalidParameterError("test_train_ratio", test_train_ratio,
                                    "n_test / n_train, a positive number")
    J = len(d)
    if J < 2:
        return CorrectedTTest(float(d.mean()) if J else math.nan, math.nan, math.nan, max(J - 1, 0),
                              J, "fewer than 2 paired splits")
    mean = float(d.mean())
    if np.all(d == d[0]):  # var is then 0 up to rounding, which would make t explode
        note = "identical on every split" if mean == 0.0 else "constant difference on every split"
        return CorrectedTTest(mean, math.nan, math.nan, J - 1, J, note)
    # t does not change with the scale of d; working on d / max|d| keeps tiny
    # differences (1e-17 between weights and copies) from underflowing var.
    unit = d / np.abs(d).max()
    t = float(unit.mean()) / math.sqrt((1.0 / J + test_train_ratio) * float(unit.var(ddof=1)))
    p = float(2 * sst.t.sf(abs(t), df=J - 1))
    return CorrectedTTest(mean, float(t), p, J - 1, J)


def kfold_test_train_ratio(rows: pd.DataFrame) -> float:
    """n_test / n_train of k-fold cross-validation, 1/(k-1), with k the number
    of folds per repeat found in ``rows``."""
    k = int(rows["fold"].max()) + 1 if len(rows) else 0
    if k < 2:
        raise TooLittleData(f"cross-validation with {k} fold(s) has no test/train ratio")
    return 1.0 / (k - 1)


def corrected_tests(rows: pd.DataFrame, metric: str, scheme_a: str, scheme_b: str) -> pd.DataFrame:
    """The corrected resampled t-test of ``scheme_a`` against ``scheme_b`` per
    data set × ratio × model, over their shared folds (seeds × repeats × folds)."""
    pairs = aggregate.paired_fold_differences(rows, metric, scheme_a, scheme_b)
    ratio = kfold_test_train_ratio(aggregate.ok_rows(rows))
    records = []
    for (dataset, rat, model), part in pairs.groupby(["dataset", "ratio", "model"], observed=True):
        test = nadeau_bengio(part["difference"], ratio)
        records.append({
            "metric": metric, "dataset": dataset, "ratio": rat, "model": model,
            "scheme_a": scheme_a, "scheme_b": scheme_b, "mean_difference": test.mean,
            "t": test.statistic, "df": test.df, "p_corrected_t": test.pvalue,
            "n_pairs": test.n_pairs, "note": test.note,
        })
    return pd.DataFrame(records)


# --- pairwise differences across data sets -----------------------------------------------------

def rank_biserial(differences) -> float:
    """Matched-pairs rank-biserial correlation of paired differences:
    (sum of ranks of positive |d| − sum of ranks of negative |d|) / sum of all
    ranks, zeros dropped (Kerby 2014). In [-1, 1]; NaN when all are zero."""
    d = np.asarray(differences, dtype=float)
    d = d[(d != 0) & ~np.isnan(d)]
    if d.size == 0:
        return math.nan
    ranks = sst.rankdata(np.abs(d))
    return float((ranks[d > 0].sum() - ranks[d < 0].sum()) / ranks.sum())


def cohens_dz(differences) -> float:
    """Cohen's d_z: mean of paired differences over their standard deviation."""
    d = np.asarray(differences, dtype=float)
    d = d[~np.isnan(d)]
    if d.size < 2:
        return math.nan
    sd = d.std(ddof=1)
    if sd == 0:
        return 0.0 if d.mean() == 0 else math.copysign(math.inf, d.mean())
    return float(d.mean() / sd)


def wilcoxon_pvalue(differences) -> float:
    """Wilcoxon's signed-rank test of paired differences (scipy), zeros
    dropped: the exact distribution when no |d| are tied, else the normal
    approximation with tie and continuity corrections (R's ``wilcox.test``
    does the same). scipy's own 'auto' would run a permutation test on tied
    data, a tenth of a second each — minutes over a sweep's many pairs."""
    d = np.asarray(differences, dtype=float)
    d = d[~np.isnan(d) & (d != 0)]
    if d.size == 0:
        return math.nan
    tied = np.unique(np.abs(d)).size < d.size
    return float(sst.wilcoxon(d, method="asymptotic" if tied else "exact", correction=True).pvalue)


def pairwise_across_datasets(blocks: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Every pair of schemes of one block table (data sets × schemes): mean
    paired difference (a − b, oriented so that positive = a better), d_z,
    rank-biserial r, Wilcoxon p and Holm-adjusted p within this table."""
    sign = 1.0 if aggregate.higher_is_better(metric) else -1.0
    records = []
    for a, b in itertools.combinations(blocks.columns, 2):
        d = sign * (blocks[a] - blocks[b]).to_numpy(dtype=float)
        records.append({
            "scheme_a": a, "scheme_b": b, "n_datasets": int(np.sum(~np.isnan(d))),
            "mean_advantage_a": float(np.nanmean(d)) if d.size else math.nan,
            "cohens_dz": cohens_dz(d), "rank_biserial": rank_biserial(d),
            "p_wilcoxon": wilcoxon_pvalue(d),
        })
    out = pd.DataFrame(records, columns=["scheme_a", "scheme_b", "n_datasets", "mean_advantage_a",
                                         "cohens_dz", "rank_biserial", "p_wilcoxon"])
    out["p_holm"] = holm(out["p_wilcoxon"].to_numpy())
    return out


def holm(pvalues) -> np.ndarray:
    """Holm's step-down adjustment, NaN entries left as NaN: the i-th smallest
    of m p-values becomes max_{j <= i} min(1, (m − j + 1) · p_(j)).

    (statsmodels' ``multipletests`` computes the same, but runs a full
    garbage collection on every call, which costs a quarter of a second per
    family once a large sweep is loaded; the formula is three lines.)"""
    p = np.asarray(pvalues, dtype=float)
    out = np.full_like(p, np.nan)
    finite = np.flatnonzero(~np.isnan(p))
    if finite.size:
        order = finite[np.argsort(p[finite], kind="stable")]
        m = order.size
        out[order] = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    return out
