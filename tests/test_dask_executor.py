"""The Dask executor: a sweep on a LocalCluster (2 worker processes, 1 thread
each) records the same rows as a run in this process; a worker that dies
mid-slice leaves its slice retried or marked failed, never lost or written
twice; bad addresses and mismatched workers are errors before any work.

These tests use the sweep's test task (no kernels); ``test_dask_notebook.py``
runs the real notebook on a cluster.
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import dask
import pandas as pd
import pytest
from distributed import LocalCluster
from test_sweep_support import InlineExecutor, fake_config, fake_load, fake_task, thread_probe_task

from imbalance_lab import rows
from imbalance_lab.errors import InvalidParameterError
from imbalance_lab.sweep import faults, run_sweep
from imbalance_lab.sweep.dask_executor import (
    DaskExecutor,
    environment_difference,
    run_slice_on_worker,
    worker_environment,
)
from imbalance_lab.sweep.executors import make_executor

#: Columns that measure time, not results: they may differ between runs.
TIMING = ["fit_seconds", "predict_seconds"]
#: Marker file of exit_once_task (set in the workers' environment).
MARKER_ENV = "IMBALANCE_LAB_TEST_EXIT_ONCE"
#: The slice whose first attempt exit_once_task kills.
EXIT_ONCE_SLICE = "gamma__logistic_regression"


def exit_once_task(spec: dict, **kwargs):
    """Kills its worker process the first time it runs the slice named in
    ``IMBALANCE_LAB_TEST_EXIT_ONCE`` (``KEY:MARKER_PATH``), as a kill or an
    out-of-memory would; every later attempt runs normally. The marker file
    makes this deterministic: attempt one dies, attempt two does not."""
    key, _, marker = os.environ[MARKER_ENV].partition(":")
    if spec["slice_key"] == key and not os.path.exists(marker):
        Path(marker).write_text(str(os.getpid()))
        os._exit(1)
    return fake_task(spec, **kwargs)


def _cluster(allowed_failures: int = 3, **env) -> LocalCluster:
    # allowed-failures is read by the scheduler when it starts, which a
    # LocalCluster does in this process; env reaches the worker processes.
    # ":0": the scheduler's HTTP server on a free port, not 8787 (taken by
    # the module's other cluster).
    with dask.config.set({"distributed.scheduler.allowed-failures": allowed_failures}):
        return LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
            env={k: str(v) for k, v in env.items()},
        )


def _rows(out: Path) -> pd.DataFrame:
    frames = [pd.read_parquet(p) for p in sorted((out / "rows").glob("*.parquet"))]
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values(["unit_key", "repeat", "fold"]).reset_index(drop=True)


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """One cluster for the tests that need no special scheduler setting. Its
    workers know the marker of exit_once_task (only that task reads it)."""
    marker = tmp_path_factory.mktemp("marker") / "died-once"
    with _cluster(**{MARKER_ENV: f"{EXIT_ONCE_SLICE}:{marker}"}) as cluster:
        cluster.marker = marker
        yield cluster


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The fake sweep run in this process, one slice after the other."""
    out = tmp_path_factory.mktemp("inline")
    summary = run_sweep(fake_config(), out=out, executor=InlineExecutor(), load_dataset=fake_load)
    assert summary.ok == summary.units == 2 * 2 * 2 * 2 * 3  # ratios x schemes x seeds x models x data sets
    return _rows(out)


def test_address_must_name_a_scheduler():
    for bad in ("", "   ", None, 8786):
        with pytest.raises(InvalidParameterError) as info:
            DaskExecutor(bad)
        assert info.value.name == "executor.dask" and info.value.value == bad


@pytest.mark.parametrize(("bad", "why"), [
    ("foo", "missing port number in address 'foo'"),
    ("tcp://", "missing port number"),
    ("tcp://host:notaport", "invalid literal for int()"),
    ("tcp://127.0.0.1", "missing port number"),
    ("tcp://127.0.0.1:0", "port 0 is not between 1 and 65535"),
    ("tls://127.0.0.1:70000", "port 70000 is not between 1 and 65535"),
    ("http://127.0.0.1:8786", "unknown address scheme 'http' (known schemes: ['inproc', 'tcp', 'tls'"),
])
def test_a_malformed_address_is_refused_before_connecting(bad, why):
    started = time.monotonic()
    with pytest.raises(InvalidParameterError) as info:
        DaskExecutor(bad, field="--scheduler")
    assert (info.value.name, info.value.value) == ("--scheduler", bad)
    assert why in str(info.value) and "tcp://127.0.0.1:8786" in str(info.value)
    assert time.monotonic() - started < 10  # no connection attempt (Dask's connect timeout is 30 s)


