"""A fingerprint of a data set instance: SHA-256 over canonical bytes.

The digest depends only on the values, never on the process, platform,
memory layout or dtype the arrays happen to have, so two machines that hold
the same rows in the same order agree. The exact byte layout (format 1) is:

1. a header: JSON of ``{"format": 1, "params": <params>, "shape": [n, d],
   "y": "int64" | "str"}`` with sorted keys, separators ``(",", ":")`` and
   ASCII only, followed by one newline byte;
2. ``X`` as little-endian float64 in C order (``-0.0`` written as ``0.0`` and
   every NaN as the one quiet NaN ``0x7ff8000000000000``: equal values, equal
   bytes);
3. ``y`` as little-endian int64 when every label is an integer (bools and
   integral floats included), otherwise the JSON list of ``str(label)``.

``params`` (the imposing parameters: ratio, seed, keep_n, ...) are made
canonical first: mapping keys become strings, tuples lists, numpy scalars
Python numbers, and integral floats integers (so ``ratio=1`` and
``ratio=1.0`` agree). NaN or infinity in a parameter is refused.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from imbalance_lab.errors import InvalidParameterError

FORMAT = 1
_CANONICAL_NAN = np.frombuffer(np.array([0x7FF8000000000000], dtype="<u8").tobytes(), dtype="<f8")[0]

__all__ = ["fingerprint", "canonical_params"]


def fingerprint(X: Any, y: Any, **params: Any) -> str:
    """Hex SHA-256 of ``X`` (rows x features), ``y`` and ``params``; see the module doc."""
    X_arr = _canonical_X(X)
    y_kind, y_bytes = _canonical_y(y, X_arr.shape[0])
    header = {
        "format": FORMAT,
        "params": canonical_params(params),
        "shape": list(X_arr.shape),
        "y": y_kind,
    }
    digest = hashlib.sha256()
    digest.update(_dumps(header).encode("ascii") + b"\n")
    digest.update(X_arr.tobytes(order="C"))
    digest.update(y_bytes)
    return digest.hexdigest()


def _canonical_X(X: Any) -> np.ndarray:
    if hasattr(X, "to_numpy"):
        X = X.to_numpy()
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError("X", type(X).__name__, f"numeric rows x features ({exc})") from None
    if arr.ndim != 2:
        raise InvalidParameterError("X", f"array of shape {arr.shape}", "a 2-D array (rows x features)")
    arr = arr + 0.0  # -0.0 + 0.0 == +0.0: equal values give equal bytes
    arr[np.isnan(arr)] = _CANONICAL_NAN
    return np.ascontiguousarray(arr, dtype="<f8")


def _canonical_y(y: Any, n_rows: int) -> tuple[str, bytes]:
    arr = np.asarray(y)
    if arr.ndim != 1 or arr.shape[0] != n_rows:
        raise InvalidParameterError("y", f"array of shape {arr.shape}", f"a 1-D array of {n_rows} labels")
    if arr.dtype.kind in "biu":
        return "int64", arr.astype("<i8").tobytes()
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        return "int64", arr.astype("<i8").tobytes()
    return "str", _dumps([str(label) for label in arr.tolist()]).encode("ascii")


def canonical_params(value: Any, path: str = "params") -> Any:
    """``value`` as plain JSON data, canonical as the module doc says."""
    if isinstance(value, Mapping):
        return {str(k): canonical_params(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical_params(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, np.ndarray):
        return canonical_params(value.tolist(), path)
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            raise InvalidParameterError(path, value, "a finite number")
        return int(number) if number.is_integer() else number
    raise InvalidParameterError(path, value, "JSON data (numbers, strings, lists, mappings, None)")


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
