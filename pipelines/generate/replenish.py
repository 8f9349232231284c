"""Replenishment: opening stock, supplier ASNs to warehouses and transfers to stores and between DCs."""

from __future__ import annotations

import numpy as np

from pipelines.generate.demand import DAY, HOUR
from pipelines.generate.forecast import window
from pipelines.generate.lots import AVAILABLE, QUALITY_HOLD, fefo_pick
from pipelines.generate.sim_state import SimState

REVIEW_DAYS = 7  # warehouses order from suppliers once a week
LEAD_DAYS = {"WH-EAST": 8, "WH-SOUTH": 8, "WH-BONDED": 18}
STORE_REVIEW_EVERY = 3
ASN_QC_HOLD = 0.05  # share of receipts that wait in quality_hold for incoming inspection


def opening_stock(sim: SimState) -> None:
    """Lots on hand at the first midnight: ~5 weeks of demand in warehouses, ~12 days in stores."""
    rng, cat = sim.rng, sim.cat
    target = np.where(sim.net.is_store[:, None], window(sim.cum, 0, 12) * 1.3 + 2, window(sim.cum, 0, 35) * 1.3)
    target[:, cat.is_bundle] = 0
    target[sim.net.is_store] *= sim.brand.store_assortment & (window(sim.cum, 0, 30)[sim.net.is_store] > 0)
    locs, skus = np.nonzero(target >= 1)
    for loc, sku in zip(locs, skus):
        qty = int(np.ceil(target[loc, sku]))
        if not sim.net.is_store[loc]:
            qty = int(np.ceil(qty / cat.case_pack[sku]) * cat.case_pack[sku])
        n_lots = int(rng.integers(1, 4))
        split = np.diff(np.r_[0, np.sort(rng.integers(0, qty + 1, n_lots - 1)), qty])
        life = int(cat.shelf_life[sku])
        for q in split[split > 0]:
            age = life - int(rng.integers(45, 150)) if rng.random() < 0.04 else int(rng.integers(30, int(life * 0.45)))
            lot = sim.new_lot(int(loc), int(sku), sim.start_ordinal - age)
            sim.book.bal[lot, AVAILABLE] += int(q)
            if not sim.net.is_store[loc]:
                sim.moves.add(0, [lot], AVAILABLE, int(q), "opening", lot)