def test_the_watch_says_once_when_no_worker_is_left_and_once_when_they_are_back():
    import io

    from imbalance_lab.sweep.dask_executor import WorkerWatch

    a, b, c = "tcp://10.0.0.7:40001", "tcp://10.0.0.8:40002", "tcp://10.0.0.7:40999"
    looks = iter([{a: 1, b: 1}, {}, {}, {}, {c: 1}, {c: 1}, {}])
    stream = io.StringIO()
    watch = WorkerWatch("tcp://10.0.0.5:8786", lambda: next(looks), stream=stream)
    said = [watch.check() for _ in range(7)]
    assert [len(m) for m in said] == [0, 3, 0, 0, 1, 0, 2]  # look 2: a left, b left, none left
    assert said[1][0].startswith(f"imbalance-lab sweep: Dask worker {a} left the cluster")
    assert f"Dask worker {b} left" in said[1][1]
    assert "no Dask worker is left at tcp://10.0.0.5:8786" in said[1][2]
    assert "dask worker tcp://10.0.0.5:8786 --nthreads 1" in said[1][2]
    assert said[4] == ["imbalance-lab sweep: 1 Dask worker thread at tcp://10.0.0.5:8786 again; going on"]
    assert f"Dask worker {c} left" in said[6][0] and "no Dask worker is left" in said[6][1]
    # with none left, a leaving worker's slices wait for the next to join, not 'another worker'
    assert all("again on the next worker to join" in m for m in said[1][:2] + said[6][:1])
    assert stream.getvalue().count("no Dask worker is left") == 2
    assert stream.getvalue().count("left the cluster") == 3


def test_the_watch_reports_a_worker_a_nanny_restarted_between_two_looks():
    # The nanny brings the worker back at once, under a new address: the
    # number of workers is the same at both looks, yet one died.
    import io

    from imbalance_lab.sweep.dask_executor import WorkerWatch

    looks = iter([{"tcp://h:1": 1, "tcp://h:2": 1}, {"tcp://h:1": 1, "tcp://h:3": 1}])
    stream = io.StringIO()
    with WorkerWatch("tcp://h:8786", lambda: next(looks), interval=3600, stream=stream) as watch:
        said = watch.check()  # the second look (the first was taken on entry)
    assert len(said) == 1 and "Dask worker tcp://h:2 left the cluster" in said[0]
    assert "runs the slices it had again on another worker" in said[0]


def test_unreachable_scheduler_is_an_error_naming_the_field():
    with pytest.raises(InvalidParameterError) as info:
        DaskExecutor("tcp://127.0.0.1:9", connect_timeout=1, field="--scheduler")
    assert info.value.name == "--scheduler" and info.value.value == "tcp://127.0.0.1:9"
    assert "none answered within 1 s" in str(info.value)


