"""The day-by-day stock simulation: allocation, shipping, returns and the WMS ledger.

Every day starts from the stock on hand at midnight. Decrements of the day (shipments,
transfers out, status changes, count losses) never exceed what was there at midnight
and not yet promised; receipts of the day only add. So no lot balance ever goes below
zero at any moment of the ledger.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pipelines.generate import replenish
from pipelines.generate import warehouse_ops as ops
from pipelines.generate.allocation import allocate, explode
from pipelines.generate.brand import Brand
from pipelines.generate.demand import DAY, EXPRESS, HOUR, Demand
from pipelines.generate.forecast import cumulative_demand, primary_location
from pipelines.generate.ledger import MovementLog, SnapshotLog
from pipelines.generate.lots import AVAILABLE, LotBook, fefo_pick
from pipelines.generate.scales import Scale


@dataclass
class SimResult:
    loc: np.ndarray  # per order: allocated location (-1)
    alloc_t: np.ndarray  # -1: not allocated by the end
    ship_t: np.ndarray
    deliver_t: np.ndarray
    return_t: np.ndarray
    stockout_t: np.ndarray  # refunded for lack of stock
    dropped: np.ndarray  # a till sale that could not happen (never an order)
    line_sku: np.ndarray  # after successor substitution
    book: LotBook
    movements: dict[str, np.ndarray]
    snapshots: dict[str, np.ndarray]
    transfers: dict[str, np.ndarray]
    asns: dict[str, np.ndarray]


class Simulation:
    def __init__(
        self, brand: Brand, demand: Demand, scale: Scale, days: int, start_ordinal: int, rng: np.random.Generator
    ) -> None:
        self.brand, self.demand, self.scale, self.days, self.rng = brand, demand, scale, days, rng
        self.cat, self.net = brand.catalog, brand.network
        self.start_ordinal = start_ordinal  # days since 1970-01-01 of the first simulated day
        self.end = days * DAY - 1
        self.nl, self.ns = len(self.net.location_ids), self.cat.n
        self.warehouses = np.flatnonzero(~self.net.is_store)
        self.book = LotBook(self.ns)
        self.occ = np.zeros((self.nl, self.ns), np.int64)
        self.in_transit = np.zeros((self.nl, self.ns), np.int64)
        self.in_air = np.zeros((self.nl, self.ns), np.int64)
        self.cum = cumulative_demand(brand, demand, days)
        self.moves, self.snaps = MovementLog(), SnapshotLog()
        queues = ("ship", "release", "ret", "status", "asn", "tship", "tcancel", "trecv")
        self.queue: dict[str, defaultdict[int, list]] = {k: defaultdict(list) for k in queues}
        self.adds: list[tuple] = []  # today's additions, applied after every decrement of the day
        self.transfers: dict[str, list[int]] = defaultdict(list)
        self.asns: dict[str, list[int]] = defaultdict(list)
        self.doc_counter = 0
        self.lot_counter = 0
        n = demand.n
        self.loc = np.full(n, -1, np.int64)
        self.alloc_t = np.full(n, -1, np.int64)
        self.ship_t = np.full(n, -1, np.int64)
        self.deliver_t = np.full(n, -1, np.int64)
        self.return_t = np.full(n, -1, np.int64)
        self.stockout_t = np.full(n, -1, np.int64)
        self.dropped = np.zeros(n, bool)
        self.line_sku = demand.line_sku.copy()
        counts = np.bincount(demand.line_order, minlength=n)
        self.line_start = np.cumsum(counts) - counts
        self.line_count = counts
        self.primary = primary_location(brand, demand)
        other_dc = {
            self.net.loc("WH-EAST"): self.net.loc("WH-SOUTH"),
            self.net.loc("WH-SOUTH"): self.net.loc("WH-EAST"),
        }
        second = np.array([other_dc.get(int(p), -1) for p in range(self.nl)])
        self.candidates = np.stack([self.primary, np.where(demand.method == EXPRESS, second[self.primary], -1)], axis=1)
        refunded_first = (demand.refund_at >= 0) & (demand.refund_at < demand.alloc)
        to_allocate = np.flatnonzero((demand.alloc >= 0) & (demand.alloc <= self.end) & ~refunded_first)
        alloc_day = demand.alloc[to_allocate] // DAY
        order = np.lexsort((demand.alloc[to_allocate], -demand.tier[to_allocate], alloc_day))  # VIPs first when short
        self.batches = np.split(to_allocate[order], np.searchsorted(alloc_day[order], np.arange(1, days)))

    def next_doc(self, n: int = 1) -> np.ndarray:
        refs = np.arange(self.doc_counter, self.doc_counter + n)
        self.doc_counter += n
        return refs

    def free(self) -> np.ndarray:
        return self.book.totals(self.nl, AVAILABLE) - self.occ

    def run(self, progress: Callable[[int], None] | None = None) -> SimResult:
        replenish.opening_stock(self)
        for d in range(self.days):
            free = self.free()
            if free.min() < 0:
                raise AssertionError(f"day {d}: more promised than available")
            self.allocate_day(d, free)
            replenish.plan_transfers(self, d, free)
            ops.housekeeping(self, d, free)
            self.ship_day(d)
            replenish.ship_transfers(self, d)
            for _order, comp_loc, comp, qty in self.queue["release"].pop(d, []):
                np.subtract.at(self.occ, (comp_loc, comp), qty)
            ops.apply_adds(self, d)
            replenish.plan_asns(self, d)
            ops.snapshot(self, d)
            if progress:
                progress(d)
        return self.result()

    def allocate_day(self, d: int, free: np.ndarray) -> None:
        dm = self.demand
        batch = self.batches[d]
        if batch.size == 0:
            return
        counts = self.line_count[batch]
        lines = np.repeat(self.line_start[batch] - (np.cumsum(counts) - counts), counts) + np.arange(counts.sum())
        pos_of = np.repeat(np.arange(batch.size), counts)
        cand = self.candidates[batch]
        sku = self.line_sku[lines]
        succ = self.cat.successor[sku]
        c0, c1 = cand[pos_of, 0], cand[pos_of, 1]
        have = free[c0, sku] + np.where(c1 >= 0, free[np.maximum(c1, 0), sku], 0)
        swap = (succ >= 0) & (have < dm.line_qty[lines])
        self.line_sku[lines[swap]] = succ[swap]
        owner, comp, qty = explode(self.cat.bom, pos_of, self.line_sku[lines], dm.line_qty[lines])
        chosen = allocate(free, cand, owner, comp, qty)
        pos_orders = dm.channel[batch] == self.net.channel("pos")
        self.dropped[batch[(chosen < 0) & pos_orders]] = True
        failed = batch[(chosen < 0) & ~pos_orders]
        self.stockout_t[failed] = dm.alloc[failed] + self.rng.integers(HOUR, 6 * HOUR, failed.size)
        ok = chosen >= 0
        orders = batch[ok]
        self.loc[orders] = chosen[ok]
        self.alloc_t[orders] = dm.alloc[orders]
        keep = ok[owner]
        c_order, c_loc, c_comp, c_qty = batch[owner[keep]], chosen[owner[keep]], comp[keep], qty[keep]
        np.add.at(self.occ, (c_loc, c_comp), c_qty)
        ship = dm.alloc[orders] + dm.ship_lag[orders]
        stop = np.where((dm.refund_at[orders] >= dm.alloc[orders]), dm.refund_at[orders], dm.intercept_at[orders])
        released = (stop >= 0) & (stop < ship)
        event = np.where(released, stop, ship)
        due = np.full(self.demand.n, -1, np.int64)
        due[orders] = np.where(event <= self.end, event // DAY, -1)
        kind = np.zeros(self.demand.n, bool)
        kind[orders] = released
        c_day, c_rel = due[c_order], kind[c_order]
        for day in np.unique(c_day[c_day >= 0]):
            sel = c_day == day
            for name, mask in (("release", sel & c_rel), ("ship", sel & ~c_rel)):
                if mask.any():
                    self.queue[name][int(day)].append((c_order[mask], c_loc[mask], c_comp[mask], c_qty[mask]))

    def ship_day(self, d: int) -> None:
        """Pick today's shipments first-expiry-first-out; bundles leave as their components."""
        items = self.queue["ship"].pop(d, [])
        if not items:
            return
        order, loc, comp, qty = (np.concatenate(x) for x in zip(*items))
        dm = self.demand
        sort = np.lexsort((comp, order))
        order, loc, comp, qty = order[sort], loc[sort], comp[sort], qty[sort]
        req, lot, q = fefo_pick(self.book, AVAILABLE, loc, comp, qty)
        np.subtract.at(self.book.bal[:, AVAILABLE], lot, q)
        np.subtract.at(self.occ, (loc, comp), qty)
        o = order[req]
        t_ship = dm.alloc[o] + dm.ship_lag[o]
        self.moves.add(t_ship, lot, AVAILABLE, -q, "outbound", o)
        orders = np.unique(order)
        self.ship_t[orders] = dm.alloc[orders] + dm.ship_lag[orders]
        deliver = self.ship_t[orders] + dm.deliver_lag[orders]
        self.deliver_t[orders] = np.where(deliver <= self.end, deliver, -1)
        ret = np.where(
            (dm.return_lag[orders] >= 0) & (deliver + dm.return_lag[orders] <= self.end),
            deliver + dm.return_lag[orders],
            -1,
        )
        self.return_t[orders] = ret
        back = self.return_t[o] >= 0
        for day in np.unique(self.return_t[o][back] // DAY):
            sel = back & (self.return_t[o] // DAY == day)
            self.queue["ret"][int(day)].append((o[sel], lot[sel], q[sel]))

    def result(self) -> SimResult:
        return SimResult(
            loc=self.loc,
            alloc_t=self.alloc_t,
            ship_t=self.ship_t,
            deliver_t=self.deliver_t,
            return_t=self.return_t,
            stockout_t=np.where(self.stockout_t <= self.end, self.stockout_t, -1),
            dropped=self.dropped,
            line_sku=self.line_sku,
            book=self.book,
            movements=self.moves.arrays(),
            snapshots=self.snaps.arrays(),
            transfers={k: np.array(v, np.int64) for k, v in self.transfers.items()},
            asns={k: np.array(v, np.int64) for k, v in self.asns.items()},
        )
