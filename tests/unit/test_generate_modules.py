"""The stock simulation's steps, each on a small state whose figures are known in advance.

The state (pipelines/generate/sim_state.py) is built from the small brand's master data (seed 7)
and a handful of hand-written orders; lots and promises are put in by hand, one step runs, and
the test reads what it changed. docs/generator.md describes the modules.
"""

from __future__ import annotations

import re

import grimp
import numpy as np
import pytest

from pipelines.generate import order_flow, replenish, warehouse_ops
from pipelines.generate.brand import Brand, build_brand
from pipelines.generate.demand import DAY, EXPRESS, HOUR, Demand
from pipelines.generate.lots import AVAILABLE, FROZEN, QUALITY_HOLD
from pipelines.generate.scales import get_scale
from pipelines.generate.sim_state import SimState

START = 20362  # 2025-10-01 as days since 1970-01-01
VIP, NONE = 3, 0


@pytest.fixture(scope="module")
def brand() -> Brand:
    return build_brand(get_scale("small"), 7)


def make_demand(brand: Brand, orders: list[dict], lines: list[tuple[int, str, int]]) -> Demand:
    """Orders paid and due for allocation at `alloc` (express from Shanghai unless said), lines (order, SKU, qty)."""
    cat, n = brand.catalog, len(orders)

    def column(name: str, default: object, dtype: object = np.int64) -> np.ndarray:
        return np.array([o.get(name, default) for o in orders], dtype=dtype)

    sku_index = {str(s): i for i, s in enumerate(cat.skus)}
    line_order = np.array([o for o, _, _ in lines], np.int64)
    return Demand(
        day=np.maximum(column("alloc", 0), 0) // DAY,
        channel=column("channel", int(brand.network.channel("tmall"))),
        customer=np.arange(n, dtype=np.int64),
        tier=column("tier", NONE),
        region=column("region", "CN-SH", object),
        method=np.full(n, EXPRESS, np.int64),
        store=np.full(n, -1, np.int64),
        created=column("alloc", 0) - 600,
        paid=column("alloc", 0) - 300,
        cancel_unpaid=np.full(n, -1, np.int64),
        alloc=column("alloc", 0),
        ship_lag=column("ship_lag", 5 * HOUR),
        deliver_lag=column("deliver_lag", 2 * DAY),
        refund_at=column("refund_at", -1),
        intercept_at=np.full(n, -1, np.int64),
        return_lag=column("return_lag", -1),
        promo=np.zeros(n, bool),
        line_order=line_order,
        line_no=np.ones(len(lines), np.int64),
        line_sku=np.array([sku_index[s] for _, s, _ in lines], np.int64),
        line_qty=np.array([q for _, _, q in lines], np.int64),
        unit_price=np.full(len(lines), 100.0),
        discount=np.zeros(len(lines)),
        phase_out_day=np.full(cat.n, 10**6, np.int64),
    )


def make_state(brand: Brand, orders: list[dict], lines: list[tuple[int, str, int]], days: int = 5) -> SimState:
    """A state on day 0 of `days`, with no stock: without orders, one that is never paid (alloc -1)."""
    orders = orders or [{"alloc": -1}]
    demand = make_demand(brand, orders, lines)
    return SimState(brand, demand, get_scale("small"), days, START, np.random.default_rng(0))


def sku(brand: Brand, code: str) -> int:
    return int(np.flatnonzero(brand.catalog.skus == code)[0])


def put_lot(sim: SimState, location: str, code: str, qty: int, expiry_in_days: int, status: int = AVAILABLE) -> int:
    lot = sim.new_lot(sim.net.loc(location), sku(sim.brand, code), START - 100, exp=START + expiry_in_days)
    sim.book.bal[lot, status] += qty
    return lot