def plan_asns(sim: SimState, d: int) -> None:
    """Weekly supplier orders: cover lead time + review period (+3 days) of expected demand.

    In case packs, at least the MOQ.
    """
    weekday = (sim.start_ordinal + d + 3) % 7  # 1970-01-01 was a Thursday
    if d and weekday != 0:
        return
    cat, rng = sim.cat, sim.rng
    stock = sim.book.totals(sim.nl, AVAILABLE) + sim.book.totals(sim.nl, QUALITY_HOLD)
    for wh in sim.warehouses:
        lead = LEAD_DAYS[str(sim.net.location_ids[wh])]
        need = window(sim.cum, d, lead + REVIEW_DAYS + 3)[wh] * 1.25
        position = stock[wh] + sim.in_transit[wh] - sim.occ[wh]
        phasing_out = (cat.successor >= 0) & (d + lead >= sim.demand.phase_out_day)
        want = np.where((position < need) & ~cat.is_bundle & ~phasing_out, need * 1.2 - position, 0)
        qty = np.where(want > 0, np.maximum(np.ceil(want / cat.case_pack) * cat.case_pack, cat.moq), 0).astype(np.int64)
        skus = np.flatnonzero(qty)
        if skus.size == 0:
            continue
        created = d * DAY + 9 * HOUR + int(rng.integers(0, HOUR))
        expected = (d + lead) * DAY + 10 * HOUR
        recv = expected + rng.integers(-20 * HOUR, 20 * HOUR, skus.size)
        for name, value in (
            ("loc", wh),
            ("sku", skus),
            ("qty", qty[skus]),
            ("created", created),
            ("day", d),
            ("shipped", created + DAY + 8 * HOUR),
            ("expected", expected),
            ("received", recv),
            ("qc", rng.random(skus.size) < ASN_QC_HOLD),
        ):
            sim.asns[name].extend(np.broadcast_to(np.asarray(value, np.int64), skus.shape).tolist())
        first = len(sim.asns["sku"]) - skus.size
        idx = np.arange(first, first + skus.size)
        sim.in_transit[wh, skus] += qty[skus]
        for day in np.unique(recv // DAY):
            if day * DAY <= sim.end:
                sim.queue["asn"][int(day)].append(idx[recv // DAY == day])


def _add_transfers(sim: SimState, d: int, src: int, dst: int, skus: np.ndarray, qty: np.ndarray) -> None:
    rng = sim.rng
    n = skus.size
    approved = d * DAY + 10 * HOUR + rng.integers(0, 2 * HOUR, n)
    cancelled = rng.random(n) < 0.02
    ship_day = d + rng.integers(1, 3, n)
    ship = ship_day * DAY + 15 * HOUR + rng.integers(0, 2 * HOUR, n)
    recv = (ship_day + rng.integers(1, 3, n)) * DAY + 11 * HOUR + rng.integers(0, HOUR, n)
    cancel_t = np.where(cancelled, (d + 1) * DAY + 9 * HOUR, -1)
    first = len(sim.transfers["sku"])
    for name, value in (
        ("src", src),
        ("dst", dst),
        ("sku", skus),
        ("qty", qty),
        ("approved", approved),
        ("shipped", ship),
        ("received", recv),
        ("cancelled", cancel_t),
    ):
        sim.transfers[name].extend(np.broadcast_to(np.asarray(value, np.int64), (n,)).tolist())
    idx = np.arange(first, first + n)
    sim.occ[src, skus] += qty
    sim.in_air[dst, skus] += qty
    if d + 1 < sim.days:
        sim.queue["tcancel"][d + 1].append(idx[cancelled])
    for day in np.unique(ship_day[~cancelled]):
        if day < sim.days:
            sim.queue["tship"][int(day)].append(idx[~cancelled & (ship_day == day)])


def plan_transfers(sim: SimState, d: int, free: np.ndarray) -> None:
    """Stores are topped up from their DC every few days; DCs rebalance every two weeks."""
    near, far = window(sim.cum, d, 5), window(sim.cum, d, 12)
    sold = ~sim.cat.is_bundle & sim.brand.store_assortment
    for s in np.flatnonzero(sim.net.is_store):
        if (s + d) % STORE_REVIEW_EVERY and d != sim.days - 1:  # every store is reviewed on the last day
            continue
        src = int(sim.net.store_dc[s])
        position = free[s] + sim.in_air[s]
        want = np.where(sold & (position < near[s] + 1) & (far[s] > 0), np.ceil(far[s] * 1.3 + 2 - position), 0)
        qty = np.minimum(want.astype(np.int64), np.maximum(free[src], 0))
        skus = np.flatnonzero(qty > 0)
        if skus.size:
            free[src, skus] -= qty[skus]
            _add_transfers(sim, d, src, s, skus, qty[skus])
    if d % 14 == 7:
        east, south = sim.net.loc("WH-EAST"), sim.net.loc("WH-SOUTH")
        spare = free[east] - 1.5 * window(sim.cum, d, 21)[east]
        wanted = np.maximum(window(sim.cum, d, 14)[south], sim.cat.case_pack)
        qty = np.floor(np.minimum(spare, wanted) / sim.cat.case_pack) * sim.cat.case_pack
        skus = np.flatnonzero(qty > 0)[:5]
        if skus.size:
            q = qty[skus].astype(np.int64)
            free[east, skus] -= q
            _add_transfers(sim, d, east, south, skus, q)


def ship_transfers(sim: SimState, d: int) -> None:
    tr = sim.transfers
    for idx in sim.queue["tcancel"].pop(d, []):
        for i in idx:
            sim.occ[tr["src"][i], tr["sku"][i]] -= tr["qty"][i]
            sim.in_air[tr["dst"][i], tr["sku"][i]] -= tr["qty"][i]
    items = sim.queue["tship"].pop(d, [])
    idx = np.concatenate(items) if items else np.zeros(0, np.int64)
    if idx.size == 0:
        return
    src, sku, qty = (np.array(tr[k])[idx] for k in ("src", "sku", "qty"))
    ship, recv = np.array(tr["shipped"])[idx], np.array(tr["received"])[idx]
    req, lot, q = fefo_pick(sim.book, AVAILABLE, src, sku, qty)
    np.subtract.at(sim.book.bal[:, AVAILABLE], lot, q)
    np.subtract.at(sim.occ, (src, sku), qty)
    sim.moves.add(ship[req], lot, AVAILABLE, -q, "transfer_out", idx[req])
    for day in np.unique(recv[req] // DAY):
        if day * DAY <= sim.end:
            sel = recv[req] // DAY == day
            sim.queue["trecv"][int(day)].append((idx[req][sel], lot[sel], q[sel]))
