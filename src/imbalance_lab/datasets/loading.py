"""One way in: data set names and config specs -> :class:`Dataset`.

A *spec* is what a sweep config holds under ``datasets``:

* a name: a public data set (``"ecoli1"``, ``"breast_cancer"``) or a user CSV
  in the data folder that has a YAML sidecar (``"mydata"`` for
  ``data/mydata.csv`` + ``data/mydata.yaml``);
* ``{"synthetic": {...}}``: generator parameters (see ``synthetic``);
* ``{"csv": "path/to/file.csv", ...}``: a CSV anywhere, with sidecar keys
  (``target``, ``positive``, ...) given inline or in its YAML, and an
  optional ``name``. A relative path is looked up from the current folder,
  then from the project folder (the parent of the data folder).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from imbalance_lab.datasets import public, user
from imbalance_lab.datasets.dataset import Dataset
from imbalance_lab.datasets.synthetic import check_synthetic, load_synthetic, synthetic_name
from imbalance_lab.errors import ConfigError, InvalidParameterError, UnknownNameError

__all__ = ["registered_names", "user_names", "load", "load_named", "load_spec", "validate_spec", "dataset_name"]

SPEC_KINDS = ("synthetic", "csv")


def user_names() -> dict[str, Path]:
    """``{name: csv path}`` of the user CSVs that can be loaded by name: those
    in the data folder with a YAML sidecar and a name no public set has."""
    public_names = set(public.public_names())
    return {
        name: path
        for name, path in user.user_csvs().items()
        if user.sidecar_path(path) is not None and name not in public_names
    }


def registered_names() -> list[str]:
    """Every name :func:`load` accepts (nothing is loaded to list them)."""
    return sorted({*public.public_names(), *user_names()})


def load_named(name: Any, field: str = "name") -> Dataset:
    """The :class:`Dataset` called ``name``; :class:`UnknownNameError` (with
    close matches) if there is none."""
    if not isinstance(name, str) or (public.public_source(name) is None and name not in user_names()):
        raise UnknownNameError(field, name, registered_names(), kind="data set")
    if public.public_source(name) is not None:
        shadow = user.user_csvs().get(name)
        if shadow is not None:
            raise InvalidParameterError(
                field, name, f"an unambiguous name: it is a public data set and also {shadow}; rename the CSV"
            )
        return public.load_public(name)
    return user.load_csv(user_names()[name], field=field)


def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` of a named data set: X float64 (rows x features), y int;
    binary data have the minority as 1. Raises :class:`UnknownNameError` for
    an unknown name and ``DatasetUnavailable`` (a ``UnitSkipped``) if a
    registered loader fails in this environment."""
    dataset = load_named(name)
    return dataset.X, dataset.y


def _spec_kind(spec: Any, field: str) -> str:
    if isinstance(spec, str):
        return "name"
    expected = "a data set name, {synthetic: {...}} or {csv: path, target: ..., positive: ...}"
    if not isinstance(spec, Mapping):
        raise ConfigError(field, spec, expected)
    kinds = [k for k in SPEC_KINDS if k in spec]
    if len(kinds) != 1:
        raise ConfigError(field, spec, expected)
    kind = kinds[0]
    allowed = {"synthetic"} if kind == "synthetic" else {"csv", "name", *user.SIDECAR_KEYS}
    extra = sorted(set(spec) - allowed, key=str)
    if extra:
        raise ConfigError(f"{field}.{extra[0]}", spec[extra[0]], f"one of the {kind} spec keys {sorted(allowed)}")
    if kind == "csv" and not isinstance(spec["csv"], str | Path):
        raise ConfigError(f"{field}.csv", spec["csv"], "a path to a CSV file")
    return kind


def _csv_path(path: str | Path) -> Path:
    path = Path(path)
    if path.is_absolute() or path.exists():
        return path
    from_project = user.data_dir().parent / path
    return from_project if from_project.exists() else path


def _csv_overrides(spec: Mapping) -> dict:
    return {k: v for k, v in spec.items() if k not in ("csv", "name")}


def validate_spec(spec: Any, field: str = "dataset") -> None:
    """Check a spec without loading data (for config validation): names must
    be registered, synthetic parameters valid, a CSV must exist with its
    target column. Raises :class:`ConfigError` naming ``field``."""
    kind = _spec_kind(spec, field)
    if kind == "name":
        if spec not in registered_names():
            hint = UnknownNameError(field, spec, registered_names(), kind="data set").expected
            raise ConfigError(field, spec, hint)
    elif kind == "synthetic":
        check_synthetic(spec["synthetic"], f"{field}.synthetic", error=ConfigError)
    else:
        user.read_options(_csv_path(spec["csv"]), _csv_overrides(spec), f"{field}.csv", error=ConfigError)
        if "name" in spec and (not isinstance(spec["name"], str) or not spec["name"]):
            raise ConfigError(f"{field}.name", spec["name"], "a non-empty string")


def dataset_name(spec: Any) -> str:
    """The name a spec's data set goes by in results (no data are loaded)."""
    kind = _spec_kind(spec, "dataset")
    if kind == "name":
        return spec
    if kind == "synthetic":
        return synthetic_name(spec["synthetic"])
    return spec.get("name") or Path(spec["csv"]).stem


def load_spec(spec: Any, *, field: str = "dataset") -> Dataset:
    """The :class:`Dataset` a config spec names (validated first, so a bad
    spec raises :class:`ConfigError` before any data are read)."""
    validate_spec(spec, field)
    kind = _spec_kind(spec, field)
    if kind == "name":
        return load_named(spec, field)
    if kind == "synthetic":
        return load_synthetic(spec["synthetic"], f"{field}.synthetic")
    dataset = user.load_csv(_csv_path(spec["csv"]), _csv_overrides(spec), f"{field}.csv", error=ConfigError)
    if spec.get("name"):
        dataset = replace(dataset, name=spec["name"])
    return dataset

