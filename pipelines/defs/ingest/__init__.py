import dagster as dg

from pipelines.defs.ingest.assets import ingest_assets

defs = dg.Definitions(assets=ingest_assets)
