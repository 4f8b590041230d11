"""The record every loader returns: one data set instance and where it came from."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np

from imbalance_lab.datasets.hashing import fingerprint
from imbalance_lab.datasets.ratio import class_counts, impose_ratio, ratio_indices

__all__ = ["Dataset", "summarise"]


@dataclass(frozen=True, eq=False)
class Dataset:
    """One data set instance.

    ``X`` is a float64 (rows x features) array, ``y`` an int array; for binary
    data the minority is 1 and the majority 0. ``classes[i]`` is the original
    label that ``y == i`` stands for. ``params`` records how the instance was
    made (generator settings, imposed ratio and seed), and goes into
    ``fingerprint`` with ``X`` and ``y``.
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    citation: str = ""
    source: str = ""
    classes: tuple = ()
    feature_names: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    params: dict = field(default_factory=dict)

    @cached_property
    def fingerprint(self) -> str:
        return fingerprint(self.X, self.y, **self.params)

    @property
    def counts(self) -> dict[int, int]:
        return class_counts(self.y)

    def impose_ratio(
        self,
        ratio: Any,
        *,
        keep_n: bool = False,
        random_state: Any = None,
        min_per_class: int = 1,
        n_total: int | None = None,
    ) -> Dataset:
        """This data set subsampled to ``ratio`` (see ``ratio.impose_ratio``);
        the imposing parameters join ``params``, so the fingerprint changes
        with them."""
        X, y = impose_ratio(
            self.X,
            self.y,
            ratio,
            keep_n=keep_n,
            random_state=random_state,
            min_per_class=min_per_class,
            n_total=n_total,
        )
        imposed = {"ratio": ratio, "keep_n": bool(keep_n), "random_state": _seed_param(random_state)}
        if n_total is not None:
            imposed["n_total"] = n_total
        return replace(self, X=X, y=y, params={**self.params, "imposed": imposed})

    def ratio_indices(self, ratio: Any, **kwargs: Any) -> np.ndarray:
        """Rows (of this instance) that :meth:`impose_ratio` keeps."""
        return ratio_indices(self.y, ratio, **kwargs)


def _seed_param(random_state: Any) -> Any:
    # Only an integer seed (or None) names a reproducible draw; a RandomState
    # object is recorded by its type, which makes the fingerprint say so.
    if random_state is None or isinstance(random_state, int | np.integer):
        return None if random_state is None else int(random_state)
    return f"<{type(random_state).__name__}>"


def summarise(dataset: Dataset) -> dict[str, Any]:
    """Size and imbalance of a data set, as the catalog lists them."""
    counts = sorted(class_counts(dataset.y).values())
    return {
        "name": dataset.name,
        "source": dataset.source,
        "n": int(dataset.X.shape[0]),
        "n_features": int(dataset.X.shape[1]),
        "n_classes": len(counts),
        "n_minority": counts[0],
        "n_majority": counts[-1],
        "imbalance_ratio": counts[-1] / counts[0],
        "n_missing": int(np.isnan(dataset.X).sum()),
        "citation": dataset.citation,
        "notes": "; ".join(dataset.notes),
        "fingerprint": dataset.fingerprint,
    }
