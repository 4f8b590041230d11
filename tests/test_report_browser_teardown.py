"""Stopping the browser stops its helpers too, before the profile is removed.

CI once failed with ``OSError: Directory not empty: 'Default'``: the browser
process had exited but one of its helpers was still writing to the profile
when it was removed. A stand-in "browser" (no Chromium needed) starts a
helper that ignores SIGTERM and keeps writing to a folder, as those helpers
do; after :func:`browser.stop_process_group` none of the group may run.
"""

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from imbalance_lab.report import browser

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg") or not Path("/proc").is_dir(),
                                reason="needs POSIX process groups and /proc")

_HELPER = textwrap.dedent("""
    import os, signal, sys, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    profile = sys.argv[1]
    open(os.path.join(profile, "helper.pid"), "w").write(str(os.getpid()))
    n = 0
    while True:  # a helper that keeps writing to the profile
        os.makedirs(os.path.join(profile, "Default"), exist_ok=True)
        open(os.path.join(profile, "Default", f"{n % 50}.tmp"), "w").write("x")
        n += 1
""")

_BROWSER = textwrap.dedent("""
    import signal, subprocess, sys, time
    if sys.argv[3] == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    subprocess.Popen([sys.executable, sys.argv[1], sys.argv[2]])
    while True:
        time.sleep(60)
""")


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _start(tmp_path, mode):
    helper, fake = tmp_path / "helper.py", tmp_path / "browser.py"
    helper.write_text(_HELPER)
    fake.write_text(_BROWSER)
    profile = tmp_path / "profile"
    profile.mkdir()
    process = subprocess.Popen([sys.executable, str(fake), str(helper), str(profile), mode],
                               start_new_session=True)
    pid_file = profile / "helper.pid"
    deadline = time.monotonic() + 60  # waits for an event (the helper's start), not for a time
    while not (pid_file.exists() and pid_file.read_text()):
        assert time.monotonic() < deadline, "the stand-in helper never started"
        time.sleep(0.01)
    return process, profile, int(pid_file.read_text())


@pytest.mark.parametrize("mode", ["obedient", "stubborn"])
def test_no_helper_runs_once_the_browser_is_stopped(tmp_path, mode):
    # obedient: the browser exits on SIGTERM, its helper does not.
    # stubborn: neither does; the grace runs out and SIGKILL ends both.
    process, profile, helper = _start(tmp_path, mode)
    assert _running(helper)
    browser.stop_process_group(process, grace=0.5)
    assert process.returncode == (-signal.SIGTERM if mode == "obedient" else -signal.SIGKILL)
    assert not _running(helper)
    shutil.rmtree(profile)  # nothing writes there any more
    assert not profile.exists()


def test_stopping_a_browser_that_already_exited_is_quiet(tmp_path):
    process = subprocess.Popen([sys.executable, "-c", "pass"], start_new_session=True)
    process.wait()
    browser.stop_process_group(process, grace=0.5)
    assert process.returncode == 0
