"""Read a results folder written by ``imbalance-lab sweep`` and check its layout.

Everything the report shows comes from three things in the folder:
``manifest.json``, and the ``rows/<slice>.parquet`` (one row per fold, columns
:data:`imbalance_lab.rows.COLUMNS`) and ``predictions/<slice>.parquet``
(out-of-fold scores) of the slices the manifest lists. A folder
that does not exist, has no sweep manifest (missing, not JSON, or without
the fields the sweep writes), holds no rows, or holds rows from an older
column layout is refused here with a message saying what is missing, before
any figure is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype, is_string_dtype

from imbalance_lab import rows as row_layout
from imbalance_lab.errors import InvalidParameterError, _short_repr
from imbalance_lab.sweep.store import (
    MANIFEST,
    MANIFEST_LAYOUT,
    REQUIRED_MANIFEST_FIELDS,
    ResultsStore,
    UnreadableTable,
    read_manifest_file,
    read_table,
)

#: Columns a predictions file must hold (one row per held-out row of a fold).
PREDICTION_KEYS = ("unit_key", "repeat", "fold", "row", "y_true")

#: Row columns that hold numbers (NaN / NA where a value is missing); every
#: other column of :data:`imbalance_lab.rows.COLUMNS` holds text.
NUMERIC_COLUMNS = (
    "n_classes", "ratio_actual", "n_train", "n_minority_train", "seed", "repeat", "fold",
    *row_layout.METRICS, "threshold", "fit_seconds", "predict_seconds", "train_rows_after_resampling",
)
#: Prediction columns that hold numbers (besides every ``score_<label>``;
#: ``score_kind`` is text: proba, decision or none).
NUMERIC_PREDICTIONS = ("repeat", "fold", "row", "score")

#: The JSON type of each manifest field the report reads (optional fields may
#: also be null: not recorded).
MANIFEST_FIELD_TYPES = {
    "layout": (int, "an integer"), "row_layout_version": (int, "an integer"),
    "slices": (dict, "an object"), "units": (dict, "an object"), "data": (dict, "an object"),
    "versions": (dict, "an object"), "git": (dict, "an object"), "runs": (list, "a list"),
    "config_text": (str, "text"), "experiment": (str, "text"),
}


@dataclass
class RunInfo:
    """What the sweep's manifest says about how the results were made."""

    commit: str | None = None
    dirty: bool | None = None
    wall_seconds: float | None = None  # of the last run
    total_wall_seconds: float | None = None  # over every run into the folder
    runs: int = 0
    versions: dict = field(default_factory=dict)
    config_text: str = ""
    datasets: dict = field(default_factory=dict)  # name -> {fingerprint, citation, ...}
    slices: dict = field(default_factory=dict)  # slice key -> {status, error, ...}
    units: dict = field(default_factory=dict)  # unit key -> {status, error, dataset, ...}


def run_info(manifest: dict) -> RunInfo:
    """Read the manifest written by ``imbalance-lab sweep`` (an empty one
    gives an empty :class:`RunInfo`: every field 'not recorded')."""
    git = manifest.get("git") if isinstance(manifest.get("git"), dict) else {}
    runs = [r for r in manifest.get("runs", []) if isinstance(r, dict)]
    walls = [float(r["wall_seconds"]) for r in runs if r.get("wall_seconds") is not None]
    datasets = {}
    for key, entry in (manifest.get("data") or {}).items():
        if isinstance(entry, dict):
            datasets[str(entry.get("name", key))] = entry
    return RunInfo(
        commit=git.get("commit"), dirty=git.get("dirty"),
        wall_seconds=walls[-1] if walls else None,
        total_wall_seconds=sum(walls) if walls else None, runs=len(runs),
        versions=dict(manifest.get("versions") or {}),
        config_text=str(manifest.get("config_text") or ""),
        datasets=datasets,
        slices={k: v for k, v in (manifest.get("slices") or {}).items() if isinstance(v, dict)},
        units={k: v for k, v in (manifest.get("units") or {}).items() if isinstance(v, dict)},
    )


@dataclass
class Results:
    """A loaded results folder.

    ``rows`` holds every stored row (all statuses) in the layout of
    :data:`imbalance_lab.rows.COLUMNS`; ``prediction_files`` are read lazily
    (they can be large) by :func:`read_predictions`.
    """

    path: Path
    rows: pd.DataFrame
    manifest: dict
    prediction_files: list[Path] = field(default_factory=list)

    @property
    def experiment(self) -> str:
        names = self.rows["experiment"].dropna().unique()
        if len(names):
            return ", ".join(map(str, names))
        return str(self.manifest.get("experiment") or self.path.name)

    @property
    def run(self) -> RunInfo:
        return run_info(self.manifest)


