"""Alerts for failed runs: a failed run opens (or counts) an alert `run_failure` on `job/<name>`;
the next successful run of that job resolves it."""

import dagster as dg

from pipelines.defs.resources import OmnistockSettings
from pipelines.defs.shared.run_failures import failed_only_on_quality_checks, has_open_run_failure, run_failure_outcome
from pipelines.quality.store import record_outcomes


@dg.run_failure_sensor(
    name="quality_run_failure_alert",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Records a failed run in marts.data_quality_alerts and delivers it (webhook / e-mail) once.",
)
def run_failure_alert(context: dg.RunFailureSensorContext, settings: OmnistockSettings) -> None:
    run = context.dagster_run
    step_failures = [
        record.get_dagster_event()
        for record in context.instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
    ]
    if failed_only_on_quality_checks(step_failures):
        return
    message = context.failure_event.message or "failed"
    record_outcomes(
        [run_failure_outcome(run.job_name, run.run_id, message)],
        [],
        run.run_id,
        context.log,
        settings.paths,
        settings.alerts,
    )


@dg.run_status_sensor(
    name="quality_run_success_resolves",
    run_status=dg.DagsterRunStatus.SUCCESS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Resolves the run_failure alert of a job once a run of it succeeds.",
)
def run_success_resolves(context: dg.RunStatusSensorContext, settings: OmnistockSettings) -> None:
    asset = f"job/{context.dagster_run.job_name}"
    try:
        open_failure = has_open_run_failure(asset, settings.paths)
    except Exception as exc:  # noqa: BLE001 — a writer held the warehouse throughout: try at the next success
        context.log.warning(f"could not read the alerts to resolve {asset}: {exc}")
        return
    if open_failure:
        record_outcomes(
            [], [("run_failure", asset)], context.dagster_run.run_id, context.log, settings.paths, settings.alerts
        )
