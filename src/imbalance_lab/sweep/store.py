"""The results folder of one sweep, written by the client alone.

::

    results/<name>/
      rows/<slice>.parquet        one row per fold (rows.COLUMNS); unit_key says which unit
      rows/<slice>.csv            the same rows as CSV
      predictions/<slice>.parquet out-of-fold scores (when store_predictions)
      notebooks/<slice>.ipynb     the executed notebook of the slice's latest run
      manifest.json               config, versions, git commit, data fingerprints,
                                  per-unit status and timings, run history

Every file is written to a temporary name in its folder and moved into place
with ``os.replace``, so a reader sees the old file or the new one, never half
of one. A slice's rows are written first and the manifest second: a unit is
*done* only once the manifest says so (and its rows are in the slice file), so
a sweep killed between the two recomputes that slice and replaces its rows.

A slice file that cannot be read (truncated by a full disk, damaged, not
parquet) never takes the rest down: the writer warns, naming the file and
why, and treats that slice's units as not done, so the next run recomputes
them and rewrites the file; every other slice keeps its results. A reader
that must show everything (the report) gets :class:`UnreadableTable` instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import subprocess
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import imbalance_lab
from imbalance_lab import rows
from imbalance_lab.errors import ImbalanceLabError, InvalidParameterError
from imbalance_lab.folders import check_output_folder

MANIFEST = "manifest.json"
MANIFEST_LAYOUT = 1
#: Fields every manifest the sweep writes holds: its format, the slices whose
#: files are the results, and every unit's status.
REQUIRED_MANIFEST_FIELDS = ("layout", "slices", "units")
#: Unit statuses that are final: such a unit is not run again (until its key changes).
DONE = ("ok", "skipped")
#: A paced manifest write waits this many times as long as the last write took.
MANIFEST_PACING = 10
_TMP_MARK = ".tmp-"


class StoreLocked(ImbalanceLabError):
    """Another sweep is writing to this results folder."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(f"{path} is being written by another imbalance-lab sweep (lock held); wait for it or choose --out")


class UnreadableTable(ImbalanceLabError):
    """A results table (rows or predictions parquet) that cannot be read:
    truncated, damaged, not parquet, or without a column it must hold.
    Fields: ``path``, ``why``."""

    def __init__(self, path: Path, why: str):
        self.path = Path(path)
        self.why = why
        super().__init__(f"{path} cannot be read: {why}")


class UnreadableTableWarning(UserWarning):
    """A slice file that cannot be read; its units are recomputed."""


def read_table(path: Path, columns: list[str] | None = None, required: tuple[str, ...] = ()) -> pd.DataFrame:
    """A stored parquet table (only ``columns`` if given); an empty frame when
    the file does not exist.

    Raises :class:`UnreadableTable` naming the file when it cannot be read or
    lacks a ``required`` column (or one of ``columns``).
    """
    path = Path(path)
    if not path.exists():
        return pd.DataFrame()
    try:
        present = pq.read_schema(path).names
        missing = [c for c in (*(columns or ()), *required) if c not in present]
        if missing:
            raise UnreadableTable(path, f"it has no column {missing[0]!r}")
        return pd.read_parquet(path, columns=columns)
    except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
        # pyarrow raises ArrowInvalid (a ValueError) for a truncated or
        # foreign file; OSError for one it cannot open.
        first_line = (str(exc).strip().splitlines() or [""])[0]
        raise UnreadableTable(path, f"{type(exc).__name__}: {first_line}") from exc


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary path next to ``path``, flush it to
    disk, then move it over ``path`` in one step."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}{_TMP_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


def atomic_write_json(path: Path, value: Any) -> None:
    text = json.dumps(value, indent=1, sort_keys=False, default=str, allow_nan=False)
    atomic_write_bytes(path, text.encode("utf-8") + b"\n")


