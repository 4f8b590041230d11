"""The report's statistics against values computed independently: scipy's
Friedman test, Demšar's formulas and table, Nadeau & Bengio's correction by
hand, hand counts of effect sizes."""

import math
import statistics

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sst
from test_report_fixture import cached_results

from imbalance_lab.errors import InvalidParameterError, UnknownNameError
from imbalance_lab.report import aggregate, stats
from imbalance_lab.report.load import load_results

# Demšar (2006), Table 5(a): critical values q_0.05 of the two-tailed Nemenyi test.
DEMSAR_Q05 = {2: 1.960, 3: 2.343, 4: 2.569, 5: 2.728, 6: 2.850, 7: 2.949, 8: 3.031, 9: 3.102,
              10: 3.164}

# Six data sets (blocks) x four schemes, no ties within a row.
TABLE = pd.DataFrame(
    [[0.81, 0.85, 0.79, 0.90],
     [0.70, 0.74, 0.72, 0.77],
     [0.65, 0.64, 0.61, 0.69],
     [0.91, 0.93, 0.90, 0.92],
     [0.55, 0.62, 0.58, 0.66],
     [0.77, 0.80, 0.75, 0.83]],
    index=[f"d{i}" for i in range(6)], columns=["none", "smote", "under", "weight"],
)


def test_friedman_matches_scipy_and_demsars_formula():
    result = stats.friedman(TABLE, "balanced_accuracy")
    expected = sst.friedmanchisquare(*(TABLE[c] for c in TABLE.columns))
    assert result.statistic == pytest.approx(expected.statistic)
    assert result.pvalue == pytest.approx(expected.pvalue)
    # Demšar eq. (1) from ranks counted by hand: rank 1 = the best (largest).
    hand_ranks = {"none": [3, 4, 2, 3, 4, 3], "smote": [2, 2, 3, 1, 2, 2],
                  "under": [4, 3, 4, 4, 3, 4], "weight": [1, 1, 1, 2, 1, 1]}
    n, k = 6, 4
    R = {s: sum(r) / n for s, r in hand_ranks.items()}
    chi2 = 12 * n / (k * (k + 1)) * (sum(v * v for v in R.values()) - k * (k + 1) ** 2 / 4)
    assert result.statistic == pytest.approx(chi2)
    assert result.mean_ranks.to_dict() == pytest.approx(R)
    assert list(result.mean_ranks.index) == ["weight", "smote", "none", "under"]  # best first


def test_nemenyi_pvalues_and_critical_difference_follow_demsar():
    result = stats.friedman(TABLE, "roc_auc", posthoc="nemenyi", alpha=0.05)
    n, k = 6, 4
    se = math.sqrt(k * (k + 1) / (6 * n))
    R = result.mean_ranks
    for a in TABLE.columns:
        for b in TABLE.columns:
            q = abs(R[a] - R[b]) / se * math.sqrt(2)
            expected = 1.0 if a == b else sst.studentized_range.sf(q, k, np.inf)
            assert result.posthoc.loc[a, b] == pytest.approx(expected, abs=1e-6)
    assert result.critical_difference == pytest.approx(DEMSAR_Q05[4] * se, rel=1e-3)


@pytest.mark.parametrize("k", sorted(DEMSAR_Q05))
def test_critical_difference_reproduces_demsars_table(k):
    n = 10
    assert stats.critical_difference(k, n, 0.05) == pytest.approx(
        DEMSAR_Q05[k] * math.sqrt(k * (k + 1) / (6 * n)), rel=2e-3)


def test_a_lower_is_better_metric_ranks_the_smallest_first():
    brier = 1 - TABLE  # the same order reversed: smallest Brier = best
    result = stats.friedman(brier, "brier")
    assert list(result.mean_ranks.index) == ["weight", "smote", "none", "under"]
    assert result.statistic == pytest.approx(stats.friedman(TABLE, "roc_auc").statistic)


