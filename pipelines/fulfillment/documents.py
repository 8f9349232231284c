"""What the OMS hands the WMS (outbound, inbound), the interception list and the KPIs, as frames."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from pipelines.fulfillment import reasons as R

OPEN_ASN_STATUSES = ("created", "in_transit")
OPEN_TRANSFER_STATUSES = ("approved", "shipped")
CANCELLED_STATUSES = ("cancelled", "refunded")


def outbound_documents(plan: pl.DataFrame, as_of: datetime) -> pl.DataFrame:
    """One outbound document per order and location of the plan's allocated rows; one document line per lot."""
    allocated = plan.filter(pl.col("status") == "allocated").sort(
        "order_id", "location_id", "line_kind", "line_no", "sku", "lot_no"
    )
    return allocated.select(
        pl.concat_str(pl.lit("OUT-"), "order_id", pl.lit("-"), "location_id").alias("document_id"),
        pl.lit("outbound").alias("document_type"),
        "location_id",
        "order_id",
        "channel_id",
        "ship_method",
        "ship_region",
        pl.int_range(1, pl.len() + 1).over("order_id", "location_id").cast(pl.Int64).alias("document_line_no"),
        pl.col("line_no").alias("order_line_no"),
        "line_kind",
        pl.when(pl.col("ordered_sku") != pl.col("component_sku")).then("ordered_sku").alias("bundle_or_ordered_sku"),
        "sku",
        "lot_no",
        "expiry_date",
        "qty",
        pl.lit(as_of, pl.Datetime("us")).alias("created_at"),
    )


def inbound_documents(asn: pl.DataFrame, transfers: pl.DataFrame) -> pl.DataFrame:
    """Goods still expected: ASNs created or in transit, transfers approved (not shipped yet) or in the air."""
    from_asn = asn.filter(pl.col("status").is_in(OPEN_ASN_STATUSES)).select(
        pl.concat_str(pl.lit("ASN-"), "asn_id").alias("document_id"),
        pl.lit("asn").alias("document_type"),
        "location_id",
        pl.lit(None, pl.String).alias("from_location"),
        "sku",
        pl.col("qty").cast(pl.Int64),
        pl.col("expected_at").cast(pl.Datetime("us")),
        "status",
        pl.lit("supplier shipment: receive and check the lot and expiry date").alias("note"),
    )
    from_transfers = transfers.filter(pl.col("status").is_in(OPEN_TRANSFER_STATUSES)).select(
        pl.concat_str(pl.lit("TRF-"), "transfer_id").alias("document_id"),
        pl.lit("transfer").alias("document_type"),
        pl.col("to_location").alias("location_id"),
        "from_location",
        "sku",
        pl.col("qty").cast(pl.Int64),
        pl.lit(None, pl.Datetime("us")).alias("expected_at"),
        "status",
        pl.when(pl.col("status") == "shipped")
        .then(
            pl.concat_str(
                pl.lit("in the air from "), "from_location", pl.lit(" since "), pl.col("updated_at").cast(pl.String)
            )
        )
        .otherwise(pl.concat_str(pl.lit("approved, not yet shipped by "), "from_location"))
        .alias("note"),
    )
    return pl.concat([from_asn, from_transfers]).sort("location_id", "document_type", "document_id", "sku")


def interception_list(
    orders: pl.DataFrame,
    items: pl.DataFrame,
    shipped_order_ids: pl.Series,
    ledger_locations: pl.Series,
    as_of: datetime,
) -> pl.DataFrame:
    """Orders cancelled or refunded after release to the WMS (they have a location) and not shipped.

    orders: stg_orders columns; items: order_id, sku, qty (components of bundles);
    shipped_order_ids: doc_id of outbound WMS movements; ledger_locations: flow-mode
    locations (for the others, a store system without a ledger, "not shipped" cannot be
    proven from data and the list says so)."""
    lines = items.group_by("order_id").agg(
        pl.concat_str("sku", pl.lit(" x"), pl.col("qty").cast(pl.String)).sort().str.join("; ").alias("items"),
        pl.col("qty").sum().cast(pl.Int64).alias("units"),
    )
    has_ledger = pl.col("location_id").is_in(ledger_locations.implode())
    return (
        orders.filter(
            pl.col("status").is_in(CANCELLED_STATUSES)
            & pl.col("location_id").is_not_null()
            & ~pl.col("order_id").is_in(shipped_order_ids.implode())
        )
        .join(lines, on="order_id", how="left")
        .select(
            "order_id",
            "channel_id",
            "status",
            pl.col("updated_at").alias("cancelled_at"),
            "paid_at",
            "location_id",
            "ship_method",
            "ship_region",
            "items",
            pl.col("units").fill_null(0),
            pl.when(has_ledger)
            .then(pl.lit("no outbound movement in the WMS ledger"))
            .otherwise(pl.lit("location reports quantities only (no ledger): confirm with the store that nothing left"))
            .alias("shipment_evidence"),
            pl.concat_str(
                pl.lit("Warehouse "),
                "location_id",
                pl.lit(
                    ": stop picking / packing and put the items back; carrier: if a label was printed, hold the "
                    "parcel and return it to "
                ),
                "location_id",
                pl.lit(" (order "),
                "status",
                pl.lit(")."),
            ).alias("action"),
            ((pl.lit(as_of, pl.Datetime("us")) - pl.col("updated_at")).dt.total_hours()).alias("hours_since_cancel"),
        )
        .sort("cancelled_at", "order_id", descending=[True, False])
    )


def fulfillment_kpis(plan: pl.DataFrame, scope: str) -> pl.DataFrame:
    """Long table: scope, metric, reason, value. An order is processed automatically when
    every one of its own lines (gifts aside) is allocated."""
    lines = plan.unique(["order_id", "line_no", "line_kind"], keep="first")
    orders = (
        lines.filter(pl.col("line_kind") == "order")
        .group_by("order_id")
        .agg((pl.col("status") == "allocated").all().alias("auto"))
    )
    n_orders = orders.height
    n_auto = int(orders["auto"].sum()) if n_orders else 0
    head = pl.DataFrame(
        {
            "metric": ["orders_planned", "orders_routed_automatically", "share_routed_automatically"],
            "reason": [None, None, None],
            "value": [float(n_orders), float(n_auto), (n_auto / n_orders) if n_orders else None],
        },
        schema={"metric": pl.String, "reason": pl.String, "value": pl.Float64},
    )
    by_reason = lines.group_by("reason").agg(
        pl.len().cast(pl.Float64).alias("lines"), pl.col("order_id").n_unique().cast(pl.Float64).alias("orders")
    )
    counts = pl.concat(
        [
            by_reason.select(pl.lit("lines_by_reason").alias("metric"), "reason", pl.col("lines").alias("value")),
            by_reason.select(pl.lit("orders_by_reason").alias("metric"), "reason", pl.col("orders").alias("value")),
        ]
    ).sort("metric", "reason")
    out = pl.concat([head, counts])
    return out.select(
        pl.lit(scope).alias("scope"),
        "metric",
        "reason",
        pl.col("reason")
        .replace_strict({k: v[1] for k, v in R.REASONS.items()}, default=None, return_dtype=pl.String)
        .alias("what_to_do"),
        "value",
    )
