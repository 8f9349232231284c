"""Inside the warehouses: status changes, cycle counts, receipts, returns and count snapshots."""

from __future__ import annotations

import numpy as np

from pipelines.generate.demand import DAY, HOUR
from pipelines.generate.lots import AVAILABLE, DEFECTIVE, FROZEN, QUALITY_HOLD
from pipelines.generate.sim_state import SimState

NEAR_EXPIRY_DAYS = 60  # lots this close to expiry are frozen (blocked for sale)
QC_HOLD_PROB = 0.2  # per warehouse and day: one lot goes to quality_hold for inspection
COUNT_ADJUST_PROB = 0.35  # per warehouse and day: a cycle count finds a difference on one lot


def _status_change(sim: SimState, t: int | np.ndarray, lot: np.ndarray, src: int, dst: int, qty: np.ndarray) -> None:
    """Two ledger rows: minus in the old status now, plus in the new one once the day's decrements are done."""
    ref = sim.next_doc(lot.size)
    np.subtract.at(sim.book.bal[:, src], lot, qty)
    sim.moves.add(t, lot, src, -qty, "status_change", ref)
    sim.adds.append((t, lot, dst, qty, "status_change", ref))


def _take_free(sim: SimState, free: np.ndarray, lot: np.ndarray, want: np.ndarray) -> np.ndarray:
    """Cap lot-specific decrements by what is unpromised at each location and SKU (in order)."""
    book = sim.book
    taken = np.zeros_like(want)
    for i, (one, w) in enumerate(zip(lot, want)):
        q = int(min(w, book.bal[one, AVAILABLE], free[book.loc[one], book.sku[one]]))
        if q > 0:
            free[book.loc[one], book.sku[one]] -= q
            taken[i] = q
    return taken


def housekeeping(sim: SimState, d: int, free: np.ndarray) -> None:
    book, rng, n = sim.book, sim.rng, sim.book.n
    t0 = d * DAY
    for lot, src, dst, qty, t in sim.queue["status"].pop(d, []):  # inspections finish
        _status_change(sim, t, lot, src, dst, qty)
    in_wh = ~sim.net.is_store[book.loc[:n]]
    expiring = np.flatnonzero(
        in_wh & (book.bal[:n, AVAILABLE] > 0) & (book.exp[:n] - (sim.start_ordinal + d) <= NEAR_EXPIRY_DAYS)
    )
    q = _take_free(sim, free, expiring, book.bal[expiring, AVAILABLE])
    if q.any():
        _status_change(sim, t0 + 6 * HOUR, expiring[q > 0], AVAILABLE, FROZEN, q[q > 0])
    for wh in sim.warehouses:
        stocked = np.flatnonzero((book.loc[:n] == wh) & (book.bal[:n, AVAILABLE] > 0))
        if stocked.size == 0:
            continue
        if rng.random() < QC_HOLD_PROB:
            lot = stocked[rng.integers(0, stocked.size, 1)]
            q = _take_free(sim, free, lot, rng.integers(5, 40, 1))
            if q[0] > 0:
                t = t0 + int(rng.integers(8 * HOUR, 18 * HOUR))
                _status_change(sim, t, lot, AVAILABLE, QUALITY_HOLD, q)
                _schedule_inspection(sim, d + int(rng.integers(3, 11)), lot, q, 0.85)
        if rng.random() < COUNT_ADJUST_PROB:
            lot = stocked[rng.integers(0, stocked.size, 1)]
            delta = int(rng.choice([-2, -1, 1, 2]))
            t = t0 + 20 * HOUR + int(rng.integers(0, HOUR))
            if delta < 0:
                q = _take_free(sim, free, lot, np.array([-delta]))
                if q[0] > 0:
                    sim.book.bal[lot, AVAILABLE] -= q
                    sim.moves.add(t, lot, AVAILABLE, -q, "adjustment", sim.next_doc())
            else:
                sim.adds.append((t, lot, AVAILABLE, np.array([delta]), "adjustment", sim.next_doc()))


def _schedule_inspection(sim: SimState, day: int, lot: np.ndarray, qty: np.ndarray, pass_rate: float) -> None:
    if day >= sim.days:
        return
    passed = sim.rng.random(lot.size) < pass_rate
    t = day * DAY + 14 * HOUR + sim.rng.integers(0, 3 * HOUR, lot.size)
    for mask, dst in ((passed, AVAILABLE), (~passed, DEFECTIVE)):
        if mask.any():
            sim.queue["status"][day].append((lot[mask], QUALITY_HOLD, dst, qty[mask], t[mask]))


def apply_adds(sim: SimState, d: int) -> None:
    """Everything that arrives today: status-change targets, count gains, returns, receipts."""
    book, rng = sim.book, sim.rng
    for t, lot, status, qty, doc, ref in sim.adds:
        np.add.at(book.bal[:, status], lot, qty)
        sim.moves.add(t, lot, status, qty, doc, ref)
    sim.adds = []
    for order, lot, qty in sim.queue["ret"].pop(d, []):  # returns wait for inspection
        np.add.at(book.bal[:, QUALITY_HOLD], lot, qty)
        sim.moves.add(sim.return_t[order], lot, QUALITY_HOLD, qty, "return", order)
        _schedule_inspection(sim, d + int(rng.integers(2, 6)), lot, qty, 0.8)
    asn = sim.asns
    for idx in sim.queue["asn"].pop(d, []):
        for i in idx:
            loc, sku, qty, t = asn["loc"][i], asn["sku"][i], asn["qty"][i], asn["received"][i]
            lot = sim.new_lot(loc, sku, sim.start_ordinal + d - int(rng.integers(7, 60)))
            status = QUALITY_HOLD if asn["qc"][i] else AVAILABLE
            book.bal[lot, status] += qty
            sim.in_transit[loc, sku] -= qty
            sim.moves.add(t, [lot], status, qty, "inbound", i)
            if status == QUALITY_HOLD:
                _schedule_inspection(sim, d + int(rng.integers(2, 5)), np.array([lot]), np.array([qty]), 0.97)
    tr = sim.transfers
    for idx, lots, qty in sim.queue["trecv"].pop(d, []):
        for i, lot, q in zip(idx, lots, qty):
            dst, sku = tr["dst"][i], tr["sku"][i]
            new = sim.new_lot(dst, sku, int(book.prod[lot]), book.lot_no[lot], int(book.exp[lot]))
            book.bal[new, AVAILABLE] += q
            sim.in_air[dst, sku] -= q
            sim.moves.add(tr["received"][i], [new], AVAILABLE, q, "transfer_in", i)


def snapshot(sim: SimState, d: int) -> None:
    """End-of-day counts: warehouses daily, stores weekly and daily over the last days."""
    book, scale = sim.book, sim.scale
    t = (d + 1) * DAY - 1
    n = book.n
    last = d == sim.days - 1
    is_store = sim.net.is_store[book.loc[:n]]
    if last or d % scale.warehouse_snapshot_every == scale.warehouse_snapshot_every - 1:
        sim.snaps.add(t, book.bal, np.flatnonzero(~is_store))
    if (
        last
        or d >= sim.days - scale.store_snapshot_last_days
        or d % scale.store_snapshot_every == scale.store_snapshot_every - 1
    ):
        sim.snaps.add(t, book.bal, np.flatnonzero(is_store))
