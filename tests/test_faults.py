"""Fault injection fires exactly where the environment variable says."""

import subprocess
import sys

import pytest

from imbalance_lab.sweep.faults import ENV_VAR, InjectedFault, checkpoint


def test_no_variable_no_fault(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    checkpoint("unit", 3, "abc")


def test_raise_by_index_only_at_that_unit(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "raise@unit:3")
    checkpoint("unit", 2, "k2")
    checkpoint("unit", 30, "k30")  # "30" is not "3": an index must match exactly...
    with pytest.raises(InjectedFault):
        checkpoint("unit", 3, "k3")


def test_raise_by_key_prefix(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "raise@unit:abc1")
    checkpoint("unit", 0, "abd1ff")
    with pytest.raises(InjectedFault):
        checkpoint("unit", 0, "abc1ff")


def test_other_kind_does_not_fire(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "raise@slice:3")
    checkpoint("unit", 3, "k")


def test_interrupt(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "interrupt@unit:1")
    with pytest.raises(KeyboardInterrupt):
        checkpoint("unit", 1)


def test_exit_ends_the_process():
    code = "from imbalance_lab.sweep.faults import checkpoint; checkpoint('unit', 5); print('alive')"
    done = subprocess.run(
        [sys.executable, "-c", code], env={"IMBALANCE_LAB_FAULT": "exit@unit:5", "PATH": ""},
        capture_output=True, text=True,
    )
    assert done.returncode == 99 and "alive" not in done.stdout


def test_unknown_action_is_an_error(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "explode@unit:1")
    with pytest.raises(ValueError, match="explode"):
        checkpoint("unit", 1)
