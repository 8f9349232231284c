"""Injected reconciliation anomalies, at configured rates, with their ground truth.

Each class is injected into an exact number of cases: max(1, round(rate x denominator)),
chosen at random from the eligible population (disjoint between classes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from pipelines.generate.demand import DAY, Demand
from pipelines.generate.orders import OrderBook
from pipelines.generate.settlements import refund_rows
from pipelines.generate.simulate import SimResult


@dataclass(frozen=True)
class Rate:
    rate: float
    denominator: str


ANOMALY_RATES: dict[str, Rate] = {
    "missing_settlement": Rate(0.010, "sale payouts due by the end (not returned orders)"),
    "duplicate_settlement": Rate(0.005, "sale payouts due by the end (not returned orders)"),
    "amount_mismatch": Rate(0.008, "sale payouts due by the end (not returned orders)"),
    "fee_rate_out_of_range": Rate(0.005, "sale payouts due by the end (not returned orders)"),
    "refund_without_return": Rate(0.003, "sale payouts due by the end (not returned orders)"),
    "unknown_order_settlement": Rate(0.003, "sale payouts due by the end (not returned orders)"),
    "shipped_after_cancel": Rate(0.003, "orders shipped from a warehouse and never returned"),
    "stock_count_drift": Rate(0.02, "warehouse count snapshots (one per warehouse and day)"),
}
TRUTH_SCHEMA = {
    "anomaly_class": pl.String,
    "order_id": pl.String,
    "settlement_id": pl.String,
    "location_id": pl.String,
    "sku": pl.String,
    "business_date": pl.Date,
    "amount": pl.Float64,
}


def count_for(name: str, population: int) -> int:
    return min(population, max(1, round(ANOMALY_RATES[name].rate * population)))


def shipped_after_cancel(
    dm: Demand, sim: SimResult, book: OrderBook, times: np.ndarray, is_warehouse: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Orders cancelled in the OMS after allocation that the warehouse shipped anyway. Returns their positions."""
    i = book.idx
    eligible = np.flatnonzero((sim.ship_t[i] >= 0) & is_warehouse[np.maximum(sim.loc[i], 0)] & (sim.return_t[i] < 0))
    chosen = np.sort(rng.choice(eligible, count_for("shipped_after_cancel", eligible.size), replace=False))
    o = i[chosen]
    cancel = sim.alloc_t[o] + (rng.uniform(0.2, 0.8, chosen.size) * (sim.ship_t[o] - sim.alloc_t[o])).astype(np.int64)
    times[chosen, 6] = np.maximum(cancel, sim.alloc_t[o] + 1)
    book.cancel_after_ship[chosen] = True
    return chosen


