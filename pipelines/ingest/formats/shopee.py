"""Shopee Open Platform v2: `v2.order.get_order_detail` and `v2.payment.get_escrow_detail`.

Orders: a file holds one get_order_detail response (`{"response": {"order_list": [...]}}`)
or JSON Lines of responses (one page per line). ROW is the order's position in the file.
Timestamps are unix seconds, converted to the brand's local time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from pipelines.ingest.formats.base import PlatformFormat, combine, contract_frame, from_unix, money, read_json_documents
from pipelines.ingest.readers import UnreadableFile
from pipelines.ingest.validate import ROW

ENVELOPE = ("request_id", "error", "message", "warning", "response")
ORDER_STATUS = {
    "UNPAID": "created",
    "PENDING": "created",
    "READY_TO_SHIP": "paid",
    "INVOICE_PENDING": "paid",
    "IN_CANCEL": "paid",  # the buyer asked to cancel; the order still holds stock until Shopee decides
    "PROCESSED": "allocated",  # the seller arranged shipment
    "RETRY_SHIP": "allocated",
    "SHIPPED": "shipped",
    "TO_CONFIRM_RECEIVE": "delivered",
    "COMPLETED": "delivered",
    "CANCELLED": "cancelled",
    "TO_RETURN": "returned",
}


def responses(path: Path, required_key: str) -> list[dict[str, Any]]:
    """The `response` objects of a file of API responses; an API error makes the file unusable."""
    found = []
    for line, doc in read_json_documents(path):
        items = doc if isinstance(doc, list) else [doc]
        for doc_item in items:
            if not isinstance(doc_item, dict):
                raise UnreadableFile(f"line {line}: not a Shopee API response object")
            if doc_item.get("error"):
                raise UnreadableFile(
                    f"line {line}: the API returned an error: {doc_item['error']}: "
                    f"{doc_item.get('message', '')}".rstrip(": ")
                )
            response = doc_item.get("response", doc_item)
            if isinstance(response, dict) and response is not doc_item:  # fields a collector added beside "response"
                response = {k: v for k, v in doc_item.items() if k not in ENVELOPE} | response
            if not isinstance(response, dict) or required_key not in response:
                raise UnreadableFile(f'line {line}: not a Shopee response (expected "response" with "{required_key}")')
            found.append(response)
    return found


def order_row(order: dict[str, Any], channel_id: str, row: int) -> dict[str, Any]:
    status = order.get("order_status")
    return {
        "order_id": order.get("order_sn"),
        "channel_id": channel_id,
        "customer_id": order.get("buyer_user_id"),
        "status": ORDER_STATUS.get(status, status),
        "created_at": from_unix(order.get("create_time")),
        "paid_at": from_unix(order.get("pay_time")),
        "updated_at": from_unix(order.get("update_time")),
        "ship_region": order.get("region"),  # the market (SG, MY, ...): cross-border coverage regions
        ROW: row,
    }


def line_rows(order: dict[str, Any], row: int) -> list[dict[str, Any]]:
    rows = []
    for number, item in enumerate(order.get("item_list") or [], start=1):
        qty = item.get("model_quantity_purchased")
        original, discounted = money(item.get("model_original_price")), money(item.get("model_discounted_price"))
        per_unit_off = combine(lambda o, d: o - d, original, discounted if discounted is not None else original)
        rows.append(
            {
                "order_id": order.get("order_sn"),
                "line_no": number,
                "sku": item.get("model_sku") or item.get("item_sku") or None,
                "qty": qty,
                "unit_price": original,
                "discount": combine(lambda off, q: off * q, per_unit_off, money(qty)),
                ROW: row,
            }
        )
    return rows


def read_orders(path: Path, channel_id: str) -> dict[str, pl.DataFrame]:
    orders = [o for r in responses(path, "order_list") for o in r["order_list"] or [] if isinstance(o, dict)]
    numbered = list(enumerate(orders, start=1))
    return {
        "orders": contract_frame("orders", [order_row(o, channel_id, n) for n, o in numbered]),
        "order_lines": contract_frame("order_lines", [line for n, o in numbered for line in line_rows(o, n)]),
    }


ORDERS = PlatformFormat(
    name="shopee_orders",
    platform="Shopee",
    produces=("orders", "order_lines"),
    read=read_orders,
    description="Shopee Open Platform v2 order.get_order_detail responses.",
)
