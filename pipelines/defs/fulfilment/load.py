"""Read what fulfilment planning needs from the DuckDB warehouse (fixed SQL, no formatting)."""

import duckdb
import dagster as dg
import polars as pl

from pipelines.fulfilment.planning import PlanningInputs
from pipelines.warehouse import read_frame

# dbt models the planning reads (asset keys are <schema>/<model>)
PLANNING_DEPS = [
    dg.AssetKey(["staging", "stg_orders"]),
    dg.AssetKey(["staging", "stg_order_lines"]),
    dg.AssetKey(["intermediate", "int_order_lines_exploded"]),
    dg.AssetKey(["staging", "stg_products"]),
    dg.AssetKey(["staging", "stg_bundle_components"]),
    dg.AssetKey(["staging", "stg_locations"]),
    dg.AssetKey(["staging", "stg_location_coverage"]),
    dg.AssetKey(["staging", "stg_channels"]),
    dg.AssetKey(["staging", "stg_wms_movements"]),
    dg.AssetKey(["marts", "inventory_warehouse_layer"]),
    dg.AssetKey(["marts", "inventory_scheduling_layer"]),
    dg.AssetKey(["intermediate", "int_as_of"]),
]

ORDERS_SQL = """
select order_id, channel_id, customer_id, member_tier, status, created_at, paid_at, updated_at,
       ship_method, ship_region, location_id
from staging.stg_orders
"""
LOTS_SQL = """
select location_id, sku, lot_no, expiry_date, cast(shelf_life_days_left as bigint) as shelf_life_days_left, qty
from marts.inventory_warehouse_layer
where status = $status
"""
SCHEDULING_SQL = """
select location_id, sku, physical_available,
       order_occupied + transfer_occupied + locked as claims,
       sales_available,
       inbound_in_transit + transfer_in_air as inbound
from marts.inventory_scheduling_layer
where not is_bundle
"""
OUTBOUND_SQL = """
select doc_id, location_id, sku, lot_no, expiry_date, qty_delta
from staging.stg_wms_movements
where doc_type = $doc_type
"""


def as_of(con: duckdb.DuckDBPyConnection):
    """The moment the layers are computed for (int_as_of: never null, even with no stock data).

    (duckdb 2.0: fetch everything so the connection is free again)"""
    return con.execute("select as_of from intermediate.int_as_of").fetchall()[0][0]


def planning_inputs(con: duckdb.DuckDBPyConnection) -> PlanningInputs:
    return PlanningInputs(
        as_of=as_of(con),
        orders=read_frame(con, ORDERS_SQL),
        lines=read_frame(con, "select order_id, line_no, sku, qty from staging.stg_order_lines"),
        components=read_frame(con, "select order_id, sku, qty from intermediate.int_order_lines_exploded"),
        products=read_frame(con, "select sku, successor_sku from staging.stg_products"),
        bundles=read_frame(con, "select bundle_sku, component_sku, qty from staging.stg_bundle_components"),
        locations=read_frame(con, "select location_id, region, lat, lon, ship_methods from staging.stg_locations"),
        coverage=read_frame(con, "select location_id, region from staging.stg_location_coverage"),
        channels=read_frame(con, "select channel_id, min_shelf_life_days from staging.stg_channels"),
        lots=read_frame(con, LOTS_SQL, {"status": "available"}),
        scheduling=read_frame(con, SCHEDULING_SQL),
        outbound=read_frame(con, OUTBOUND_SQL, {"doc_type": "outbound"}),
    )


def ledger_locations(con: duckdb.DuckDBPyConnection) -> pl.Series:
    return read_frame(con, "select distinct location_id from staging.stg_wms_movements")["location_id"]
