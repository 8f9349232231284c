"""Shopify Admin REST API orders (`GET /admin/api/<version>/orders.json`).

A file holds `{"orders": [...]}` (one page), `{"order": {...}}`, a JSON list of orders,
or JSON Lines with one order object (or one page) per line. ROW is the order's
position in a JSON document, or its line number in JSON Lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from pipelines.ingest.formats.base import PlatformFormat, contract_frame, from_iso, money, read_json_documents
from pipelines.ingest.readers import UnreadableFile
from pipelines.ingest.validate import ROW

PAID_STATES = ("paid", "partially_paid", "partially_refunded", "refunded", "authorized")


def order_status(order: dict[str, Any]) -> str | None:
    """financial_status + fulfillment_status + cancelled_at → the contract's order status."""
    financial = order.get("financial_status")
    fulfillment = order.get("fulfillment_status")
    if order.get("cancelled_at"):
        return "refunded" if financial in ("refunded", "partially_refunded") else "cancelled"
    if financial == "refunded":
        return "returned" if fulfillment in ("fulfilled", "partial", "restocked") else "refunded"
    if financial == "voided":
        return "cancelled"
    if fulfillment in ("fulfilled", "partial"):
        shipments = [f.get("shipment_status") for f in order.get("fulfillments") or []]
        return "delivered" if shipments and all(s == "delivered" for s in shipments) else "shipped"
    if financial in PAID_STATES:
        return "paid"
    if financial == "pending":
        return "created"
    return financial  # unknown: passes through and is quarantined by validation


def ship_region(address: dict[str, Any] | None) -> str | None:
    """ISO 3166-2 style: country_code-province_code (e.g. US-CA), else the country code."""
    if not address:
        return None
    country, province = address.get("country_code"), address.get("province_code")
    return f"{country}-{province}" if country and province else country


def order_row(order: dict[str, Any], channel_id: str, row: int) -> dict[str, Any]:
    financial = order.get("financial_status")
    return {
        "order_id": order.get("id"),
        "channel_id": channel_id,
        "customer_id": (order.get("customer") or {}).get("id"),
        "status": order_status(order),
        "created_at": from_iso(order.get("created_at")),
        "paid_at": from_iso(order.get("processed_at")) if financial in PAID_STATES else None,
        "updated_at": from_iso(order.get("updated_at")),
        "ship_region": ship_region(order.get("shipping_address")),
        ROW: row,
    }


def line_rows(order: dict[str, Any], row: int) -> list[dict[str, Any]]:
    rows = []
    for number, item in enumerate(order.get("line_items") or [], start=1):
        allocations = item.get("discount_allocations")
        discount = money(*[a.get("amount") for a in allocations]) if allocations else money(item.get("total_discount"))
        rows.append(
            {
                "order_id": order.get("id"),
                "line_no": number,
                "sku": item.get("sku") or None,
                "qty": item.get("quantity"),
                "unit_price": item.get("price"),
                "discount": discount if discount is not None else 0.0,
                ROW: row,
            }
        )
    return rows


def _orders(path: Path) -> list[tuple[int, dict[str, Any]]]:
    docs = read_json_documents(path)
    lines = len(docs) > 1 or (docs and docs[0][0] > 1)
    found: list[tuple[int, dict[str, Any]]] = []
    for line, doc in docs:
        if isinstance(doc, dict) and isinstance(doc.get("orders"), list):
            orders = doc["orders"]
        elif isinstance(doc, dict) and isinstance(doc.get("order"), dict):
            orders = [doc["order"]]
        elif isinstance(doc, dict) and "id" in doc:
            orders = [doc]
        elif isinstance(doc, list):
            orders = doc
        else:
            raise UnreadableFile(
                f'line {line}: not a Shopify order payload (expected {{"orders": [...]}} or order objects)'
            )
        for position, order in enumerate(orders, start=1):
            if not isinstance(order, dict):
                raise UnreadableFile(f"line {line}: order {position} is not a JSON object")
            found.append((line if lines else len(found) + 1, order))
    return found


def read(path: Path, channel_id: str) -> dict[str, pl.DataFrame]:
    orders = _orders(path)
    return {
        "orders": contract_frame("orders", [order_row(o, channel_id, row) for row, o in orders]),
        "order_lines": contract_frame("order_lines", [line for row, o in orders for line in line_rows(o, row)]),
    }


FORMAT = PlatformFormat(
    name="shopify_orders",
    platform="Shopify",
    produces=("orders", "order_lines"),
    read=read,
    description="Shopify Admin REST Order resource (orders.json pages or JSON Lines of orders).",
)
