"""Run one slice of a sweep: every unit (ratio × scheme × seed) of one data set
and one model, all their folds, into result rows. Pure compute: no files.

:func:`run_slice` takes the JSON-able slice spec the sweep plans::

    {"experiment": str, "slice_key": str, "dataset": <dataset spec>,
     "model": <model spec>, "cv": {"folds": 5, "repeats": 1},
     "metrics": [...], "weight_normalisation": "mean", "keep_n": false,
     "ece_binning": "uniform", "store_predictions": true,
     "unit_time_limit": 300,
     "units": [{"unit_key": str, "index": int, "ratio": "native" | number,
                "scheme": <scheme spec>, "seed": int}, ...]}

and returns a :class:`SliceResult`: ``rows`` (one per fold of every unit, the
columns of :data:`imbalance_lab.rows.COLUMNS` in that order) and
``predictions`` (the out-of-fold scores of every unit that ran).

Pairing: the ratio subsample and the folds depend only on (data set, ratio,
seed, repeat) — seeds derived from those alone — so every scheme and every
model of a study is scored on exactly the same rows. Weights and resampling
are fitted inside the training fold (an imbalanced-learn pipeline built by
:meth:`imbalance_lab.schemes.Scheme.build`), never on the held-out rows.

Failure isolation: a unit that raises :class:`UnitSkipped` (a scheme the model
cannot take, SMOTE without enough neighbours, a ratio the data cannot reach)
gets rows with status ``skipped`` and the reason; any other exception, or the
unit running past ``unit_time_limit`` seconds, gets status ``error`` and the
message; the slice goes on with the next unit. A unit's status covers all its
folds: a unit is never reported from some of its folds only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import signal
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import RepeatedStratifiedKFold

from imbalance_lab import datasets, metrics, models, rows, schemes, thresholds, weights
from imbalance_lab.calibration import has_method
from imbalance_lab.errors import InvalidParameterError, RatioUnreachable, UnitSkipped
from imbalance_lab.sweep import faults
from imbalance_lab.sweep.config import SLICE_DEFAULTS

#: Defaults of the optional keys of a slice spec (defined once, beside the
#: config keys that feed them).
DEFAULTS: dict[str, Any] = SLICE_DEFAULTS
REQUIRED = ("experiment", "slice_key", "dataset", "model", "units")
UNIT_KEYS = ("unit_key", "index", "ratio", "scheme", "seed")

NOT_REQUESTED = "not requested in the config"


@dataclass(frozen=True)
class SliceResult:
    """What one slice returns: ``rows`` (a DataFrame with exactly
    :data:`rows.COLUMNS`) and ``predictions`` (out-of-fold scores: columns
    ``unit_key, repeat, fold, row, y_true, y_pred, score_kind`` and ``score``
    for binary data — the minority's probability, or the decision function
    when the model has no probabilities — or one ``score_<label>`` per class
    for multiclass data). ``row`` is the row number in the data set as loaded
    (before the ratio subsample)."""

    rows: pd.DataFrame
    predictions: pd.DataFrame


class UnitTimeLimit(TimeoutError):
    """A unit ran past its ``unit_time_limit``."""


# --------------------------------------------------------------------------
# Validation of the slice spec
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    unit_key: str
    index: int
    ratio: str | float
    scheme: schemes.Scheme
    seed: int


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def ratio_text(ratio: str | float) -> str:
    """The ratio as the ``ratio_target`` column shows it: ``native``, ``10``, ``2.5``."""
    if ratio == "native":
        return "native"
    return str(int(ratio)) if float(ratio).is_integer() else repr(float(ratio))


def check_slice_spec(spec: Any) -> dict[str, Any]:
    """Validate a slice spec, fill the defaults, parse schemes; raise
    :class:`InvalidParameterError` naming the field before any work."""
    if not isinstance(spec, Mapping):
        raise InvalidParameterError("spec", spec, "a slice spec mapping")
    unknown = [k for k in spec if k not in REQUIRED and k not in DEFAULTS]
    if unknown:
        raise InvalidParameterError(unknown[0], spec[unknown[0]], f"a slice key: one of {REQUIRED + tuple(DEFAULTS)}")
    missing = [k for k in REQUIRED if k not in spec]
    if missing:
        raise InvalidParameterError(missing[0], None, "a required slice key")
    out = {**DEFAULTS, **spec}
    for key in ("experiment", "slice_key"):
        if not isinstance(out[key], str):
            raise InvalidParameterError(key, out[key], "a string")
    datasets.validate_spec(out["dataset"], "dataset")
    out["model"] = models.validate_model_spec(out["model"], "model")
    cv = out["cv"]
    if not isinstance(cv, Mapping) or set(cv) - {"folds", "repeats"}:
        raise InvalidParameterError("cv", cv, "a mapping with 'folds' and 'repeats'")
    cv = {**DEFAULTS["cv"], **cv}
    if not _is_int(cv["folds"]) or cv["folds"] < 2:
        raise InvalidParameterError("cv.folds", cv["folds"], "an integer >= 2")
    if not _is_int(cv["repeats"]) or cv["repeats"] < 1:
        raise InvalidParameterError("cv.repeats", cv["repeats"], "an integer >= 1")
    out["cv"] = cv
    out["metrics"] = metrics.validate_metrics(out["metrics"], "metrics")
    if out["weight_normalisation"] not in weights.NORMALISATIONS:
        raise InvalidParameterError("weight_normalisation", out["weight_normalisation"], f"one of {weights.NORMALISATIONS}")
    if out["ece_binning"] not in metrics.ECE_BINNINGS:
        raise InvalidParameterError("ece_binning", out["ece_binning"], f"one of {metrics.ECE_BINNINGS}")
    if not isinstance(out["store_predictions"], bool):
        raise InvalidParameterError("store_predictions", out["store_predictions"], "true or false")
    if not isinstance(out["keep_n"], bool):
        raise InvalidParameterError("keep_n", out["keep_n"], "true or false")
    limit = out["unit_time_limit"]
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int | float) or not limit > 0):
        raise InvalidParameterError("unit_time_limit", limit, "seconds > 0, or null for no limit")
    if not isinstance(out["units"], list):
        raise InvalidParameterError("units", out["units"], "a list of units")
    out["units"] = [_check_unit(u, f"units[{i}]") for i, u in enumerate(out["units"])]
    return out


def _check_unit(unit: Any, field: str) -> _Unit:
    if not isinstance(unit, Mapping):
        raise InvalidParameterError(field, unit, f"a unit mapping with keys {UNIT_KEYS}")
    for key in unit:
        if key not in UNIT_KEYS:
            raise InvalidParameterError(f"{field}.{key}", unit[key], f"a unit key: one of {UNIT_KEYS}")
    for key in UNIT_KEYS:
        if key not in unit:
            raise InvalidParameterError(f"{field}.{key}", None, "a required unit key")
    if not isinstance(unit["unit_key"], str) or not unit["unit_key"]:
        raise InvalidParameterError(f"{field}.unit_key", unit["unit_key"], "a non-empty string")
    for key in ("index", "seed"):
        if not _is_int(unit[key]) or unit[key] < 0:
            raise InvalidParameterError(f"{field}.{key}", unit[key], "an integer >= 0")
    return _Unit(
        unit_key=unit["unit_key"],
        index=int(unit["index"]),
        ratio=datasets.check_ratio(unit["ratio"], f"{field}.ratio"),
        scheme=schemes.parse_scheme(unit["scheme"], f"{field}.scheme"),
        seed=int(unit["seed"]),
    )


# --------------------------------------------------------------------------
# Seeds and the time limit
# --------------------------------------------------------------------------


def derived_seed(*parts: Any) -> int:
    """A 32-bit seed that depends only on ``parts`` (stable across runs and
    machines: SHA-256 of their JSON)."""
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).digest()
    return int.from_bytes(digest[:4], "little")


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`UnitTimeLimit` inside the block once ``seconds`` have passed.

    Uses ``SIGALRM`` (a real-time interval timer), which interrupts Python code
    wherever it is; a fit inside one long C call is interrupted when it
    returns to Python. A timer already running (pytest-timeout's, say) is put
    back afterwards with the time it had left. Off the main thread signals
    cannot be used, and the limit is checked between folds only (see
    :func:`run_slice`).
    """
    usable = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def expire(signum, frame):
        raise UnitTimeLimit(f"time limit of {seconds:g} s exceeded")

    previous = signal.signal(signal.SIGALRM, expire)
    outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay > 0:
            left = max(outer_delay - (time.monotonic() - started), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, outer_interval)