def test_the_small_brand_is_what_the_figures_below_assume(brand: Brand) -> None:
    assert list(brand.network.location_ids[:3]) == ["WH-EAST", "WH-SOUTH", "WH-BONDED"]
    gift_set = sku(brand, "GS0001")
    parts = {
        str(brand.catalog.skus[j]): int(brand.catalog.bom[gift_set, j])
        for j in np.flatnonzero(brand.catalog.bom[gift_set])
    }
    assert parts == {"SK0010": 1, "SK0012": 1, "MU0023": 1, "BC0028": 2}
    assert int(brand.catalog.shelf_life[sku(brand, "SK0001")]) == 1095


def test_free_stock_is_available_less_promised(brand: Brand) -> None:
    sim = make_state(brand, [], [])
    put_lot(sim, "WH-EAST", "SK0001", 10, 300)
    put_lot(sim, "WH-EAST", "SK0001", 5, 400)
    put_lot(sim, "WH-EAST", "SK0001", 2, 500, status=FROZEN)
    east, s = sim.net.loc("WH-EAST"), sku(brand, "SK0001")
    sim.occ[east, s] = 4
    free = sim.free()
    assert free[east, s] == 11
    assert free.sum() == 11


def test_documents_are_numbered_in_order(brand: Brand) -> None:
    sim = make_state(brand, [], [])
    assert sim.next_doc(3).tolist() == [0, 1, 2]
    assert sim.next_doc().tolist() == [3]
    assert sim.doc_counter == 4


def test_new_lots_numbers_dates_and_bins(brand: Brand) -> None:
    sim = make_state(brand, [], [])
    east, store, s = sim.net.loc("WH-EAST"), sim.net.loc("ST-SHA-01"), sku(brand, "SK0001")
    lot = sim.new_lot(east, s, START)  # produced 2025-10-01
    assert sim.book.lot_no[lot] == "L251001000001"
    assert sim.book.exp[lot] == START + 1095
    assert re.fullmatch(r"[ABCD]\d{2}-\d-\d{2}", sim.book.bin[lot])
    second = sim.new_lot(east, s, START + 1)
    assert sim.book.lot_no[second] == "L251002000002"
    # a transfer keeps the lot number and the expiry; a store keeps it on its shelf
    moved = sim.new_lot(store, s, START, "L251001000001", START + 900)
    assert (sim.book.lot_no[moved], sim.book.exp[moved], sim.book.bin[moved]) == (
        "L251001000001",
        START + 900,
        "SHELF-A",
    )
    assert sim.new_lot(store, s, START, "L251001000001", START + 900) == moved
    assert sim.book.n == 3


def test_orders_are_allocated_whole_vips_first(brand: Brand) -> None:
    t = 10 * HOUR
    orders = [{"alloc": t + 60}, {"alloc": t + 120, "tier": VIP}, {"alloc": t + 180}]
    sim = make_state(brand, orders, [(0, "SK0001", 3), (1, "SK0001", 3), (2, "SK0002", 2)])
    east, south, s = sim.net.loc("WH-EAST"), sim.net.loc("WH-SOUTH"), sku(brand, "SK0001")
    assert sim.batches[0].tolist() == [1, 0, 2]  # the VIP first, then by time
    free = np.zeros((sim.nl, sim.ns), np.int64)
    free[east, s], free[south, s] = 5, 4
    order_flow.allocate_day(sim, 0, free)
    # the VIP takes 3 of WH-EAST's 5; order 0 is not split 2 + 1 but goes whole to WH-SOUTH (express);
    # order 2's SKU is nowhere: refunded for lack of stock 1-6 hours after it was due
    assert sim.loc.tolist() == [south, east, -1]
    assert sim.alloc_t.tolist() == [t + 60, t + 120, -1]
    assert sim.stockout_t[:2].tolist() == [-1, -1]
    assert t + 180 + HOUR <= sim.stockout_t[2] < t + 180 + 6 * HOUR
    assert (sim.occ[east, s], sim.occ[south, s]) == (3, 3)
    assert (free[east, s], free[south, s]) == (2, 1)
    shipments = sim.queue["ship"][0]  # shipped 5 hours after allocation, the same day
    assert sorted((int(o), int(q)) for item in shipments for o, q in zip(item[0], item[3])) == [(0, 3), (1, 3)]


