"""Imposing class ratios and shares: exact counts, subsampling only, seeded."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imbalance_lab.datasets import (
    class_counts,
    impose_ratio,
    impose_shares,
    ratio_counts,
    ratio_indices,
    shares_counts,
)
from imbalance_lab.datasets.ratio import default_keep_n
from imbalance_lab.errors import InvalidParameterError, RatioUnreachable, UnitSkipped


def make_xy(counts: dict[int, int], seed: int = 0):
    """Rows tagged with their own index (column 0), labels shuffled."""
    y = np.concatenate([np.full(c, label) for label, c in counts.items()])
    y = np.random.default_rng(seed).permutation(y)
    X = np.column_stack([np.arange(y.size, dtype=float), np.random.default_rng(seed + 1).normal(size=y.size)])
    return X, y


# ---------------------------------------------------------------- hand-computed counts


@pytest.mark.parametrize(
    ("counts", "ratio", "expected"),
    [
        # ecoli1 has 259:77. r=5: minority min(77, floor(259/5)=51) = 51, majority 5*51 = 255.
        ({0: 259, 1: 77}, 5, {0: 255, 1: 51}),
        # r=1: minority min(77, 259) = 77, majority 77.
        ({0: 259, 1: 77}, 1, {0: 77, 1: 77}),
        # r=2.5: minority min(77, floor(103.6)=103) = 77, majority round(192.5) = 193 (half up).
        ({0: 259, 1: 77}, 2.5, {0: 193, 1: 77}),
        # r=300: floor(259/300) = 0 minority rows -> unreachable (tested below); r=100: 2 and 200.
        ({0: 259, 1: 77}, 100, {0: 200, 1: 2}),
        # 9.9 is read as 99/10: floor(99 / 9.9) = 10 exactly (not 9 from float round-off).
        ({0: 99, 1: 50}, 9.9, {0: 99, 1: 10}),
        # multiclass step imbalance: majority 600, others min(300, 100, floor(600/2)=300) = 100 each, majority 200.
        ({0: 100, 1: 600, 2: 300}, 2, {0: 100, 1: 200, 2: 100}),
        ("native-binary", "native", None),
    ],
)
def test_ratio_counts_hand_examples(counts, ratio, expected):
    if counts == "native-binary":
        counts, expected = {0: 40, 1: 7}, {0: 40, 1: 7}
    assert ratio_counts(counts, ratio) == expected


@pytest.mark.parametrize(
    ("counts", "ratio", "expected"),
    [
        # n = min(2 * 77, 259) = 154. r=1: 77/77. r=5: round(154/6 = 25.67) = 26, 128.
        ({0: 259, 1: 77}, 1, {0: 77, 1: 77}),
        ({0: 259, 1: 77}, 5, {0: 128, 1: 26}),
        # native at n=154 in shares 259:77 of 336 -> 118.71 / 35.29 -> 119 / 35 (largest remainder).
        ({0: 259, 1: 77}, "native", {0: 119, 1: 35}),
        # three classes: n = min(3 * 100, 600) = 300; r=4: others round(300/6) = 50, majority 200.
        ({0: 100, 1: 600, 2: 300}, 4, {0: 50, 1: 200, 2: 50}),
    ],
)
def test_keep_n_hand_examples(counts, ratio, expected):
    assert ratio_counts(counts, ratio, keep_n=True) == expected
    assert sum(expected.values()) == default_keep_n(counts)


def test_keep_n_total_is_the_same_for_every_ratio():
    counts = {0: 900, 1: 120}
    totals = {sum(ratio_counts(counts, r, keep_n=True).values()) for r in ["native", 1, 2, 5, 10, 50]}
    assert totals == {240}  # min(2 * 120, 900)
    assert ratio_counts(counts, 3, keep_n=True, n_total=100) == {0: 75, 1: 25}


def test_shares_hand_example_from_the_seed_claim():
    # Shares 10/60/30 % from 500/600/700 rows: n = min(500/.1, 600/.6, 700/.3) = 1000.
    assert shares_counts({0: 500, 1: 600, 2: 700}, {0: 0.1, 1: 0.6, 2: 0.3}) == {0: 100, 1: 600, 2: 300}
    # as a sequence in label order, and with a fixed n split by largest remainder:
    # 7 * (1/6, 3/6, 2/6) = 1.17, 3.5, 2.33 -> floors 1, 3, 2, one more to the 0.5 remainder.
    assert shares_counts({0: 50, 1: 50, 2: 50}, [1, 3, 2], n_total=7) == {0: 1, 1: 4, 2: 2}


# ---------------------------------------------------------------- property tests

counts_st = st.dictionaries(st.integers(0, 5), st.integers(1, 400), min_size=2, max_size=4)
ratio_st = st.one_of(
    st.just("native"),
    st.integers(1, 300),
    st.floats(1.0, 300.0, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=150, deadline=None)
@given(counts=counts_st, ratio=ratio_st, keep_n=st.booleans(), min_per_class=st.integers(1, 6), seed=st.integers(0, 2**31))
def test_imposed_counts_are_exact_or_unreachable(counts, ratio, keep_n, min_per_class, seed):
    X, y = make_xy(counts, seed % 1000)
    try:
        expected = ratio_counts(counts, ratio, keep_n=keep_n, min_per_class=min_per_class)
    except RatioUnreachable as exc:
        assert exc.counts == counts
        assert min(exc.needed.values()) < min_per_class or any(
            exc.needed[c] > counts[c] for c in counts
        )
        with pytest.raises(RatioUnreachable):
            impose_ratio(X, y, ratio, keep_n=keep_n, random_state=seed, min_per_class=min_per_class)
        return
    Xs, ys = impose_ratio(X, y, ratio, keep_n=keep_n, random_state=seed, min_per_class=min_per_class)
    # exactly the computed counts ...
    assert class_counts(ys) == {c: k for c, k in expected.items()}
    # ... only rows of the input, each at most once, in input order, X and y together
    rows = Xs[:, 0].astype(int)
    assert np.all(np.diff(rows) > 0)
    np.testing.assert_array_equal(y[rows], ys)
    np.testing.assert_array_equal(X[rows], Xs)
    # ... and the counts keep the promises the docs make, checked independently:
    majority = max(counts, key=lambda c: (counts[c], -c))
    others = [c for c in counts if c != majority]
    assert all(expected[c] <= counts[c] for c in counts)
    assert min(expected.values()) >= min_per_class
    if ratio == "native" and not keep_n:
        assert expected == counts
        return
    if keep_n:
        assert sum(expected.values()) == min(len(counts) * min(counts.values()), max(counts.values()))
    if ratio == "native":
        return
    k = expected[others[0]]
    assert all(expected[c] == k for c in others)  # step imbalance: equal non-majority classes
    if keep_n:
        # rounding k to the nearest integer moves the majority by at most (K-1)/2 rows
        # k = n / (r + K - 1) rounded, so the majority n - (K - 1) k is off r k by (r + K - 1)(k* - k)
        n, K = sum(expected.values()), len(counts)
        assert abs(k - n / (ratio + K - 1)) <= 0.5 + 1e-9
        assert abs(expected[majority] - ratio * k) <= (ratio + K - 1) / 2 + 1e-9
    else:
        assert abs(expected[majority] - ratio * k) <= 0.5 + 1e-9  # majority = round(r k)
        # as much data as possible: one more row per minority class would break the ratio or the data
        # (exact arithmetic: the code compares the ratio's exact binary value, no tolerance)
        assert k == min(counts[c] for c in others) or Fraction(ratio) * (k + 1) > counts[majority]


@settings(max_examples=80, deadline=None)
@given(
    counts=counts_st,
    raw_shares=st.lists(st.integers(1, 20), min_size=4, max_size=4),
    n_total=st.one_of(st.none(), st.integers(1, 600)),
)
def test_imposed_shares_are_exact_or_unreachable(counts, raw_shares, n_total):
    labels = sorted(counts)
    shares = {c: raw_shares[i] for i, c in enumerate(labels)}
    X, y = make_xy(counts)
    try:
        expected = shares_counts(counts, shares, n_total=n_total)
    except RatioUnreachable:
        with pytest.raises(RatioUnreachable):
            impose_shares(X, y, shares, n_total=n_total, random_state=0)
        return
    _, ys = impose_shares(X, y, shares, n_total=n_total, random_state=0)
    assert class_counts(ys) == expected
    total = sum(expected.values())
    if n_total is not None:
        assert total == n_total
    weight = sum(shares.values())
    for c in labels:
        assert abs(expected[c] - total * shares[c] / weight) < 1  # within one row of its share
        assert expected[c] <= counts[c]


# ---------------------------------------------------------------- seeds, order, native


def test_same_seed_same_rows_other_seed_other_rows():
    X, y = make_xy({0: 500, 1: 100})
    a = ratio_indices(y, 3, random_state=7)
    b = ratio_indices(y, 3, random_state=7)
    c = ratio_indices(y, 3, random_state=8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert np.all(np.diff(a) > 0)


def test_native_keeps_the_data_as_is():
    X, y = make_xy({0: 30, 1: 10})
    Xs, ys = impose_ratio(X, y, "native", random_state=3)
    np.testing.assert_array_equal(Xs, X)
    np.testing.assert_array_equal(ys, y)


def test_subsampling_never_copies_a_row_even_for_large_ratios():
    X, y = make_xy({0: 1000, 1: 200})
    for ratio in (1, 2, 5, 20, 100):
        Xs, _ = impose_ratio(X, y, ratio, random_state=0)
        assert np.unique(Xs[:, 0]).size == Xs.shape[0]


def test_string_labels_and_dataframes_work():
    import pandas as pd

    y = np.array(["a"] * 40 + ["b"] * 10)
    X = pd.DataFrame({"f": np.arange(50.0)})
    Xs, ys = impose_ratio(X, y, 2, random_state=0)
    assert class_counts(ys) == {"a": 20, "b": 10}
    assert list(Xs["f"]) == sorted(Xs["f"])


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("ratio", [0, -1, 0.5, float("nan"), float("inf"), "5", "balanced", None, True, [2]])
def test_bad_ratio_is_refused_before_any_work(ratio):
    X, y = make_xy({0: 10, 1: 5})
    with pytest.raises(InvalidParameterError) as info:
        impose_ratio(X, y, ratio)
    assert info.value.name == "ratio"
    assert "ratio=" in str(info.value)


def test_ratio_below_one_says_why():
    with pytest.raises(InvalidParameterError, match="minority the majority"):
        ratio_counts({0: 10, 1: 5}, 0.5)


def test_unreachable_ratio_is_a_recorded_skip_with_counts():
    X, y = make_xy({0: 259, 1: 77})
    with pytest.raises(RatioUnreachable) as info:
        impose_ratio(X, y, 100, min_per_class=5)  # floor(259/100) = 2 minority rows < 5 folds
    exc = info.value
    assert isinstance(exc, UnitSkipped)
    assert exc.counts == {0: 259, 1: 77}
    assert exc.needed == {0: 200, 1: 2}
    assert exc.ratio == 100
    assert "min_per_class=5" in str(exc)


def test_native_with_too_few_rows_for_the_folds_is_unreachable():
    X, y = make_xy({0: 50, 1: 3})
    with pytest.raises(RatioUnreachable):
        impose_ratio(X, y, "native", min_per_class=5)


def test_explicit_n_total_larger_than_the_data_is_unreachable():
    with pytest.raises(RatioUnreachable, match="never copies"):
        ratio_counts({0: 50, 1: 10}, 1, keep_n=True, n_total=40)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"min_per_class": 0}, "min_per_class"),
        ({"min_per_class": 2.5}, "min_per_class"),
        ({"keep_n": True, "n_total": -3}, "n_total"),
        ({"n_total": 10}, "n_total"),  # n_total without keep_n
    ],
)
def test_bad_arguments_name_themselves(kwargs, name):
    X, y = make_xy({0: 10, 1: 5})
    with pytest.raises(InvalidParameterError) as info:
        impose_ratio(X, y, 2, **kwargs)
    assert info.value.name == name


def test_mismatched_lengths_and_one_class():
    X, y = make_xy({0: 10, 1: 5})
    with pytest.raises(InvalidParameterError, match="one label per row"):
        impose_ratio(X, y[:-1], 2)
    with pytest.raises(InvalidParameterError, match="at least two classes"):
        impose_ratio(X, np.zeros(15, dtype=int), 2)


@pytest.mark.parametrize("shares", [{0: 1}, {0: 1, 1: 0}, {0: 1, 1: float("nan")}, {0: 1, 2: 1}, [1, 2, 3], "1:2"])
def test_bad_shares(shares):
    with pytest.raises(InvalidParameterError):
        shares_counts({0: 10, 1: 10}, shares)



def test_ratio_a_hair_above_one_is_compared_exactly():
    # Found by the property test above: 1.0000000000000002 * 5 > 5, so a 5:5 set
    # cannot keep 5 minority rows under this ratio; floor(5 / r) = 4 by hand.
    assert ratio_counts({0: 5, 1: 5}, 1.0000000000000002) == {0: 4, 1: 4}
    assert ratio_counts({0: 5, 1: 5}, 1.0) == {0: 5, 1: 5}