def test_conover_is_the_scikit_posthocs_test_on_the_same_blocks():
    import scikit_posthocs as sp

    result = stats.friedman(TABLE, "mcc", posthoc="conover")
    expected = sp.posthoc_conover_friedman(TABLE.to_numpy())
    np.testing.assert_allclose(result.posthoc.to_numpy(), expected.to_numpy())
    assert result.critical_difference is None
    assert (result.posthoc.to_numpy() == result.posthoc.to_numpy().T).all()


@pytest.mark.parametrize("table, reason", [
    (TABLE[["none", "smote"]], "at least 3 schemes"),
    (TABLE.iloc[:1], "on 1 data set"),
    (TABLE * 0 + 0.5, "scores the same"),
])
def test_too_little_data_says_why(table, reason):
    with pytest.raises(stats.TooLittleData, match=reason):
        stats.friedman(table, "balanced_accuracy")


def test_bad_parameters_are_named():
    with pytest.raises(UnknownNameError, match="posthoc"):
        stats.friedman(TABLE, "mcc", posthoc="tukey")
    with pytest.raises(InvalidParameterError, match="alpha=1.5"):
        stats.friedman(TABLE, "mcc", alpha=1.5)
    with pytest.raises(InvalidParameterError, match="test_train_ratio"):
        stats.nadeau_bengio([0.1, 0.2], 0)


# --- Nadeau & Bengio -----------------------------------------------------------------------------

D = [0.010, 0.030, -0.020, 0.040, 0.000, 0.020, 0.015, 0.025, -0.005, 0.035]


def test_corrected_t_by_hand():
    J, ratio = len(D), 1 / 4  # 5-fold CV: n_test / n_train = 1/4
    mean, var = statistics.mean(D), statistics.variance(D)
    t = mean / math.sqrt((1 / J + ratio) * var)
    p = 2 * sst.t.sf(abs(t), J - 1)
    got = stats.nadeau_bengio(D, ratio)
    assert (got.statistic, got.pvalue, got.df, got.n_pairs) == (
        pytest.approx(t), pytest.approx(p), J - 1, J)


def test_the_correction_shrinks_the_naive_paired_t():
    J, ratio = len(D), 0.25
    naive = sst.ttest_1samp(D, 0.0).statistic
    got = stats.nadeau_bengio(D, ratio)
    assert got.statistic == pytest.approx(naive * math.sqrt((1 / J) / (1 / J + ratio)))
    assert got.pvalue > sst.ttest_1samp(D, 0.0).pvalue


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1, 1, allow_nan=False), min_size=2, max_size=30),
       st.floats(0.01, 100), st.floats(0.05, 2))
def test_corrected_t_is_scale_free_and_antisymmetric(d, scale, ratio):
    base = stats.nadeau_bengio(d, ratio)
    if math.isnan(base.statistic):
        assert base.note
        return
    scaled = stats.nadeau_bengio([scale * x for x in d], ratio)
    flipped = stats.nadeau_bengio([-x for x in d], ratio)
    assert scaled.statistic == pytest.approx(base.statistic, rel=1e-6, abs=1e-9)
    assert flipped.statistic == pytest.approx(-base.statistic, rel=1e-9, abs=1e-12)
    assert flipped.pvalue == pytest.approx(base.pvalue, rel=1e-9, abs=1e-12)
    assert 0 <= base.pvalue <= 1


def test_identical_splits_are_reported_not_tested():
    got = stats.nadeau_bengio([0.0] * 6, 0.25)
    assert math.isnan(got.statistic) and got.note == "identical on every split"
    assert "constant" in stats.nadeau_bengio([0.1] * 6, 0.25).note
    assert "fewer than 2" in stats.nadeau_bengio([0.1], 0.25).note


