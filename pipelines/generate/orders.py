"""The OMS view of the simulated orders: each order's state at the end, plus some earlier versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from pipelines.contract import SHIP_METHODS, SOURCES
from pipelines.generate.brand import Brand
from pipelines.generate.demand import TIERS, Demand
from pipelines.generate.simulate import SimResult

PREFIX = {
    "tmall": "TM",
    "jd": "JD",
    "douyin": "DY",
    "xiaohongshu": "XHS",
    "shopee_sg": "SHP",
    "lazada_my": "LZD",
    "wechat_cloud": "WX",
    "pos": "POS",
}
STAGES = ("created", "paid", "allocated", "shipped", "delivered", "returned", "cancelled", "refunded")
EARLIER_VERSION_RATE = 0.06  # orders also delivered in an earlier state (the pipeline keeps the latest)


@dataclass
class OrderBook:
    """Final per-order facts (index = surviving order) used by settlements, anomalies and writers."""

    idx: np.ndarray  # index into Demand
    order_id: np.ndarray
    status: np.ndarray  # index into STAGES
    updated: np.ndarray  # seconds
    gross: np.ndarray  # order value after discounts, channel currency
    cancel_after_ship: np.ndarray  # bool: the shipped_after_cancel anomaly (set by anomalies)


def event_times(dm: Demand, sim: SimResult, end: int) -> np.ndarray:
    """(orders, stages) time each stage was reached by the end, -1 if not."""
    n = dm.n
    t = np.full((n, len(STAGES)), -1, np.int64)
    t[:, 0] = dm.created
    t[:, 1] = np.where((dm.paid >= 0) & (dm.paid <= end), dm.paid, -1)
    t[:, 2] = sim.alloc_t
    t[:, 3] = sim.ship_t
    t[:, 4] = sim.deliver_t
    t[:, 5] = sim.return_t
    unshipped = sim.ship_t < 0
    cancel = np.where((dm.cancel_unpaid >= 0) & (dm.cancel_unpaid <= end), dm.cancel_unpaid, -1)
    cancel = np.where(
        unshipped & (dm.intercept_at >= 0) & (dm.intercept_at <= end) & (sim.alloc_t >= 0), dm.intercept_at, cancel
    )
    t[:, 6] = cancel
    refund = np.where(unshipped & (dm.refund_at >= 0) & (dm.refund_at <= end), dm.refund_at, -1)
    t[:, 7] = np.where(sim.stockout_t >= 0, sim.stockout_t, refund)
    return t


def latest(times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The stage reached last (later stage wins a tie) and its time."""
    score = np.where(times >= 0, times * 16 + np.arange(times.shape[1]), -1)
    stage = score.argmax(axis=1)
    return stage, times[np.arange(len(stage)), stage]


def build_order_book(brand: Brand, dm: Demand, sim: SimResult, end: int) -> tuple[OrderBook, np.ndarray]:
    keep = np.flatnonzero(~sim.dropped)
    times = event_times(dm, sim, end)[keep]
    stage, updated = latest(times)
    ch = dm.channel[keep]
    prefixes = np.array([PREFIX[c] for c in brand.network.channel_ids])[ch]
    order_id = np.char.add(prefixes.astype("<U3"), (1_000_000_000 + np.arange(keep.size)).astype(str))
    line_value = dm.line_qty * dm.unit_price - dm.discount
    gross = np.round(np.bincount(dm.line_order, weights=line_value, minlength=dm.n)[keep], 2)
    book = OrderBook(keep, order_id, stage, updated, gross, np.zeros(keep.size, bool))
    return book, times


def _ts(seconds: np.ndarray, t0: datetime) -> pl.Series:
    """Seconds since t0 as timestamps; negative means missing."""
    values = np.datetime64(t0, "us") + np.asarray(seconds, np.int64).astype("timedelta64[s]")
    return pl.DataFrame({"v": values, "m": np.asarray(seconds) >= 0}).select(pl.when("m").then("v")).to_series()


def order_frames(
    brand: Brand, dm: Demand, sim: SimResult, book: OrderBook, times: np.ndarray, t0: datetime, rng: np.random.Generator
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """orders (final rows + earlier versions) and order_lines, in the contract's schema."""
    i = book.idx
    stage = book.status.copy()
    updated = book.updated.copy()
    cancelled = book.cancel_after_ship
    stage[cancelled], updated[cancelled] = STAGES.index("cancelled"), times[cancelled, 6]
    # earlier versions: an order seen first in an earlier state
    has_earlier = (rng.random(i.size) < EARLIER_VERSION_RATE) & (stage > 0)
    pick = np.floor(rng.random(i.size) * np.minimum(stage, 3)).astype(np.int64)
    pick_t = times[np.arange(i.size), pick]
    has_earlier &= (pick_t >= 0) & (pick_t < updated)
    rows = np.r_[np.arange(i.size), np.flatnonzero(has_earlier)]
    st = np.r_[stage, pick[has_earlier]]
    up = np.r_[updated, pick_t[has_earlier]]
    o = i[rows]
    located = (sim.loc[o] >= 0) & (st >= STAGES.index("allocated"))
    cust = dm.customer[o]
    customer = np.where(
        cust < 0,
        "",
        np.where(
            cust >= 10_000_000,
            np.char.add("X", (cust - 10_000_000 + 10**7).astype(str)),
            np.char.add("C", (cust + 10**8).astype(str)),
        ),
    )
    paid = np.where((times[rows, 1] >= 0) & (times[rows, 1] <= up), times[rows, 1], -1)
    orders = (
        pl.DataFrame(
            {
                "order_id": book.order_id[rows],
                "channel_id": brand.network.channel_ids[dm.channel[o]],
                "customer_id": customer,
                "member_tier": TIERS[dm.tier[o]],
                "status": np.array(STAGES)[st],
                "created_at": _ts(dm.created[o], t0),
                "paid_at": _ts(paid, t0),
                "updated_at": _ts(up, t0),
                "ship_method": np.array(SHIP_METHODS)[dm.method[o]],
                "ship_region": dm.region[o],
                "location_id": np.where(located, brand.network.location_ids[np.maximum(sim.loc[o], 0)], ""),
                "currency": brand.fees.currency[dm.channel[o]],  # the channel's (the fee schedule's)
            }
        )
        .with_columns(pl.col("customer_id", "location_id").replace("", None))
        .cast(SOURCES["orders"].columns)
    )
    orders = orders.sort("created_at", "order_id", "updated_at")
    pos = np.full(dm.n, -1, np.int64)
    pos[i] = np.arange(i.size)
    line_keep = pos[dm.line_order] >= 0
    lines = pl.DataFrame(
        {
            "order_id": book.order_id[pos[dm.line_order[line_keep]]],
            "line_no": dm.line_no[line_keep],
            "sku": brand.catalog.skus[sim.line_sku[line_keep]],
            "qty": dm.line_qty[line_keep],
            "unit_price": dm.unit_price[line_keep],
            "discount": dm.discount[line_keep],
            "created_at": _ts(dm.created[dm.line_order[line_keep]], t0),  # for file partitioning, dropped on write
        }
    ).pipe(lambda f: f.cast({k: v for k, v in SOURCES["order_lines"].columns.items() if k in f.columns}))
    return orders, lines
