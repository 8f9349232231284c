"""Jobs: `materialize_everything` builds every asset, ingestion first, then dbt."""

import dagster as dg

from pipelines.defs.shared.tags import WAREHOUSE_WRITER_TAG

everything_job = dg.define_asset_job(
    "materialize_everything",
    selection=dg.AssetSelection.all(),
    description="Ingest every landing source, then build the warehouse with dbt (what `omnistock run` does).",
    tags={WAREHOUSE_WRITER_TAG: "warehouse"},
)