def test_corrected_tests_pair_the_same_folds_of_the_fixture():
    rows = aggregate.prepare(load_results(cached_results()).rows)
    table = stats.corrected_tests(rows, "roc_auc", "weight:balanced", "none")
    cell = table[(table["dataset"] == "synth_a") & (table["ratio"] == "5")
                 & (table["model"] == "logistic_regression")].iloc[0]
    # By hand: the folds of each scheme, matched on (seed, repeat, fold).
    part = rows[(rows["dataset"] == "synth_a") & (rows["ratio_target"] == "5")
                & (rows["model"] == "logistic_regression")]
    a = part[part["scheme"] == "weight:balanced"].set_index(["seed", "repeat", "fold"])["roc_auc"]
    b = part[part["scheme"] == "none"].set_index(["seed", "repeat", "fold"])["roc_auc"]
    d = (a - b).to_list()
    assert len(d) == 6  # 2 seeds x 3 folds
    k = 3
    t = statistics.mean(d) / math.sqrt((1 / 6 + 1 / (k - 1)) * statistics.variance(d))
    assert cell["t"] == pytest.approx(t)
    assert cell["n_pairs"] == 6
    # knn cannot take weights: no pairs, so no test row for it.
    assert "knn" not in set(table["model"])


# --- effect sizes --------------------------------------------------------------------------------

def test_rank_biserial_by_hand():
    # |d| ranks 1..4; positive ranks 1 + 3 + 4 = 8, negative 2: r = (8 - 2) / 10.
    assert stats.rank_biserial([0.1, -0.2, 0.3, 0.4, 0.0]) == pytest.approx(0.6)
    assert math.isnan(stats.rank_biserial([0.0, 0.0]))


def test_cohens_dz_by_hand():
    d = [0.1, 0.3, 0.2]
    assert stats.cohens_dz(d) == pytest.approx(0.2 / statistics.stdev(d))


def test_holm_agrees_with_statsmodels_and_keeps_nans():
    from statsmodels.stats.multitest import multipletests

    p = np.array([0.01, 0.04, np.nan, 0.03, 0.005, 0.5, 0.04])
    finite = ~np.isnan(p)
    got = stats.holm(p)
    np.testing.assert_allclose(got[finite], multipletests(p[finite], method="holm")[1])
    assert np.isnan(got[2])


def test_pairwise_differences_are_oriented_and_holm_adjusted():
    brier = 1 - TABLE  # lower is better: 'weight' must come out ahead
    pairs = stats.pairwise_across_datasets(brier, "brier").set_index(["scheme_a", "scheme_b"])
    row = pairs.loc[("none", "weight")]
    assert row["mean_advantage_a"] == pytest.approx(-(TABLE["weight"] - TABLE["none"]).mean())
    assert row["mean_advantage_a"] < 0 and row["rank_biserial"] == pytest.approx(-1.0)
    raw = pairs["p_wilcoxon"].to_numpy()
    # Holm by hand: sort ascending, multiply by (m - i), running maximum, cap at 1.
    order = np.argsort(raw)
    m = len(raw)
    adjusted = np.empty(m)
    running = 0.0
    for i, j in enumerate(order):
        running = max(running, min(1.0, (m - i) * raw[j]))
        adjusted[j] = running
    np.testing.assert_allclose(pairs["p_holm"].to_numpy(), adjusted)


def test_wilcoxon_exact_without_ties_by_hand_count():
    # |d| ranks 1..5, W+ = 1 + 2 + 4 + 5 = 12; of the 32 sign patterns, 5 give
    # W+ >= 12 ({1..5}, {2,3,4,5}, {1,3,4,5}, {1,2,4,5}, {3,4,5}): p = 2 * 5/32.
    assert stats.wilcoxon_pvalue([0.1, 0.2, -0.3, 0.4, 0.5]) == pytest.approx(10 / 32)


def test_wilcoxon_with_ties_uses_the_corrected_normal_approximation():
    d = [0.1, 0.2, 0.2, -0.3, 0.4, 0.5, 0.0]  # the zero is dropped: n = 6
    # ranks 1, 2.5, 2.5, 4, 5, 6: W+ = 17; one tie of two: sum(t^3 - t) = 6
    n, w_plus = 6, 17.0
    mean = n * (n + 1) / 4
    var = n * (n + 1) * (2 * n + 1) / 24 - 6 / 48
    z = (w_plus - mean - 0.5) / math.sqrt(var)
    assert stats.wilcoxon_pvalue(d) == pytest.approx(2 * sst.norm.sf(z))
    assert math.isnan(stats.wilcoxon_pvalue([0.0, 0.0]))