def inject_settlements(
    rows: pl.DataFrame, end: int, rng: np.random.Generator, unknown_channels: list[tuple[str, str, float, float, float]]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Settlement anomalies. Returns (rows with `anomaly`/`anomaly_amount` columns, missing-settlement truth)."""
    rows = rows.with_columns(pl.lit(None, pl.String).alias("anomaly"), pl.lit(None, pl.Float64).alias("anomaly_amount"))
    is_pool = (pl.col("type") == "sale") & (pl.col("returned_s") < 0)
    pool = rows.with_row_index("_r").filter(is_pool & (pl.col("settled_s") + 10 * DAY <= end))["_r"].to_numpy()
    population = int(rows.filter(is_pool).height)
    names = [
        "missing_settlement",
        "duplicate_settlement",
        "amount_mismatch",
        "fee_rate_out_of_range",
        "refund_without_return",
    ]
    counts = [count_for(n, population) for n in names]
    picked = rng.permutation(pool)[: sum(counts)]
    groups = dict(zip(names, np.split(picked, np.cumsum(counts)[:-1])))
    cls = np.full(rows.height, None, object)
    for name in names[1:]:
        cls[groups[name]] = name
    rows = rows.with_columns(
        pl.Series("_cls", cls.tolist(), pl.String), pl.Series("_u", rng.uniform(0, 1, rows.height))
    )
    gross, tol = pl.col("gross_amount"), pl.col("tolerance")
    mismatch = pl.col("_cls") == "amount_mismatch"
    fee = pl.col("_cls") == "fee_rate_out_of_range"
    delta = pl.max_horizontal(tol * 10, gross * (0.03 + 0.12 * pl.col("_u"))).round(2)
    new_commission = (gross * (pl.col("commission") / gross + 0.02 + 0.03 * pl.col("_u"))).round(2)
    rows = rows.with_columns(
        pl.when(fee).then(new_commission).otherwise("commission").alias("commission"),
        pl.when(fee).then(new_commission - pl.col("commission")).when(mismatch).then(delta).alias("anomaly_amount"),
        pl.when(mismatch | fee).then("_cls").alias("anomaly"),
    ).with_columns(
        pl.when(fee)
        .then(
            (gross - pl.col("commission") - pl.col("payment_fee") - pl.col("shipping_fee") + pl.col("subsidy")).round(2)
        )
        .when(mismatch)
        .then((pl.col("net_amount") - pl.col("anomaly_amount")).round(2))
        .otherwise("net_amount")
        .alias("net_amount"),
    )
    dup = rows.filter(pl.col("_cls") == "duplicate_settlement").with_columns(
        (pl.col("settled_s") + (pl.col("_u") * 3 * DAY).cast(pl.Int64) + 3600).alias("settled_s"),
        pl.lit("duplicate_settlement").alias("anomaly"),
        pl.col("net_amount").alias("anomaly_amount"),
    )
    base = rows.filter(pl.col("_cls") == "refund_without_return")
    refunds = refund_rows(base, pl.col("settled_s") + (2 * DAY + pl.col("_u") * 8 * DAY).cast(pl.Int64))
    refunds = refunds.with_columns(
        pl.lit("refund_without_return").alias("anomaly"), (-pl.col("net_amount")).alias("anomaly_amount")
    )
    missing = rows[groups["missing_settlement"]]
    truth_missing = missing.select(
        pl.lit("missing_settlement").alias("anomaly_class"),
        "order_id",
        "settled_s",
        pl.col("net_amount").alias("amount"),
    )
    rows = rows.with_row_index("_r").filter(~pl.col("_r").is_in(groups["missing_settlement"].tolist())).drop("_r")
    unknown = _unknown_orders(count_for("unknown_order_settlement", population), end, rng, unknown_channels)
    cols = [c for c in refunds.columns]
    frames = [rows.select(cols), dup.select(cols), refunds.select(cols), unknown.select(cols)]
    return pl.concat(frames, how="vertical_relaxed"), truth_missing


def _unknown_orders(
    n: int, end: int, rng: np.random.Generator, channels: list[tuple[str, str, float, float, float]]
) -> pl.DataFrame:
    """Payouts for order ids the OMS never had (ids in the channel's format, outside its range)."""
    pick = rng.integers(0, len(channels), n)
    gross = np.round(rng.uniform(60, 900, n), 2)
    ch = [channels[p] for p in pick]
    commission = np.round(gross * np.array([c[2] for c in ch]), 2)
    payment = np.round(gross * np.array([c[3] for c in ch]), 2)
    shipping = np.array([c[4] for c in ch])
    net = np.round(gross - commission - payment - shipping, 2)
    return pl.DataFrame(
        {
            "order_pos": np.full(n, -1),
            "order_id": [f"{c[1]}{1_900_000_000 + k}" for k, c in enumerate(ch)],
            "channel_id": [c[0] for c in ch],
            "settled_s": np.sort(rng.integers(0, end, n)),
            "gross_amount": gross,
            "commission": commission,
            "payment_fee": payment,
            "shipping_fee": shipping,
            "subsidy": np.zeros(n),
            "net_amount": net,
            "currency": "CNY",
            "returned_s": np.full(n, -1),
            "tolerance": np.full(n, 0.01),
            "type": "sale",
            "anomaly": "unknown_order_settlement",
            "anomaly_amount": net,
        }
    )


def stock_count_drift(
    snaps: dict[str, np.ndarray], lot_loc: np.ndarray, is_warehouse: np.ndarray, rng: np.random.Generator
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Change one count row in some warehouse snapshots. Returns (snapshots, changed row index, delta)."""
    loc = lot_loc[snaps["lot"]]
    wh_rows = np.flatnonzero(is_warehouse[loc])
    key = snaps["t"][wh_rows] * 1000 + loc[wh_rows]
    keys, first, counts = np.unique(key, return_index=True, return_counts=True)
    chosen = np.sort(rng.choice(keys.size, count_for("stock_count_drift", keys.size), replace=False))
    order = np.argsort(key, kind="stable")
    start = np.searchsorted(key[order], keys[chosen])
    rows = wh_rows[order[start + rng.integers(0, counts[chosen])]]
    delta = rng.integers(1, 6, rows.size) * rng.choice([-1, 1], rows.size)
    delta = np.where(snaps["qty"][rows] + delta < 0, -delta, delta)
    qty = snaps["qty"].copy()
    qty[rows] += delta
    return {**snaps, "qty": qty}, rows, delta
