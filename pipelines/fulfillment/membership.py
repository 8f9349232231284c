"""Membership rights as configurable rules: which orders earn a gift line.

Default (membership_rules.yml): a silver, gold or VIP member's second paid order
within 30 days gets one BC0029 (hand cream). Rules are checked in file order; an
order gets at most one gift (the first rule that matches).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml

DEFAULT_RULES_FILE = Path(__file__).with_name("membership_rules.yml")


@dataclass(frozen=True)
class GiftRule:
    name: str
    gift_sku: str
    tiers: tuple[str, ...] = ("silver", "gold", "vip")
    nth_order: int = 2
    window_days: int = 30
    gift_qty: int = 1
    counted_statuses: tuple[str, ...] = ("paid", "allocated", "shipped", "delivered", "returned")

    def __post_init__(self) -> None:
        if self.nth_order < 1 or self.window_days < 1 or self.gift_qty < 1:
            raise ValueError(f"membership rule {self.name!r}: nth_order, window_days and gift_qty must be >= 1")


def load_rules(path: Path = DEFAULT_RULES_FILE) -> list[GiftRule]:
    """Rules from YAML (`rules:` list of GiftRule fields)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rules = []
    for i, item in enumerate(raw.get("rules") or []):
        try:
            rules.append(GiftRule(**{k: tuple(v) if isinstance(v, list) else v for k, v in item.items()}))
        except TypeError as exc:
            raise ValueError(
                f"{path}: rule #{i + 1} ({item.get('name')!r}) has an unknown or missing field: {exc}"
            ) from exc
    return rules


def gift_orders(orders: pl.DataFrame, rules: Sequence[GiftRule]) -> pl.DataFrame:
    """Orders that earn a gift: columns order_id, rule, gift_sku, gift_qty.

    `orders` needs order_id, customer_id, member_tier, status, paid_at. An order is a
    customer's n-th order within the window when n counted orders of that customer
    (itself included) were paid in (paid_at - window_days, paid_at]; orders paid at
    the same instant are ordered by order id."""
    empty = pl.DataFrame(schema={"order_id": pl.String, "rule": pl.String, "gift_sku": pl.String, "gift_qty": pl.Int64})
    if not rules or orders.is_empty():
        return empty
    base = (
        orders.filter(pl.col("paid_at").is_not_null() & pl.col("customer_id").is_not_null())
        .select(
            "order_id", "customer_id", pl.col("member_tier").fill_null("none").str.to_lowercase(), "status", "paid_at"
        )
        .sort("customer_id", "paid_at", "order_id")
    )
    found: list[pl.DataFrame] = []
    for rule in rules:
        counted = (
            base.filter(pl.col("status").is_in(list(rule.counted_statuses)))
            # a microsecond per earlier same-customer order makes equal paid_at values distinct and ordered
            .with_columns(
                (pl.col("paid_at") + pl.duration(microseconds=pl.int_range(pl.len()).over("customer_id"))).alias("_t")
            )
        )
        nth = counted.rolling("_t", period=f"{rule.window_days}d", closed="right", group_by="customer_id").agg(
            pl.len().alias("_n"), pl.col("order_id").last(), pl.col("member_tier").last()
        )
        found.append(
            nth.filter((pl.col("_n") == rule.nth_order) & pl.col("member_tier").is_in(list(rule.tiers))).select(
                "order_id",
                pl.lit(rule.name).alias("rule"),
                pl.lit(rule.gift_sku).alias("gift_sku"),
                pl.lit(rule.gift_qty, pl.Int64).alias("gift_qty"),
            )
        )
    return pl.concat([empty, *found]).unique("order_id", keep="first", maintain_order=True)
