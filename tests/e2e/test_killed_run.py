"""A run killed mid-build (SIGKILL, the OOM killer, a closed laptop) must leave nothing running
and must not block the next run (issue 12, fault 1).

Before the fix the killed run's `dbt build` child went on as an orphan, the run stayed STARTED
holding the `duckdb_warehouse` pool slot, and the next `omnistock run` waited for it forever,
silently, at full CPU.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.generate import generate
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.e2e

OMNISTOCK = str(Path(sys.executable).with_name("omnistock"))
POOL = "duckdb_warehouse"
SECOND_RUN_TIMEOUT = 600  # a build of the 14-day small brand: 1-2 min on 2 cores, 5 when other builds share them


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process from /proc, or None when there is no such process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except (FileNotFoundError, ProcessLookupError):
        return []


def _dbt_build_child(parent: int) -> int | None:
    """The pid of a `dbt build` process whose parent is `parent`, if one is running."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(int(entry.name))
        if stat and stat[1] == parent:
            args = _cmdline(int(entry.name))
            if "build" in args and any(Path(a).name == "dbt" for a in args):
                return int(entry.name)
    return None


def _alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")  # a zombie has exited: only its parent may reap it


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_run_leaves_no_dbt_behind_and_the_next_run_fails_it_and_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "brand"
    generate(data, scale="small", seed=7, days=14)
    env = {**os.environ, "OMNISTOCK_DATA_DIR": str(data), "DAGSTER_HOME": str(REPO_ROOT)}

    with open(tmp_path / "first.log", "wb") as first_log:
        first = subprocess.Popen([OMNISTOCK, "run"], env=env, stdout=first_log, stderr=subprocess.STDOUT)
    dbt = None
    try:
        deadline = time.monotonic() + 600  # ingestion first: minutes when other builds share the cores
        while dbt is None and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
            dbt = _dbt_build_child(first.pid)
        assert dbt is not None, "the first run never started dbt build:\n" + (tmp_path / "first.log").read_text()
        time.sleep(3)  # well inside the build: dbt holds the warehouse and the run holds the pool slot
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)

        gone_by = time.monotonic() + 5
        while _alive(dbt) and time.monotonic() < gone_by:
            time.sleep(0.1)
        assert not _alive(dbt), f"dbt build (pid {dbt}) outlived its killed run"
    finally:
        if first.poll() is None:
            first.kill()
        if dbt is not None and _alive(dbt):
            os.kill(dbt, signal.SIGKILL)  # the old behaviour: do not leave it writing into tmp_path

    try:
        second = subprocess.run([OMNISTOCK, "run"], env=env, capture_output=True, text=True, timeout=SECOND_RUN_TIMEOUT)
    except subprocess.TimeoutExpired as waited:
        pytest.fail(f"the run after a killed run did not finish in {SECOND_RUN_TIMEOUT} s (stderr: {waited.stderr!r})")
    assert second.returncode == 0, second.stdout + second.stderr

    import dagster as dg

    monkeypatch.setenv("OMNISTOCK_DAGSTER_STORAGE", str(data / "dagster"))
    with dg.DagsterInstance.from_config(str(REPO_ROOT)) as instance:
        runs = instance.get_runs()
        assert sorted(run.status.value for run in runs) == ["FAILURE", "SUCCESS"]
        dead = next(run for run in runs if run.status == dg.DagsterRunStatus.FAILURE)
        assert dead.tags["omnistock/pid"] == str(first.pid)
        assert f"run {dead.run_id} (pid {first.pid}" in second.stderr
        failure = instance.get_records_for_run(dead.run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records
        assert (
            f"The process that executed this run (pid {first.pid} on "
            in failure[0].event_log_entry.dagster_event.message
        )
        assert instance.event_log_storage.get_concurrency_info(POOL).claimed_slots == []
