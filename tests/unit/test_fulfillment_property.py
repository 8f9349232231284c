"""Property: routing never assigns more than a location's sales_available, over random states."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.fulfillment.inputs import plan_frame
from pipelines.fulfillment.model import Catalog, Gift, Location, Network, Order, OrderLine
from pipelines.fulfillment.routing import plan_orders
from pipelines.fulfillment.stock import LotStock, StockBook

LOCS = ("A", "B", "C")
SKUS = ("X", "Y", "Z", "Z2", "G")  # Z -> Z2 successor, G = X + 2 Y
CATALOG = Catalog(frozenset(SKUS), successors={"Z": "Z2"}, bundles={"G": (("X", 1), ("Y", 2))})
STOCK_SKUS = ("X", "Y", "Z", "Z2")

lot = st.tuples(
    st.sampled_from(LOCS), st.sampled_from(STOCK_SKUS), st.one_of(st.none(), st.integers(-10, 500)), st.integers(0, 6)
)
line = st.tuples(st.sampled_from(SKUS), st.integers(1, 4))
order = st.tuples(
    st.lists(line, min_size=1, max_size=3),
    st.sampled_from(["vip", "gold", "silver", "none", None]),
    st.integers(0, 100),
    st.sampled_from([0, 90, 180]),
    st.sampled_from(["R1", "R2"]),
    st.booleans(),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lots=st.lists(lot, max_size=25),
    claims=st.dictionaries(
        st.tuples(st.sampled_from(LOCS), st.sampled_from(STOCK_SKUS)), st.integers(0, 8), max_size=6
    ),
    cap_cut=st.dictionaries(
        st.tuples(st.sampled_from(LOCS), st.sampled_from(STOCK_SKUS)), st.integers(0, 4), max_size=4
    ),
    orders=st.lists(order, max_size=12),
)
def test_routing_never_assigns_more_than_sales_available(lots, claims, cap_cut, orders) -> None:
    lot_rows = [LotStock(loc, sku, f"L{i}", None, days, qty) for i, (loc, sku, days, qty) in enumerate(lots)]
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for r in lot_rows:
        totals[(r.location_id, r.sku)] += r.qty
    # sales_available as the scheduling layer has it, sometimes lower still (the cap must hold either way)
    available = {k: max(0, v - claims.get(k, 0) - cap_cut.get(k, 0)) for k, v in totals.items()}
    book = StockBook.build(lot_rows, available, claims)
    locations = [
        Location("A", 0.0, 1.0, frozenset({"express"}), frozenset({"R1"})),
        Location("B", 0.0, 2.0, frozenset({"express"}), frozenset({"R1", "R2"})),
        Location("C", 0.0, 1.5, frozenset({"express"}), frozenset({"R2"})),
    ]
    network = Network(locations, {"R1": (0.0, 0.0), "R2": (0.0, 3.0)})
    t0 = datetime(2025, 11, 29)
    orders_ = [
        Order(
            f"O{i}",
            "c",
            "express",
            region,
            tuple(OrderLine(j + 1, s, q) for j, (s, q) in enumerate(lines)),
            tier,
            t0 + timedelta(minutes=minute),
            None,
            min_days,
            Gift("g", "X", 1) if gift else None,
        )
        for i, (lines, tier, minute, min_days, region, gift) in enumerate(orders)
    ]
    plan = plan_frame(plan_orders(orders_, book, network, CATALOG))
    taken: dict[tuple[str, str], int] = defaultdict(int)
    for loc, sku, qty in plan.filter(plan["status"] == "allocated").select("location_id", "sku", "qty").iter_rows():
        taken[(loc, sku)] += qty
    for key, qty in taken.items():
        assert qty <= available.get(key, 0), (key, qty, available.get(key))
        assert book.free(*key) == available[key] - qty
    # lots respect the channel's shelf life; allocated lines are filled completely
    min_days = {o.order_id: o.min_shelf_life_days for o in orders_}
    for oid, days in plan.filter(plan["status"] == "allocated").select("order_id", "shelf_life_days_left").iter_rows():
        assert days is None or days >= min_days[oid]
    per_unit = {o.order_id: {ln.line_no: ln for ln in o.lines} for o in orders_}
    for (oid, line_no, kind), group in plan.filter(plan["status"] == "allocated").group_by(
        "order_id", "line_no", "line_kind"
    ):
        if kind == "order":
            ln = per_unit[oid][line_no]
            assert group["qty"].sum() == sum(q for _, q in CATALOG.components(ln.sku)) * ln.qty
