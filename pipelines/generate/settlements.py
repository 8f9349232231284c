"""Platform payouts per order, on each channel's schedule and fee structure (from the fee schedule seed).

sale row:   net = gross - commission - payment_fee - shipping_fee + subsidy
refund row: the sale's gross, commission, payment fee and subsidy with the sign reversed
            (the shipping fee is not refunded).
Subsidies are paid on orders created on promotion days. Amounts are in the channel's currency.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.generate.brand import Brand
from pipelines.generate.demand import DAY, HOUR, Demand
from pipelines.generate.orders import OrderBook
from pipelines.generate.simulate import SimResult


def expected_sales(brand: Brand, dm: Demand, sim: SimResult, book: OrderBook, rng: np.random.Generator) -> pl.DataFrame:
    """What each delivered order should bring.

    One row per order with its scheduled payout time (which may be after the end).
    """
    fees = brand.fees
    i = book.idx
    delivered = (sim.deliver_t[i] >= 0) & ~book.cancel_after_ship
    k = np.flatnonzero(delivered)
    o, ch = i[k], dm.channel[i[k]]
    gross = book.gross[k]
    commission = np.round(gross * fees.commission_rate[ch], 2)
    payment = np.round(gross * fees.payment_fee_rate[ch], 2)
    shipping = fees.shipping_fee[ch]
    subsidy = np.where(dm.promo[o], np.round(gross * fees.subsidy_rate[ch], 2), 0.0)
    settle_day = sim.deliver_t[o] // DAY + fees.lag_days[ch]
    return pl.DataFrame(
        {
            "order_pos": k,
            "order_id": book.order_id[k],
            "channel_id": brand.network.channel_ids[ch],
            "settled_s": settle_day * DAY + 2 * HOUR + rng.integers(0, 2 * HOUR, k.size),
            "gross_amount": gross,
            "commission": commission,
            "payment_fee": payment,
            "shipping_fee": shipping,
            "subsidy": subsidy,
            "net_amount": np.round(gross - commission - payment - shipping + subsidy, 2),
            "currency": fees.currency[ch],
            "returned_s": sim.return_t[o],
            "tolerance": fees.tolerance[ch],
        }
    )


def refund_rows(sales: pl.DataFrame, when: pl.Expr) -> pl.DataFrame:
    """Refund rows mirroring sale rows, settled at `when` (seconds)."""
    return sales.select(
        "order_pos",
        "order_id",
        "channel_id",
        when.alias("settled_s"),
        -pl.col("gross_amount"),
        -pl.col("commission"),
        -pl.col("payment_fee"),
        pl.lit(0.0).alias("shipping_fee"),
        -pl.col("subsidy"),
        (-(pl.col("gross_amount") - pl.col("commission") - pl.col("payment_fee") + pl.col("subsidy")))
        .round(2)
        .alias("net_amount"),
        "currency",
        "returned_s",
        "tolerance",
        pl.lit("refund").alias("type"),
    )


def settlement_rows(expected: pl.DataFrame, end: int) -> pl.DataFrame:
    """Sale rows paid by the end, and refund rows for returned orders (after both the return and the sale)."""
    sales = expected.filter(pl.col("settled_s") <= end)
    refunds = refund_rows(
        sales.filter(pl.col("returned_s") >= 0),
        pl.max_horizontal((pl.col("returned_s") // DAY + 2) * DAY, (pl.col("settled_s") // DAY + 1) * DAY) + 3 * HOUR,
    ).filter(pl.col("settled_s") <= end)
    sales = sales.select(*refunds.columns[:-1], pl.lit("sale").alias("type"))
    return pl.concat([sales, refunds])


def with_ids(rows: pl.DataFrame, t0) -> pl.DataFrame:
    """Sort, number and convert to the contract's columns (settlement ids are per channel sequences)."""
    rows = rows.sort("settled_s", "order_id", "type", "net_amount")
    rows = rows.with_columns(
        (
            pl.col("channel_id").str.to_uppercase().str.slice(0, 3)
            + "-ST"
            + (pl.int_range(pl.len()).over("channel_id") + 1_000_000_001).cast(pl.String)
        ).alias("settlement_id"),
        (pl.lit(t0).cast(pl.Datetime("us")) + pl.duration(seconds=pl.col("settled_s"))).alias("settled_at"),
    )
    return rows