def test_a_gift_set_occupies_its_components(brand: Brand) -> None:
    sim = make_state(brand, [{"alloc": 9 * HOUR}], [(0, "GS0001", 2)])
    east = sim.net.loc("WH-EAST")
    free = np.full((sim.nl, sim.ns), 100, np.int64)
    order_flow.allocate_day(sim, 0, free)
    assert sim.loc[0] == east
    occupied = {str(brand.catalog.skus[j]): int(sim.occ[east, j]) for j in np.flatnonzero(sim.occ[east])}
    assert occupied == {"SK0010": 2, "SK0012": 2, "MU0023": 2, "BC0028": 4}
    assert sim.occ[east, sku(brand, "GS0001")] == 0


def test_an_order_refunded_before_shipping_releases_its_promise(brand: Brand) -> None:
    orders = [{"alloc": 9 * HOUR, "ship_lag": 30 * HOUR, "refund_at": DAY + 2 * HOUR}]
    sim = make_state(brand, orders, [(0, "SK0001", 4)])
    east, s = sim.net.loc("WH-EAST"), sku(brand, "SK0001")
    free = np.full((sim.nl, sim.ns), 10, np.int64)
    order_flow.allocate_day(sim, 0, free)
    assert sim.occ[east, s] == 4
    assert 1 in sim.queue["release"] and 1 not in sim.queue["ship"]
    order_flow.release_day(sim, 1)
    assert sim.occ[east, s] == 0


def test_shipping_picks_the_first_expiry_first(brand: Brand) -> None:
    orders = [{"alloc": 9 * HOUR, "ship_lag": 4 * HOUR, "deliver_lag": 2 * DAY, "return_lag": DAY}]
    sim = make_state(brand, orders, [(0, "SK0001", 4)])
    east, s = sim.net.loc("WH-EAST"), sku(brand, "SK0001")
    later = put_lot(sim, "WH-EAST", "SK0001", 5, 400)
    sooner = put_lot(sim, "WH-EAST", "SK0001", 2, 200)
    order_flow.allocate_day(sim, 0, sim.free())
    order_flow.ship_day(sim, 0)
    assert sim.book.bal[sooner, AVAILABLE] == 0 and sim.book.bal[later, AVAILABLE] == 3
    assert sim.occ[east, s] == 0
    moves = sim.moves.arrays()
    assert sorted(zip(moves["lot"].tolist(), moves["qty"].tolist())) == sorted([(sooner, -2), (later, -2)])
    assert set(moves["t"].tolist()) == {13 * HOUR}
    assert (sim.ship_t[0], sim.deliver_t[0], sim.return_t[0]) == (13 * HOUR, 2 * DAY + 13 * HOUR, 3 * DAY + 13 * HOUR)
    returned = sim.queue["ret"][3]  # back on day 3, lot by lot
    assert sorted(zip(returned[0][1].tolist(), returned[0][2].tolist())) == sorted([(sooner, 2), (later, 2)])


def test_a_status_change_leaves_now_and_arrives_after_the_days_decrements(brand: Brand) -> None:
    sim = make_state(brand, [], [])
    lot = put_lot(sim, "WH-EAST", "SK0001", 10, 300)
    warehouse_ops._status_change(sim, 8 * HOUR, np.array([lot]), AVAILABLE, QUALITY_HOLD, np.array([4]))
    assert sim.book.bal[lot, AVAILABLE] == 6 and sim.book.bal[lot, QUALITY_HOLD] == 0
    warehouse_ops.apply_adds(sim, 0)
    assert sim.book.bal[lot, QUALITY_HOLD] == 4
    moves = sim.moves.arrays()
    assert list(zip(moves["status"].tolist(), moves["qty"].tolist())) == [(AVAILABLE, -4), (QUALITY_HOLD, 4)]
    assert moves["doc_ref"].tolist() == [0, 0]