# --------------------------------------------------------------------------
# The slice
# --------------------------------------------------------------------------


@dataclass
class _Sample:
    """One (ratio, seed) subsample of the data set and its folds."""

    X: np.ndarray | None
    y: np.ndarray | None
    rows: np.ndarray | None  # row numbers in the data set as loaded
    fingerprint: str
    splits: list[tuple[np.ndarray, np.ndarray]]
    skip_reason: str | None = None


def minority_label(y: np.ndarray) -> Any:
    """The least frequent label; ties go to the largest label (binary data
    sets here have minority = 1)."""
    labels, counts = np.unique(y, return_counts=True)
    return labels[counts == counts.min()].max().item()


def run_slice(spec: Mapping[str, Any]) -> SliceResult:
    """Run every unit of a slice; see the module docstring."""
    spec = check_slice_spec(spec)
    try:
        dataset = datasets.load_spec(spec["dataset"])
    except UnitSkipped as exc:  # DatasetUnavailable: a loader that cannot run here
        return _unavailable_slice(spec, exc.reason)
    positive = minority_label(np.asarray(dataset.y))
    folds, repeats = spec["cv"]["folds"], spec["cv"]["repeats"]

    def sample_of(unit: _Unit) -> _Sample:
        return _subsample(dataset, unit.ratio, unit.seed, folds, repeats, spec["keep_n"])

    return _run_units(spec, dataset.name, sample_of, positive)


