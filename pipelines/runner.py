"""Materialize every asset once, in process, against a real Dagster instance.

This is what `omnistock run` and `make demo` call: compute the environment the Dagster instance
needs for the data folder (`environment_for_dbt_and_dagster`, a dict: this process's os.environ is
never changed), prepare the dbt project (`prepare_dbt_project(data)`, pipelines/dbt_project.py:
dagster-dbt needs the manifest before definitions load; dbt is told the folder as the var
`data_dir`), then run the `materialize_everything` job with the `settings` resource pointing at
the data folder, recorded in <data>/dagster like any run.

Before the run starts, runs left unfinished by a killed `omnistock run` are marked failed and
their pool slots freed, and a live run that builds the warehouse is waited for, saying so on
stderr (pipelines/run_owner.py); dbt is started tied to this process, so it dies with it.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from pipelines.dbt_project import dbt_executable, prepare_dbt_project
from pipelines.settings import REPO_ROOT, Paths
from pipelines.settings import data_dir as configured_data_dir

if TYPE_CHECKING:
    import dagster as dg

    from pipelines.defs.resources import OmnistockSettings


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


def environment_for_dbt_and_dagster(data_dir: Path | None = None) -> dict[str, str]:
    """The environment of a dbt or Dagster process working on `data_dir` (default: the configured
    data folder): this process's environment plus OMNISTOCK_DATA_DIR (dbt's profile and sources),
    OMNISTOCK_DAGSTER_STORAGE (dagster.yaml), DAGSTER_HOME (the repository's dagster.yaml unless
    set) and OMNISTOCK_DBT_EXECUTABLE (the dbt that dbt_with_parent.py starts). A new dict:
    os.environ is left as it is."""
    where = Paths(configured_data_dir(str(data_dir) if data_dir else None))
    env = dict(os.environ)
    env["OMNISTOCK_DATA_DIR"] = str(where.data_dir)
    env["OMNISTOCK_DAGSTER_STORAGE"] = str(where.dagster_storage)
    env.setdefault("DAGSTER_HOME", str(REPO_ROOT))
    env.setdefault("OMNISTOCK_DBT_EXECUTABLE", dbt_executable())
    return env


def _with_environment(config: object, env: Mapping[str, str]) -> object:
    """dagster.yaml's `{env: NAME}` values replaced by env[NAME]."""
    if isinstance(config, dict):
        if set(config) == {"env"}:
            return env[config["env"]]
        return {key: _with_environment(value, env) for key, value in config.items()}
    if isinstance(config, list):
        return [_with_environment(value, env) for value in config]
    return config


def dagster_instance(env: Mapping[str, str]) -> dg.DagsterInstance:
    """The Dagster instance of $DAGSTER_HOME/dagster.yaml, with the `env:` values it names taken
    from `env` (environment_for_dbt_and_dagster) instead of this process's environment."""
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    home = Path(env["DAGSTER_HOME"])
    config_file = home / "dagster.yaml"
    config = yaml.safe_load(config_file.read_text()) if config_file.is_file() else {}
    overrides = {
        key: _with_environment(value, env)
        for key, value in (config or {}).items()
        if _with_environment(value, env) != value
    }
    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home), overrides=overrides))


def materialize_everything(
    data_dir: Path | None = None, verbose: bool = False, full_refresh: bool = False
) -> RunOutcome:
    """Run the job; unless verbose, dbt's console output goes to <data>/dagster/last_run.log.

    `full_refresh` makes ingestion forget what it ingested and read the landing zone again."""
    env = environment_for_dbt_and_dagster(data_dir)
    where = Paths(Path(env["OMNISTOCK_DATA_DIR"]))
    where.warehouse_dir.mkdir(parents=True, exist_ok=True)
    where.dagster_storage.mkdir(parents=True, exist_ok=True)
    prepare_dbt_project(where.data_dir)

    from dagster._core.utils import make_new_run_id

    from pipelines.definitions import defs
    from pipelines.defs.ingest.assets import ingest_assets
    from pipelines.defs.resources import current_settings, settings_from_environment
    from pipelines.run_owner import owner_tags, report_pool_waits, wait_for_warehouse

    job = defs.resolve_job_def("materialize_everything")
    ops_config = {asset.op.name: {"config": {"full_refresh": True}} for asset in ingest_assets} if full_refresh else {}
    log_file = where.dagster_storage / "last_run.log"
    settings = settings_from_environment(where.data_dir)  # the other settings as the environment has them
    with dagster_instance(env) as instance, open(log_file, "w") as log:
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
                resources={"settings": settings},
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
    _record_run_alert(job.name, result.run_id, result.success, failed, step_failures, current_settings(where.data_dir))
    return RunOutcome(result.success, result.run_id, where, materialized, failed)


def _record_run_alert(
    job_name: str,
    run_id: str,
    success: bool,
    failed_steps: list[str],
    step_failures: list | None = None,
    settings: OmnistockSettings | None = None,
) -> None:
    """What the run-failure sensors do under the daemon, for a run executed here: a failed run opens
    (or counts) the `run_failure` alert of the job, unless only blocking quality checks failed (they
    raised their own alerts); a successful run resolves it."""
    from pipelines.defs.resources import current_settings
    from pipelines.defs.shared.run_failures import (
        failed_only_on_quality_checks,
        has_open_run_failure,
        run_failure_outcome,
    )
    from pipelines.quality.store import record_outcomes

    settings = settings or current_settings()
    where, alerts = settings.paths, settings.alerts
    log = logging.getLogger("omnistock.runner")
    if success:
        if has_open_run_failure(f"job/{job_name}", where):  # read first: most runs have nothing to resolve
            record_outcomes([], [("run_failure", f"job/{job_name}")], run_id, log, where, alerts)
    elif not failed_only_on_quality_checks(step_failures or []):
        outcome = run_failure_outcome(job_name, run_id, "failed steps: " + ", ".join(failed_steps))
        record_outcomes([outcome], [], run_id, log, where, alerts)
