"""`serving/published_warehouse`: the copy of the warehouse readers read, made after a successful build.

It depends on every asset that writes the warehouse (those in the warehouse pool), so Dagster
runs it last, and not at all when one of them failed or a blocking quality check stopped
them: readers then keep the previous copy. It runs in the pool itself, so no writer runs
while it copies (pipelines/warehouse.py, `publish_for_readers`).
"""

import dagster as dg

from pipelines.defs.resources import OmnistockSettings
from pipelines.warehouse import WAREHOUSE_POOL, publish_for_readers

PUBLISHED_WAREHOUSE = dg.AssetKey(["serving", "published_warehouse"])


def warehouse_writers(defs: dg.Definitions) -> list[dg.AssetKey]:
    """Every asset key of `defs` whose step runs in the warehouse pool, i.e. may write the warehouse."""
    keys = {
        key
        for assets in defs.assets or []
        if isinstance(assets, dg.AssetsDefinition) and assets.node_def.pool == WAREHOUSE_POOL
        for key in assets.keys
    }
    return sorted(keys, key=lambda key: key.to_user_string())


def published_warehouse_asset(writers: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key=PUBLISHED_WAREHOUSE,
        group_name="serving",
        deps=writers,
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description="The warehouse as the last successful build left it, copied (checkpoint, copy, rename) to "
        "<data>/warehouse/published/omnistock.duckdb for `omnistock sql`, `omnistock summary` and the dashboards, "
        "which can read it while the next build writes the warehouse.",
    )
    def published_warehouse(context: dg.AssetExecutionContext, settings: OmnistockSettings) -> dg.MaterializeResult:
        published = publish_for_readers(settings.paths.data_dir)
        context.log.info(f"published {published.path} ({published.bytes:,} bytes) in {published.seconds:.2f} s")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(published.path)),
                "bytes": published.bytes,
                "copy_seconds": round(published.seconds, 3),
            }
        )

    return published_warehouse
