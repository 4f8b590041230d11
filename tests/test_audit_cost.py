"""Cost of copies vs weights: row counts by hand, memory grows with k."""

from __future__ import annotations

import pytest
from sklearn.linear_model import LogisticRegression

from imbalance_lab.audit import cost
from imbalance_lab.errors import InvalidParameterError


@pytest.fixture(scope="module")
def measured():
    models = {"logistic_regression": LogisticRegression()}
    return cost.measure_cost(models, [1, 10], n_samples=1000, minority_share=0.1, repeats=1)


def test_rows_by_hand(measured):
    minority = measured  # 1000 rows, about 10 % minority
    copies = minority[minority["arm"] == "copies"].set_index("factor")["train_rows"]
    weight = minority[minority["arm"] == "weight"].set_index("factor")["train_rows"]
    assert copies[1] == 1000 and weight[1] == 1000 and weight[10] == 1000
    n_min = (copies[10] - 1000) / 9  # copies add (k - 1) * n_minority rows
    assert n_min == int(n_min) and 80 <= n_min <= 120


def test_copies_take_more_memory_for_large_k(measured):
    table = cost.cost_table(measured).set_index("factor")
    # the copied X alone is ~ (k - 1) n_min / n more data than X
    assert table.loc[10, "mib_copies"] > table.loc[10, "mib_weight"]
    assert table.loc[10, "memory_ratio"] > table.loc[1, "memory_ratio"]
    assert (table["seconds_copies"] > 0).all() and (table["seconds_weight"] > 0).all()


@pytest.mark.parametrize("factors", [[], [0], [2.5]])
def test_bad_factors(factors):
    with pytest.raises(InvalidParameterError, match="factors"):
        cost.measure_cost({"lr": LogisticRegression()}, factors)


def test_bad_repeats():
    with pytest.raises(InvalidParameterError, match="repeats"):
        cost.measure_cost({"lr": LogisticRegression()}, [1], repeats=0)
