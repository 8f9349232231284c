"""A killed run leaves nothing behind and blocks nothing (issue 12, fault 1), piece by piece:
dbt dies with its parent, a run whose process is gone is failed and its pool slot freed, and a
run that must wait says for which run and since when. tests/e2e/test_killed_run.py kills a real
`omnistock run`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.events import DagsterEvent
from dagster._core.test_utils import create_run_for_test, instance_for_test

from pipelines.run_owner import (
    HOST_TAG,
    PID_TAG,
    WRITER_TAG,
    Owner,
    fail_dead_runs,
    owner_alive,
    process_started_at,
    report_pool_waits,
    this_host,
    wait_for_warehouse,
)
from pipelines.warehouse import WAREHOUSE_POOL

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG and /proc are Linux")
HOST = this_host()
LIVE_PID = os.getppid()  # a live process that started before any run of the tests (not this one: see below)


def _alive(pid: int) -> bool:
    return process_started_at(pid) is not None


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


@linux_only
@pytest.mark.parametrize("sigterm", ["default", "blocked", "ignored"])
def test_dbt_started_through_the_resource_dies_when_its_parent_is_killed(tmp_path: Path, sigterm: str) -> None:
    # The parent starts "dbt" the way dagster-dbt does (a plain Popen of the resource's
    # dbt_executable), /bin/sleep standing in for dbt, then is SIGKILLed: nothing can clean up.
    # A parent that blocks or ignores SIGTERM passes that on through fork and exec. Dagster maps
    # SIGTERM to SIGINT's handler (dagster/_utils/interrupts.py), and a process started in the
    # background of a non-interactive shell (`cmd &` in a script, CI) has SIGINT ignored: so SIGTERM too,
    # and dbt with it (this test failed late in full CI runs after in-process Dagster runs).
    from pipelines.defs.dbt.resources import dbt_resource

    parent = textwrap.dedent(
        """
        import signal, subprocess, sys, time
        if sys.argv[2] == "blocked":
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        elif sys.argv[2] == "ignored":
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        child = subprocess.Popen([sys.argv[1], "60"], restore_signals=False)
        print(child.pid, flush=True)
        time.sleep(60)
        """
    )
    env = {**os.environ, "OMNISTOCK_DBT_EXECUTABLE": "/bin/sleep"}
    proc = subprocess.Popen(
        [sys.executable, "-c", parent, dbt_resource().dbt_executable, sigterm],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    child = int(proc.stdout.readline())
    try:
        time.sleep(0.5)  # the wrapper has exec'd sleep
        assert Path(f"/proc/{child}/exe").resolve().name == "sleep"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 3
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), "the dbt child outlived its killed parent"
    finally:
        proc.kill()
        if _alive(child):
            os.kill(child, signal.SIGKILL)


def test_owner_alive_tells_a_reused_pid_and_another_host_apart() -> None:
    owner = Owner(HOST, 4242)
    assert owner_alive(owner, 1000.0, HOST, started_at=lambda pid: 990.0) is True
    assert owner_alive(owner, 1000.0, HOST, started_at=lambda pid: None) is False
    assert owner_alive(owner, 1000.0, HOST, started_at=lambda pid: 1100.0) is False  # a newer process took the pid
    assert owner_alive(Owner("elsewhere", 4242), 1000.0, HOST, started_at=lambda pid: None) is None


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with instance_for_test(overrides={"concurrency": {"pools": {"default_limit": 1}}}) as instance:
        instance.event_log_storage.set_concurrency_slots(WAREHOUSE_POOL, 1)
        yield instance


def test_a_run_of_a_namesake_host_is_not_taken_for_this_one_s(instance: dg.DagsterInstance) -> None:
    """Two containers with one host name share a data folder: a pid of the other is not ours to judge."""
    namesake = _run(instance, 2**22 + 7, host=socket.gethostname())  # same name, no boot id / pid namespace
    assert fail_dead_runs(instance, say=lambda message: None) == []
    assert instance.get_run_by_id(namesake).status == dg.DagsterRunStatus.STARTED


def _run(instance: dg.DagsterInstance, pid: int | None, host: str = HOST, status=dg.DagsterRunStatus.STARTED) -> str:
    tags = {WRITER_TAG: "warehouse"} | ({PID_TAG: str(pid), HOST_TAG: host} if pid is not None else {})
    if status != dg.DagsterRunStatus.STARTED:
        return create_run_for_test(instance, job_name="materialize_everything", status=status, tags=tags).run_id
    run = create_run_for_test(instance, job_name="materialize_everything", tags=tags)
    start = DagsterEvent(event_type_value=dg.DagsterEventType.RUN_START.value, job_name=run.job_name)
    instance.report_dagster_event(start, run_id=run.run_id)  # STARTED, with a start time, as a real run
    return run.run_id


def _claimed(instance: dg.DagsterInstance) -> list[str]:
    return [slot.run_id for slot in instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).claimed_slots]


def test_a_run_whose_process_is_gone_is_failed_and_its_slot_freed(instance: dg.DagsterInstance) -> None:
    dead_pid = _dead_pid()
    dead = _run(instance, dead_pid)
    assert instance.event_log_storage.claim_concurrency_slot(WAREHOUSE_POOL, dead, "omnistock_dbt_assets").is_claimed
    live = _run(instance, LIVE_PID)
    remote = _run(instance, dead_pid, host="another-host")
    daemon = _run(instance, None)
    said: list[str] = []

    assert fail_dead_runs(instance, said.append) == [dead]

    assert instance.get_run_by_id(dead).status == dg.DagsterRunStatus.FAILURE
    for untouched in (live, remote, daemon):
        assert instance.get_run_by_id(untouched).status == dg.DagsterRunStatus.STARTED
    assert _claimed(instance) == []
    failure = instance.get_records_for_run(dead, of_type=dg.DagsterEventType.RUN_FAILURE).records
    assert f"pid {dead_pid} on {HOST}" in failure[0].event_log_entry.dagster_event.message
    assert len(said) == 1
    assert said[0].startswith(f"run {dead} (pid {dead_pid} on {HOST}, started 20")
    assert said[0].endswith(" UTC) was killed: marked it failed and freed its slots")


def test_a_slot_left_by_a_finished_run_is_freed(instance: dg.DagsterInstance) -> None:
    over = _run(instance, None, status=dg.DagsterRunStatus.CANCELED)
    assert instance.event_log_storage.claim_concurrency_slot(WAREHOUSE_POOL, over, "omnistock_dbt_assets").is_claimed
    said: list[str] = []
    assert fail_dead_runs(instance, said.append) == []
    assert _claimed(instance) == []
    assert said == [f"freed the concurrency slots still held by run {over}, which is over"]


def test_an_unfinished_run_of_this_very_process_is_failed(instance: dg.DagsterInstance) -> None:
    # One process runs one run at a time: an unfinished run it owns was cut short by an exception,
    # and a second build in the same process must not wait for it.
    left = _run(instance, os.getpid())
    assert fail_dead_runs(instance, lambda message: None) == [left]
    assert instance.get_run_by_id(left).status == dg.DagsterRunStatus.FAILURE


def test_a_waiting_run_says_which_run_holds_the_pool_and_since_when(instance: dg.DagsterInstance) -> None:
    holder = _run(instance, LIVE_PID)
    instance.event_log_storage.claim_concurrency_slot(WAREHOUSE_POOL, holder, "omnistock_dbt_assets")
    said: list[str] = []
    naps: list[float] = []

    def nap(seconds: float) -> None:  # the holder finishes while the second run waits
        naps.append(seconds)
        if len(naps) == 2:
            instance.report_run_failed(instance.get_run_by_id(holder))
            instance.event_log_storage.free_concurrency_slots_for_run(holder)

    wait_for_warehouse(instance, said.append, poll_seconds=1.0, report_every=0.0, sleep=nap)

    assert naps == [1.0, 1.0]
    assert len(said) == 3
    for message in said[:2]:
        assert message.startswith("waiting since ")
        assert f"for the {WAREHOUSE_POOL} pool, held by run {holder} (pid {LIVE_PID} on {HOST}, started " in message
    assert said[2].startswith("the warehouse is free after ")


def test_a_run_started_by_the_daemon_is_named_with_what_to_do(instance: dg.DagsterInstance) -> None:
    other = _run(instance, None)
    said: list[str] = []
    naps: list[float] = []

    def nap(seconds: float) -> None:
        naps.append(seconds)
        instance.report_run_canceled(instance.get_run_by_id(other))

    wait_for_warehouse(instance, said.append, sleep=nap)
    assert f"the warehouse, being built by run {other} (launched by Dagster, not by `omnistock run`" in said[0]
    assert "terminate it in the Dagster UI" in said[0]


def test_a_step_waiting_for_the_pool_during_the_run_is_reported(instance: dg.DagsterInstance) -> None:
    holder = _run(instance, LIVE_PID)
    storage = instance.event_log_storage
    assert storage.claim_concurrency_slot(WAREHOUSE_POOL, holder, "omnistock_dbt_assets").is_claimed
    waiting = _run(instance, LIVE_PID)
    assert not storage.claim_concurrency_slot(WAREHOUSE_POOL, waiting, "omnistock_dbt_assets").is_claimed
    said: list[str] = []
    with report_pool_waits(instance, waiting, said.append, poll_seconds=0.05, report_every=0.0):
        deadline = time.monotonic() + 5
        while not said and time.monotonic() < deadline:
            time.sleep(0.05)
    assert said and f"pool, held by run {holder} (pid {LIVE_PID}" in said[0]


def test_a_run_started_in_the_background_stops_on_sigterm() -> None:
    """SIGINT ignored (a background job) -> Dagster's mapping would ignore SIGTERM too; after
    stoppable_by_sigterm, SIGTERM interrupts."""
    script = textwrap.dedent(
        """
        import os, signal, time
        from dagster._utils.interrupts import setup_interrupt_handlers
        from pipelines.run_owner import stoppable_by_sigterm
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if os.environ["FIX"] == "1":
            stoppable_by_sigterm()
        setup_interrupt_handlers()
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(2)
            print("still running")
        except KeyboardInterrupt:
            print("interrupted")
        """
    )
    outputs = {
        fix: subprocess.run(
            [sys.executable, "-c", script], env={**os.environ, "FIX": fix}, capture_output=True, text=True, timeout=60
        ).stdout.strip()
        for fix in ("0", "1")
    }
    assert outputs == {"0": "still running", "1": "interrupted"}
