"""Membership rights: which orders earn a gift line."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from pipelines.fulfillment.membership import DEFAULT_RULES_FILE, GiftRule, gift_orders, load_rules

D0 = datetime(2025, 10, 1, 12)
RULE = GiftRule(name="second_in_30", gift_sku="GIFT")


def orders(*rows: tuple[str, str, str, int, str]) -> pl.DataFrame:
    """(order_id, customer_id, tier, day offset, status)"""
    return pl.DataFrame(
        [(o, c, t, D0 + timedelta(days=d), s) for o, c, t, d, s in rows],
        schema=["order_id", "customer_id", "member_tier", "paid_at", "status"],
        orient="row",
    )


def gifted(frame: pl.DataFrame, rules=(RULE,)) -> list[str]:
    return sorted(gift_orders(frame, list(rules))["order_id"])


def test_second_order_within_30_days_gets_the_gift_once() -> None:
    frame = orders(
        ("A1", "C1", "silver", 0, "delivered"),
        ("A2", "C1", "silver", 10, "paid"),  # 2nd within 30 days -> gift
        ("A3", "C1", "silver", 20, "paid"),  # 3rd -> none
        ("A4", "C1", "silver", 50, "paid"),  # window (day 20, day 50]: A4 alone... A3 at day 20 is outside
        ("A5", "C1", "silver", 55, "paid"),  # A4, A5 -> 2nd again -> gift
    )
    assert gifted(frame) == ["A2", "A5"]


def test_exactly_30_days_apart_is_outside_the_window() -> None:
    assert gifted(orders(("A1", "C1", "gold", 0, "paid"), ("A2", "C1", "gold", 30, "paid"))) == []
    assert gifted(orders(("A1", "C1", "gold", 0, "paid"), ("A2", "C1", "gold", 29, "paid"))) == ["A2"]


def test_non_members_and_uncounted_statuses_get_nothing() -> None:
    frame = orders(
        ("N1", "C2", "none", 0, "paid"),
        ("N2", "C2", "none", 1, "paid"),
        ("X1", "C3", "vip", 0, "cancelled"),
        ("X2", "C3", "vip", 1, "paid"),  # the cancelled one does not count
    )
    assert gifted(frame) == []


def test_orders_paid_at_the_same_instant_count_in_order_id_order() -> None:
    assert gifted(orders(("B2", "C1", "vip", 0, "paid"), ("B1", "C1", "vip", 0, "paid"))) == ["B2"]


def test_first_matching_rule_wins_and_no_rules_means_no_gifts() -> None:
    other = GiftRule(name="vip_any", gift_sku="OTHER", tiers=("vip",), nth_order=2)
    frame = orders(("A1", "C1", "vip", 0, "paid"), ("A2", "C1", "vip", 3, "paid"))
    out = gift_orders(frame, [RULE, other])
    assert out.rows() == [("A2", "second_in_30", "GIFT", 1)]
    assert gift_orders(frame, []).is_empty()


def test_rules_load_from_yaml_and_bad_rules_are_named(tmp_path: Path) -> None:
    rules = load_rules(DEFAULT_RULES_FILE)
    assert [(r.name, r.nth_order, r.window_days, r.gift_sku) for r in rules] == [
        ("second_order_within_30_days", 2, 30, "BC0029")
    ]
    bad = tmp_path / "rules.yml"
    bad.write_text("rules:\n  - name: oops\n    gift_sku: G\n    colour: red\n")
    with pytest.raises(ValueError, match="rule #1 \\('oops'\\)"):
        load_rules(bad)
    with pytest.raises(ValueError, match="must be >= 1"):
        GiftRule(name="zero", gift_sku="G", nth_order=0)
