"""User data: a CSV file with a small YAML file beside it.

``data/<name>.csv`` plus ``data/<name>.yaml`` (or ``.yml``)::

    target: outcome          # required: the label column
    positive: yes            # optional: this label becomes 1, every other 0
    categorical: [site]      # optional: integer-coded columns to one-hot encode too
    drop: [patient_id]       # optional: columns that are not features
    na_values: ["?", "n/a"]  # optional: extra strings that mean "missing"
    citation: "..."          # optional: shown by `imbalance-lab datasets`
    description: "..."       # optional

Labels. With ``positive`` the problem is binary: that label is 1, the rest 0
(one-vs-rest if there are more labels). Without it, two labels become 0/1
with the *minority* as 1 (equal classes: the later in sorted order is 1);
three or more labels become 0..K-1 in sorted order. String labels work
either way; the original labels are kept in ``Dataset.classes``. A missing
target value, a single class, or a ``positive`` that does not occur is an
error -- rows are never dropped silently.

Features. Numeric and boolean columns are used as they are; text (and
``categorical``) columns are one-hot encoded, one 0/1 column per value in
sorted order named ``column=value``. Missing feature values stay NaN -- in
one-hot columns too (all of that column's indicators are NaN) -- for the
model pipeline to impute. A text column that is mostly numbers is refused
(list its missing-value markers in ``na_values``), and so is a text column
with a distinct value in nearly every row (an identifier: list it in
``drop``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from imbalance_lab.datasets.dataset import Dataset
from imbalance_lab.errors import InvalidParameterError, unknown_key

DATA_DIR_ENV = "IMBALANCE_LAB_DATA"
SIDECAR_KEYS = ("target", "positive", "categorical", "drop", "na_values", "citation", "description")

__all__ = [
    "DATA_DIR_ENV",
    "SIDECAR_KEYS",
    "data_dir",
    "user_csvs",
    "sidecar_path",
    "read_options",
    "load_csv",
]


def data_dir() -> Path:
    """The folder of user data: ``$IMBALANCE_LAB_DATA`` if set, else the
    ``data/`` folder of the source checkout this package runs from, else
    ``./data``."""
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV])
    checkout = Path(__file__).resolve().parents[3]
    if (checkout / "pyproject.toml").is_file() and (checkout / "data").is_dir():
        return checkout / "data"
    return Path.cwd() / "data"


def user_csvs(folder: Path | None = None) -> dict[str, Path]:
    """``{name: path}`` of every ``*.csv`` directly in the data folder."""
    folder = data_dir() if folder is None else Path(folder)
    if not folder.is_dir():
        return {}
    return {path.stem: path for path in sorted(folder.glob("*.csv")) if path.is_file()}


def sidecar_path(csv_path: Path) -> Path | None:
    for suffix in (".yaml", ".yml"):
        candidate = csv_path.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def read_options(
    csv_path: str | Path, overrides: Mapping | None = None, field: str = "csv", error: type = InvalidParameterError
) -> dict[str, Any]:
    """The checked options for one CSV: its YAML sidecar, then ``overrides``
    (keys as in the sidecar) on top. Cheap: reads the YAML and the CSV header.

    Errors name the option where it was written: ``<sidecar path>: <key>``
    for a sidecar key, ``<field>.<key>`` for one given in the spec. The
    returned dict holds these names under ``"where"``.
    """
    path = Path(csv_path)
    if not path.is_file():
        known = ", ".join(sorted(p.name for p in user_csvs(path.parent).values())) or "no CSV files"
        raise error(field, str(csv_path), f"an existing CSV file ({path.parent} holds {known})")
    overrides = dict(overrides or {})
    side = sidecar_path(path)
    from_sidecar = _read_sidecar(side, error) if side is not None else {}
    where = {key: f"{side}: {key}" for key in from_sidecar} | {key: f"{field}.{key}" for key in overrides}
    options = from_sidecar | overrides
    for key in sorted(set(options) - set(SIDECAR_KEYS), key=str):
        raise unknown_key(where[key], key, options[key], SIDECAR_KEYS, kind="key", error=error)
    if "target" not in options:
        raise error(
            f"{field}.target",
            None,
            f"the name of the label column, in {path.with_suffix('.yaml')} (e.g. 'target: outcome') "
            "or in the data set spec",
        )
    columns = _header(path, field, error)
    if not isinstance(options["target"], str) or options["target"] not in columns:
        raise error(where["target"], options["target"], f"a column of {path.name}; its columns are {columns}")
    for key in ("categorical", "drop", "na_values"):
        value = options.get(key, [])
        if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise error(where[key], value, "a list of strings")
        if key != "na_values":
            missing = [c for c in value if c not in columns]
            if missing:
                raise error(where[key], missing, f"columns of {path.name}; its columns are {columns}")
        options[key] = list(value)
    clash = [c for c in options["drop"] + options["categorical"] if c == options["target"]]
    if clash:
        raise error(where.get("drop", where.get("categorical")), clash, "not the target column")
    positive = options.get("positive")
    if positive is not None and not isinstance(positive, str | int | float | bool):
        raise error(where["positive"], positive, "one label value (a string or a number)")
    options["path"] = str(path)
    options["where"] = where
    return options


def _read_sidecar(side: Path, error: type) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(side.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise error(str(side), "<unparsable YAML>", f"valid YAML ({exc})") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, Mapping):
        raise error(str(side), loaded, f"a mapping with keys among {list(SIDECAR_KEYS)}")
    return dict(loaded)


def _header(path: Path, field: str, error: type) -> list[str]:
    try:
        return list(pd.read_csv(path, nrows=0).columns)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise error(field, str(path), f"a readable CSV file with a header row ({exc})") from None


def load_csv(
    csv_path: str | Path, overrides: Mapping | None = None, field: str = "csv", error: type = InvalidParameterError
) -> Dataset:
    """Load a user CSV as a :class:`Dataset` (see the module doc for the rules)."""
    options = read_options(csv_path, overrides, field, error)
    path = Path(options["path"])
    frame = pd.read_csv(path, na_values=options["na_values"] or None)
    target, where = options["target"], options["where"]
    y, classes, notes = _labels(frame[target], options.get("positive"), path, where, error)
    features = frame.drop(columns=[target, *options["drop"]])
    X, names = _features(features, set(options["categorical"]), path, field, error)
    return Dataset(
        name=path.stem,
        X=X,
        y=y,
        citation=str(options.get("citation", "")),
        source="csv",
        classes=classes,
        feature_names=names,
        notes=tuple(notes),
        params={},
    )


def _labels(column: pd.Series, positive: Any, path: Path, where: Mapping[str, str], error: type):
    missing = np.flatnonzero(column.isna().to_numpy())
    if missing.size:
        lines = ", ".join(str(i + 2) for i in missing[:10])  # line 1 is the header
        raise error(
            where["target"],
            column.name,
            f"a label in every row, but {missing.size} row(s) of {path.name} have none "
            f"(lines {lines}{', ...' if missing.size > 10 else ''}); fix or remove them",
        )
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        values = column.to_numpy()
    else:
        values = column.astype(str).to_numpy(dtype=object).astype(str)
    labels, counts = np.unique(values, return_counts=True)
    labels_list = labels.tolist()  # plain Python values
    if labels.size < 2:
        raise error(where["target"], column.name, f"at least two classes, but {path.name} has only {labels_list}")
    notes: list[str] = []
    if positive is not None:
        hits = [i for i, label in enumerate(labels_list) if label == positive or str(label) == str(positive)]
        if len(hits) != 1:
            hint = (
                " (YAML reads yes/no/true/false/on/off as booleans: quote the label, e.g. positive: 'yes')"
                if isinstance(positive, bool)
                else ""
            )
            raise error(
                where["positive"],
                positive,
                f"one of the labels of column {column.name!r}: {labels_list}{hint}",
            )
        one = hits[0]
        y = (values == labels[one]).astype(np.int64)
        if labels.size > 2:
            notes.append(f"one-vs-rest: {labels_list[one]!r} = 1, the other {labels.size - 1} labels = 0")
            classes = ("rest", labels_list[one])
        else:
            classes = (labels_list[1 - one], labels_list[one])
        if (y == 1).sum() > (y == 0).sum():
            notes.append(f"positive label {labels_list[one]!r} is the majority class")
        return y, classes, notes
    if labels.size == 2:
        one = 1 if counts[0] == counts[1] else int(np.argmin(counts))
        y = (values == labels[one]).astype(np.int64)
        return y, (labels_list[1 - one], labels_list[one]), notes
    return np.searchsorted(labels, values).astype(np.int64), tuple(labels_list), notes


def _features(frame: pd.DataFrame, categorical: set[str], path: Path, field: str, error: type):
    if frame.shape[1] == 0:
        raise error(field, str(path), "at least one feature column besides the target")
    blocks, names = [], []
    for column in frame.columns:
        series = frame[column]
        if column not in categorical and (
            pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series)
        ):
            blocks.append(series.astype(np.float64).to_numpy()[:, None])
            names.append(str(column))
            continue
        if column not in categorical:
            _refuse_bad_text(series, column, path, field, error)
        values = sorted(series.dropna().astype(str).unique())
        text = series.astype(str).where(series.notna())
        onehot = np.column_stack([(text == v).to_numpy(dtype=np.float64) for v in values])
        onehot[series.isna().to_numpy()] = np.nan  # unknown category: every indicator unknown
        blocks.append(onehot)
        names.extend(f"{column}={v}" for v in values)
    return np.ascontiguousarray(np.hstack(blocks), dtype=np.float64), tuple(names)


def _refuse_bad_text(series: pd.Series, column: str, path: Path, field: str, error: type) -> None:
    present = series.dropna()
    if present.empty:
        return
    numeric = pd.to_numeric(present, errors="coerce")
    if numeric.notna().mean() > 0.5:
        odd = sorted(present[numeric.isna()].astype(str).unique())[:5]
        raise error(
            f"{field}: column {column!r}",
            odd,
            f"numbers only: {path.name} holds non-numbers in this mostly numeric column; "
            "if they mean 'missing', list them under na_values in the YAML",
        )
    distinct = present.nunique()
    if distinct > 20 and distinct > 0.5 * len(present):
        raise error(
            f"{field}: column {column!r}",
            f"{distinct} distinct values in {len(present)} rows",
            "a feature, but it looks like an identifier; list it under drop in the YAML "
            "(or under categorical to one-hot encode it anyway)",
        )
