"""The result row: one row per fold of one unit (data set x ratio x scheme x
model x seed), the contract between the sweep, the results store and the report.

A *unit* is every fold of one (data set, ratio, scheme, model, seed); its rows
share ``unit_key``, the cache key. Columns are documented here once and the
README's table is checked against this list by a test.
"""

from __future__ import annotations

#: Version of this layout; bumped whenever a column is renamed or removed, so
#: the report can say plainly that a results folder is from an older layout.
ROW_LAYOUT_VERSION = 1

#: Main metrics, computed on the held-out fold, positive class = the minority.
METRICS = (
    "balanced_accuracy",
    "minority_f1",
    "macro_f1",
    "g_mean",
    "mcc",
    "roc_auc",
    "average_precision",
    "brier",
    "log_loss",
    "ece",
    "calibration_intercept",
    "calibration_slope",
)

#: Metrics whose value moves with the test prevalence itself; the report marks
#: them, since imposing a ratio changes the test folds too.
PREVALENCE_DEPENDENT = ("minority_f1", "macro_f1", "average_precision", "brier", "log_loss")

#: column -> meaning. Order is the column order of the stored tables.
COLUMNS: dict[str, str] = {
    "experiment": "name of the sweep config",
    "unit_key": "cache key of the unit (hash of its config slice, data fingerprint, package source and library versions)",
    "dataset": "data set name",
    "dataset_fingerprint": "hash of X, y and the ratio-imposing parameters of this data set instance",
    "n_classes": "number of classes",
    "ratio_target": "majority:minority ratio asked for ('native' keeps the data as is)",
    "ratio_actual": "majority:minority ratio of the subsample actually used",
    "n_train": "rows in the training fold before resampling",
    "n_minority_train": "minority rows in the training fold before resampling",
    "model": "model name",
    "model_params": "model hyper-parameters (JSON)",
    "scheme": "canonical scheme label, e.g. 'weight:balanced' or 'oversample:smote'",
    "scheme_params": "scheme parameters (JSON)",
    "weight_normalisation": "how class weights were scaled over the training fold ('mean' = mean sample weight 1, 'none')",
    "seed": "seed of the ratio subsample, the folds and every random choice of the unit",
    "repeat": "repeat index of repeated stratified k-fold",
    "fold": "fold index within the repeat",
    **{m: f"held-out {m.replace('_', ' ')}" for m in METRICS},
    "ece_binning": "bins of the expected calibration error ('uniform' or 'quantile')",
    "threshold": "decision threshold used for the class predictions (NaN where not a binary probability threshold)",
    "metric_notes": "JSON {metric: reason} for every metric that is NaN on this fold",
    "fit_seconds": "seconds to fit the pipeline (resampling included)",
    "predict_seconds": "seconds to predict the held-out fold",
    "train_rows_after_resampling": "rows the model was fitted on after resampling",
    "status": "'ok', 'skipped' (reason in 'error') or 'error' (message in 'error')",
    "error": "why the fold was skipped, or the error message",
}

STATUSES = ("ok", "skipped", "error")