def unavailable_slice(spec: Mapping[str, Any], reason: str) -> SliceResult:
    """The result of a slice whose data set cannot be loaded here: every
    unit skipped with ``reason`` (one row per fold), no predictions. What
    :func:`run_slice` returns for such a slice, without trying to load it."""
    return _unavailable_slice(check_slice_spec(spec), reason)


def _unavailable_slice(spec: dict[str, Any], reason: str) -> SliceResult:
    nothing = _Sample(None, None, None, "", [], skip_reason=reason)
    return _run_units(spec, datasets.dataset_name(spec["dataset"]), lambda unit: nothing, None)


def _run_units(spec: dict[str, Any], dataset_name: str, sample_of, positive) -> SliceResult:
    """Every unit of a checked slice spec, on the (ratio, seed) subsamples
    ``sample_of(unit)`` gives (built once per ratio and seed)."""
    samples: dict[tuple[str, int], _Sample] = {}
    row_records: list[dict[str, Any]] = []
    prediction_frames: list[pd.DataFrame] = []
    for unit in spec["units"]:
        key = (ratio_text(unit.ratio), unit.seed)
        if key not in samples:
            samples[key] = sample_of(unit)
        unit_rows, unit_predictions = _run_unit(unit, samples[key], dataset_name, positive, spec)
        row_records.extend(unit_rows)
        if unit_predictions is not None and spec["store_predictions"]:
            prediction_frames.append(unit_predictions)

    table = _rows_frame(row_records)
    if prediction_frames:
        predictions = pd.concat(prediction_frames, ignore_index=True)
    else:
        predictions = pd.DataFrame(columns=["unit_key", "repeat", "fold", "row", "y_true", "y_pred", "score_kind"])
    return SliceResult(rows=table, predictions=predictions)


def _subsample(dataset, ratio, seed, folds, repeats, keep_n) -> _Sample:
    """The ratio subsample and its folds; seeds from (data set, ratio, seed) only."""
    text = ratio_text(ratio)
    options = {
        "keep_n": keep_n,
        "random_state": derived_seed("ratio", dataset.fingerprint, text, seed),
        "min_per_class": folds,  # every class in every test fold
    }
    try:
        sub = dataset.impose_ratio(ratio, **options)
    except RatioUnreachable as exc:
        return _Sample(None, None, None, "", [], skip_reason=_fold_shortage(exc, text, folds))
    except UnitSkipped as exc:
        return _Sample(None, None, None, "", [], skip_reason=exc.reason)
    # rows of the data set as loaded, so predictions can be joined back to it
    rows_kept = datasets.ratio_indices(dataset.y, ratio, **options)
    splitter = RepeatedStratifiedKFold(
        n_splits=folds, n_repeats=repeats, random_state=derived_seed("folds", dataset.fingerprint, text, seed)
    )
    X, y = np.asarray(sub.X), np.asarray(sub.y)
    return _Sample(X, y, rows_kept, sub.fingerprint, list(splitter.split(X, y)))


