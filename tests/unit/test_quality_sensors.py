"""The run-failure sensor opens one alert per job (counted per failed run); a success resolves it."""

from __future__ import annotations

import dagster as dg
import duckdb

from pipelines.defs.quality.sensors import run_failure_alert, run_success_resolves
from pipelines.defs.resources import OmnistockSettings
from pipelines.settings import paths


@dg.op
def explode() -> None:
    raise RuntimeError("boom")


@dg.op
def fine() -> None:
    pass


@dg.job(name="materialize_everything")
def failing_job() -> None:
    explode()


@dg.job(name="materialize_everything")
def passing_job() -> None:
    fine()


def _settings() -> OmnistockSettings:
    return OmnistockSettings(data_dir=str(paths().data_dir))


def _alerts() -> list[tuple]:
    with duckdb.connect(str(paths().warehouse), read_only=True) as con:
        return con.execute('select "check", asset, severity, status, count from marts.data_quality_alerts').fetchall()


def test_failed_runs_raise_one_alert_and_a_success_resolves_it() -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        for _ in range(2):
            result = failing_job.execute_in_process(instance=instance, raise_on_error=False)
            failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
            context = dg.build_run_status_sensor_context(
                sensor_name="quality_run_failure_alert",
                dagster_event=failure,
                dagster_instance=instance,
                dagster_run=result.dagster_run,
            ).for_run_failure()
            run_failure_alert(context, settings=_settings())
        assert _alerts() == [("run_failure", "job/materialize_everything", "warn", "open", 2)]

        result = passing_job.execute_in_process(instance=instance)
        success = next(e for e in result.all_events if e.event_type_value == "PIPELINE_SUCCESS")
        run_success_resolves(
            dg.build_run_status_sensor_context(
                sensor_name="quality_run_success_resolves",
                dagster_event=success,
                dagster_instance=instance,
                dagster_run=result.dagster_run,
            ),
            settings=_settings(),
        )
        assert _alerts() == [("run_failure", "job/materialize_everything", "warn", "resolved", 2)]


def test_a_run_executed_by_omnistock_run_records_its_failure_and_its_recovery() -> None:
    # `omnistock run` executes in process, where no sensor runs: the runner records the outcome itself
    from pipelines.runner import _record_run_alert

    _record_run_alert("materialize_everything", "run-1", False, ["omnistock_dbt_assets"])
    _record_run_alert("materialize_everything", "run-2", False, ["omnistock_dbt_assets"])
    assert _alerts() == [("run_failure", "job/materialize_everything", "warn", "open", 2)]
    with duckdb.connect(str(paths().warehouse), read_only=True) as con:
        (message,) = con.execute("select message from marts.data_quality_alerts").fetchone()
    assert "omnistock_dbt_assets" in message
    _record_run_alert("materialize_everything", "run-3", True, [])
    assert _alerts() == [("run_failure", "job/materialize_everything", "warn", "resolved", 2)]
