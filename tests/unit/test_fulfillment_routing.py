"""Routing, FEFO lots, substitution, bundles and gifts, with figures known in advance."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from pipelines.fulfillment import reasons as R
from pipelines.fulfillment.inputs import plan_frame
from pipelines.fulfillment.model import Catalog, Gift, Location, Network, Order, OrderLine, haversine_km
from pipelines.fulfillment.routing import plan_orders
from pipelines.fulfillment.stock import LotStock, StockBook

T0 = datetime(2025, 11, 29, 10, 0)
CENTRE = {"R1": (0.0, 0.0)}


def loc(location_id: str, lon: float, regions=("R1",), methods=("express",)) -> Location:
    return Location(location_id, 0.0, lon, frozenset(methods), frozenset(regions))


def book(stock: dict[tuple[str, str], int | list[tuple[str, int | None, int]]], claims=None) -> StockBook:
    """stock: (location, sku) -> units (one lot, no expiry) or [(lot_no, days_left, qty), ...]."""
    lots, available = [], {}
    for (location_id, sku), spec in stock.items():
        rows = [(f"L-{location_id}-{sku}", None, spec)] if isinstance(spec, int) else spec
        for lot_no, days, qty in rows:
            expiry = None if days is None else date.fromordinal(date(2025, 11, 29).toordinal() + days)
            lots.append(LotStock(location_id, sku, lot_no, expiry, days, qty))
        available[(location_id, sku)] = max(0, sum(r[2] for r in rows) - (claims or {}).get((location_id, sku), 0))
    return StockBook.build(lots, available, claims)


def order(
    order_id: str,
    *lines: tuple[str, int],
    tier="none",
    paid=T0,
    region="R1",
    method="express",
    min_days=0,
    gift: Gift | None = None,
) -> Order:
    return Order(
        order_id,
        "tmall",
        method,
        region,
        tuple(OrderLine(i + 1, s, q) for i, (s, q) in enumerate(lines)),
        tier,
        paid,
        f"C-{order_id}",
        min_days,
        gift,
    )


def run(orders, stock, locations, catalog=None, claims=None, inbound=None) -> pl.DataFrame:
    skus = {s for o in orders for ln in o.lines for s in [ln.sku]} | {k[1] for k in stock}
    catalog = catalog or Catalog(frozenset(skus))
    return plan_frame(plan_orders(orders, book(stock, claims), Network(locations, CENTRE), catalog, inbound))


def rows(frame: pl.DataFrame, *cols: str) -> list[tuple]:
    return frame.sort("priority_rank", "line_no", "location_id", "sku", "lot_no").select(cols).rows()


def test_haversine_one_degree_on_the_equator() -> None:
    assert haversine_km(0, 0, 0, 1) == pytest.approx(111.19, abs=0.01)


def test_nearest_covering_location_with_stock_wins() -> None:
    plan = run([order("O1", ("X", 2))], {("A", "X"): 5, ("B", "X"): 5}, [loc("B", 2.0), loc("A", 1.0)])
    assert rows(plan, "location_id", "qty", "reason", "distance_km") == [("A", 2, R.NEAREST_LOCATION, 111.2)]


def test_equal_distance_ties_break_by_location_id() -> None:
    plan = run([order("O1", ("X", 1))], {("A", "X"): 5, ("B", "X"): 5}, [loc("B", 1.0), loc("A", 1.0)])
    assert rows(plan, "location_id") == [("A",)]


def test_partial_stock_at_the_nearest_sends_the_whole_order_farther() -> None:
    plan = run([order("O1", ("X", 2))], {("A", "X"): 1, ("B", "X"): 5}, [loc("A", 1.0), loc("B", 2.0)])
    assert rows(plan, "location_id", "qty", "reason") == [("B", 2, R.NEXT_NEAREST_LOCATION)]
    assert "nearer A could not fill" in plan["reason_detail"][0]


def test_fewest_splits_prefers_one_farther_location_over_two_near_ones() -> None:
    stock = {("A", "X"): 1, ("B", "Y"): 1, ("C", "X"): 1, ("C", "Y"): 1}
    plan = run([order("O1", ("X", 1), ("Y", 1))], stock, [loc("A", 1.0), loc("B", 2.0), loc("C", 3.0)])
    assert rows(plan, "line_no", "location_id", "reason") == [
        (1, "C", R.NEXT_NEAREST_LOCATION),
        (2, "C", R.NEXT_NEAREST_LOCATION),
    ]


def test_split_goes_first_to_the_location_that_fills_most_lines() -> None:
    # A (nearest) holds X and Y; B holds X, Y and Z but only one location can't take all: A lacks Z, B lacks W
    stock = {("A", "X"): 1, ("A", "W"): 1, ("B", "X"): 1, ("B", "Y"): 1, ("B", "Z"): 1}
    plan = run([order("O1", ("X", 1), ("Y", 1), ("Z", 1), ("W", 1))], stock, [loc("A", 1.0), loc("B", 2.0)])
    assert rows(plan, "line_no", "location_id", "reason") == [
        (1, "B", R.SPLIT_ACROSS_LOCATIONS),
        (2, "B", R.SPLIT_ACROSS_LOCATIONS),
        (3, "B", R.SPLIT_ACROSS_LOCATIONS),
        (4, "A", R.SPLIT_ACROSS_LOCATIONS),
    ]


def test_a_line_no_single_location_can_fill_is_spread_nearest_first() -> None:
    plan = run([order("O1", ("X", 3))], {("A", "X"): 2, ("B", "X"): 5}, [loc("A", 1.0), loc("B", 2.0)])
    # B alone can fill it: whole line from B
    assert rows(plan, "location_id", "qty") == [("B", 3)]
    plan = run([order("O1", ("X", 6))], {("A", "X"): 2, ("B", "X"): 5}, [loc("A", 1.0), loc("B", 2.0)])
    assert rows(plan, "location_id", "qty", "reason") == [
        ("A", 2, R.SPLIT_ACROSS_LOCATIONS),
        ("B", 4, R.SPLIT_ACROSS_LOCATIONS),
    ]


def test_insufficient_stock_is_not_allocated_and_says_what_is_inbound() -> None:
    plan = run([order("O1", ("X", 3))], {("A", "X"): 1}, [loc("A", 1.0)], inbound={("A", "X"): 10})
    assert rows(plan, "status", "location_id", "qty", "reason") == [("unallocated", None, 3, R.INSUFFICIENT_STOCK)]
    assert "needs 3 of X; A have 1 free, 10 inbound expected" in plan["reason_detail"][0]


def test_no_covering_location_for_region_or_ship_method() -> None:
    locations = [loc("A", 1.0, regions=("R2",)), loc("B", 1.0, methods=("pickup",))]
    plan = run([order("O1", ("X", 1))], {("A", "X"): 5, ("B", "X"): 5}, locations)
    assert rows(plan, "status", "reason") == [("unallocated", R.NO_COVERING_LOCATION)]
    assert "no location covers R1 by express" in plan["reason_detail"][0]


def test_unknown_sku_and_missing_delivery_info() -> None:
    catalog = Catalog(frozenset({"X"}))
    plan = run(
        [order("O1", ("X", 1), ("NOPE", 1)), order("O2", ("X", 1), region=None)],
        {("A", "X"): 5},
        [loc("A", 1.0)],
        catalog,
    )
    assert rows(plan, "order_id", "line_no", "status", "reason") == [
        ("O1", 1, "allocated", R.NEAREST_LOCATION),
        ("O1", 2, "unallocated", R.UNKNOWN_SKU),
        ("O2", 1, "unallocated", R.MISSING_DELIVERY_INFO),
    ]


def test_fefo_within_the_channels_minimum_shelf_life() -> None:
    lots = [("L100", 100, 5), ("L200", 200, 2), ("L300", 300, 5), ("LNONE", None, 9)]
    plan = run([order("O1", ("X", 4), min_days=180)], {("A", "X"): lots}, [loc("A", 1.0)])
    assert rows(plan, "lot_no", "qty", "shelf_life_days_left") == [("L200", 2, 200), ("L300", 2, 300)]
    assert plan["expiry_date"].to_list() == [date(2026, 6, 17), date(2026, 9, 25)]


def test_shelf_life_excludes_short_lots_and_says_so() -> None:
    plan = run(
        [order("O1", ("X", 3), min_days=180)], {("A", "X"): [("L100", 100, 5), ("L400", 400, 2)]}, [loc("A", 1.0)]
    )
    assert rows(plan, "status", "reason") == [("unallocated", R.SHELF_LIFE)]
    assert "A have 7 free but only 2 that fresh" in plan["reason_detail"][0]
    plan = run(
        [order("O1", ("X", 2), min_days=180)], {("A", "X"): [("L100", 100, 5), ("L400", 400, 2)]}, [loc("A", 1.0)]
    )
    assert rows(plan, "lot_no", "qty") == [("L400", 2)]


def test_expired_lots_never_count_even_without_a_minimum() -> None:
    plan = run([order("O1", ("X", 2))], {("A", "X"): [("OLD", -3, 5), ("NEW", 10, 1)]}, [loc("A", 1.0)])
    assert rows(plan, "reason") == [(R.SHELF_LIFE,)]


def test_existing_claims_sit_on_the_latest_lots() -> None:
    # 5 units with 200 days, 5 with 400; 6 already claimed -> 4 free, all with 200 days (what the sales layer says)
    b = book({("A", "X"): [("L200", 200, 5), ("L400", 400, 5)]}, claims={("A", "X"): 6})
    assert b.free("A", "X") == 4
    assert b.available("A", "X", 180) == 4
    assert b.available("A", "X", 300) == 0


def test_quantity_mode_stock_without_lots_is_one_unlotted_pool() -> None:
    b = StockBook.build([], {("S", "X"): 3})
    takes = b.take("S", "X", 2, min_days=180)
    assert [(t.lot_no, t.expiry_date, t.qty) for t in takes] == [(None, None, 2)]
    assert b.free("S", "X") == 1


def test_successor_chain_fills_a_short_sku_and_records_it() -> None:
    catalog = Catalog(frozenset({"A", "B", "C"}), successors={"A": "B", "B": "C"})
    stock = {("L", "A"): 1, ("L", "B"): 1, ("L", "C"): 5}
    plan = run([order("O1", ("A", 4))], stock, [loc("L", 1.0)], catalog)
    assert rows(plan, "ordered_sku", "sku", "qty", "substituted_from") == [
        ("A", "A", 1, None),
        ("A", "B", 1, "A"),
        ("A", "C", 2, "A"),
    ]
    assert "filled with successor (A->B, A->C)" in plan["reason_detail"][0]


def test_successor_cycle_stops() -> None:
    assert Catalog(frozenset({"A", "B"}), successors={"A": "B", "B": "A"}).chain("A") == ("A", "B")


def test_bundle_takes_components_fefo_and_expires_with_its_earliest_lot() -> None:
    catalog = Catalog(frozenset({"G", "X", "Y"}), bundles={"G": (("X", 1), ("Y", 2))})
    stock = {("A", "X"): [("X1", 400, 5)], ("A", "Y"): [("Y1", 120, 1), ("Y2", 500, 10)]}
    plan = run([order("O1", ("G", 1))], stock, [loc("A", 1.0)], catalog)
    assert rows(plan, "ordered_sku", "component_sku", "lot_no", "qty") == [
        ("G", "X", "X1", 1),
        ("G", "Y", "Y1", 1),
        ("G", "Y", "Y2", 1),
    ]
    assert set(plan["bundle_expiry_date"]) == {date(2026, 3, 29)}  # the Y1 lot, 120 days after as_of


def test_bundle_and_single_compete_for_the_last_unit_higher_tier_wins() -> None:
    catalog = Catalog(frozenset({"G", "X", "Y"}), bundles={"G": (("X", 1), ("Y", 2))})
    stock = {("A", "X"): 1, ("A", "Y"): 2}
    gold_bundle = order("O1", ("G", 1), tier="gold", paid=datetime(2025, 11, 29, 12))
    silver_single = order("O2", ("X", 1), tier="silver", paid=datetime(2025, 11, 29, 8))
    plan = run([silver_single, gold_bundle], stock, [loc("A", 1.0)], catalog)
    assert rows(plan.unique(["order_id", "line_no"]), "order_id", "status", "reason") == [
        ("O1", "allocated", R.NEAREST_LOCATION),
        ("O2", "unallocated", R.INSUFFICIENT_STOCK),
    ]
    # a bundle that cannot be completed takes nothing: the single gets the unit
    plan = run(
        [order("O1", ("G", 1), tier="silver"), order("O2", ("X", 1), tier="gold")], stock, [loc("A", 1.0)], catalog
    )
    assert rows(plan.unique(["order_id", "line_no"]), "order_id", "status") == [
        ("O2", "allocated"),
        ("O1", "unallocated"),
    ]


def test_vip_first_then_earliest_paid_then_order_id() -> None:
    stock = {("A", "X"): 2}
    orders = [
        order("O1", ("X", 1), tier="none", paid=datetime(2025, 11, 29, 1)),
        order("O2", ("X", 1), tier="vip", paid=datetime(2025, 11, 29, 9)),
        order("O4", ("X", 1), tier="gold", paid=datetime(2025, 11, 29, 5)),
        order("O3", ("X", 1), tier="gold", paid=datetime(2025, 11, 29, 5)),
    ]
    plan = run(orders, stock, [loc("A", 1.0)])
    assert rows(plan, "order_id", "status", "priority_rank") == [
        ("O2", "allocated", 1),
        ("O3", "allocated", 2),
        ("O4", "unallocated", 3),
        ("O1", "unallocated", 4),
    ]


def test_gift_ships_with_the_order_when_in_stock() -> None:
    gift = Gift("second_order", "GIFT", 1)
    plan = run(
        [order("O1", ("X", 1), gift=gift)],
        {("A", "X"): 1, ("A", "GIFT"): 3, ("B", "GIFT"): 3},
        [loc("A", 1.0), loc("B", 0.5, methods=("pickup",))],
    )
    assert rows(plan, "line_no", "line_kind", "sku", "location_id", "reason") == [
        (1, "order", "X", "A", R.NEAREST_LOCATION),
        (2, "gift", "GIFT", "A", R.GIFT_ADDED),
    ]


def test_gift_and_paid_line_compete_for_the_last_unit_paid_line_wins() -> None:
    # the VIP's gift would take the last X, but a paid line (even of a lower tier) comes first
    gift = Gift("second_order", "X", 1)
    orders = [order("O1", ("Y", 1), tier="vip", gift=gift), order("O2", ("X", 1), tier="none")]
    plan = run(orders, {("A", "X"): 1, ("A", "Y"): 5}, [loc("A", 1.0)])
    assert rows(plan, "order_id", "line_kind", "status", "reason") == [
        ("O1", "order", "allocated", R.NEAREST_LOCATION),
        ("O1", "gift", "unallocated", R.GIFT_OUT_OF_STOCK),
        ("O2", "order", "allocated", R.NEAREST_LOCATION),
    ]


def test_gift_of_an_unrouted_order_is_not_added() -> None:
    plan = run([order("O1", ("X", 5), gift=Gift("r", "G", 1))], {("A", "X"): 1, ("A", "G"): 1}, [loc("A", 1.0)])
    assert rows(plan, "line_kind", "reason") == [("order", R.INSUFFICIENT_STOCK), ("gift", R.GIFT_ORDER_NOT_ROUTED)]


def test_every_reason_has_an_action() -> None:
    assert all(meaning and action for meaning, action in R.REASONS.values())