def _fold_shortage(exc: RatioUnreachable, ratio: str, folds: int) -> str:
    """A ratio's skip reason in the config's own terms: the ``min_per_class``
    the subsample must keep is ``cv.folds`` (a row of every class in every
    test fold), so say which of ``cv.folds`` and ``ratios`` to change."""
    kept = min(exc.needed.values())
    if kept >= folds:  # not a shortage of rows per fold
        return exc.reason
    smallest = min(exc.counts.values())
    if smallest < folds:
        fix = (
            f"set cv.folds to at most {smallest} (the data set's smallest class has {smallest} rows)"
            if smallest >= 2
            else f"this data set has a class of {smallest} row, too few for any cross-validation"
        )
    elif kept >= 2:
        fix = f"set cv.folds to at most {kept}, or remove {ratio} from ratios for this data set"
    else:
        fix = f"remove {ratio} from ratios for this data set, or use a smaller ratio (cv.folds cannot go below 2)"
    return (
        f"{exc.reason}. Here min_per_class is cv.folds={folds} (every class needs a row in every "
        f"test fold), and ratios entry {ratio} keeps {kept} row(s) of a class: {fix}"
    )


def _run_unit(unit: _Unit, sample: _Sample, dataset_name: str, positive, spec) -> tuple[list[dict], pd.DataFrame | None]:
    folds = spec["cv"]["folds"]
    n_folds = folds * spec["cv"]["repeats"]
    base = {
        "experiment": spec["experiment"],
        "unit_key": unit.unit_key,
        "dataset": dataset_name,
        "dataset_fingerprint": sample.fingerprint,
        "n_classes": None,
        "ratio_target": ratio_text(unit.ratio),
        "ratio_actual": math.nan,
        "model": spec["model"].name,
        "model_params": spec["model"].params_json(),
        "scheme": unit.scheme.label,
        "scheme_params": unit.scheme.params_json(),
        "weight_normalisation": spec["weight_normalisation"],
        "seed": unit.seed,
        "ece_binning": spec["ece_binning"],
    }
    if sample.y is not None:
        _, counts = np.unique(sample.y, return_counts=True)
        base["n_classes"] = len(counts)
        base["ratio_actual"] = float(counts.max() / counts.min())

    limit = spec["unit_time_limit"]
    started = time.perf_counter()
    try:
        with time_limit(limit):
            faults.checkpoint("unit", unit.index, unit.unit_key)
            if sample.skip_reason is not None:
                raise UnitSkipped(sample.skip_reason)
            fold_rows, predictions = _fit_and_score(unit, sample, positive, spec, started)
    except UnitSkipped as exc:
        return _failed_rows(base, sample, positive, n_folds, folds, "skipped", exc.reason), None
    except Exception as exc:  # isolate the unit: anything else is recorded, the slice goes on
        message = str(exc) if isinstance(exc, UnitTimeLimit) else f"{type(exc).__name__}: {exc}"
        return _failed_rows(base, sample, positive, n_folds, folds, "error", message), None
    return [{**base, **r} for r in fold_rows], predictions


