"""A numeric fault selector picks one unit by index, never hex unit keys that
happen to start with the same digits (sweep unit keys are hex digests)."""

import pytest

from imbalance_lab.sweep.faults import ENV_VAR, InjectedFault, checkpoint


def test_a_number_does_not_select_keys_by_prefix(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "raise@unit:5")
    checkpoint("unit", 7, "5e0b2c1d9a8f7e6d")  # a key starting with 5, another index
    with pytest.raises(InjectedFault):
        checkpoint("unit", 5, "a0b1c2d3e4f5a6b7")


def test_a_key_prefix_with_letters_still_selects(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "raise@unit:5e0b")
    with pytest.raises(InjectedFault):
        checkpoint("unit", 7, "5e0b2c1d9a8f7e6d")