def read_manifest_file(folder: str | Path, name: str) -> dict | None:
    """The ``manifest.json`` of the results folder ``folder`` as a dict, or
    None when it has none. Raises :class:`InvalidParameterError` naming
    ``name`` and the folder when the file cannot be read, is not JSON, or
    does not hold a JSON object."""
    folder = Path(folder)
    file = folder / MANIFEST
    if not file.exists():
        return None
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidParameterError(name, str(folder), f"{MANIFEST} is not valid JSON ({exc})") from exc
    except OSError as exc:
        raise InvalidParameterError(
            name, str(folder), f"{MANIFEST} cannot be read ({type(exc).__name__}: {exc.strerror or exc})"
        ) from exc
    if not isinstance(manifest, dict):
        raise InvalidParameterError(name, str(folder), f"{MANIFEST} does not hold a JSON object")
    return manifest


def check_results_folder(
    folder: str | Path, name: str, experiment: str | None = None, *, read_manifest: bool = True
) -> None:
    """Refuse, naming ``name`` and the path, a folder a sweep may not write
    its results into: an empty path; a path that is a file or lies under
    one; a folder that holds anything (hidden files aside) but no manifest a
    sweep wrote. A sweep writes ``rows/``, ``notebooks/`` and the rest into
    its folder and replaces files of the same names, so it writes only into
    a new or empty folder or one of its own earlier runs (to resume or extend
    it), never among a user's files. The manifest itself is read and checked
    (:func:`check_sweep_manifest`, with ``experiment``) unless
    ``read_manifest`` is false: a caller that reads it anyway checks it then."""
    folder = check_output_folder(folder, name, "the results")
    if not folder.exists():
        return  # a folder still to be made
    if not (folder / MANIFEST).exists():
        others = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
        if others:
            shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
            raise InvalidParameterError(
                name, str(folder),
                f"a new or empty folder, or the results folder of an earlier sweep; it holds {shown} "
                f"but no {MANIFEST}, and the sweep would write among (and over) those files",
            )
    elif read_manifest:
        check_sweep_manifest(read_manifest_file(folder, name), folder, name, experiment)


def check_sweep_manifest(manifest: dict, folder: str | Path, name: str, experiment: str | None = None) -> None:
    """Refuse, naming ``name`` and ``folder``, a manifest this sweep may not
    extend: one it did not write (fields missing, another layout), or, with
    ``experiment`` (the config's ``name``), another experiment's, whose
    manifest and slice files this one's would replace."""
    missing = [field for field in REQUIRED_MANIFEST_FIELDS if field not in manifest]
    if missing or manifest["layout"] != MANIFEST_LAYOUT:
        why = (f"lacks the field(s) {missing} every sweep manifest holds" if missing
               else f"is in manifest layout {manifest['layout']!r}, not {MANIFEST_LAYOUT}")
        raise InvalidParameterError(
            name, str(folder),
            f"a new or empty folder, or the results folder of an earlier sweep; its {MANIFEST} {why}, "
            "so it was not written by this imbalance-lab's sweep; choose another folder",
        )
    if experiment is not None and manifest.get("experiment") != experiment:
        raise InvalidParameterError(
            name, str(folder),
            f"a new or empty folder, or the results folder of an earlier sweep of this config "
            f"(name {experiment!r}); it holds the results of experiment "
            f"{manifest.get('experiment')!r}, which this sweep would replace; choose another folder",
        )