def _stored_files(path: Path, manifest: dict, table: str) -> list[Path]:
    """The ``table`` ("rows" or "predictions") files that belong to the
    results: those of the slices the manifest lists, in its order. A slice
    dropped from the config leaves its files behind, and they are not results
    of this sweep; neither are the temporaries of the store's atomic writes."""
    store = ResultsStore(path)
    keys = store.slice_keys(manifest)
    files = [store.rows_path(k) if table == "rows" else store.predictions_path(k) for k in keys]
    return [f for f in files if f.is_file()]


def load_results(results_dir: str | Path) -> Results:
    """Load and validate the results folder ``results_dir``.

    Raises :class:`~imbalance_lab.errors.InvalidParameterError` naming
    ``results_dir`` when the folder does not exist, has no ``manifest.json``
    written by ``imbalance-lab sweep`` (missing, not JSON, or lacking the
    fields the sweep writes: :data:`REQUIRED_MANIFEST_FIELDS`), holds no row
    files of the slices the manifest lists, or holds rows whose columns are
    not the current layout (:data:`imbalance_lab.rows.ROW_LAYOUT_VERSION`).
    """
    path = Path(results_dir)
    if not path.exists():
        raise InvalidParameterError(
            "results_dir", str(path),
            "no such folder; pass a folder written by `imbalance-lab sweep` (e.g. results/default)",
        )
    if not path.is_dir():
        raise InvalidParameterError(
            "results_dir", str(path), "not a folder; pass a folder written by `imbalance-lab sweep`"
        )
    manifest = _read_manifest(path)
    _check_manifest(path, manifest)
    row_files = _stored_files(path, manifest, "rows")
    if not row_files:
        raise InvalidParameterError(
            "results_dir", str(path),
            "the folder holds no result rows (no rows/*.parquet of a slice its manifest.json "
            "lists); run `imbalance-lab sweep` into it first, or check that the sweep finished "
            "at least one slice",
        )
    frames = []
    for file in row_files:
        frame = _read(path, file)
        _check_columns(file, frame)
        _check_kinds(path, file, frame, [c for c in row_layout.COLUMNS if c not in NUMERIC_COLUMNS])
        frames.append(frame)
    rows = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    rows = rows[list(row_layout.COLUMNS) + [c for c in rows.columns if c not in row_layout.COLUMNS]]
    _check_statuses(path, rows)
    return Results(
        path=path,
        rows=rows,
        manifest=manifest,
        prediction_files=_stored_files(path, manifest, "predictions"),
    )


