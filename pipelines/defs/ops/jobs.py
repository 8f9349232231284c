"""Jobs: `materialize_everything` builds every asset, ingestion first, then dbt."""

import dagster as dg

# Runs that build the warehouse: one at a time (dagster.yaml for daemon runs; `omnistock run`
# waits for them itself, pipelines/run_owner.py).
WAREHOUSE_WRITER_TAG = "omnistock/duckdb_writer"

everything_job = dg.define_asset_job(
    "materialize_everything",
    selection=dg.AssetSelection.all(),
    description="Ingest every landing source, then build the warehouse with dbt (what `omnistock run` does).",
    tags={WAREHOUSE_WRITER_TAG: "warehouse"},
)
