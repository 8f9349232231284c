"""What the run-failure sensors (pipelines/defs/quality/sensors.py) and `omnistock run` (pipelines/runner.py,
for a run it executes in process) both do: a failed run opens (or counts) an alert `run_failure` on
`job/<name>`, unless only blocking quality checks failed; a successful run resolves it."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from pipelines.quality.alerts import CheckOutcome
from pipelines.quality.severity import Severity
from pipelines.settings import Paths


def run_failure_outcome(job_name: str, run_id: str, message: str) -> CheckOutcome:
    return CheckOutcome(
        "run_failure", f"job/{job_name}", False, Severity.WARN, f"run {run_id} failed: {message}"[:1500]
    )


def failed_only_on_quality_checks(step_failures: Sequence[dg.DagsterEvent]) -> bool:
    """True when every failed step failed because a blocking quality check did: those checks have
    raised their own alerts, so a second `run_failure` alert would only repeat them."""
    return bool(step_failures) and all(
        event.step_failure_data is not None
        and event.step_failure_data.error is not None
        and event.step_failure_data.error.cls_name == "DagsterAssetCheckFailedError"
        for event in step_failures
    )


def has_open_run_failure(asset: str, where: Paths) -> bool:
    """Whether the job's `run_failure` alert is open in the warehouse of `where` (the `settings`
    resource's paths); waits (like every alert write) while another process writes the warehouse,
    and raises if it never can read it."""
    from pipelines.quality.store import read_alerts, with_retry
    from pipelines.warehouse import connect

    if not where.warehouse.exists():
        return False

    def read() -> bool:
        with connect(read_only=True, where=where) as con:
            return any(a.is_open and a.check == "run_failure" and a.asset == asset for a in read_alerts(con))

    return with_retry(read)
