"""Replay routing over the last days' paid orders, as if none had been allocated.

At the end of a generated brand only a handful of orders are paid and unallocated,
too few for a meaningful automatic-routing share. The replay takes every order paid
in the last `days` days before as_of that the business routed or tried to route
(status paid, allocated, shipped, delivered or returned; cancelled or refunded ones
only if they never got a location, i.e. the OMS failed to place them), and plans it
against the stock those orders saw: the end stock plus the units they took themselves,

- paid / allocated with a location: their claims (order_occupied) are released;
- shipped from a ledger location: their outbound movements go back onto the same lots;
- shipped from a quantity-mode location (stores): their units go back onto the
  latest-expiring lot of that SKU there (or one unlotted pool).

Receipts, transfers and adjustments during those days are not undone, so this is
the end-of-period stock with the replayed demand put back, not an exact reconstruction.

The window is also bounded in orders: at most `max_orders`, the most recently paid
(ties by order id, latest first). Planning holds every replayed order line as Python
objects (about 2 KB a line), so a peak day (20 M orders in one day) replayed whole would
need tens of GiB; the most recent 200,000 orders are a sample large enough for the
share routed automatically and fit in well under a GiB.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

ROUTED_STATUSES = ("paid", "allocated", "shipped", "delivered", "returned")
UNPLACED_STATUSES = ("cancelled", "refunded")
CLAIMING_STATUSES = ("paid", "allocated")
DEFAULT_MAX_ORDERS = 200_000


def replay_orders(orders: pl.DataFrame, as_of: datetime, days: int, max_orders: int | None = None) -> pl.DataFrame:
    """The orders to replay (same columns and order as `orders`): paid in (as_of - days, as_of],
    routed or unplaced; with `max_orders`, only that many of them, the most recently paid
    (pipelines/defs/fulfillment/load.py selects the same orders in SQL: REPLAY_ORDERS_SQL)."""
    since = as_of - timedelta(days=days)
    window = orders.filter(
        (pl.col("paid_at") > since)
        & (pl.col("paid_at") <= as_of)
        & (
            pl.col("status").is_in(ROUTED_STATUSES)
            | (pl.col("status").is_in(UNPLACED_STATUSES) & pl.col("location_id").is_null())
        )
    )
    if max_orders is None or window.height <= max_orders:
        return window
    latest = window.sort("paid_at", "order_id", descending=True).head(max(max_orders, 0))["order_id"]
    return window.filter(pl.col("order_id").is_in(latest.implode()))


def restore_stock(
    replayed: pl.DataFrame,
    components: pl.DataFrame,
    outbound: pl.DataFrame,
    lots: pl.DataFrame,
    scheduling: pl.DataFrame,
    as_of: datetime,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(lots, scheduling) with the replayed orders' units put back.

    replayed: replay_orders(); components: order_id, sku, qty (bundles exploded);
    outbound: WMS outbound movements (doc_id, location_id, sku, lot_no, expiry_date, qty_delta);
    lots / scheduling: as for inputs.book_from (scheduling with physical_available)."""
    ids = replayed.select("order_id", "status", "location_id")
    placed = components.join(ids, on="order_id", how="inner").filter(pl.col("location_id").is_not_null())

    # 1. claims released
    released = (
        placed.filter(pl.col("status").is_in(CLAIMING_STATUSES))
        .group_by("location_id", "sku")
        .agg(pl.col("qty").sum().cast(pl.Int64).alias("released"))
    )
    # 2. shipped from a ledger: back onto the lots the movements took
    moved = outbound.join(ids.select("order_id"), left_on="doc_id", right_on="order_id", how="inner")
    from_ledger = moved.group_by("location_id", "sku", "lot_no", "expiry_date").agg(
        (-pl.col("qty_delta")).sum().cast(pl.Int64).alias("qty")
    )
    # 3. shipped without a ledger (quantity-mode locations)
    no_ledger = (
        placed.filter(~pl.col("status").is_in(CLAIMING_STATUSES) & ~pl.col("order_id").is_in(moved["doc_id"].implode()))
        .group_by("location_id", "sku")
        .agg(pl.col("qty").sum().cast(pl.Int64).alias("qty"))
    )
    latest_lot = lots.sort("expiry_date", "lot_no", nulls_last=True).group_by("location_id", "sku").last()
    onto_latest = no_ledger.join(
        latest_lot.select("location_id", "sku", "lot_no", "expiry_date"), on=["location_id", "sku"], how="left"
    ).select("location_id", "sku", "lot_no", "expiry_date", "qty")

    added = pl.concat([from_ledger, onto_latest]).with_columns(
        (pl.col("expiry_date") - pl.lit(as_of.date())).dt.total_days().cast(pl.Int64).alias("shelf_life_days_left")
    )
    keys = ["location_id", "sku", "lot_no", "expiry_date"]
    new_lots = (
        pl.concat(
            [lots.select(*keys, "shelf_life_days_left", pl.col("qty").cast(pl.Int64)), added.select(lots_columns())],
            how="vertical_relaxed",
        )
        .group_by(keys)
        .agg(pl.col("shelf_life_days_left").first(), pl.col("qty").sum())
    )
    back = (
        pl.concat([from_ledger.select("location_id", "sku", "qty"), no_ledger])
        .group_by("location_id", "sku")
        .agg(pl.col("qty").sum().alias("back"))
    )
    new_sched = (
        scheduling.join(back, on=["location_id", "sku"], how="full", coalesce=True)
        .join(released, on=["location_id", "sku"], how="left")
        .with_columns(pl.col("back", "released").fill_null(0), pl.col("physical_available", "claims").fill_null(0))
        .with_columns(
            (pl.col("physical_available") + pl.col("back")).alias("physical_available"),
            (pl.col("claims") - pl.col("released")).clip(lower_bound=0).alias("claims"),
        )
        .with_columns((pl.col("physical_available") - pl.col("claims")).clip(lower_bound=0).alias("sales_available"))
        .select("location_id", "sku", "physical_available", "claims", "sales_available")
    )
    return new_lots.sort(keys, nulls_last=True), new_sched.sort("location_id", "sku")


def lots_columns() -> list[str]:
    return ["location_id", "sku", "lot_no", "expiry_date", "shelf_life_days_left", "qty"]
