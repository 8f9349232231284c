"""The publish gate: `publish/sales_layer_ready` clears the sales layer for publishing.

It depends on the inventory marts and on every asset the warehouse quality checks guard,
so Dagster runs it only after those (blocking) checks, and not at all when one failed
critically. As a second lock it refuses while `marts.data_quality_alerts` holds an open
critical alert (e.g. from a run that did not re-check). Publishers (a later wave) read
`marts.publishable_sales_layer` only.
"""

from datetime import datetime

import dagster as dg
import polars as pl

from pipelines.defs.resources import OmnistockSettings
from pipelines.defs.shared.checks import GATED_ASSETS
from pipelines.defs.shared.keys import dbt_key
from pipelines.quality.alerts import open_blocking_alerts
from pipelines.quality.gate import clear_for_publishing
from pipelines.quality.store import read_alerts
from pipelines.warehouse import WAREHOUSE_POOL, connect, read_frame, replace_table


@dg.asset(
    key=dg.AssetKey(["publish", "sales_layer_ready"]),
    group_name="publish",
    deps=sorted({dbt_key("inventory_sales_layer"), *GATED_ASSETS}, key=lambda k: k.to_user_string()),
    pool=WAREHOUSE_POOL,
    kinds={"duckdb"},
    description="Quantities cleared for publishing to each channel (never more than available_to_sell), written to "
    "marts.publishable_sales_layer; does not materialize when a critical quality check failed.",
)
def sales_layer_ready(context: dg.AssetExecutionContext, settings: OmnistockSettings) -> dg.MaterializeResult:
    with connect(where=settings.paths) as con:
        blocking = open_blocking_alerts(read_alerts(con))
        if blocking:
            raise dg.Failure(
                description=f"not publishing: {len(blocking)} open critical data quality alert(s)",
                metadata={
                    "alerts": dg.MetadataValue.md(
                        "\n".join(f"- `{a.check}` on `{a.asset}` {a.subject}: {a.message}" for a in blocking)
                    )
                },
            )
        sales = read_frame(
            con, "select channel_id, sku, available_to_sell, is_low_stock, as_of from marts.inventory_sales_layer"
        )
        cleared = clear_for_publishing(sales)
        cleared = cleared.with_columns(
            pl.lit(datetime.now().replace(microsecond=0)).alias("cleared_at"),
            pl.lit(context.run.run_id).alias("run_id"),
        )
        rows = replace_table(con, "marts", "publishable_sales_layer", cleared)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "units_cleared": int(cleared["publishable_qty"].sum() or 0),
            "channels": cleared["channel_id"].n_unique(),
        }
    )
