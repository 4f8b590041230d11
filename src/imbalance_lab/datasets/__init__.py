"""Data for imbalance-lab: any class ratio by subsampling, and fingerprints."""

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

__all__ = [
    "NATIVE",
    "check_ratio",
    "class_counts",
    "class_ratio",
    "fingerprint",
    "impose_ratio",
    "impose_shares",
    "ratio_counts",
    "ratio_indices",
    "shares_counts",
    "shares_indices",
]
