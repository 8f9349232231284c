import dagster as dg

from pipelines.defs.fulfilment.assets import fulfilment_assets

defs = dg.Definitions(assets=fulfilment_assets)
