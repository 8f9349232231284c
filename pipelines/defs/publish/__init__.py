import dagster as dg

from pipelines.defs.publish.assets import sales_layer_ready

defs = dg.Definitions(assets=[sales_layer_ready])