def _read(results_dir: Path, file: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A rows or predictions file; one that cannot be read stops the report.

    A report that quietly left out a slice would rank and test the schemes on
    other data than the sweep ran, with nothing on the page to say so; the
    sweep itself recomputes an unreadable slice, so the fix is one command.
    """
    try:
        return read_table(file, columns=columns)
    except UnreadableTable as exc:
        raise InvalidParameterError(
            "results_dir", str(results_dir),
            f"{file.parent.name}/{file.name} cannot be read ({exc.why}); run `imbalance-lab sweep "
            "CONFIG` again: it recomputes the slices whose files cannot be read",
        ) from exc


def _read_manifest(path: Path) -> dict:
    """The folder's manifest.json. Without it nothing says which files are
    this sweep's results (or that the folder holds a sweep's results at all),
    so a folder without one is refused rather than read file by file."""
    manifest = read_manifest_file(path, "results_dir")
    if manifest is None:
        raise InvalidParameterError(
            "results_dir", str(path),
            f"it holds no {MANIFEST}, so it is not a results folder written by `imbalance-lab sweep` "
            "(the manifest says which rows/*.parquet are the results); pass the folder a sweep "
            "wrote, or run `imbalance-lab sweep CONFIG --out FOLDER`",
        )
    return manifest


def _check_manifest(path: Path, manifest: dict) -> None:
    """A manifest the report can read: the fields of
    :data:`REQUIRED_MANIFEST_FIELDS` present, every field of
    :data:`MANIFEST_FIELD_TYPES` of its type, the manifest format and the row
    layout those of this imbalance-lab."""
    missing = [name for name in REQUIRED_MANIFEST_FIELDS if manifest.get(name) is None]
    if missing:
        raise InvalidParameterError(
            "results_dir", str(path),
            f"{MANIFEST} lacks the field(s) {missing} that every manifest `imbalance-lab sweep` "
            "writes holds, so it was not written by the sweep or was damaged; run the sweep "
            "(imbalance-lab sweep CONFIG --out FOLDER) into a fresh folder",
        )
    for name, (kind, wanted) in MANIFEST_FIELD_TYPES.items():
        value = manifest.get(name)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise InvalidParameterError(
                "results_dir", str(path),
                f"{MANIFEST}: field {name!r} holds {type(value).__name__} {_short_repr(value)} where "
                f"{wanted} is expected, so it was not written by `imbalance-lab sweep` or was damaged",
            )
    if manifest["layout"] != MANIFEST_LAYOUT:
        raise InvalidParameterError(
            "results_dir", str(path),
            f"{MANIFEST} is in manifest layout {manifest['layout']!r}, this imbalance-lab reads "
            f"layout {MANIFEST_LAYOUT}; report it with the imbalance-lab that ran the sweep, or "
            "re-run the sweep (imbalance-lab sweep CONFIG --force)",
        )
    version = manifest.get("row_layout_version")
    if version is not None and version != row_layout.ROW_LAYOUT_VERSION:
        raise InvalidParameterError(
            "results_dir", str(path),
            f"its rows follow column layout version {version!r}, this imbalance-lab reads "
            f"version {row_layout.ROW_LAYOUT_VERSION}; re-run the sweep (imbalance-lab sweep "
            "CONFIG --force) to rewrite them",
        )


def _check_columns(file: Path, frame: pd.DataFrame) -> None:
    missing = [c for c in row_layout.COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidParameterError(
            "results_dir", str(file.parent.parent),
            f"{file.name} holds rows from an older or foreign column layout: missing columns "
            f"{missing} (this imbalance-lab reads layout version {row_layout.ROW_LAYOUT_VERSION}, "
            "see imbalance_lab/rows.py); re-run the sweep (imbalance-lab sweep CONFIG --force)",
        )


def _check_kinds(results_dir: Path, file: Path, frame: pd.DataFrame, text: list[str]) -> None:
    """Every column in ``text`` holds text and every other column of
    :data:`NUMERIC_COLUMNS` / :data:`NUMERIC_PREDICTIONS` (and ``score_*``)
    holds numbers; an all-missing column passes either way. Raises
    :class:`InvalidParameterError` naming the file and the column, rather than
    let the first statistic that touches it fail deep inside pandas."""
    for column in frame.columns:
        values = frame[column]
        if column in text:
            ok, wanted = is_string_dtype(values), "text"
        elif column in NUMERIC_COLUMNS or column in NUMERIC_PREDICTIONS or (
                column.startswith("score_") and column != "score_kind"):
            ok, wanted = is_numeric_dtype(values) and not is_bool_dtype(values), "numbers"
        else:
            continue
        if ok or values.isna().all():
            continue
        example = values.dropna().iloc[0]
        raise InvalidParameterError(
            "results_dir", str(results_dir),
            f"{file.parent.name}/{file.name}: column {column!r} holds {type(example).__name__} values "
            f"such as {example!r} (dtype {values.dtype}) where {wanted} are expected; the file was "
            "not written by this imbalance-lab's sweep: re-run the sweep "
            "(imbalance-lab sweep CONFIG --force) to rewrite it",
        )


def _check_statuses(path: Path, rows: pd.DataFrame) -> None:
    unknown = sorted(set(rows["status"].dropna().astype(str)) - set(row_layout.STATUSES))
    if unknown:
        raise InvalidParameterError(
            "results_dir", str(path),
            f"rows carry unknown status values {unknown}; expected one of {list(row_layout.STATUSES)}",
        )


def read_predictions(results: Results, columns: list[str] | None = None):
    """Yield each predictions file of ``results`` as a DataFrame (one at a
    time, so that a large sweep never sits in memory whole).

    A file lacking the key columns is refused with a message naming it.
    """
    for file in results.prediction_files:
        frame = _read(results.path, file, columns)
        wanted = [c for c in PREDICTION_KEYS if columns is None or c in columns]
        missing = [c for c in wanted if c not in frame.columns]
        if missing:
            raise InvalidParameterError(
                "results_dir", str(results.path),
                f"predictions/{file.name} lacks columns {missing}",
            )
        _check_kinds(results.path, file, frame, ["unit_key"])
        yield frame
