"""dbt models as Dagster assets; dbt tests show up as asset checks.

The large event sources are kept incrementally by dbt (models/staging/base/). When
ingestion removed rows from the raw zone (a delivery corrected in place, a full
refresh) it leaves a marker (`raw/_manifest/_rebuild_staging.<source>`); the next
build then runs with `--full-refresh` (the daily history tables are protected by
`full_refresh=false`) and clears the markers it saw once it succeeds.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from pipelines.defs.dbt.resources import dbt_project
from pipelines.ingest.raw_zone import REBUILD_MARKER
from pipelines.settings import paths
from pipelines.warehouse import WAREHOUSE_POOL


class OmnistockTranslator(DagsterDbtTranslator):
    """Keys are <schema>/<model> (e.g. marts/inventory_sales_layer); sources are raw/<table>."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        schema = dbt_resource_props["config"].get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "warehouse"


translator = OmnistockTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def rebuild_markers() -> list[Path]:
    """Markers ingestion left because rows left the raw zone since the last build."""
    return sorted((paths().raw / "_manifest").glob(f"{REBUILD_MARKER}.*"))


@dbt_assets(manifest=dbt_project().manifest_path, dagster_dbt_translator=translator, pool=WAREHOUSE_POOL)
def omnistock_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    markers = rebuild_markers()
    args = ["build"]
    if markers:
        context.log.info(
            "rows left the raw zone of " + ", ".join(m.suffix.lstrip(".") for m in markers)
            + ": rebuilding the incremental models (--full-refresh)"
        )
        args.append("--full-refresh")
    yield from dbt.cli(args, context=context).stream()
    for marker in markers:
        marker.unlink(missing_ok=True)
