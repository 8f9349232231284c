"""The whole planning step over frames: open orders (or a replay) -> the plan frame.

Planning holds every line it plans as Python objects, about 2 KB a line (`make
bench-fulfillment`: 1.8 GiB at the peak for 1 M lines), so the number of lines one step may
plan is capped (`max_plan_lines`): above it the step fails before reading anything, and
says how many lines it found and what to do, rather than exhausting the machine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from pipelines.fulfillment.inputs import book_from, catalog_from, network_from, orders_from, plan_frame
from pipelines.fulfillment.membership import GiftRule, gift_orders
from pipelines.fulfillment.replay import replay_orders, restore_stock
from pipelines.fulfillment.routing import plan_orders

BYTES_PER_LINE = 2_000  # planning's peak memory per order line, rounded up from make bench-fulfillment
DEFAULT_MAX_PLAN_LINES = 1_500_000  # about 3 GiB of planning


class PlanTooLarge(RuntimeError):
    """More order lines to plan than the memory budget allows."""


@dataclass(frozen=True)
class PlanScope:
    """What one planning step is about to plan (counted in the warehouse before anything is read)."""

    what: str  # e.g. "open orders"
    orders: int
    lines: int


def check_plan_size(scope: PlanScope, max_lines: int, setting: str = "max_plan_lines") -> None:
    """Raise PlanTooLarge, with the counts and what to do, when `scope` has more than `max_lines` lines."""
    if scope.lines <= max_lines:
        return
    gib = 1024**3
    raise PlanTooLarge(
        f"{scope.what}: {scope.orders:,} orders with {scope.lines:,} lines to plan, more than the budget of "
        f"{max_lines:,} lines ({setting}). Planning needs about {scope.lines * BYTES_PER_LINE / gib:.1f} GiB for them "
        f"against {max_lines * BYTES_PER_LINE / gib:.1f} GiB budgeted, so nothing was planned or written. Raise "
        f"{setting} in the asset's run config if the machine has that much memory free (docs/fulfillment.md)."
    )


@dataclass(frozen=True)
class PlanningInputs:
    """Frames as the warehouse serves them (see pipelines/defs/fulfillment/load.py for the queries)."""

    as_of: datetime
    orders: pl.DataFrame  # stg_orders
    lines: pl.DataFrame  # stg_order_lines: order_id, line_no, sku, qty
    components: pl.DataFrame  # int_order_lines_exploded: order_id, sku, qty
    products: pl.DataFrame  # stg_products: sku, successor_sku
    bundles: pl.DataFrame  # stg_bundle_components
    locations: pl.DataFrame  # stg_locations
    coverage: pl.DataFrame  # stg_location_coverage
    channels: pl.DataFrame  # stg_channels
    lots: pl.DataFrame  # warehouse layer, status available
    scheduling: pl.DataFrame  # scheduling layer (stock SKUs): physical_available, claims, sales_available, inbound
    outbound: pl.DataFrame  # stg_wms_movements of doc_type outbound


def open_orders(orders: pl.DataFrame, as_of: datetime) -> pl.DataFrame:
    """Paid orders with no location yet, as of as_of."""
    return orders.filter(
        (pl.col("status") == "paid")
        & pl.col("location_id").is_null()
        & (pl.col("paid_at").is_null() | (pl.col("paid_at") <= as_of))
    )


def plan(
    inputs: PlanningInputs,
    to_plan: pl.DataFrame,
    rules: Sequence[GiftRule],
    centroids: Mapping[str, tuple[float, float]],
    lots: pl.DataFrame | None = None,
    scheduling: pl.DataFrame | None = None,
) -> pl.DataFrame:
    lots = inputs.lots if lots is None else lots
    scheduling = inputs.scheduling if scheduling is None else scheduling
    gifts = gift_orders(inputs.orders, rules).join(to_plan.select("order_id"), on="order_id", how="semi")
    lines = inputs.lines.join(to_plan.select("order_id"), on="order_id", how="semi")
    inbound = {}
    if "inbound" in scheduling.columns:
        inbound = {
            (r[0], r[1]): int(r[2]) for r in scheduling.select("location_id", "sku", "inbound").iter_rows() if r[2]
        }
    rows = plan_orders(
        orders_from(to_plan, lines, inputs.channels, gifts),
        book_from(lots, scheduling),
        network_from(inputs.locations, inputs.coverage, centroids),
        catalog_from(inputs.products, inputs.bundles),
        inbound,
    )
    return plan_frame(rows)


def plan_open_orders(
    inputs: PlanningInputs, rules: Sequence[GiftRule], centroids: Mapping[str, tuple[float, float]]
) -> pl.DataFrame:
    return plan(inputs, open_orders(inputs.orders, inputs.as_of), rules, centroids)


def plan_replay(
    inputs: PlanningInputs,
    days: int,
    rules: Sequence[GiftRule],
    centroids: Mapping[str, tuple[float, float]],
    max_orders: int | None = None,
) -> pl.DataFrame:
    replayed = replay_orders(inputs.orders, inputs.as_of, days, max_orders)
    lots, scheduling = restore_stock(
        replayed, inputs.components, inputs.outbound, inputs.lots, inputs.scheduling, inputs.as_of
    )
    return plan(inputs, replayed, rules, centroids, lots, scheduling)
