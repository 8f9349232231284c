"""The landing-zone data contract: every source, its columns, their types and rules.

This module is the single source of truth for the minimum data contract in
docs/data_contract.md. The generator writes it, ingestion validates against it
and dbt's staging models read what ingestion wrote. More columns than listed are
allowed in landing files; they are carried through unchanged to the raw zone only
when the contract lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

STR = pl.String
INT = pl.Int64
FLOAT = pl.Float64
DATE = pl.Date
TS = pl.Datetime("us")

# No date or timestamp of any source lies before this day: the brand's history starts after it.
# An earlier value is a wrong one (1900-01-01 or 0001-01-01: an empty date exported as a default)
# and is quarantined. A brand with an older history sets OMNISTOCK_EARLIEST_DATE (YYYY-MM-DD).
EARLIEST_DATE = date(2000, 1, 1)


def earliest_date(configured: str | None = None) -> date:
    """The day `configured` names (the `earliest_date` setting, OMNISTOCK_EARLIEST_DATE), else EARLIEST_DATE."""
    configured = (configured or "").strip()
    try:
        return date.fromisoformat(configured) if configured else EARLIEST_DATE
    except ValueError as exc:
        raise ValueError(f"OMNISTOCK_EARLIEST_DATE must be a date (YYYY-MM-DD), not {configured!r}") from exc


@dataclass(frozen=True)
class Source:
    """One landing source: `data/landing/<name>/`."""

    name: str
    columns: dict[str, pl.DataType]
    keys: tuple[str, ...]
    required: tuple[str, ...]
    allowed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    non_negative: tuple[str, ...] = ()
    event_time: str | None = None  # the column that decides the day partition
    version_column: str | None = None  # a later value replaces an earlier row with the same keys
    # further timestamps of things that have happened: like event_time and version_column, never
    # after ingestion (a timestamp of something planned, e.g. an ASN's expected_at, may be)
    occurred: tuple[str, ...] = ()
    # column -> "source.column" it must match, checked when that source has rows
    references: dict[str, str] = field(default_factory=dict)
    # column -> "source.column" of the row this one belongs to (an order line's order): a row whose
    # parent was quarantined, or is unknown, is quarantined with it (pipelines/ingest/parents.py)
    parents: dict[str, str] = field(default_factory=dict)
    description: str = ""

    @property
    def schema(self) -> pl.Schema:
        return pl.Schema(self.columns)


ORDER_STATUSES = (
    "created",  # placed, not paid
    "paid",  # paid; allocated when location_id is set
    "allocated",  # released to a location (sent to the WMS)
    "shipped",
    "delivered",
    "cancelled",
    "refunded",
    "returned",
)
STOCK_STATUSES = ("available", "frozen", "defective", "scrap", "quality_hold")
SHIP_METHODS = ("express", "same_city", "pickup")
MOVEMENT_DOC_TYPES = (
    "opening",
    "inbound",
    "outbound",
    "transfer_out",
    "transfer_in",
    "adjustment",
    "status_change",
    "return",
)

SOURCES: dict[str, Source] = {
    s.name: s
    for s in [
        Source(
            "products",
            {
                "sku": STR,
                "name": STR,
                "category": STR,
                "unit_cost": FLOAT,
                "list_price": FLOAT,
                "shelf_life_days": INT,
                "case_pack": INT,
                "moq": INT,
                "successor_sku": STR,
            },
            keys=("sku",),
            required=("sku", "name"),
            non_negative=("unit_cost", "list_price", "shelf_life_days", "case_pack", "moq"),
            description="The SKU master; bundles (gift sets) are SKUs too.",
        ),
        Source(
            "bundle_components",
            {"bundle_sku": STR, "component_sku": STR, "qty": INT},
            keys=("bundle_sku", "component_sku"),
            required=("bundle_sku", "component_sku", "qty"),
            non_negative=("qty",),
            references={"bundle_sku": "products.sku", "component_sku": "products.sku"},
            description="What one unit of a bundle is made of.",
        ),
        Source(
            "locations",
            {
                "location_id": STR,
                "type": STR,
                "physical_site": STR,
                "owner": STR,
                "region": STR,
                "lat": FLOAT,
                "lon": FLOAT,
                "ship_methods": STR,
            },
            keys=("location_id",),
            required=("location_id", "type"),
            allowed={"type": ("warehouse", "store")},
            description="Logical stock locations; ship_methods is a '|'-separated list.",
        ),
        Source(
            "location_coverage",
            {"location_id": STR, "region": STR},
            keys=("location_id", "region"),
            required=("location_id", "region"),
            references={"location_id": "locations.location_id"},
            description="Delivery regions each location can serve.",
        ),
        Source(
            "channels",
            {
                "channel_id": STR,
                "platform": STR,
                "kind": STR,
                "payment_timeout_minutes": INT,
                "min_shelf_life_days": INT,
                "low_stock_threshold": INT,
            },
            keys=("channel_id",),
            required=("channel_id", "platform"),
            allowed={"kind": ("self_operated", "third_party")},
            non_negative=("payment_timeout_minutes", "min_shelf_life_days", "low_stock_threshold"),
            description="Sales channels (shops) and their rules.",
        ),
        Source(
            "supply_rules",
            {"channel_id": STR, "location_id": STR, "ship_method": STR, "max_ratio": FLOAT},
            keys=("channel_id", "location_id", "ship_method"),
            required=("channel_id", "location_id", "ship_method", "max_ratio"),
            allowed={"ship_method": SHIP_METHODS},
            references={"channel_id": "channels.channel_id", "location_id": "locations.location_id"},
            description="Which locations supply which channel, by ship method, with a maximum ratio.",
        ),
        Source(
            "channel_controls",
            {
                "channel_id": STR,
                "sku": STR,
                "kind": STR,
                "qty": INT,
                "starts_at": TS,
                "ends_at": TS,
            },
            keys=("channel_id", "sku", "kind", "starts_at"),
            required=("channel_id", "sku", "kind", "qty"),
            allowed={"kind": ("presale", "virtual", "reserve")},
            non_negative=("qty",),
            references={"channel_id": "channels.channel_id", "sku": "products.sku"},
            description="Presale, virtual and reserved quantities per channel and SKU.",
        ),
        Source(
            "orders",
            {
                "order_id": STR,
                "channel_id": STR,
                "customer_id": STR,
                "member_tier": STR,
                "status": STR,
                "created_at": TS,
                "paid_at": TS,
                "updated_at": TS,
                "ship_method": STR,
                "ship_region": STR,
                "location_id": STR,
                "currency": STR,  # optional: ISO 4217 code of the order's money; else the channel's (fee schedule)
            },
            keys=("order_id",),
            required=("order_id", "channel_id", "status", "created_at", "updated_at"),
            allowed={"status": ORDER_STATUSES},
            event_time="created_at",
            version_column="updated_at",
            occurred=("paid_at",),
            references={"channel_id": "channels.channel_id"},
            description="Order headers; a later updated_at replaces the earlier version.",
        ),
        Source(
            "order_lines",
            {
                "order_id": STR,
                "line_no": INT,
                "sku": STR,
                "qty": INT,
                "unit_price": FLOAT,
                "discount": FLOAT,
                "shipping_charge": FLOAT,  # optional: what the customer paid for shipping, on the line
            },
            keys=("order_id", "line_no"),
            required=("order_id", "line_no", "sku", "qty"),
            non_negative=("qty", "unit_price", "discount", "shipping_charge"),
            references={"sku": "products.sku"},
            parents={"order_id": "orders.order_id"},
            description="Order lines; discount is the line's total discount in money.",
        ),
        Source(
            "wms_movements",
            {
                "movement_id": STR,
                "occurred_at": TS,
                "location_id": STR,
                "owner": STR,
                "sku": STR,
                "lot_no": STR,
                "production_date": DATE,
                "expiry_date": DATE,
                "bin": STR,
                "status": STR,
                "qty_delta": INT,
                "doc_type": STR,
                "doc_id": STR,
            },
            keys=("movement_id",),
            required=("movement_id", "occurred_at", "location_id", "sku", "qty_delta"),
            allowed={"status": STOCK_STATUSES, "doc_type": MOVEMENT_DOC_TYPES},
            event_time="occurred_at",
            references={"location_id": "locations.location_id", "sku": "products.sku"},
            description="Flow mode: the WMS movement ledger; a movement id counts once.",
        ),
        Source(
            "wms_snapshots",
            {
                "as_of": TS,
                "location_id": STR,
                "owner": STR,
                "sku": STR,
                "lot_no": STR,
                "production_date": DATE,
                "expiry_date": DATE,
                "bin": STR,
                "status": STR,
                "qty": INT,
            },
            keys=("as_of", "location_id", "sku", "lot_no", "bin", "status"),
            required=("as_of", "location_id", "sku", "qty"),
            allowed={"status": STOCK_STATUSES},
            non_negative=("qty",),
            event_time="as_of",
            references={"location_id": "locations.location_id", "sku": "products.sku"},
            description="Quantity mode: periodic counts; the latest per location replaces earlier ones.",
        ),
        Source(
            "stock_locks",
            {
                "lock_id": STR,
                "location_id": STR,
                "sku": STR,
                "qty": INT,
                "reason": STR,
                "starts_at": TS,
                "ends_at": TS,
            },
            keys=("lock_id",),
            required=("lock_id", "location_id", "sku", "qty"),
            non_negative=("qty",),
            references={"location_id": "locations.location_id", "sku": "products.sku"},
            description="Manual stock locks at a location (an extension of the minimum contract).",
        ),
        Source(
            "transfers",
            {
                "transfer_id": STR,
                "from_location": STR,
                "to_location": STR,
                "sku": STR,
                "qty": INT,
                "status": STR,
                "updated_at": TS,
            },
            keys=("transfer_id",),
            required=("transfer_id", "from_location", "to_location", "sku", "qty", "status"),
            allowed={"status": ("approved", "shipped", "received", "cancelled")},
            non_negative=("qty",),
            event_time="updated_at",
            version_column="updated_at",
            references={
                "from_location": "locations.location_id",
                "to_location": "locations.location_id",
                "sku": "products.sku",
            },
            description="Transfers between locations; a later updated_at replaces the earlier version.",
        ),
        Source(
            "inbound_asn",
            {
                "asn_id": STR,
                "location_id": STR,
                "sku": STR,
                "qty": INT,
                "expected_at": TS,
                "status": STR,
            },
            keys=("asn_id", "sku"),
            required=("asn_id", "location_id", "sku", "qty", "status"),
            allowed={"status": ("created", "in_transit", "received", "cancelled")},
            non_negative=("qty",),
            event_time="expected_at",
            references={"location_id": "locations.location_id", "sku": "products.sku"},
            description="Supplier advance shipping notices.",
        ),
        Source(
            "settlements",
            {
                "settlement_id": STR,
                "channel_id": STR,
                "order_id": STR,
                "settled_at": TS,
                "type": STR,
                "gross_amount": FLOAT,
                "commission": FLOAT,
                "payment_fee": FLOAT,
                "shipping_fee": FLOAT,
                "subsidy": FLOAT,
                "net_amount": FLOAT,
                "currency": STR,
            },
            keys=("settlement_id",),
            required=("settlement_id", "channel_id", "settled_at", "type", "net_amount"),
            allowed={"type": ("sale", "refund", "adjustment")},
            event_time="settled_at",
            references={"channel_id": "channels.channel_id"},
            description="Platform payouts per order; fees are positive amounts deducted.",
        ),
    ]
}

MASTER_SOURCES = (
    "products",
    "bundle_components",
    "locations",
    "location_coverage",
    "channels",
    "supply_rules",
    "channel_controls",
    "stock_locks",
)
EVENT_SOURCES = tuple(name for name in SOURCES if name not in MASTER_SOURCES)
