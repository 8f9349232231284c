"""Materialize every asset once, in process, against a real Dagster instance.

This is what `omnistock run` and `make demo` call: set the environment for the data
folder, prepare the dbt project (`prepare_dbt_project()`, pipelines/dbt_project.py: dagster-dbt
needs the manifest before definitions load), then run the `materialize_everything` job,
recorded in <data>/dagster like any run.

Before the run starts, runs left unfinished by a killed `omnistock run` are marked failed and
their pool slots freed, and a live run that builds the warehouse is waited for, saying so on
stderr (pipelines/run_owner.py); dbt is started tied to this process, so it dies with it.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.dbt_project import prepare_dbt_project
from pipelines.settings import Paths, export_environment


@dataclass
class RunOutcome:
    success: bool
    run_id: str
    paths: Paths
    materialized: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)

    def summary(self) -> str:
        status = "succeeded" if self.success else "FAILED"
        lines = [
            f"Run {self.run_id} {status}: {len(self.materialized)} asset(s) materialized.",
            f"  warehouse:  {self.paths.warehouse}",
            f"  quarantine: {self.paths.quarantine} (also ops.quarantine in the warehouse)",
            f"  dbt output: {self.paths.dagster_storage / 'last_run.log'}",
        ]
        if self.failed_steps:
            lines.append("  failed steps: " + ", ".join(self.failed_steps))
        return "\n".join(lines)


def materialize_everything(
    data_dir: Path | None = None, verbose: bool = False, full_refresh: bool = False
) -> RunOutcome:
    """Run the job; unless verbose, dbt's console output goes to <data>/dagster/last_run.log.

    `full_refresh` makes ingestion forget what it ingested and read the landing zone again."""
    where = export_environment(data_dir)
    prepare_dbt_project()

    import dagster as dg
    from dagster._core.utils import make_new_run_id

    from pipelines.definitions import defs
    from pipelines.defs.ingest.assets import ingest_assets
    from pipelines.run_owner import owner_tags, report_pool_waits, wait_for_warehouse

    job = defs.resolve_job_def("materialize_everything")
    ops_config = {asset.op.name: {"config": {"full_refresh": True}} for asset in ingest_assets} if full_refresh else {}
    log_file = where.dagster_storage / "last_run.log"
    with dg.DagsterInstance.get() as instance, open(log_file, "w") as log:
        # A run whose process was killed is failed and its pool slot freed; a live one is waited
        # for, saying so on stderr (pipelines/run_owner.py). The run's tags name this process.
        wait_for_warehouse(instance)
        run_id = make_new_run_id()
        with (
            report_pool_waits(instance, run_id),
            contextlib.nullcontext() if verbose else contextlib.redirect_stdout(log),
        ):
            result = job.execute_in_process(
                instance=instance,
                raise_on_error=False,
                run_id=run_id,
                tags=owner_tags(),
                run_config={
                    "loggers": {"console": {"config": {"log_level": "DEBUG" if verbose else "WARNING"}}},
                    **({"ops": ops_config} if ops_config else {}),
                },
            )
        materialized = sorted(
            event.asset_key.to_user_string()
            for event in result.all_events
            if event.event_type_value == "ASSET_MATERIALIZATION" and event.asset_key
        )
        step_failures = [event for event in result.all_events if event.is_step_failure]
        failed = sorted({event.step_key for event in step_failures if event.step_key})
    _record_run_alert(job.name, result.run_id, result.success, failed, step_failures)
    return RunOutcome(result.success, result.run_id, where, materialized, failed)


def _record_run_alert(
    job_name: str, run_id: str, success: bool, failed_steps: list[str], step_failures: list | None = None
) -> None:
    """What the run-failure sensors do under the daemon, for a run executed here: a failed run opens
    (or counts) the `run_failure` alert of the job, unless only blocking quality checks failed (they
    raised their own alerts); a successful run resolves it."""
    from pipelines.defs.shared.run_failures import (
        failed_only_on_quality_checks,
        has_open_run_failure,
        run_failure_outcome,
    )
    from pipelines.quality.store import record_outcomes

    log = logging.getLogger("omnistock.runner")
    if success:
        if has_open_run_failure(f"job/{job_name}"):  # read first: most runs have nothing to resolve
            record_outcomes([], [("run_failure", f"job/{job_name}")], run_id, log)
    elif not failed_only_on_quality_checks(step_failures or []):
        record_outcomes(
            [run_failure_outcome(job_name, run_id, "failed steps: " + ", ".join(failed_steps))], [], run_id, log
        )
