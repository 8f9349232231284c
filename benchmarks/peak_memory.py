"""Benchmark: peak resident memory of `omnistock run`, per Dagster step and overall, and wall time.

Runs `omnistock run` on a data folder in a child process and samples, every
`--interval` seconds, the resident memory (RSS) of the whole process tree (the run
and its children: dbt, DuckDB threads live in the run itself) from /proc. After the
run it reads the run's step events from the Dagster instance in the data folder and
gives each sample to the step(s) running at that moment. Steps run one at a time
(in process, the warehouse pool holds one), so a sample belongs to one step, or to
none (start-up, definitions loading, between steps).

RSS of a tree is summed per process, so pages shared between processes count twice:
the figure is an upper bound. `--kill-above-gib` is a watchdog: the tree is killed
(and the benchmark reports it) if it passes that much, to protect a shared machine.

    python -m benchmarks.peak_memory --scale double11 --data /tmp/d11 [--generate]

`make bench-memory` generates the double11 day into a temporary folder, measures, and
deletes the folder (about 5 GB while it exists).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
GIB = 1024**3
MIB = 1024**2


def _children(pid: int) -> list[int]:
    """Direct children of `pid` from /proc/<pid>/task/*/children (every thread can own children)."""
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    found.extend(int(c) for c in fh.read().split())
            except OSError:
                continue
    except OSError:
        pass
    return found


def tree(pid: int) -> list[int]:
    """`pid` and all its descendants still alive."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(_children(p))
    return out


def rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss(pid: int) -> int:
    return sum(rss_bytes(p) for p in tree(pid))


def machine_state() -> dict[str, float]:
    """Load average and memory in use on the machine (GiB), to say what else was running."""
    info: dict[str, int] = {}
    with open("/proc/meminfo") as fh:
        for line in fh:
            name, value = line.split(":", 1)
            info[name] = int(value.split()[0]) * 1024
    load1, load5, _ = os.getloadavg()
    return {
        "load1": load1,
        "load5": load5,
        "mem_used_gib": (info["MemTotal"] - info["MemAvailable"]) / GIB,
        "mem_total_gib": info["MemTotal"] / GIB,
    }


@dataclass
class Sampler:
    """Samples the tree's RSS in a thread; kills the tree above `kill_above` bytes (0: never)."""

    pid: int
    interval: float
    kill_above: int = 0
    samples: list[tuple[float, int]] = field(default_factory=list)
    machine: list[dict[str, float]] = field(default_factory=list)
    killed_at: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        last_machine = 0.0
        while not self._stop.is_set():
            now = time.time()
            pids = tree(self.pid)
            rss = sum(rss_bytes(p) for p in pids)
            self.samples.append((now, rss))
            if now - last_machine >= 30:
                self.machine.append({"t": now, **machine_state()})
                last_machine = now
            if self.kill_above and rss > self.kill_above and not self.killed_at:
                self.killed_at = rss
                for p in reversed(pids):
                    try:
                        os.kill(p, signal.SIGKILL)
                    except OSError:
                        pass
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()


def step_windows(data_dir: Path) -> tuple[str | None, dict[str, tuple[float, float, str]]]:
    """(run id, step key -> (start, end, outcome)) of the newest run in the data folder's Dagster instance."""
    from dagster import DagsterEventType

    from pipelines.runner import dagster_instance, environment_for_dbt_and_dagster

    with dagster_instance(environment_for_dbt_and_dagster(data_dir)) as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            return None, {}
        run_id = runs[0].run_id
        windows: dict[str, list] = {}
        for entry in instance.all_logs(run_id):
            event = entry.dagster_event
            if event is None or not entry.step_key:
                continue
            kind = event.event_type
            if kind == DagsterEventType.STEP_START:
                windows[entry.step_key] = [entry.timestamp, None, "running"]
            elif kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE) and entry.step_key in windows:
                windows[entry.step_key][1] = entry.timestamp
                windows[entry.step_key][2] = "ok" if kind == DagsterEventType.STEP_SUCCESS else "FAILED"
    return run_id, {k: (v[0], v[1] or time.time(), v[2]) for k, v in windows.items()}


def peaks_by_step(
    samples: list[tuple[float, int]], windows: dict[str, tuple[float, float, str]]
) -> dict[str, int | None]:
    """Peak RSS of the samples taken while each step ran (a sample can fall into two steps' windows
    only if steps overlapped); None for a step too short to be sampled."""
    peaks: dict[str, int | None] = {}
    for step, (start, end, _) in windows.items():
        inside = [rss for t, rss in samples if start <= t <= end]
        peaks[step] = max(inside) if inside else None
    return peaks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="double11", help="scale to generate with --generate (default double11)")
    parser.add_argument("--data", type=Path, help="data folder (default: a temporary folder, deleted afterwards)")
    parser.add_argument("--generate", action="store_true", help="generate the scale into --data first")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between samples")
    parser.add_argument(
        "--kill-above-gib", type=float, default=12.0, help="kill the run above this much RSS (0: never)"
    )
    parser.add_argument(
        "--limit-gib", type=float, default=8.0, help="the target: report whether the peak stayed under it"
    )
    parser.add_argument("--keep", action="store_true", help="keep a temporary data folder")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="delete what an earlier run built in --data (raw zone, warehouse, quality, dagster, exports) first",
    )
    args = parser.parse_args()

    omnistock = str(Path(sys.executable).with_name("omnistock"))
    temporary = args.data is None
    data = args.data or Path(tempfile.mkdtemp(prefix=f"omnistock-{args.scale}-"))
    try:
        if args.generate or temporary:
            t = time.time()
            subprocess.run([omnistock, "generate", "--out", str(data), "--scale", args.scale], check=True)
            print(f"generated {args.scale} into {data} in {time.time() - t:.0f} s", flush=True)
        if args.fresh:
            for built in ("raw", "warehouse", "quality", "dagster", "exports"):
                shutil.rmtree(data / built, ignore_errors=True)
        env = {**os.environ, "OMNISTOCK_DATA_DIR": str(data.resolve())}
        env.pop("OMNISTOCK_DAGSTER_STORAGE", None)  # the data folder's own instance
        before = machine_state()
        started = time.time()
        child = subprocess.Popen([omnistock, "run"], env=env)
        sampler = Sampler(child.pid, args.interval, int(args.kill_above_gib * GIB))
        thread = threading.Thread(target=sampler.run, daemon=True)
        thread.start()
        code = child.wait()
        sampler.stop()
        thread.join()
        wall = time.time() - started

        run_id, windows = step_windows(data)
        peaks = peaks_by_step(sampler.samples, windows)
        overall = max((rss for _, rss in sampler.samples), default=0)
        peak_time = next((t for t, rss in sampler.samples if rss == overall), started)
        during = [m for m in sampler.machine] or [before]
        print()
        print(f"omnistock run on {data} ({args.scale}): exit code {code}, wall time {wall / 60:.1f} min, run {run_id}")
        print(
            f"peak RSS of the process tree: {overall / GIB:.2f} GiB at {datetime.fromtimestamp(peak_time):%H:%M:%S} "
            f"({'under' if overall < args.limit_gib * GIB else 'OVER'} the {args.limit_gib:g} GiB target)"
        )
        if sampler.killed_at:
            print(
                f"KILLED by the watchdog at {sampler.killed_at / GIB:.2f} GiB (--kill-above-gib "
                f"{args.kill_above_gib:g})"
            )
        print(
            f"machine: {before['mem_total_gib']:.0f} GiB; before the run {before['mem_used_gib']:.1f} GiB in use, load "
            f"{before['load1']:.1f}; during it load "
            f"{min(m['load1'] for m in during):.1f}-{max(m['load1'] for m in during):.1f}, "
            f"{min(m['mem_used_gib'] for m in during):.1f}-{max(m['mem_used_gib'] for m in during):.1f} GiB in use "
            "(all processes)"
        )
        print()
        print(f"{'step':64s} {'outcome':>8s} {'seconds':>8s} {'peak RSS':>10s}")
        for step, (start, end, outcome) in sorted(windows.items(), key=lambda kv: kv[1][0]):
            peak = f"{peaks[step] / MIB:7,.0f} MiB" if peaks[step] is not None else "  (no sample)"
            print(f"{step[:64]:64s} {outcome:>8s} {end - start:8.1f} {peak}")
        return 0 if code == 0 and overall < args.limit_gib * GIB else 1
    finally:
        if temporary and not args.keep:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
