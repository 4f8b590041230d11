"""Samplers with imbalanced-learn's API, named from a config.

* :class:`ReplicationSampler` — exact replication: an integer factor ``k``
  puts every row of a class into the training set exactly ``k`` times. This is
  the "copy the class k times" of the claim *copies = weights*. imbalanced-learn's
  :class:`~imblearn.over_sampling.RandomOverSampler` instead draws the extra
  rows **with replacement**: some rows are drawn several times and others not
  at all, so it equals weighting only in expectation. Both are available
  (``"replicate"`` and ``"random_over"`` in :data:`SAMPLERS`).
* :func:`split_factor` — split a per-class factor into copies × weight.
* :func:`make_sampler` / :data:`SAMPLERS` — one way to name any sampler from a
  config: ours, imbalanced-learn's (SMOTE, ADASYN, undersamplers, ...; not
  rewritten here) or any class by import path ``"package.module:ClassName"``.
* :func:`check_sampler_feasible` — raise
  :class:`~imbalance_lab.errors.UnitSkipped` when a sampler cannot run on a
  given ``y`` as configured (for example SMOTE with ``k_neighbors`` >= the rows
  of a class it must oversample); it never lowers ``k_neighbors`` to make it fit.
"""

from __future__ import annotations

import importlib
import inspect
import math
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np
import psutil
from imblearn.combine import SMOTEENN, SMOTETomek
from imblearn.over_sampling import (
    ADASYN,
    SMOTE,
    SMOTEN,
    SMOTENC,
    SVMSMOTE,
    BorderlineSMOTE,
    KMeansSMOTE,
    RandomOverSampler,
)
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.under_sampling import (
    AllKNN,
    ClusterCentroids,
    CondensedNearestNeighbour,
    EditedNearestNeighbours,
    InstanceHardnessThreshold,
    NearMiss,
    NeighbourhoodCleaningRule,
    OneSidedSelection,
    RandomUnderSampler,
    RepeatedEditedNearestNeighbours,
    TomekLinks,
)
from imblearn.utils import check_sampling_strategy, check_target_type
from scipy import sparse
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.validation import check_array, check_consistent_length, validate_data

from imbalance_lab.errors import (
    InvalidParameterError,
    UnitSkipped,
    UnknownNameError,
    unknown_key,
)
from imbalance_lab.labels import check_labels, plain_label
from imbalance_lab.weights import check_label_mapping, check_number

__all__ = [
    "SAMPLERS",
    "ReplicationSampler",
    "check_factor",
    "check_output_fits",
    "check_sampler_feasible",
    "make_sampler",
    "resolve_sampler",
    "split_factor",
]


#: The fewest bytes one output row of a sampler can cost: one float64 feature,
#: its int64 label and its int64 entry in ``sample_indices_``.
MIN_ROW_BYTES = 3 * 8


def check_factor(name: str, value: Any) -> None:
    """Check one replication factor without data: a finite number >= 1 whose
    output could fit in memory even for a class of one row with one feature
    (``round(value)`` rows of :data:`MIN_ROW_BYTES`; see :func:`check_output_fits`)."""
    check_number(
        name,
        value,
        "a finite factor >= 1 (how many times the class appears in total); "
        "fewer rows (a factor < 1) is undersampling: use an imbalanced-learn "
        "undersampler such as 'random_under'",
        lambda v: v >= 1,
    )
    check_output_fits(math.floor(value + 0.5), MIN_ROW_BYTES, name, value, at_least=True)


def check_output_fits(n_rows: int, row_bytes: float, name: str, value: Any, *, at_least: bool = False) -> None:
    """Raise :class:`InvalidParameterError` (``name``, ``value``) when a
    resampled output of ``n_rows`` rows of ``row_bytes`` bytes each would not
    fit in the memory available now (``psutil.virtual_memory().available``).
    ``at_least`` says the count is a lower bound (a check without data).

    Called before anything is allocated, so that an absurd factor (``1e12``)
    is a clear error naming the parameter and the row count, not a
    ``MemoryError`` -- or minutes of swapping -- half-way through a copy.
    """
    needed = n_rows * row_bytes
    available = psutil.virtual_memory().available
    if needed > available:
        raise InvalidParameterError(
            name,
            value,
            f"a value whose resampled output fits in memory: it would make "
            f"{'at least ' if at_least else ''}{n_rows:,} rows "
            f"(about {_format_bytes(needed)} at {row_bytes:g} bytes a row), more than the "
            f"{_format_bytes(available)} of memory available",
        )


