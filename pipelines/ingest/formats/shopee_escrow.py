"""Shopee Open Platform v2 `payment.get_escrow_detail`: the final income of one order.

A file holds one response, a JSON list of responses or JSON Lines of responses; ROW is
the response's position in the file. get_escrow_detail carries neither a payout time
nor a currency: the collector adds `escrow_release_time` (unix seconds, from
`payment.get_escrow_list`) and `currency` (the shop's currency) to each response.
Without them settled_at is missing (the row is quarantined) and currency is null.

One order yields a `sale` row and, when the buyer got money back
(`seller_return_refund` or `drc_adjustable_refund` ≠ 0), a `refund` row. The two nets
add up to Shopee's reported `escrow_amount` (the sale's net is escrow_amount less the
refund), so reconciliation compares the platform's own figure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from pipelines.ingest.formats.base import PlatformFormat, combine, contract_frame, from_unix, money
from pipelines.ingest.formats.shopee import responses
from pipelines.ingest.validate import ROW


def settlement_rows(response: dict[str, Any], channel_id: str, row: int) -> list[dict[str, Any]]:
    income = response.get("order_income") or {}
    get = income.get
    order_sn = response.get("order_sn")
    settled_at = from_unix(response.get("escrow_release_time"))
    currency = response.get("currency") or get("currency") or get("local_currency")
    # money back to the buyer: the return refund and a dispute (DRC) refund, as one negative amount
    refund = combine(
        lambda r, d: -abs(r) - abs(d),
        money(get("seller_return_refund")) or 0.0,
        money(get("drc_adjustable_refund")) or 0.0,
    )
    net = combine(lambda escrow, r: escrow - r, money(get("escrow_amount")), refund)
    sale = {
        "settlement_id": order_sn,
        "channel_id": channel_id,
        "order_id": order_sn,
        "settled_at": settled_at,
        "type": "sale",
        "gross_amount": money(get("buyer_total_amount")),
        "commission": money(get("commission_fee"), get("service_fee")),
        "payment_fee": money(get("seller_transaction_fee"), get("buyer_transaction_fee")),
        # final_shipping_fee is signed: negative when the seller bears shipping
        "shipping_fee": combine(lambda f: -f, money(get("final_shipping_fee")) or 0.0),
        "subsidy": money(get("shopee_discount"), get("voucher_from_shopee"), get("coins"), get("payment_promotion")),
        "net_amount": net,
        "currency": currency,
        ROW: row,
    }
    if refund in (0.0, None):
        return [sale]
    refund_row = {
        "settlement_id": f"{order_sn}-refund",
        "channel_id": channel_id,
        "order_id": order_sn,
        "settled_at": settled_at,
        "type": "refund",
        "gross_amount": refund,
        "commission": 0.0,
        "payment_fee": 0.0,
        "shipping_fee": 0.0,
        "subsidy": 0.0,
        "net_amount": refund,
        "currency": currency,
        ROW: row,
    }
    return [sale, refund_row]


def read(path: Path, channel_id: str) -> dict[str, pl.DataFrame]:
    found = responses(path, "order_income")
    rows = [r for n, response in enumerate(found, start=1) for r in settlement_rows(response, channel_id, n)]
    return {"settlements": contract_frame("settlements", rows)}


FORMAT = PlatformFormat(
    name="shopee_escrow",
    platform="Shopee",
    produces=("settlements",),
    read=read,
    description="Shopee Open Platform v2 payment.get_escrow_detail responses (+ escrow_release_time, currency).",
)
