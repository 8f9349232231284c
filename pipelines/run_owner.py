"""Which process executes a run, what to do when it is gone, and saying why a run waits.

`omnistock run` executes its Dagster run in its own process (`execute_in_process`). When that
process is killed (SIGKILL, the OOM killer, a closed laptop) nothing tells Dagster: the run stays
STARTED and keeps its slot in the `duckdb_warehouse` pool, and the next run used to wait for it
for ever, silently. So each run names its process in two tags (`omnistock/pid`, `omnistock/host`),
and before the next `omnistock run` starts it:

1. marks failed every unfinished run whose process on this host is gone, and frees its slots
   (`fail_dead_runs`), as well as any slot still held by a run that is over;
2. waits while another live run builds the warehouse, saying for which run and since when, every
   `REPORT_EVERY_SECONDS` on stderr (`wait_for_warehouse`); while it runs, a watcher says the same
   if one of its steps waits for the pool (`report_pool_waits`).

Waiting here, before the run starts, also spares a core: Dagster 1.13's in-process executor polls
a pool it waits for without sleeping (`interval_to_next_pending_claim_check` is never positive).

Runs launched by the Dagster daemon (`make dev`) carry no owner tags and are left to Dagster's
run monitoring (dagster.yaml); a message names them so they can be terminated in the UI.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
from dagster._core.storage.dagster_run import ACTIVE_RUN_STATUSES

from pipelines.defs.shared.tags import WAREHOUSE_WRITER_TAG as WRITER_TAG
from pipelines.warehouse import WAREHOUSE_POOL

PID_TAG = "omnistock/pid"
HOST_TAG = "omnistock/host"

POLL_SECONDS = 2.0
REPORT_EVERY_SECONDS = 15.0
# /proc gives a process's start in clock ticks since boot, and boot time in whole seconds: allow for
# that when deciding whether the process at a pid is older than the run (else the pid was reused).
PID_REUSE_SLACK_SECONDS = 2.0

# Unfinished runs: NOT_STARTED too, for a process killed between creating its run and starting it.
UNFINISHED_STATUSES = [dg.DagsterRunStatus.NOT_STARTED, *ACTIVE_RUN_STATUSES]

Say = Callable[[str], None]


def say_on_stderr(message: str) -> None:
    print(f"omnistock run: {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Owner:
    """The process that executes a run."""

    host: str
    pid: int

    def __str__(self) -> str:
        return f"pid {self.pid} on {self.host}"


def this_host() -> str:
    """The machine and pid namespace a pid means something in: the host name alone is not enough
    (two containers with one name sharing a data folder would take each other's pids for their own),
    so the kernel's boot id and this process's pid namespace are part of it."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:  # not Linux: the host name is what there is
        return socket.gethostname()
    return f"{socket.gethostname()} (boot {boot}, pid namespace {namespace})"


def stoppable_by_sigterm() -> None:
    """Let `kill PID` stop a run started in the background. A job started with `&` from a
    script (`nohup omnistock run &`, a CI script) starts with SIGINT ignored, and Dagster
    gives SIGTERM whatever SIGINT has (dagster/_utils/interrupts.py): ignored too, so only
    `kill -9` stopped it. With Python's own SIGINT handler back, SIGTERM interrupts the run
    like Ctrl-C."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def owner_tags() -> dict[str, str]:
    """Tags naming this process as the one that executes the run."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: this_host()}


def owner_of(tags: Mapping[str, str]) -> Owner | None:
    """The owner named by a run's tags; None for runs started elsewhere (the daemon, the UI)."""
    pid, host = tags.get(PID_TAG, ""), tags.get(HOST_TAG)
    return Owner(host, int(pid)) if host and pid.isdigit() else None


def process_started_at(pid: int) -> float | None:
    """When the live process `pid` started, in seconds since the epoch; None when there is none
    (a zombie has exited too). Off Linux the start is unknown: 0.0 for a live pid."""
    if not sys.platform.startswith("linux"):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return 0.0
        return 0.0
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(line for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime "))
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (command) ": state is field 3, starttime field 22
    if fields[0] in ("Z", "X"):
        return None
    return int(boot.split()[1]) + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def owner_alive(
    owner: Owner, run_created_at: float, host: str, started_at: Callable[[int], float | None] = process_started_at
) -> bool | None:
    """Whether the owner of a run created at `run_created_at` still runs; None when that cannot be
    told from here (another host). A process at the same pid that started after the run is another."""
    if owner.host != host:
        return None
    started = started_at(owner.pid)
    return started is not None and started <= run_created_at + PID_REUSE_SLACK_SECONDS


def _clock(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _started(timestamp: float | None) -> str:
    return "not started" if timestamp is None else f"started {_clock(timestamp)}"


@dataclass(frozen=True)
class Holder:
    """A run that keeps another waiting for the warehouse."""

    run_id: str
    owner: Owner | None
    started_at: float | None
    holds_pool: bool  # else it is a run that builds the warehouse and has not reached the pool yet

    def describe(self) -> str:
        who = str(self.owner) if self.owner else "launched by Dagster, not by `omnistock run`"
        text = f"run {self.run_id} ({who}, {_started(self.started_at)})"
        if not self.owner:
            text += ": if no Dagster process runs it any more, terminate it in the Dagster UI (Runs)"
        return text


def waiting_message(holders: Sequence[Holder], since: float, now: float) -> str:
    """What a run waiting for the warehouse says, e.g. 'waiting for the duckdb_warehouse pool since
    ... (30 s), held by run ...'."""
    pool = [h.describe() for h in holders if h.holds_pool]
    building = [h.describe() for h in holders if not h.holds_pool]
    parts = []
    if pool:
        parts.append(f"the {WAREHOUSE_POOL} pool, held by " + "; ".join(pool))
    if building:
        parts.append("the warehouse, being built by " + "; ".join(building))
    return f"waiting since {_clock(since)} ({now - since:.0f} s) for " + ", and for ".join(parts)


def _runs_holding_pool(instance: dg.DagsterInstance) -> set[str]:
    if not instance.event_log_storage.supports_global_concurrency_limits:
        return set()
    info = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL)
    return {slot.run_id for slot in info.claimed_slots}


def fail_dead_runs(instance: dg.DagsterInstance, say: Say = say_on_stderr) -> list[str]:
    """Mark failed each unfinished run whose owning process on this host is gone and free its
    concurrency slots; free the slots still held by runs that are over. Returns the failed run ids."""
    host = this_host()
    failed = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=UNFINISHED_STATUSES)):
        run = record.dagster_run
        owner = owner_of(run.tags)
        if owner is None:
            continue
        # This process runs one run at a time, and none yet: an unfinished run of its own was cut
        # short by an exception (a test session that builds twice must not wait for itself).
        ours = owner == Owner(host, os.getpid())
        if not ours and owner_alive(owner, record.create_timestamp.timestamp(), host) is not False:
            continue
        what = "was cut short in this process" if ours else "is gone, killed before it could record the run's end"
        instance.report_run_failed(
            run,
            f"The process that executed this run ({owner}) {what}; marked failed by `omnistock run` "
            f"(pid {os.getpid()}), which freed the run's concurrency slots.",
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        failed.append(run.run_id)
        verb = "was cut short" if ours else "was killed"
        say(f"run {run.run_id} ({owner}, {_started(record.start_time)}) {verb}: marked it failed and freed its slots")
    if instance.event_log_storage.supports_global_concurrency_limits:
        storage = instance.event_log_storage
        holding = set(storage.get_concurrency_run_ids())
        for key in storage.get_concurrency_keys():
            holding |= {slot.run_id for slot in storage.get_concurrency_info(key).claimed_slots}
        for run_id in sorted(holding):
            run = instance.get_run_by_id(run_id)
            if run is None or run.is_finished:
                storage.free_concurrency_slots_for_run(run_id)
                if run_id not in failed:
                    say(f"freed the concurrency slots still held by run {run_id}, which is over")
    return failed


def holders(instance: dg.DagsterInstance, own_run_id: str | None = None) -> list[Holder]:
    """Other runs that keep a run from writing the warehouse: those holding the pool, and unfinished
    runs tagged as warehouse builders (one at a time, as dagster.yaml says for daemon runs)."""
    in_pool = _runs_holding_pool(instance)
    records = {r.dagster_run.run_id: r for r in instance.get_run_records(dg.RunsFilter(statuses=ACTIVE_RUN_STATUSES))}
    found = []
    for run_id in sorted(in_pool | {rid for rid, r in records.items() if WRITER_TAG in r.dagster_run.tags}):
        if run_id == own_run_id:
            continue
        record = records.get(run_id)
        run = record.dagster_run if record else instance.get_run_by_id(run_id)
        found.append(
            Holder(
                run_id, owner_of(run.tags) if run else None, record.start_time if record else None, run_id in in_pool
            )
        )
    return found


def wait_for_warehouse(
    instance: dg.DagsterInstance,
    say: Say = say_on_stderr,
    poll_seconds: float = POLL_SECONDS,
    report_every: float = REPORT_EVERY_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> float:
    """Return once no other live run builds the warehouse; until then say, every `report_every`
    seconds, for which run and since when. Runs that die meanwhile are failed. Returns the seconds waited."""
    since = last = None
    while True:
        fail_dead_runs(instance, say)
        blocking = holders(instance)
        now = time.time()
        if not blocking:
            if since is not None:
                say(f"the warehouse is free after {now - since:.0f} s: starting")
            return 0.0 if since is None else now - since
        since = now if since is None else since
        if last is None or now - last >= report_every:
            say(waiting_message(blocking, since, now))
            last = now
        sleep(poll_seconds)


@contextmanager
def report_pool_waits(
    instance: dg.DagsterInstance,
    run_id: str,
    say: Say = say_on_stderr,
    poll_seconds: float = POLL_SECONDS,
    report_every: float = REPORT_EVERY_SECONDS,
) -> Iterator[None]:
    """While the body runs, say every `report_every` seconds when a step of `run_id` waits for the
    warehouse pool, and for which run (a run that started after `wait_for_warehouse` returned)."""
    if not instance.event_log_storage.supports_global_concurrency_limits:
        yield
        return
    stop = threading.Event()

    def watch() -> None:
        since = last = None
        while not stop.wait(poll_seconds):
            try:
                info = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL)
                waiting = any(s.run_id == run_id for s in info.pending_steps) and not any(
                    s.run_id == run_id for s in info.claimed_slots
                )
                blocking = holders(instance, run_id) if waiting else []
            except Exception:  # a busy SQLite storage: try again at the next poll
                continue
            now = time.time()
            if not blocking:
                since = last = None
                continue
            since = now if since is None else since
            if last is None or now - last >= report_every:
                say(waiting_message(blocking, since, now))
                last = now

    watcher = threading.Thread(target=watch, name="omnistock-pool-watch", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join(timeout=poll_seconds + 5)