def _fit_and_score(unit: _Unit, sample: _Sample, positive, spec, started: float):
    X, y = sample.X, sample.y
    model = models.make_model(spec["model"], random_state=unit.seed)
    folds = spec["cv"]["folds"]
    # Build every fold first: a scheme that cannot run on one fold skips the
    # whole unit before anything is fitted.
    built = [
        unit.scheme.build(
            model,
            y[train],
            random_state=unit.seed,
            weight_normalisation=spec["weight_normalisation"],
            positive=positive,
        )
        for train, _ in sample.splits
    ]
    limit = spec["unit_time_limit"]
    fold_rows, frames = [], []
    for i, ((train, test), (estimator, fit_params)) in enumerate(zip(sample.splits, built, strict=True)):
        repeat, fold = divmod(i, folds)
        t0 = time.perf_counter()
        estimator.fit(X[train], y[train], **fit_params)
        t1 = time.perf_counter()
        y_pred = estimator.predict(X[test])
        proba = estimator.predict_proba(X[test]) if has_method(estimator, "predict_proba") else None
        decision = None
        if proba is None and has_method(estimator, "decision_function"):
            decision = estimator.decision_function(X[test])
        t2 = time.perf_counter()
        values, notes = metrics.compute(
            y[test], y_pred, proba,
            classes=estimator.classes_, positive=positive, metrics=spec["metrics"],
            ece_binning=spec["ece_binning"], decision=decision,
        )
        for name in rows.METRICS:
            if name not in values:
                values[name], notes[name] = math.nan, NOT_REQUESTED
        after = schemes.fitted_train_rows(estimator)
        fold_rows.append({
            "n_train": len(train),
            "n_minority_train": int(np.sum(y[train] == positive)),
            "repeat": repeat,
            "fold": fold,
            **values,
            "threshold": thresholds.decision_threshold(estimator),
            "metric_notes": json.dumps(notes, sort_keys=True),
            "fit_seconds": t1 - t0,
            "predict_seconds": t2 - t1,
            "train_rows_after_resampling": len(train) if after is None else after,
            "status": "ok",
            "error": "",
        })
        if spec["store_predictions"]:
            frames.append(_predictions(repeat, fold, sample.rows[test], y[test], y_pred, proba, decision,
                                       estimator.classes_, positive))
        # Off the main thread the alarm cannot fire: check between folds.
        if limit is not None and time.perf_counter() - started > limit:
            raise UnitTimeLimit(f"time limit of {limit:g} s exceeded")
    if not frames:
        return fold_rows, None
    # one DataFrame per unit: building one per fold costs more than the fold's metrics
    columns = {name: np.concatenate([f[name] for f in frames]) for name in frames[0]}
    return fold_rows, pd.DataFrame({"unit_key": unit.unit_key, **columns})


def _predictions(repeat, fold, row, y_true, y_pred, proba, decision, classes, positive) -> dict[str, np.ndarray]:
    """One fold's out-of-fold scores as columns (see :class:`SliceResult`)."""
    n = len(row)
    columns: dict[str, np.ndarray] = {
        "repeat": np.full(n, repeat, dtype=np.int16),
        "fold": np.full(n, fold, dtype=np.int16),
        "row": row.astype(np.int64),
        "y_true": np.asarray(y_true),
        "y_pred": np.asarray(y_pred),
    }
    kind = "proba" if proba is not None else ("decision" if decision is not None else "none")
    columns["score_kind"] = np.full(n, kind, dtype=object)
    scores = proba if proba is not None else decision
    if scores is None:
        return columns
    scores = np.asarray(scores, dtype=float)
    classes = np.asarray(classes)
    if len(classes) == 2:
        if scores.ndim == 2:
            columns["score"] = scores[:, int(np.flatnonzero(classes == positive)[0])]
        else:  # decision_function scores classes[1]
            columns["score"] = scores if classes[1] == positive else -scores
    else:
        for j, label in enumerate(classes.tolist()):
            columns[f"score_{label}"] = scores[:, j]
    return columns


def _failed_rows(base, sample: _Sample, positive, n_folds: int, folds: int, status: str, message: str) -> list[dict]:
    """One row per fold of a unit that did not run (or did not finish)."""
    out = []
    for i in range(n_folds):
        repeat, fold = divmod(i, folds)
        train = sample.splits[i][0] if sample.splits else None
        out.append({
            **base,
            "n_train": None if train is None else len(train),
            "n_minority_train": None if train is None else int(np.sum(sample.y[train] == positive)),
            "repeat": repeat,
            "fold": fold,
            **dict.fromkeys(rows.METRICS, math.nan),
            "threshold": math.nan,
            "metric_notes": "{}",
            "fit_seconds": math.nan,
            "predict_seconds": math.nan,
            "train_rows_after_resampling": None,
            "status": status,
            "error": message,
        })
    return out


_INT_COLUMNS = ("n_classes", "n_train", "n_minority_train", "train_rows_after_resampling")


def _rows_frame(records: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame.from_records(records, columns=list(rows.COLUMNS))
    for column in _INT_COLUMNS:
        table[column] = table[column].astype("Int64")
    for column in ("seed", "repeat", "fold"):
        table[column] = table[column].astype("int64")
    for column in (*rows.METRICS, "ratio_actual", "threshold", "fit_seconds", "predict_seconds"):
        table[column] = table[column].astype("float64")
    return table
