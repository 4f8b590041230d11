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
from imbalance_lab.errors import ConfigError, InvalidParameterError, UnknownNameError, unknown_key

__all__ = ["registered_names", "user_names", "load", "load_named", "load_spec", "validate_spec", "dataset_name"]

SPEC_KINDS = ("synthetic", "csv")

#: The keys a spec mapping of each kind takes.
SPEC_KEYS = {"synthetic": ("synthetic",), "csv": ("csv", "name", *user.SIDECAR_KEYS)}


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


def load(spec: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` of a data set: X float64 (rows x features), y int; binary
    data have the minority as 1.

    ``spec`` is any spec a config accepts (see the module docstring): a
    name (``"ecoli1"``), ``{"synthetic": {...}}`` or ``{"csv": path, ...}``;
    it goes through :func:`load_spec`, so both read a spec the same way.
    Raises :class:`UnknownNameError` for an unknown name,
    :class:`InvalidParameterError` naming ``spec`` (or ``spec.<key>``) for
    a bad spec, both before any data are read, and ``DatasetUnavailable``
    (a ``UnitSkipped``) if a registered loader fails in this environment."""
    dataset = load_spec(spec, field="spec", error=InvalidParameterError)
    return dataset.X, dataset.y


def _spec_kind(spec: Any, field: str, error: type = ConfigError) -> str:
    if isinstance(spec, str):
        return "name"
    expected = "a data set name, {synthetic: {...}} or {csv: path, target: ..., positive: ...}"
    if not isinstance(spec, Mapping):
        raise error(field, spec, expected)
    kinds = [k for k in SPEC_KINDS if k in spec]
    if len(kinds) > 1:
        raise error(field, spec, expected)
    # without csv or synthetic, a key no spec takes is named with the close ones ('csvv': did you mean 'csv'?)
    accepted = SPEC_KEYS[kinds[0]] if kinds else sorted({key for keys in SPEC_KEYS.values() for key in keys})
    extra = sorted((key for key in spec if key not in accepted), key=str)
    if extra:
        raise unknown_key(f"{field}.{extra[0]}", extra[0], spec[extra[0]], accepted, kind="key", error=error)
    if not kinds:
        raise error(field, spec, expected)
    kind = kinds[0]
    if kind == "csv" and not isinstance(spec["csv"], str | Path):
        raise error(f"{field}.csv", spec["csv"], "a path to a CSV file")
    return kind


def _csv_path(path: str | Path) -> Path:
    path = Path(path)
    if path.is_absolute() or path.exists():
        return path
    from_project = user.data_dir().parent / path
    return from_project if from_project.exists() else path


def _csv_overrides(spec: Mapping) -> dict:
    return {k: v for k, v in spec.items() if k not in ("csv", "name")}


def validate_spec(spec: Any, field: str = "dataset", error: type = ConfigError) -> None:
    """Check a spec without loading data (for config validation): names must
    be registered, synthetic parameters valid, a CSV must exist with its
    target column. Raises ``error`` (:class:`ConfigError` by default; an
    unknown name is an :class:`UnknownNameError` when ``error`` is not a
    ``ConfigError``) naming ``field``."""
    kind = _spec_kind(spec, field, error)
    if kind == "name":
        if spec not in registered_names():
            unknown = UnknownNameError(field, spec, registered_names(), kind="data set")
            if not issubclass(error, ConfigError):
                raise unknown
            raise error(field, spec, unknown.expected)
    elif kind == "synthetic":
        check_synthetic(spec["synthetic"], f"{field}.synthetic", error=error)
    else:
        user.read_options(_csv_path(spec["csv"]), _csv_overrides(spec), f"{field}.csv", error=error)
        if "name" in spec and (not isinstance(spec["name"], str) or not spec["name"]):
            raise error(f"{field}.name", spec["name"], "a non-empty string")


def dataset_name(spec: Any) -> str:
    """The name a spec's data set goes by in results (no data are loaded)."""
    kind = _spec_kind(spec, "dataset")
    if kind == "name":
        return spec
    if kind == "synthetic":
        return synthetic_name(spec["synthetic"])
    return spec.get("name") or Path(spec["csv"]).stem


def load_spec(spec: Any, *, field: str = "dataset", error: type = ConfigError) -> Dataset:
    """The :class:`Dataset` a config spec names (validated first, so a bad
    spec raises ``error`` -- :class:`ConfigError` by default -- before any
    data are read). :func:`load` is this with ``error=InvalidParameterError``."""
    validate_spec(spec, field, error)
    kind = _spec_kind(spec, field, error)
    if kind == "name":
        return load_named(spec, field)
    if kind == "synthetic":
        return load_synthetic(spec["synthetic"], f"{field}.synthetic")
    dataset = user.load_csv(_csv_path(spec["csv"]), _csv_overrides(spec), f"{field}.csv", error=error)
    if spec.get("name"):
        dataset = replace(dataset, name=spec["name"])
    return dataset
