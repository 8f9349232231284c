"""Read what fulfillment planning needs from the DuckDB warehouse (fixed SQL, no formatting).

Only the orders to plan are read, never the whole order history: a scope query writes
their ids into the connection's temporary table `plan_scope` (open orders, or the replay
window), and the order, line and movement queries read just those orders, plus the other
orders of the same customers (membership gifts count a customer's earlier orders). On a
peak day of 20 M orders the whole history read into Polars took several GiB.
"""

from datetime import datetime, timedelta

import duckdb
import polars as pl

from pipelines.defs.shared.keys import dbt_key
from pipelines.fulfillment.planning import PlanningInputs, PlanScope
from pipelines.fulfillment.replay import ROUTED_STATUSES, UNPLACED_STATUSES
from pipelines.warehouse import read_frame

# dbt models the planning reads
PLANNING_DEPS = [
    dbt_key("stg_orders"),
    dbt_key("stg_order_lines"),
    dbt_key("int_order_lines_exploded"),
    dbt_key("stg_products"),
    dbt_key("stg_bundle_components"),
    dbt_key("stg_locations"),
    dbt_key("stg_location_coverage"),
    dbt_key("stg_channels"),
    dbt_key("stg_wms_movements"),
    dbt_key("inventory_warehouse_layer"),
    dbt_key("inventory_scheduling_layer"),
    dbt_key("int_as_of"),
]

# the same orders as planning.open_orders()
OPEN_SCOPE_SQL = """
create or replace temp table plan_scope as
select order_id from staging.stg_orders
where status = 'paid' and location_id is null and (paid_at is null or paid_at <= $as_of)
"""
# the same orders as replay.replay_orders(orders, as_of, days, max_orders)
REPLAY_SCOPE_SQL = """
create or replace temp table plan_scope as
select order_id from staging.stg_orders
where paid_at > $since and paid_at <= $as_of
  and (list_contains($routed, status) or (list_contains($unplaced, status) and location_id is null))
order by paid_at desc, order_id desc
limit $max_orders
"""
SCOPE_SIZE_SQL = """
select (select count(*) from plan_scope),
       (select count(*) from staging.stg_order_lines where order_id in (select order_id from plan_scope))
"""
# the orders in scope and every order of their customers (gift rules count earlier orders)
ORDERS_SQL = """
select order_id, channel_id, customer_id, member_tier, status, created_at, paid_at, updated_at,
       ship_method, ship_region, location_id
from staging.stg_orders
where order_id in (select order_id from plan_scope)
   or customer_id in (select o.customer_id from staging.stg_orders o
                      where o.order_id in (select order_id from plan_scope) and o.customer_id is not null)
"""
LINES_SQL = """
select order_id, line_no, sku, qty from staging.stg_order_lines
where order_id in (select order_id from plan_scope)
"""
COMPONENTS_SQL = """
select order_id, sku, qty from intermediate.int_order_lines_exploded
where order_id in (select order_id from plan_scope)
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
where doc_type = $doc_type and doc_id in (select order_id from plan_scope)
"""
# interception candidates (documents.interception_list filters the same way again)
INTERCEPTION_ORDERS_SQL = """
select * from staging.stg_orders
where list_contains($statuses, status) and location_id is not null
"""
INTERCEPTION_ITEMS_SQL = """
select order_id, sku, qty from intermediate.int_order_lines_exploded
where order_id in (
    select order_id from staging.stg_orders where list_contains($statuses, status) and location_id is not null
)
"""
INTERCEPTION_SHIPPED_SQL = """
select distinct doc_id from staging.stg_wms_movements
where doc_type = $doc_type
  and doc_id in (
    select order_id from staging.stg_orders where list_contains($statuses, status) and location_id is not null
  )
"""


def as_of(con: duckdb.DuckDBPyConnection):
    """The moment the layers are computed for (int_as_of: never null, even with no stock data).

    (duckdb 2.0: fetch everything so the connection is free again)"""
    return con.execute("select as_of from intermediate.int_as_of").fetchall()[0][0]


def select_open_orders(con: duckdb.DuckDBPyConnection, moment: datetime) -> PlanScope:
    """Scope the connection's planning reads to the open orders (paid, no location) as of `moment`."""
    con.execute(OPEN_SCOPE_SQL, {"as_of": moment})
    return scope_size(con, "open orders")


def select_replay_orders(con: duckdb.DuckDBPyConnection, moment: datetime, days: int, max_orders: int) -> PlanScope:
    """Scope the connection's planning reads to the replay window: orders paid in the last `days`
    before `moment`, routed or unplaced, at most `max_orders` of them (the most recently paid)."""
    con.execute(
        REPLAY_SCOPE_SQL,
        {
            "since": moment - timedelta(days=days),
            "as_of": moment,
            "routed": list(ROUTED_STATUSES),
            "unplaced": list(UNPLACED_STATUSES),
            "max_orders": max(max_orders, 0),
        },
    )
    return scope_size(con, f"replay of the last {days} days (at most {max_orders:,} orders)")


def scope_size(con: duckdb.DuckDBPyConnection, what: str) -> PlanScope:
    orders, lines = con.execute(SCOPE_SIZE_SQL).fetchall()[0]
    return PlanScope(what, int(orders), int(lines))


def planning_inputs(con: duckdb.DuckDBPyConnection) -> PlanningInputs:
    """What planning needs for the orders in `plan_scope` (select_open_orders / select_replay_orders first)."""
    return PlanningInputs(
        as_of=as_of(con),
        orders=read_frame(con, ORDERS_SQL),
        lines=read_frame(con, LINES_SQL),
        components=read_frame(con, COMPONENTS_SQL),
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
