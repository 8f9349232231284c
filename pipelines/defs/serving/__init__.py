import dagster as dg

from pipelines.defs.serving.assets import published_warehouse_asset, warehouse_writers


def defs_after(domains: dg.Definitions) -> dg.Definitions:
    """The serving domain, downstream of every warehouse writer among the other domains' assets."""
    return dg.Definitions(assets=[published_warehouse_asset(warehouse_writers(domains))])