class ResultsStore:
    """Reads and writes one sweep's results folder (see the module docstring)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self._lock_file = None
        self._last_write_end = 0.0
        self._last_write_seconds = 0.0
        self._warned: set[Path] = set()

    # -- paths ---------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def rows_path(self, slice_key: str) -> Path:
        return self.root / "rows" / f"{slice_key}.parquet"

    def rows_csv_path(self, slice_key: str) -> Path:
        return self.root / "rows" / f"{slice_key}.csv"

    def predictions_path(self, slice_key: str) -> Path:
        return self.root / "predictions" / f"{slice_key}.parquet"

    def notebook_path(self, slice_key: str) -> Path:
        return self.root / "notebooks" / f"{slice_key}.ipynb"

    # -- the writer's lock ----------------------------------------------------
    def lock(self) -> None:
        """Take the folder's writer lock (released when the process ends, even
        on kill) and clear temporary files left by a killed writer."""
        self.root.mkdir(parents=True, exist_ok=True)
        fh = open(self.root / ".lock", "w")  # noqa: SIM115 - held until unlock()
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            raise StoreLocked(self.root) from None
        self._lock_file = fh
        for tmp in self.root.rglob(f".*{_TMP_MARK}*"):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def unlock(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    # -- reading -------------------------------------------------------------
    def read_manifest(self) -> dict | None:
        return read_manifest_file(self.root, "out")

    def done_units(self, manifest: dict | None = None) -> set[str]:
        """Keys of units recorded as done in the manifest (``manifest``, if
        the caller has read it already) whose rows are in their slice file (a
        rows file deleted by hand is recomputed). A slice whose rows or
        predictions file cannot be read has no done units (a warning names
        the file): it is recomputed, the other slices are kept."""
        manifest = self.read_manifest() if manifest is None else manifest
        if not manifest:
            return set()
        by_slice: dict[str, set[str]] = {}
        for key, unit in manifest.get("units", {}).items():
            if unit.get("status") in DONE:
                by_slice.setdefault(unit["slice"], set()).add(key)
        done = set()
        for slice_key, keys in by_slice.items():
            try:
                stored = self._stored_unit_keys(slice_key)
            except UnreadableTable as exc:
                self._recompute_warning(exc)
                continue
            done |= keys & stored
        return done

    def read_rows(self, slice_key: str | None = None) -> pd.DataFrame:
        """Rows of one slice, or of every slice the manifest lists, in the
        planned order. Slices no longer in the config are not read."""
        if slice_key is not None:
            return read_table(self.rows_path(slice_key))
        frames = [read_table(self.rows_path(k)) for k in self.slice_keys()]
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame(columns=list(rows.COLUMNS))
        return pd.concat(frames, ignore_index=True)

    def slice_keys(self, manifest: dict | None = None) -> list[str]:
        """The slices that belong to the results, in the planned order: those
        the manifest lists (files of slices dropped from the config are not
        results). ``manifest`` defaults to the folder's."""
        manifest = self.read_manifest() if manifest is None else manifest
        return list((manifest or {}).get("slices", {}))

    def _stored_unit_keys(self, slice_key: str) -> set[str]:
        """Units with rows in the slice file; raises :class:`UnreadableTable`
        when the rows file, or the predictions file beside it, cannot be read
        (its predictions would be lost at the next merge)."""
        keys = read_table(self.rows_path(slice_key), columns=["unit_key"])
        # Only its footer and key column: a predictions file can be large.
        read_table(self.predictions_path(slice_key), columns=["unit_key"])
        return set(keys["unit_key"]) if len(keys) else set()

    def _recompute_warning(self, exc: UnreadableTable) -> None:
        # Once per file: the check of what is done and the merge that
        # rewrites the file both meet it.
        if exc.path in self._warned:
            return
        self._warned.add(exc.path)
        warnings.warn(
            f"{exc.path} cannot be read ({exc.why}); the units of that slice are treated as not "
            "done and recomputed, and the file is rewritten",
            UnreadableTableWarning,
            stacklevel=3,  # the caller of done_units(): run_sweep
        )

    # -- writing -------------------------------------------------------------
    def write_slice_tables(
        self,
        slice_key: str,
        new_rows: pd.DataFrame,
        new_predictions: pd.DataFrame | None,
        order: dict[str, int],
    ) -> None:
        """Merge a slice's new rows (and predictions) into its files.

        Rows of the units in ``new_rows`` replace any stored rows of the same
        units (a slice killed after its rows were written but before the
        manifest is simply recomputed); stored rows of units not in ``order``
        (no longer planned: the config or the code changed) are dropped.
        """
        merged = self._merge(self.rows_path(slice_key), new_rows, order, ("repeat", "fold"))
        merged = merged[list(rows.COLUMNS)]
        atomic_write(self.rows_path(slice_key), lambda tmp: merged.to_parquet(tmp, index=False))
        atomic_write(self.rows_csv_path(slice_key), lambda tmp: merged.to_csv(tmp, index=False))
        if new_predictions is not None and "unit_key" in new_predictions:
            preds = self._merge(self.predictions_path(slice_key), new_predictions, order, ())
            atomic_write(self.predictions_path(slice_key), lambda tmp: preds.to_parquet(tmp, index=False))

    def write_notebook(self, slice_key: str, notebook: bytes) -> None:
        atomic_write_bytes(self.notebook_path(slice_key), notebook)

    def write_manifest(self, manifest: dict, *, force: bool = True) -> bool:
        """Write the manifest; with ``force=False`` only if the time since the
        last write is at least ``MANIFEST_PACING`` times what that write took.

        A big study's manifest takes a while to write; pacing keeps that
        under a tenth of the run, and costs at most the slices recorded since
        the last write if the client is killed (they are recomputed).
        """
        if not force and time.perf_counter() - self._last_write_end < MANIFEST_PACING * self._last_write_seconds:
            return False
        started = time.perf_counter()
        manifest["updated"] = now()
        atomic_write_json(self.manifest_path, manifest)
        self._last_write_end = time.perf_counter()
        self._last_write_seconds = self._last_write_end - started
        return True

    def _merge(
        self, path: Path, new: pd.DataFrame, order: dict[str, int], within: tuple[str, ...]
    ) -> pd.DataFrame:
        try:
            old = read_table(path, required=("unit_key",))
        except UnreadableTable as exc:  # nothing in it can be kept: its units were not done
            self._recompute_warning(exc)
            old = pd.DataFrame()
        replaced = set(new["unit_key"])
        if len(old):
            keep = old["unit_key"].isin(order.keys()) & ~old["unit_key"].isin(replaced)
            frames = [old[keep], new]
        else:
            frames = [new]
        frames = [f for f in frames if len(f)] or [new]
        merged = pd.concat(frames, ignore_index=True)
        # A stable order (planned unit order, then repeat and fold) makes the
        # files identical whatever order the workers finished in.
        position = merged["unit_key"].map(order)
        by = ["_position", *(c for c in within if c in merged)]
        merged = (
            merged.assign(_position=position)
            .sort_values(by, kind="stable")
            .drop(columns="_position")
            .reset_index(drop=True)
        )
        return merged


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def git_state(path: Path | None = None) -> dict:
    """The commit of the package's git checkout and whether it has edits;
    ``{"commit": None}`` outside a checkout or without git."""
    path = Path(imbalance_lab.__file__).parent if path is None else Path(path)
    try:
        commit = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(path), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit or None, "dirty": bool(status.strip())}