def _format_bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:.3g} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def _row_bytes(X, y) -> float:
    """Bytes one output row of ``X[rows], y[rows]`` and its ``sample_indices_`` entry costs."""
    if sparse.issparse(X):
        per_row_x = (X.nnz / max(X.shape[0], 1)) * (X.data.itemsize + X.indices.itemsize) + X.indptr.itemsize
    elif hasattr(X, "memory_usage"):  # a data frame: its columns, not its index (reset afterwards)
        per_row_x = X.memory_usage(index=False, deep=False).sum() / max(len(X), 1) + 8
    else:
        X = np.asarray(X)
        per_row_x = X.itemsize * int(np.prod(X.shape[1:]))
    return per_row_x + np.asarray(y).itemsize + np.dtype(np.intp).itemsize


class ReplicationSampler(BaseOverSampler):
    """Oversample by exact replication of rows.

    Parameters
    ----------
    factors : mapping {label: factor >= 1}, default=None
        How many times each row of a class appears in the output, in total.
        An integer ``k`` copies every row of the class exactly ``k`` times
        (deterministic; ``k = 1`` leaves it as it is). A fractional ``k``
        gives ``round(k · n_c)`` rows (halves up): ``floor(k)`` copies of every
        row plus the remaining rows drawn **without** replacement, seeded by
        ``random_state``, so that no row appears more than ``floor(k) + 1``
        times. Classes not named keep factor 1; naming a label absent from
        ``y`` or giving a factor < 1 raises ``InvalidParameterError``.
        With ``factors`` set, ``sampling_strategy`` must stay ``"auto"``.
        Before any row is copied, the output's size is computed (rows x the
        bytes of a row of ``X``, its label and its ``sample_indices_``
        entry); one larger than the memory available now raises
        ``InvalidParameterError`` naming ``factors`` (or
        ``sampling_strategy``) and the row count (see :func:`check_output_fits`).
    sampling_strategy : float, str, dict or callable, default="auto"
        Used when ``factors`` is None, with imbalanced-learn's meaning (by
        default every class is brought up to the majority's count). A class
        that must grow from ``n_c`` to ``t_c`` rows gets ``t_c // n_c`` copies
        of every row plus ``t_c mod n_c`` rows drawn without replacement:
        replication as exact as the target allows.
    random_state : int, RandomState instance or None, default=None
        Seeds the draw of the fractional remainder (unused for integer
        factors, where the result is fully determined).

    Attributes
    ----------
    sampling_strategy_ : dict
        ``{label: number of rows added}`` for every class that is resampled.
    sample_indices_ : ndarray of shape (n_samples_out,)
        Row of the input behind every output row: first ``0 .. n-1`` (the
        input itself), then the copies, class by class in sorted label order.
    n_features_in_ : int
    feature_names_in_ : ndarray, only when ``X`` has string column names

    Notes
    -----
    Unlike :class:`~imblearn.over_sampling.RandomOverSampler`, which draws
    the extra rows with replacement (a row of a class grown 3× appears
    1 + Binomial(2 n_c, 1/n_c) times, anywhere from 1 to 2 n_c + 1 times), an
    integer factor here gives every row exactly ``k`` appearances. For a
    model whose loss is a sum over rows, training on the output is then
    exactly training with class weight ``k`` (tested in
    ``tests/test_resampling.py``).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(10.0).reshape(5, 2); y = np.array([0, 0, 0, 1, 1])
    >>> Xr, yr = ReplicationSampler(factors={1: 3}).fit_resample(X, y)
    >>> np.bincount(yr).tolist()
    [3, 6]
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "factors": [Mapping, None],
    }

    def __init__(self, factors=None, sampling_strategy="auto", random_state=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.factors = factors
        self.random_state = random_state

    def _validate_params(self):
        # Type checks from the declared constraints, then the value checks
        # that the constraints cannot express (run again in fit_resample, as
        # sklearn can be told to skip this method).
        super()._validate_params()
        self._check_factors()

    def _check_factors(self) -> None:
        if self.factors is None:
            return
        if not (isinstance(self.sampling_strategy, str) and self.sampling_strategy == "auto"):
            raise InvalidParameterError(
                "sampling_strategy",
                self.sampling_strategy,
                "'auto' when factors are given (factors already set every class's size)",
            )
        if not isinstance(self.factors, Mapping):
            raise InvalidParameterError("factors", self.factors, "a mapping {label: factor >= 1} or None")
        for label, factor in self.factors.items():
            check_factor(f"factors[{label!r}]", factor)

    def _factor_strategy(self, y) -> OrderedDict:
        """``{label: rows to add}`` implied by ``factors`` for this ``y``."""
        self._check_factors()
        classes, counts = np.unique(y, return_counts=True)
        labels = [plain_label(c) for c in classes]
        check_label_mapping(self.factors, labels, name="factors", require_all=False, check_value=check_factor)
        n_of = dict(zip(labels, counts.tolist(), strict=True))
        return OrderedDict(
            (label, math.floor(self.factors[label] * n_of[label] + 0.5) - n_of[label])
            for label in labels
            if label in self.factors
        )

    def _check_X_y(self, X, y):
        # Like RandomOverSampler: copying rows needs no numbers, so strings,
        # NaN, sparse matrices and data frames pass through unchanged.
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        if not hasattr(X, "iloc"):
            X = check_array(X, accept_sparse=["csr", "csc"], dtype=None, ensure_all_finite=False)
        check_consistent_length(X, y)
        validate_data(self, X=X, y=y, reset=True, skip_check_array=True)
        return X, y, binarize_y

    def fit(self, X, y):
        """Check inputs and compute ``sampling_strategy_``; use ``fit_resample``."""
        _check_sampler_labels(y)
        super().fit(X, y)
        if self.factors is not None:
            self.sampling_strategy_ = self._factor_strategy(check_target_type(y))
        return self

    def fit_resample(self, X, y, **params):
        """Resample ``(X, y)``; see the class docstring."""
        # Labels are checked as weights check them, ahead of imbalanced-learn's
        # own check, which answers a None label with "Unknown label type:
        # unknown" and a NaN one with "Input y contains NaN" (no row named).
        _check_sampler_labels(y)
        return super().fit_resample(X, y, **params)

    def _fit_resample(self, X, y):
        if self.factors is not None:
            self.sampling_strategy_ = self._factor_strategy(y)
        n_out = y.shape[0] + sum(self.sampling_strategy_.values())
        name, value = ("factors", self.factors) if self.factors is not None else (
            "sampling_strategy", self.sampling_strategy
        )
        check_output_fits(n_out, _row_bytes(X, y), name, value)
        random_state = check_random_state(self.random_state)
        pieces = [np.arange(y.shape[0])]
        for label, n_new in self.sampling_strategy_.items():
            rows = np.flatnonzero(y == label)
            full_copies, remainder = divmod(n_new, rows.size)
            pieces.append(np.tile(rows, full_copies))
            if remainder:
                drawn = random_state.choice(rows, size=remainder, replace=False)
                pieces.append(np.sort(drawn))
        self.sample_indices_ = np.concatenate(pieces)
        X_resampled = _safe_indexing(X, self.sample_indices_)
        if hasattr(X_resampled, "reset_index"):
            # a fresh 0..n-1 index, as the other imbalanced-learn samplers give
            X_resampled = X_resampled.reset_index(drop=True)
        return X_resampled, y[self.sample_indices_]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.sampler_tags.sample_indices = True
        return tags


def _check_sampler_labels(y) -> None:
    """The label check of :func:`imbalance_lab.labels.check_labels`, on the
    shapes imbalanced-learn accepts: 1-D, or one column (a column vector or a
    one-column data frame). A one-hot matrix, and y=None (which scikit-learn's
    estimator checks want answered in its own words), are left to
    imbalanced-learn."""
    if y is None:
        return
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        check_labels(arr.ravel(), name="y", min_classes=1)
    elif arr.ndim != 2:
        check_labels(y, name="y", min_classes=1)


# ------------------------------------------------------------------ size x weight


def split_factor(total: float, size_share: float, integer_size: bool = False) -> tuple[float, float]:
    """Split a per-class factor into copies × weight: ``size × weight = total``.

    The split is on the log scale: ``size = total ** size_share`` and
    ``weight = total ** (1 − size_share)``, so ``size_share = 1`` is all
    copies, ``0`` all weight and ``0.5`` the geometric middle. The seed's
    "6× size = 3× size + 2× weight" is ``split_factor(6, ln 3 / ln 6)``
    (``size_share ≈ 0.613``) = ``(3, 2)``.

    With ``integer_size=True`` the size part is rounded to the nearest whole
    number (at least 1) and the rest moves into the weight,
    ``weight = total / size``, so that :class:`ReplicationSampler` makes exact
    copies and copies × weight is exactly equivalent to weight ``total``. The
    size is then returned as an ``int``; the weight may fall slightly below 1
    when the size is rounded up past ``total`` (``split_factor(2.6, 1, True)``
    is ``(3, 0.8667)``).

    ``total`` must be finite and >= 1 (an up-weighting factor: express class
    weights relative to the lightest class before splitting); ``size_share``
    must lie in [0, 1].
    """
    check_number(
        "total",
        total,
        "a finite factor >= 1 (scale class weights so the lightest class has weight 1 first)",
        lambda v: v >= 1,
    )
    check_number("size_share", size_share, "a number in [0, 1] (1 = all copies, 0 = all weight)", lambda v: 0 <= v <= 1)
    size = float(total) ** float(size_share)
    if integer_size:
        size = max(1, math.floor(size + 0.5))
    return size, float(total) / size


# ------------------------------------------------------------------------ registry

#: Sampler classes by config name. imbalanced-learn's own samplers are used as
#: they are; only exact replication is written here.
SAMPLERS: dict[str, type] = {
    "replicate": ReplicationSampler,
    "random_over": RandomOverSampler,
    "smote": SMOTE,
    "smotenc": SMOTENC,
    "smoten": SMOTEN,
    "adasyn": ADASYN,
    "borderline_smote": BorderlineSMOTE,
    "svm_smote": SVMSMOTE,
    "kmeans_smote": KMeansSMOTE,
    "random_under": RandomUnderSampler,
    "near_miss": NearMiss,
    "tomek_links": TomekLinks,
    "edited_nearest_neighbours": EditedNearestNeighbours,
    "repeated_edited_nearest_neighbours": RepeatedEditedNearestNeighbours,
    "all_knn": AllKNN,
    "condensed_nearest_neighbour": CondensedNearestNeighbour,
    "one_sided_selection": OneSidedSelection,
    "neighbourhood_cleaning_rule": NeighbourhoodCleaningRule,
    "instance_hardness_threshold": InstanceHardnessThreshold,
    "cluster_centroids": ClusterCentroids,
    "smote_enn": SMOTEENN,
    "smote_tomek": SMOTETomek,
}


def resolve_sampler(name: str) -> type:
    """The sampler class for a registry name or an import path
    ``"package.module:ClassName"``."""
    if not isinstance(name, str):
        raise InvalidParameterError("name", name, "a sampler name or 'package.module:ClassName'")
    if ":" not in name:
        if name not in SAMPLERS:
            raise UnknownNameError("name", name, SAMPLERS, kind="sampler")
        return SAMPLERS[name]
    module_name, _, attr = name.partition(":")
    if not module_name or not attr:
        raise InvalidParameterError("name", name, "an import path 'package.module:ClassName'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InvalidParameterError("name", name, f"an importable module ({exc})") from exc
    cls = module
    for part in attr.split("."):
        if not hasattr(cls, part):
            raise InvalidParameterError("name", name, f"module {module_name!r} has no attribute {attr!r}")
        cls = getattr(cls, part)
    if not (inspect.isclass(cls) and hasattr(cls, "fit_resample")):
        raise InvalidParameterError("name", name, "a sampler class (one with fit_resample)")
    return cls


def make_sampler(name: str, random_state: Any = None, **params: Any):
    """Build a sampler from its config name (see :data:`SAMPLERS`) or import path.

    ``random_state`` is passed to samplers that take one; deterministic
    samplers (Tomek links, edited nearest neighbours, NearMiss) have none and
    ignore it. ``params`` go to the constructor; unknown names and invalid
    values raise before anything is fitted, each named by its own path under
    ``params`` with its value: an unknown parameter as an
    :class:`UnknownNameError` with the close names
    (``params.k_neighbours=5 ... did you mean 'k_neighbors'?``), a missing
    required one as ``params.<name>=None``, and a value the sampler refuses as
    ``params.k_neighbors=-1`` (imbalanced-learn checks every parameter in one
    call: each is then tried alone to find the one refused; only a
    combination refused while every value passes alone names the whole
    ``params`` mapping).
    """
    cls = resolve_sampler(name)
    parameters = inspect.signature(cls).parameters.values()
    accepted = [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters)
    if not takes_any:
        for key in params:
            if key not in accepted:
                raise unknown_key(
                    _param_path(key), key, params[key], accepted, kind=f"parameter of sampler {name!r}"
                )
    required = [p.name for p in parameters if p.default is p.empty and p.name in accepted]
    for key in required:
        if key not in params:
            raise InvalidParameterError(_param_path(key), None, f"sampler {name!r} needs {key}= (it has no default)")
    args = dict(params)
    if random_state is not None and ("random_state" in accepted or takes_any):
        args["random_state"] = random_state
    try:
        return _build_sampler(cls, args)
    except InvalidParameterError as exc:  # our own sampler's checks name the parameter
        raise InvalidParameterError(_param_path(exc.name), exc.value, exc.expected) from exc
    except (TypeError, ValueError) as exc:
        raise _refused_parameter(cls, args, required, str(exc)) from exc


def _param_path(key: str) -> str:
    """The name of a constructor argument in errors: ``params.<key>``, but
    ``random_state`` (an argument of :func:`make_sampler` itself) as it is."""
    return key if key == "random_state" else f"params.{key}"


def _build_sampler(cls: type, args: Mapping[str, Any]):
    """``cls(**args)`` with its parameters checked as ``fit`` would check them."""
    sampler = cls(**args)
    if hasattr(sampler, "_validate_params"):
        sampler._validate_params()
    return sampler


def _refused_parameter(cls: type, args: Mapping[str, Any], required: list[str], why: str) -> InvalidParameterError:
    """The error for sampler arguments refused all together (imbalanced-learn
    checks every one in one call; a constructor raises once): each is tried on
    its own on an otherwise default sampler, as models' parameters are, so that
    the error names the one refused (``params.k_neighbors=-1``). Only a
    combination refused while each value passes alone names ``params`` whole."""
    base = {key: args[key] for key in required}
    # a required parameter is in every trial: try it first, so that it takes its own blame
    for key in sorted(args, key=lambda k: k not in required):
        try:
            _build_sampler(cls, {**base, key: args[key]})
        except InvalidParameterError as exc:
            return InvalidParameterError(_param_path(exc.name), exc.value, exc.expected)
        except (TypeError, ValueError) as exc:
            return InvalidParameterError(_param_path(key), args[key], str(exc))
    return InvalidParameterError("params", {k: v for k, v in args.items() if k != "random_state"}, why)


# --------------------------------------------------------------------- feasibility


# SMOTEN and SMOTENC are SMOTE subclasses; the others share only a private base
_SMOTE_FAMILY = (SMOTE, BorderlineSMOTE, SVMSMOTE, KMeansSMOTE)


def _neighbours_needed(value: Any, additional: int) -> int | None:
    """Rows a k-NN query needs: ``k + additional`` for an integer ``k``
    (imbalanced-learn adds the query row itself), the object's own
    ``n_neighbors`` for a k-NN object; None when unknown."""
    if isinstance(value, int | np.integer):
        return int(value) + additional
    params = value.get_params() if hasattr(value, "get_params") else {}
    n = params.get("n_neighbors")
    return int(n) if isinstance(n, int | np.integer) else None


def _neighbour_demands(sampler, counts: dict, strategy: dict) -> list[tuple[str, Any, int | None, list]]:
    """``(parameter, value, rows needed, [(population, rows available)])`` for
    the k-NN queries ``sampler`` will make on this ``y``."""
    n_total = sum(counts.values())
    grown = [(f"class {c!r}", counts[c]) for c, n_new in strategy.items() if n_new > 0]
    everything = [("all rows", n_total)]
    minority = min(counts, key=counts.get)
    demands = []
    if isinstance(sampler, _SMOTE_FAMILY):
        # every SMOTE variant queries k neighbours within each class it grows
        # (borderline-2 within all rows)
        within = everything if getattr(sampler, "kind", None) == "borderline-2" else grown
        demands.append(("k_neighbors", sampler.k_neighbors, _neighbours_needed(sampler.k_neighbors, 1), within))
        if isinstance(sampler, BorderlineSMOTE | SVMSMOTE):
            demands.append(("m_neighbors", sampler.m_neighbors, _neighbours_needed(sampler.m_neighbors, 1), everything))
    elif isinstance(sampler, ADASYN):
        demands.append(("n_neighbors", sampler.n_neighbors, _neighbours_needed(sampler.n_neighbors, 1), grown))
    elif isinstance(sampler, NearMiss):
        if sampler.version in (1, 3):
            demands.append(
                ("n_neighbors", sampler.n_neighbors, _neighbours_needed(sampler.n_neighbors, 0),
                 [(f"minority class {minority!r}", counts[minority])])
            )
        if sampler.version == 3:
            shrunk = [(f"class {c!r}", counts[c]) for c in strategy]
            demands.append(
                ("n_neighbors_ver3", sampler.n_neighbors_ver3, _neighbours_needed(sampler.n_neighbors_ver3, 0), shrunk)
            )
    elif isinstance(sampler, EditedNearestNeighbours | RepeatedEditedNearestNeighbours | AllKNN):
        demands.append(("n_neighbors", sampler.n_neighbors, _neighbours_needed(sampler.n_neighbors, 1), everything))
    return demands


def check_sampler_feasible(sampler, y) -> None:
    """Raise :class:`UnitSkipped` if ``sampler`` cannot run on labels ``y`` as configured.

    Checked: ``y`` has two or more classes; the sampler's
    ``sampling_strategy`` can be met on this ``y`` (imbalanced-learn's own
    ``check_sampling_strategy``, for example a float ratio on multiclass
    labels, or one the data already exceed); and every k-nearest-neighbour
    query has enough rows: SMOTE and its variants need ``k_neighbors + 1``
    rows in each class they oversample (``m_neighbors + 1`` rows in all for
    borderline and SVM SMOTE), ADASYN ``n_neighbors + 1``, NearMiss
    ``n_neighbors`` minority rows, edited nearest neighbours
    ``n_neighbors + 1`` rows. ``SMOTEENN`` / ``SMOTETomek`` are checked
    through their SMOTE. The sampler is never changed — a run with a lowered
    ``k_neighbors`` would be a different scheme.
    Labels that are no class labels (None, NaN, inf, numbers mixed with
    strings) are a broken input, not a skip: :class:`InvalidParameterError`
    naming ``y``.

    These are necessary conditions from the counts alone: KMeansSMOTE can
    still fail when its clustering finds no cluster with enough rows of a
    class, which only fitting reveals.
    """
    name = type(sampler).__name__
    labels, classes, n = check_labels(y, name="y", min_classes=1)
    counts = {c: int(k) for c, k in zip(classes, n, strict=True)}
    if len(counts) < 2:
        raise UnitSkipped(f"{name} needs at least two classes in y; got class counts {counts}")
    if isinstance(sampler, SMOTEENN | SMOTETomek):
        smote = sampler.smote if sampler.smote is not None else SMOTE()
        smote = smote.set_params(sampling_strategy=sampler.sampling_strategy)
        check_sampler_feasible(smote, labels)
        return
    sampling_type = getattr(sampler, "_sampling_type", None)
    strategy: dict = {}
    if sampling_type in ("over-sampling", "under-sampling", "clean-sampling"):
        if isinstance(sampler, ReplicationSampler) and sampler.factors is not None:
            return  # factor labels and values are errors of the config, raised by fit_resample
        try:
            strategy = {
                plain_label(c): v
                for c, v in check_sampling_strategy(sampler.sampling_strategy, labels, sampling_type).items()
            }
        except ValueError as exc:
            raise UnitSkipped(
                f"{name} with sampling_strategy={sampler.sampling_strategy!r} cannot run on y "
                f"with class counts {counts}: {exc}"
            ) from exc
        if sampling_type == "clean-sampling":
            strategy = {c: 0 for c in strategy}
    for param, value, needed, populations in _neighbour_demands(sampler, counts, strategy):
        if needed is None:
            continue
        for population, available in populations:
            if available < needed:
                raise UnitSkipped(
                    f"{name} with {param}={value!r} needs at least {needed} rows in {population} "
                    f"but the training data have {available} (class counts {counts}); "
                    f"{param} is not lowered, as that would run a different scheme"
                )
