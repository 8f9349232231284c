import dagster as dg

from pipelines.defs.fulfillment.assets import fulfillment_assets

defs = dg.Definitions(assets=fulfillment_assets)
