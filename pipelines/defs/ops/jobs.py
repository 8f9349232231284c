"""Jobs: `materialize_everything` builds every asset, ingestion first, then dbt."""

import dagster as dg

everything_job = dg.define_asset_job(
    "materialize_everything",
    selection=dg.AssetSelection.all(),
    description="Ingest every landing source, then build the warehouse with dbt (what `omnistock run` does).",
    tags={"omnistock/duckdb_writer": "warehouse"},
)