@pytest.mark.slow
def test_cli_names_an_unreachable_scheduler_without_a_traceback(tmp_path):
    config = tmp_path / "tiny.yaml"
    config.write_text("name: tiny\ndatasets: [ecoli1]\nratios: [native]\nmodels: [gaussian_nb]\nschemes: [none]\n")
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"}
    done = subprocess.run(
        [sys.executable, "-m", "imbalance_lab.cli", "sweep", str(config), "--out", str(tmp_path / "out"),
         "--scheduler", "tcp://127.0.0.1:9"],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert done.returncode == 2, done.stderr
    assert "--scheduler='tcp://127.0.0.1:9' is invalid" in done.stderr
    assert "none answered within 1 s" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()  # the error came before any work


@pytest.mark.slow
def test_cli_refuses_a_malformed_address_at_once_without_a_traceback(tmp_path):
    config = tmp_path / "tiny.yaml"
    config.write_text("name: tiny\ndatasets: [ecoli1]\nratios: [native]\nmodels: [gaussian_nb]\nschemes: [none]\n"
                      "executor: {dask: 'tcp://host:notaport'}\n")
    # Before the fix: a traceback, then a client that hung 60 s on exit, exit code 1.
    done = subprocess.run(
        [sys.executable, "-m", "imbalance_lab.cli", "sweep", str(config), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=50,
    )
    assert done.returncode == 2, done.stderr
    assert "executor.dask='tcp://host:notaport' is invalid" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_jobs_and_retries_are_checked_before_connecting():
    for name, kwargs in (("jobs", {"jobs": 0}), ("jobs", {"jobs": 1.5}), ("retries", {"retries": -1})):
        with pytest.raises(InvalidParameterError) as info:
            DaskExecutor("tcp://127.0.0.1:9", connect_timeout=1, **kwargs)
        assert info.value.name == name


def test_environment_difference_names_each_mismatch():
    ours = {"source_hash": "aaa", "notebook": "n1", "kernel": "imbalance-lab",
            "versions": {"numpy": "2.1", "pandas": "3.0"}}
    assert environment_difference(ours, json.loads(json.dumps(ours))) == ""
    theirs = {"source_hash": "bbb", "notebook": "n1", "kernel": "missing", "versions": {"numpy": "2.0"}}
    assert environment_difference(ours, theirs) == (
        "imbalance-lab source hash bbb (client aaa), "
        "Jupyter kernel missing (client imbalance-lab; 'make setup' installs it), "
        "numpy 2.0 (client 2.1), pandas not installed (client 3.0)"
    )


def test_this_process_has_what_a_worker_needs():
    env = worker_environment()
    assert env["kernel"] == "imbalance-lab" and env["notebook"] != "missing"
    assert len(env["source_hash"]) == 16 and env["versions"]["scikit-learn"]


def test_a_task_on_a_different_worker_fails_its_slice_without_running():
    expected = {**worker_environment(), "source_hash": "0" * 16}
    spec = {"slice_key": "k", "units": []}
    outcome = run_slice_on_worker(spec, _must_not_run, {}, expected)
    assert outcome.status == "failed" and outcome.slice_key == "k"
    assert f"imbalance-lab source hash {worker_environment()['source_hash']} (client {'0' * 16})" in outcome.error


def _must_not_run(spec, **kwargs):
    raise AssertionError("the task ran on a mismatched worker")


@pytest.mark.slow
def test_sweep_on_a_local_cluster_equals_a_local_run(tmp_path, cluster, reference):
    executor = DaskExecutor(cluster, task=fake_task)
    assert executor.jobs == 2
    summary = run_sweep(fake_config(), out=tmp_path, executor=executor, load_dataset=fake_load)
    assert summary.ok == summary.units and summary.failed == 0
    got = _rows(tmp_path)
    assert list(got.columns) == list(rows.COLUMNS)
    pd.testing.assert_frame_equal(got.drop(columns=TIMING), reference.drop(columns=TIMING))
    assert not got.duplicated(["unit_key", "repeat", "fold"]).any()


@pytest.mark.slow
def test_a_config_naming_a_scheduler_gets_a_dask_executor(cluster):
    with make_executor({"dask": cluster.scheduler_address}, 3) as executor:
        assert isinstance(executor, DaskExecutor) and executor.jobs == 3
        assert executor.client.scheduler.address == cluster.scheduler_address
        # 3 is how many slices may be on the cluster at once, not its workers (2, of 1 thread each)
        assert executor.describe() == (f"on the Dask cluster at {cluster.scheduler_address} "
                                       "(2 workers, 2 threads; at most 3 slices at once)")


@pytest.mark.slow
def test_the_summary_names_the_cluster_and_its_workers_not_the_jobs(tmp_path, cluster):
    executor = DaskExecutor(cluster, jobs=999, task=fake_task)
    summary = run_sweep(fake_config(), out=tmp_path, executor=executor, load_dataset=fake_load)
    text = summary.text()
    assert f"on the Dask cluster at {cluster.scheduler_address} (2 workers, 2 threads; at most 999 slices" in text
    assert "999 workers" not in text
    assert executor.describe() == f"on the Dask cluster at {cluster.scheduler_address}"  # closed: what is known


@pytest.mark.slow
def test_workers_run_with_one_blas_thread(cluster):
    spec = {"slice_key": "probe", "units": []}
    with DaskExecutor(cluster, task=thread_probe_task) as executor:
        for i in range(4):
            executor.submit({**spec, "slice_key": f"probe{i}"})
        outcomes = list(executor.as_completed())
    assert sorted(o.slice_key for o in outcomes) == [f"probe{i}" for i in range(4)]
    info = pd.concat([o.rows for o in outcomes])
    assert set(info["OMP_NUM_THREADS"]) == {"1"} and set(info["OPENBLAS_NUM_THREADS"]) == {"1"}
    assert set(info["max_threads"]) == {1}
    assert info["pid"].nunique() == 2  # both worker processes took slices
    assert os.getpid() not in set(info["pid"])


@pytest.mark.slow
def test_a_worker_that_dies_once_has_its_slice_retried(tmp_path, cluster, reference):
    """The worker running slice EXIT_ONCE_SLICE dies on the first attempt;
    Dask runs the slice again on a live worker and the sweep ends complete,
    with the same rows as the reference and none of them twice."""
    assert not cluster.marker.exists()
    executor = DaskExecutor(cluster, task=exit_once_task)
    summary = run_sweep(fake_config(), out=tmp_path / "out", executor=executor, load_dataset=fake_load)
    assert cluster.marker.exists(), "the fault never fired: the test proved nothing"
    assert summary.failed == 0 and summary.ok == summary.units
    got = _rows(tmp_path / "out")
    pd.testing.assert_frame_equal(got.drop(columns=TIMING), reference.drop(columns=TIMING))
    assert not got.duplicated(["unit_key", "repeat", "fold"]).any()


@pytest.mark.slow
def test_a_slice_that_kills_every_worker_is_marked_failed_and_rerun_later(tmp_path, reference):
    """Slice beta__logistic_regression kills whichever worker runs it. With
    allowed-failures=1 the scheduler gives up after two deaths: the slice is
    failed in the manifest, every other unit is done or failed, nothing is
    missing; the next sweep (here without the fault) runs only the failed units."""
    victim = "beta__logistic_regression"
    out = tmp_path / "out"
    with _cluster(allowed_failures=1, **{faults.ENV_VAR: f"exit@slice:{victim}"}) as cluster:
        executor = DaskExecutor(cluster, task=fake_task)
        summary = run_sweep(fake_config(), out=out, executor=executor, load_dataset=fake_load)
    units = _manifest(out)["units"]
    assert len(units) == summary.units
    assert {u["status"] for u in units.values()} <= {"ok", "failed"}
    failed = {k for k, u in units.items() if u["status"] == "failed"}
    victims = {k for k, u in units.items() if u["slice"] == victim}
    assert victims <= failed
    assert all("workers died while running it" in units[k]["error"] for k in failed)
    assert summary.failed == len(failed) and summary.exit_code == 1
    # A slice lost with its workers brought back no notebook: the summary does not point at one.
    lost = [line for line in summary.text().splitlines() if line.startswith("  failed slice")]
    assert lost and all(line.endswith("(no executed notebook came back)") for line in lost)

    again = InlineExecutor()
    summary = run_sweep(fake_config(), out=out, executor=again, load_dataset=fake_load)
    assert set(again.unit_keys()) == failed
    assert summary.failed == 0 and summary.cached == summary.units - len(failed)
    got = _rows(out)
    pd.testing.assert_frame_equal(got.drop(columns=TIMING), reference.drop(columns=TIMING))


@pytest.mark.slow
def test_workers_unlike_the_client_are_refused_before_any_work(cluster):
    with DaskExecutor(cluster, task=fake_task) as executor:
        executor.expected = {**executor.expected, "versions": {**executor.expected["versions"], "numpy": "0.0"}}
        with pytest.raises(InvalidParameterError) as info:
            executor._check_workers()
    assert info.value.name == "executor.dask"
    assert "numpy" in str(info.value) and "(client 0.0)" in str(info.value)


class _Listener:
    """A TCP port where something other than a Dask scheduler listens:
    ``silent`` accepts and never writes (the kernel completes the TCP
    handshake from the backlog); ``http`` is a web server, like the
    scheduler's own dashboard."""

    def __init__(self, kind):
        self.kind = kind

    def __enter__(self):
        if self.kind == "silent":
            self.server = socket.socket()
            self.server.bind(("127.0.0.1", 0))
            self.server.listen(8)
            port = self.server.getsockname()[1]
        else:
            self.server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
            threading.Thread(target=self.server.serve_forever, daemon=True).start()
            port = self.server.server_address[1]
        return f"tcp://127.0.0.1:{port}"

    def __exit__(self, *exc):
        if self.kind == "silent":
            self.server.close()
        else:
            self.server.shutdown()
            self.server.server_close()


@pytest.mark.timeout(60)  # a regression hangs: fail it, not the suite
@pytest.mark.parametrize("kind", ["silent", "http"])
def test_a_port_where_something_else_listens_is_refused_not_waited_on_for_ever(kind):
    # dask/distributed#8071: Client bounds the TCP connect but not the
    # handshake, and waited for ever on the scheduler's dashboard port.
    with _Listener(kind) as address, pytest.raises(InvalidParameterError) as info:
        DaskExecutor(address, connect_timeout=1, field="--scheduler")
    assert info.value.name == "--scheduler" and info.value.value == address
    assert "something listens there but" in str(info.value) and "Scheduler at:" in str(info.value)


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("address", "why"), [
    ("tls://127.0.0.1:9", "a tls:// address needs Dask's TLS settings"),  # none configured here
    ("ucx://127.0.0.1:9", "a ucx:// address needs UCX"),  # not installed here
])
def test_a_transport_that_cannot_start_here_is_a_clean_error(address, why):
    # Found by a fresh user: a 55-line traceback and exit 1 for tls:// and ucx://.
    with pytest.raises(InvalidParameterError) as info:
        DaskExecutor(address, connect_timeout=1, field="--scheduler")
    assert (info.value.name, info.value.value) == ("--scheduler", address)
    assert why in str(info.value)