def test_taking_from_a_lot_is_capped_by_its_balance_and_what_is_unpromised(brand: Brand) -> None:
    sim = make_state(brand, [], [])
    a = put_lot(sim, "WH-EAST", "SK0001", 10, 300)
    b = put_lot(sim, "WH-EAST", "SK0001", 3, 300)
    east, s = sim.net.loc("WH-EAST"), sku(brand, "SK0001")
    free = np.zeros((sim.nl, sim.ns), np.int64)
    free[east, s] = 8
    taken = warehouse_ops._take_free(sim, free, np.array([a, b]), np.array([6, 5]))
    assert taken.tolist() == [6, 2]  # a: 6 of 10; b: its 3 capped by the 2 still unpromised
    assert free[east, s] == 0


def test_a_transfer_ships_fefo_and_arrives_as_the_same_lot(brand: Brand) -> None:
    sim = make_state(brand, [], [])
    east, store, s = sim.net.loc("WH-EAST"), sim.net.loc("ST-SHA-01"), sku(brand, "SK0001")
    lot = put_lot(sim, "WH-EAST", "SK0001", 10, 300)
    ship, recv = DAY + 15 * HOUR, 2 * DAY + 11 * HOUR
    for name, value in (("src", east), ("dst", store), ("sku", s), ("qty", 6), ("approved", 10 * HOUR)):
        sim.transfers[name].append(value)
    for name, value in (("shipped", ship), ("received", recv), ("cancelled", -1)):
        sim.transfers[name].append(value)
    sim.occ[east, s] += 6
    sim.in_air[store, s] += 6
    sim.queue["tship"][1].append(np.array([0]))
    replenish.ship_transfers(sim, 1)
    assert sim.book.bal[lot, AVAILABLE] == 4 and sim.occ[east, s] == 0
    warehouse_ops.apply_adds(sim, 2)
    arrived = sim.book.n - 1
    assert (sim.book.loc[arrived], sim.book.lot_no[arrived]) == (store, sim.book.lot_no[lot])
    assert sim.book.exp[arrived] == START + 300
    assert sim.book.bal[arrived, AVAILABLE] == 6 and sim.in_air[store, s] == 0


def test_a_cancelled_transfer_gives_back_its_promise(brand: Brand) -> None:
    sim = make_state(brand, [], [])
    east, store, s = sim.net.loc("WH-EAST"), sim.net.loc("ST-SHA-01"), sku(brand, "SK0001")
    for name, value in (("src", east), ("dst", store), ("sku", s), ("qty", 6)):
        sim.transfers[name].append(value)
    sim.occ[east, s], sim.in_air[store, s] = 6, 6
    sim.queue["tcancel"][1].append(np.array([0]))
    replenish.ship_transfers(sim, 1)
    assert sim.occ[east, s] == 0 and sim.in_air[store, s] == 0


def test_the_steps_share_only_the_state_and_nothing_imports_in_a_circle() -> None:
    graph = grimp.build_graph("pipelines", exclude_type_checking_imports=False)
    generate = sorted(m for m in graph.modules if m.startswith("pipelines.generate."))
    steps = ["order_flow", "replenish", "warehouse_ops"]
    for step in steps:
        imported = graph.find_modules_directly_imported_by(f"pipelines.generate.{step}")
        assert not {f"pipelines.generate.{other}" for other in [*steps, "simulate"]} & imported, step
        assert "pipelines.generate.sim_state" in imported
    circles = [
        (a, b)
        for a in generate
        for b in generate
        if a < b and graph.chain_exists(importer=a, imported=b) and graph.chain_exists(importer=b, imported=a)
    ]
    assert circles == []
