"""dbt models as Dagster assets; dbt tests show up as asset checks.

The large event sources are kept incrementally by dbt (models/staging/base/). When
ingestion removed rows from the raw zone (a delivery corrected in place, a full
refresh) it leaves a marker (`raw/_manifest/_rebuild_staging.<source>`); the next
build then runs with `--full-refresh` (the daily history tables are protected by
`full_refresh=false`) and clears the markers it saw once it succeeds.

Each build's dbt artifacts (run_results.json, compiled SQL, dbt.log) go to
`<data>/dagster/dbt_runs/<run id>/`; the newest `DBT_RUNS_KEPT` are kept (dagster-dbt's
default, a new folder under dbt_project/target per run, grows without end on a schedule).

dbt is told the data folder of the `settings` resource as the var `data_dir` (profiles.yml and
the sources read it), so a build never depends on where dbt starts nor on the environment.
"""

import shutil
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from pipelines.dbt_project import dbt_vars
from pipelines.defs.dbt.resources import dbt_project
from pipelines.defs.resources import OmnistockSettings
from pipelines.defs.shared.keys import translator
from pipelines.ingest.raw_zone import REBUILD_MARKER
from pipelines.settings import Paths
from pipelines.warehouse import WAREHOUSE_POOL

DBT_RUNS_KEPT = 10


def dbt_run_folder(where: Paths, run_id: str) -> Path:
    return where.dagster_storage / "dbt_runs" / run_id


def prune_dbt_runs(where: Paths, keep: int = DBT_RUNS_KEPT) -> None:
    """Delete all but the `keep` most recent builds' dbt artifact folders."""
    folder = where.dagster_storage / "dbt_runs"
    runs = (
        sorted((p for p in folder.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
        if folder.is_dir()
        else []
    )
    for old in runs[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def rebuild_markers(where: Paths) -> list[Path]:
    """Markers ingestion left because rows left the raw zone since the last build."""
    return sorted((where.raw / "_manifest").glob(f"{REBUILD_MARKER}.*"))


@dbt_assets(manifest=dbt_project().manifest_path, dagster_dbt_translator=translator, pool=WAREHOUSE_POOL)
def omnistock_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: OmnistockSettings):
    where = settings.paths
    markers = rebuild_markers(where)
    args = ["build", *dbt_vars(where)]
    if markers:
        context.log.info(
            "rows left the raw zone of "
            + ", ".join(m.suffix.lstrip(".") for m in markers)
            + ": rebuilding the incremental models (--full-refresh)"
        )
        args.append("--full-refresh")
    try:
        yield from dbt.cli(args, context=context, target_path=dbt_run_folder(where, context.run.run_id)).stream()
    finally:
        prune_dbt_runs(where)
    for marker in markers:
        marker.unlink(missing_ok=True)
