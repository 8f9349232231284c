import dagster as dg

from pipelines.defs.ingest.assets import ingest_assets, landing_scan

defs = dg.Definitions(assets=[landing_scan, *ingest_assets])
