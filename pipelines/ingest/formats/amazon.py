"""Amazon "V2 settlement report flat file" (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2).

Tab-separated, one row per amount: the first data row is the settlement summary
(settlement-id, dates, total-amount, currency); every other row has a
transaction-type, order-id, amount-type, amount-description and a signed amount.

Rows are grouped into contract settlements: per settlement and order, one `sale`
(transaction-type Order) and one `refund` per adjustment-id (Refund, chargebacks,
A-to-z claims); every other row (service fees, storage fees, reimbursements) is an
`adjustment` of its own. Amazon's sign convention is kept for the net: net_amount =
the sum of the group's amounts (what Amazon pays for it). Fees (ItemFees) become
positive deductions: FBA*/shipping ones → shipping_fee, the rest → commission;
everything else (ItemPrice, Promotion, withheld tax) → gross_amount. ROW is the
group's first record. settled_at is the latest posted-date-time (else posted-date),
converted from UTC to the brand's local time.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines.ingest.formats.base import PlatformFormat, local_time, read_csv_text, require_columns
from pipelines.ingest.validate import ROW

NEEDED = ("settlement-id", "transaction-type", "order-id", "amount-type", "amount-description", "amount")
REFUND_TYPES = ("Refund", "Chargeback Refund", "A-to-z Guarantee Claim", "Chargeback", "SAFE-T Reimbursement Refund")


def _optional(frame: pl.DataFrame, column: str) -> pl.Expr:
    return pl.col(column) if column in frame.columns else pl.lit(None, dtype=pl.String)


def amount(text: pl.Expr) -> pl.Expr:
    """Signed amounts; European files write 1234,56."""
    value = text.str.strip_chars()
    european = value.str.contains(",")
    value = (
        pl.when(european)
        .then(value.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .otherwise(value)
    )
    return value.cast(pl.Float64, strict=False)


def lines(frame: pl.DataFrame, channel_id: str) -> pl.LazyFrame:
    """One row per amount, classified, with the group it belongs to."""
    kind = pl.col("transaction-type").str.strip_chars()
    settlement_type = (
        pl.when(kind == "Order")
        .then(pl.lit("sale"))
        .when(kind.is_in(REFUND_TYPES))
        .then(pl.lit("refund"))
        .otherwise(pl.lit("adjustment"))
    )
    order_id = pl.col("order-id").str.strip_chars()
    per_order = order_id.is_not_null() & (settlement_type != "adjustment")
    group_id = (
        pl.when(per_order & (settlement_type == "sale"))
        .then(pl.format("{}-{}", pl.col("settlement-id"), order_id))
        .when(per_order)
        .then(
            pl.format(
                "{}-{}-refund-{}", pl.col("settlement-id"), order_id, _optional(frame, "adjustment-id").fill_null("")
            )
        )
        .otherwise(pl.format("{}-row{}", pl.col("settlement-id"), pl.col(ROW)))
    )
    fee = pl.col("amount-type") == "ItemFees"
    shipping = fee & pl.col("amount-description").str.contains("(?i)fba|shipping|chargeback")
    posted = pl.coalesce(local_time(_optional(frame, "posted-date-time")), local_time(_optional(frame, "posted-date")))
    return (
        frame.lazy()
        .with_columns(
            pl.col(c).str.strip_chars()
            for c in ("settlement-id", "transaction-type", "amount-type", "amount-description")
        )
        # the summary row carries the currency; some files repeat it on every row
        .with_columns(_optional(frame, "currency").drop_nulls().first().over("settlement-id").alias("__currency"))
        .filter(pl.col("transaction-type").is_not_null())  # the summary row
        .select(
            group_id.alias("settlement_id"),
            pl.lit(channel_id).alias("channel_id"),
            order_id.alias("order_id"),
            posted.alias("__posted"),
            _optional(frame, "posted-date-time").fill_null(_optional(frame, "posted-date")).alias("__posted_raw"),
            settlement_type.alias("type"),
            amount(pl.col("amount")).alias("__amount"),
            pl.col("amount").alias("__amount_raw"),
            fee.alias("__fee"),
            shipping.alias("__shipping"),
            pl.col("__currency").alias("currency"),
            pl.col(ROW),
        )
    )


def settlements(frame: pl.DataFrame, channel_id: str) -> pl.DataFrame:
    require_columns(frame, NEEDED, "Amazon V2 settlement flat file")
    a = pl.col("__amount")
    grouped = (
        lines(frame, channel_id)
        .group_by("settlement_id", maintain_order=True)
        .agg(
            pl.col("channel_id", "order_id", "type", "currency").first(),
            pl.col("__posted")
            .max()
            .dt.strftime("%Y-%m-%d %H:%M:%S")
            .fill_null(pl.col("__posted_raw").first())
            .alias("settled_at"),
            a.filter(~pl.col("__fee")).sum().alias("gross_amount"),
            (0.0 - a.filter(pl.col("__fee") & ~pl.col("__shipping")).sum()).alias("commission"),
            pl.lit(0.0).alias("payment_fee"),
            (0.0 - a.filter(pl.col("__shipping")).sum()).alias("shipping_fee"),
            pl.lit(0.0).alias("subsidy"),
            a.sum().alias("net_amount"),
            pl.col("__amount_raw").filter(a.is_null() & pl.col("__amount_raw").is_not_null()).first().alias("__bad"),
            pl.col(ROW).min(),
        )
    )
    money = ("gross_amount", "commission", "payment_fee", "shipping_fee", "subsidy", "net_amount")
    # an amount that is not a number is passed on as is, so validation quarantines the group
    rounded = [pl.when(pl.col(c) == 0).then(0.0).otherwise(pl.col(c).round(4)) for c in money]  # no -0.0
    as_text = [pl.coalesce(pl.col("__bad"), r.cast(pl.String)).alias(c) for r, c in zip(rounded, money, strict=True)]
    return (
        grouped.with_columns(as_text)
        .select("settlement_id", "channel_id", "order_id", "settled_at", "type", *money, "currency", ROW)
        .sort(ROW)
        .collect()
    )


def read(path: Path, channel_id: str) -> dict[str, pl.DataFrame]:
    return {"settlements": settlements(read_csv_text(path, separator="\t"), channel_id)}


FORMAT = PlatformFormat(
    name="amazon_settlement_v2",
    platform="Amazon",
    produces=("settlements",),
    read=read,
    description="Amazon V2 settlement report flat file (tab-separated), grouped per order and transaction.",
)
