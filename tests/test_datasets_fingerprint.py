"""Fingerprints: stable across processes, equal for equal values, sensitive to any change."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from imbalance_lab.datasets import fingerprint
from imbalance_lab.errors import InvalidParameterError

# The same data in a child process: built from a seed there, never pickled across.
CHILD = """
import numpy as np
from imbalance_lab.datasets import fingerprint, impose_ratio, load_spec
rng = np.random.default_rng(42)
X = rng.normal(size=(200, 5)); y = (rng.random(200) < 0.2).astype(int)
ds = load_spec({"synthetic": {"counts": [300, 60], "n_features": 4, "random_state": 3}})
print(fingerprint(X, y, ratio=5, seed=1, keep_n=False))
print(ds.fingerprint)
print(ds.impose_ratio(2, random_state=9).fingerprint)
"""


def parent_values():
    from imbalance_lab.datasets import load_spec

    rng = np.random.default_rng(42)
    X = rng.normal(size=(200, 5))
    y = (rng.random(200) < 0.2).astype(int)
    ds = load_spec({"synthetic": {"counts": [300, 60], "n_features": 4, "random_state": 3}})
    return [
        fingerprint(X, y, ratio=5, seed=1, keep_n=False),
        ds.fingerprint,
        ds.impose_ratio(2, random_state=9).fingerprint,
    ]


def test_fingerprints_agree_across_processes():
    child = subprocess.run(
        [sys.executable, "-c", CHILD],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "123"},  # another str-hash seed than ours
    )
    assert child.stdout.split() == parent_values()


def test_documented_byte_layout():
    """Rebuild the digest by hand from the module documentation."""
    X = np.array([[1.5, -0.0], [np.nan, 2.0]])
    y = np.array([1, 0])
    header = json.dumps(
        {"format": 1, "params": {"ratio": 2, "seed": 0}, "shape": [2, 2], "y": "int64"},
        sort_keys=True,
        separators=(",", ":"),
    )
    body = np.array([1.5, 0.0, np.nan, 2.0], dtype="<f8").tobytes() + np.array([1, 0], dtype="<i8").tobytes()
    expected = hashlib.sha256(header.encode("ascii") + b"\n" + body).hexdigest()
    assert fingerprint(X, y, ratio=2.0, seed=0) == expected


def test_equal_values_give_equal_fingerprints():
    X = np.arange(12, dtype=float).reshape(4, 3)
    y = np.array([0, 1, 0, 1])
    base = fingerprint(X, y, ratio=3)
    assert fingerprint(np.asfortranarray(X), y, ratio=3) == base  # memory layout
    assert fingerprint(X.astype(np.float32), y.astype(np.int8), ratio=3) == base  # dtypes
    assert fingerprint(X.tolist(), y.tolist(), ratio=3.0) == base  # lists; 3 == 3.0
    assert fingerprint(X.astype(">f8"), y.astype(">i4"), ratio=np.int64(3)) == base  # big-endian, numpy
    assert fingerprint(X, y.astype(float), ratio=3) == base  # integral float labels
    negative_zero, positive_zero = X.copy(), X.copy()
    negative_zero[0, 0], positive_zero[0, 0] = -0.0, 0.0
    assert fingerprint(negative_zero, y) == fingerprint(positive_zero, y)
    nan_a, nan_b = X.copy(), X.copy()
    nan_a[1, 1] = np.nan
    nan_b[1, 1] = np.frombuffer(np.uint64(0x7FF8000000000001).tobytes(), dtype=np.float64)[0]  # another NaN payload
    assert fingerprint(nan_a, y) == fingerprint(nan_b, y)


def test_any_change_changes_the_fingerprint():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    y = (rng.random(30) < 0.3).astype(int)
    base = fingerprint(X, y, ratio=2, seed=0)
    X2 = X.copy()
    X2[5, 2] = np.nextafter(X2[5, 2], np.inf)
    y2 = y.copy()
    y2[0] = 1 - y2[0]
    variants = [
        fingerprint(X2, y, ratio=2, seed=0),  # one ulp in one cell
        fingerprint(X, y2, ratio=2, seed=0),  # one label
        fingerprint(X[::-1], y[::-1], ratio=2, seed=0),  # row order
        fingerprint(X, y, ratio=2, seed=1),  # a parameter value
        fingerprint(X, y, ratio=2),  # a parameter dropped
        fingerprint(X.reshape(60, 2)[:30], y, ratio=2, seed=0),  # same bytes count, other shape
        fingerprint(X, y.astype(str), ratio=2, seed=0),  # label type
    ]
    assert base not in variants
    assert len(set(variants)) == len(variants)


def test_params_order_and_nesting_are_canonical():
    X, y = np.ones((2, 1)), np.array([0, 1])
    assert fingerprint(X, y, a=1, b={"y": 1, "x": (1, 2)}) == fingerprint(X, y, b={"x": [1, 2], "y": 1}, a=1)
    assert fingerprint(X, y, shares={0: 0.5, 1: 0.5}) == fingerprint(X, y, shares={"0": 0.5, "1": 0.5})


@pytest.mark.parametrize(
    ("X", "y", "params", "name"),
    [
        (np.ones(3), [0, 1, 0], {}, "X"),
        (np.ones((3, 1)), [0, 1], {}, "y"),
        (np.ones((2, 1)), [0, 1], {"ratio": float("nan")}, "params.ratio"),
        (np.ones((2, 1)), [0, 1], {"model": object()}, "params.model"),
        ([["a"], ["b"]], [0, 1], {}, "X"),
    ],
)
def test_bad_input_names_the_argument(X, y, params, name):
    with pytest.raises(InvalidParameterError) as info:
        fingerprint(X, y, **params)
    assert info.value.name == name
