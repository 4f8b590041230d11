"""Shared by the tests/test_datasets_*.py files (a plain module, imported by them)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def isolated_folders(tmp_path, monkeypatch):
    """No test reads or writes the checkout's data/ folder or its cache."""
    monkeypatch.setenv("IMBALANCE_LAB_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("IMBALANCE_LAB_CACHE", str(tmp_path / "cache"))