#: A unit's status from its folds' statuses: the worst one wins.
STATUS_RANK = {"ok": 0, "skipped": 1, "error": 2}
#: (status, reason) of a unit that run_slice returned no rows for.
NO_ROWS = ("error", "run_slice returned no rows for this unit")


@dataclass(frozen=True)
class UnitOutcome:
    """What the manifest records of one unit, from its fold rows."""

    status: str  # "ok", "skipped" or "error": any error fold makes it an error, else any skipped fold
    reason: str  # the error text of the first fold with that status ('' when ok)
    folds: int
    seconds: float  # fit + predict seconds over its folds (missing values count 0)


def unit_outcomes(rows: pd.DataFrame) -> dict[str, UnitOutcome]:
    """:class:`UnitOutcome` of every unit in a slice's rows, in one pass over
    plain arrays: the client records every unit of every slice, and a pandas
    filter per unit cost it more CPU than the rest of the recording."""
    found: dict[str, list] = {}
    columns = (rows[name].to_numpy() for name in ("unit_key", "status", "error", "fit_seconds", "predict_seconds"))
    for key, status, error, fit, predict in zip(*columns, strict=True):
        seconds = (0.0 if pd.isna(fit) else float(fit)) + (0.0 if pd.isna(predict) else float(predict))
        entry = found.get(key)
        if entry is None:
            found[key] = [status, "" if status == "ok" else str(error), 1, seconds]
            continue
        if STATUS_RANK[status] > STATUS_RANK[entry[0]]:
            entry[0], entry[1] = status, str(error)
        entry[2] += 1
        entry[3] += seconds
    return {key: UnitOutcome(*entry) for key, entry in found.items()}

