"""Polars frames (as the warehouse serves them) -> the planning model, and the plan -> a frame.

Pure: the frames come from the caller (the Dagster asset reads them from DuckDB).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from pipelines.fulfillment.model import Catalog, Gift, Location, Network, Order, OrderLine
from pipelines.fulfillment.routing import PLAN_COLUMNS, PlanRows
from pipelines.fulfillment.stock import LotStock, StockBook

PLAN_SCHEMA: dict[str, pl.DataType] = {
    "order_id": pl.String,
    "line_no": pl.Int64,
    "line_kind": pl.String,
    "ordered_sku": pl.String,
    "component_sku": pl.String,
    "sku": pl.String,
    "qty": pl.Int64,
    "location_id": pl.String,
    "lot_no": pl.String,
    "expiry_date": pl.Date,
    "shelf_life_days_left": pl.Int64,
    "bundle_expiry_date": pl.Date,
    "substituted_from": pl.String,
    "status": pl.String,
    "reason": pl.String,
    "reason_detail": pl.String,
    "distance_km": pl.Float64,
    "channel_id": pl.String,
    "member_tier": pl.String,
    "ship_method": pl.String,
    "ship_region": pl.String,
    "priority_rank": pl.Int64,
}
assert tuple(PLAN_SCHEMA) == PLAN_COLUMNS


def catalog_from(products: pl.DataFrame, components: pl.DataFrame) -> Catalog:
    """products: sku, successor_sku; components: bundle_sku, component_sku, qty (self-references ignored)."""
    successors = {
        r["sku"]: r["successor_sku"]
        for r in products.select("sku", "successor_sku").iter_rows(named=True)
        if r["successor_sku"] and r["successor_sku"] != r["sku"]
    }
    bundles: dict[str, list[tuple[str, int]]] = {}
    for r in components.sort("bundle_sku", "component_sku").iter_rows(named=True):
        if r["bundle_sku"] != r["component_sku"] and (r["qty"] or 0) > 0:
            bundles.setdefault(r["bundle_sku"], []).append((r["component_sku"], int(r["qty"])))
    return Catalog(frozenset(products["sku"].to_list()), successors, {k: tuple(v) for k, v in bundles.items()})


def network_from(
    locations: pl.DataFrame, coverage: pl.DataFrame, centroids: Mapping[str, tuple[float, float]]
) -> Network:
    """locations: location_id, region, lat, lon, ship_methods ('|'-separated); coverage: location_id, region."""
    covers: dict[str, set[str]] = {}
    for r in coverage.iter_rows(named=True):
        covers.setdefault(r["location_id"], set()).add(r["region"])
    locs = [
        Location(
            r["location_id"],
            r["lat"],
            r["lon"],
            frozenset(m.strip() for m in (r["ship_methods"] or "").split("|") if m.strip()),
            frozenset(covers.get(r["location_id"], ())),
        )
        for r in locations.iter_rows(named=True)
    ]
    regions = {r["location_id"]: r["region"] for r in locations.iter_rows(named=True)}
    return Network(locs, centroids, regions)


def orders_from(
    orders: pl.DataFrame, lines: pl.DataFrame, channels: pl.DataFrame, gifts: pl.DataFrame | None = None
) -> list[Order]:
    """orders: order_id, channel_id, customer_id, member_tier, paid_at, ship_method, ship_region;
    lines: order_id, line_no, sku, qty; channels: channel_id, min_shelf_life_days; gifts: gift_orders()."""
    min_days = {r["channel_id"]: int(r["min_shelf_life_days"] or 0) for r in channels.iter_rows(named=True)}
    by_order: dict[str, list[OrderLine]] = {}
    for order_id, line_no, sku, qty in (
        lines.sort("order_id", "line_no").select("order_id", "line_no", "sku", "qty").iter_rows()
    ):
        by_order.setdefault(order_id, []).append(OrderLine(int(line_no), sku, int(qty)))
    gift_of = {}
    if gifts is not None:
        gift_of = {
            r["order_id"]: Gift(r["rule"], r["gift_sku"], int(r["gift_qty"])) for r in gifts.iter_rows(named=True)
        }
    return [
        Order(
            order_id=r["order_id"],
            channel_id=r["channel_id"],
            ship_method=r["ship_method"],
            ship_region=r["ship_region"],
            lines=tuple(by_order.get(r["order_id"], ())),
            member_tier=r["member_tier"],
            paid_at=r["paid_at"],
            customer_id=r["customer_id"],
            min_shelf_life_days=min_days.get(r["channel_id"], 0),
            gift=gift_of.get(r["order_id"]),
        )
        for r in orders.iter_rows(named=True)
    ]


def book_from(lots: pl.DataFrame, scheduling: pl.DataFrame) -> StockBook:
    """lots: location_id, sku, lot_no, expiry_date, shelf_life_days_left, qty (available status only);
    scheduling: location_id, sku, sales_available, claims (O + T + L); stock SKUs only (no bundle rows)."""
    stock = [
        LotStock(*row)
        for row in lots.select("location_id", "sku", "lot_no", "expiry_date", "shelf_life_days_left", "qty").iter_rows()
    ]
    keys = list(zip(scheduling["location_id"].to_list(), scheduling["sku"].to_list(), strict=True))
    sales_available = dict(zip(keys, scheduling["sales_available"].cast(pl.Int64).to_list(), strict=True))
    claims = dict(zip(keys, scheduling["claims"].cast(pl.Int64).to_list(), strict=True))
    return StockBook.build(stock, sales_available, claims)


def plan_frame(rows: PlanRows) -> pl.DataFrame:
    columns = list(zip(*rows.rows, strict=True)) if rows.rows else [()] * len(PLAN_SCHEMA)
    return pl.DataFrame(
        [
            pl.Series(name, values, dtype=dtype)
            for (name, dtype), values in zip(PLAN_SCHEMA.items(), columns, strict=True)
        ]
    )
