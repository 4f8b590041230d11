"""Data for imbalance-lab: synthetic data, any class ratio by subsampling, and fingerprints."""

from imbalance_lab.datasets.dataset import Dataset
from imbalance_lab.datasets.hashing import fingerprint
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
    "GaussianProblem",
    "check_ratio",
    "class_counts",
    "class_ratio",
    "fingerprint",
    "impose_ratio",
    "impose_shares",
    "make_gaussian",
    "make_imbalanced",
    "ratio_counts",
    "ratio_indices",
    "shares_counts",
    "shares_indices",
]
