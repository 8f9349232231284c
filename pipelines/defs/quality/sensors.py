"""Alerts for failed runs: a failed run opens (or counts) an alert `run_failure` on `job/<name>`;
the next successful run of that job resolves it."""

from collections.abc import Sequence

import dagster as dg

from pipelines.quality.alerts import CheckOutcome
from pipelines.quality.severity import Severity
from pipelines.quality.store import record_outcomes


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


@dg.run_failure_sensor(
    name="quality_run_failure_alert",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Records a failed run in marts.data_quality_alerts and delivers it (webhook / e-mail) once.",
)
def run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    step_failures = [
        record.get_dagster_event()
        for record in context.instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
    ]
    if failed_only_on_quality_checks(step_failures):
        return
    message = context.failure_event.message or "failed"
    record_outcomes([run_failure_outcome(run.job_name, run.run_id, message)], [], run.run_id, context.log)


def has_open_run_failure(asset: str) -> bool:
    """Whether the job's `run_failure` alert is open; waits (like every alert write) while another
    process writes the warehouse, and raises if it never can read it."""
    from pipelines.quality.store import read_alerts, with_retry
    from pipelines.settings import paths
    from pipelines.warehouse import connect

    if not paths().warehouse.exists():
        return False

    def read() -> bool:
        with connect(read_only=True) as con:
            return any(a.is_open and a.check == "run_failure" and a.asset == asset for a in read_alerts(con))

    return with_retry(read)


@dg.run_status_sensor(
    name="quality_run_success_resolves",
    run_status=dg.DagsterRunStatus.SUCCESS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Resolves the run_failure alert of a job once a run of it succeeds.",
)
def run_success_resolves(context: dg.RunStatusSensorContext) -> None:
    asset = f"job/{context.dagster_run.job_name}"
    try:
        open_failure = has_open_run_failure(asset)
    except Exception as exc:  # noqa: BLE001 — a writer held the warehouse throughout: try at the next success
        context.log.warning(f"could not read the alerts to resolve {asset}: {exc}")
        return
    if open_failure:
        record_outcomes([], [("run_failure", asset)], context.dagster_run.run_id, context.log)
