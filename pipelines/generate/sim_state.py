"""The stock simulation's state: one object that every step of a simulated day reads and changes.

The steps are functions over a `SimState`, in modules that import this one and nothing of each
other (docs/generator.md): `order_flow` (allocate paid orders, ship them first-expiry-first-out),
`replenish` (opening stock, supplier ASNs, transfers), `warehouse_ops` (status changes, counts,
receipts, returns, snapshots); `simulate` runs them day by day. Every random draw comes from
`rng`, in the order the steps run, so the same seed gives the same state.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from pipelines.generate.brand import Brand
from pipelines.generate.catalog import Catalog
from pipelines.generate.demand import DAY, EXPRESS, Demand
from pipelines.generate.forecast import cumulative_demand, primary_location
from pipelines.generate.ledger import MovementLog, SnapshotLog
from pipelines.generate.lots import AVAILABLE, LotBook
from pipelines.generate.network import Network
from pipelines.generate.scales import Scale

# queues of work due on a later day: day -> items (see the functions that fill and empty them)
QUEUES = ("ship", "release", "ret", "status", "asn", "tship", "tcancel", "trecv")


def warehouse_bin(rng: np.random.Generator) -> str:
    """A random warehouse bin code, e.g. B07-3-21 (zone, aisle, level, slot)."""
    zone, aisle, level, slot = rng.choice(list("ABCD")), rng.integers(1, 30), rng.integers(1, 5), rng.integers(1, 40)
    return f"{zone}{aisle:02d}-{level}-{slot:02d}"


@dataclass(eq=False)
class SimState:
    """Stock, promises, queued work and what the WMS has reported, for `days` days from `start_ordinal`.

    Quantities are (location, SKU) arrays indexed like `net.location_ids` and the catalogue;
    per-order arrays are indexed like `demand` and hold -1 (or False) until something happens.
    Times are seconds since the first simulated midnight.
    """

    brand: Brand
    demand: Demand
    scale: Scale
    days: int
    start_ordinal: int  # days since 1970-01-01 of the first simulated day
    rng: np.random.Generator

    cat: Catalog = field(init=False)
    net: Network = field(init=False)
    end: int = field(init=False)  # the last second of the period
    nl: int = field(init=False)  # number of locations
    ns: int = field(init=False)  # number of SKUs
    warehouses: np.ndarray = field(init=False)  # location indexes of the warehouses
    book: LotBook = field(init=False)  # lots and their balance per status
    occ: np.ndarray = field(init=False)  # promised (allocated orders, approved transfers), not yet shipped
    in_transit: np.ndarray = field(init=False)  # ASN quantities on their way to a warehouse
    in_air: np.ndarray = field(init=False)  # transfer quantities on their way to a location
    cum: np.ndarray = field(init=False)  # cumulative demand per location and SKU by day (forecast)
    moves: MovementLog = field(init=False)
    snaps: SnapshotLog = field(init=False)
    queue: dict[str, defaultdict[int, list]] = field(init=False)  # QUEUES
    adds: list[tuple] = field(init=False)  # today's additions, applied after every decrement of the day
    transfers: dict[str, list[int]] = field(init=False)  # one entry per transfer, column by column
    asns: dict[str, list[int]] = field(init=False)  # one entry per ASN line, column by column
    doc_counter: int = field(init=False)
    lot_counter: int = field(init=False)
    loc: np.ndarray = field(init=False)  # per order: allocated location (-1)
    alloc_t: np.ndarray = field(init=False)
    ship_t: np.ndarray = field(init=False)
    deliver_t: np.ndarray = field(init=False)
    return_t: np.ndarray = field(init=False)
    stockout_t: np.ndarray = field(init=False)  # refunded for lack of stock
    dropped: np.ndarray = field(init=False)  # a till sale that could not happen (never an order)
    line_sku: np.ndarray = field(init=False)  # per order line, after successor substitution
    line_start: np.ndarray = field(init=False)  # per order: its first line
    line_count: np.ndarray = field(init=False)
    primary: np.ndarray = field(init=False)  # per order: the nearest covering location
    candidates: np.ndarray = field(init=False)  # per order: (primary, the other DC for express or -1)
    batches: list[np.ndarray] = field(init=False)  # per day: the orders to allocate, VIPs first

    def __post_init__(self) -> None:
        brand, demand, days = self.brand, self.demand, self.days
        self.cat, self.net = brand.catalog, brand.network
        self.end = days * DAY - 1
        self.nl, self.ns = len(self.net.location_ids), self.cat.n
        self.warehouses = np.flatnonzero(~self.net.is_store)
        self.book = LotBook(self.ns)
        self.occ = np.zeros((self.nl, self.ns), np.int64)
        self.in_transit = np.zeros((self.nl, self.ns), np.int64)
        self.in_air = np.zeros((self.nl, self.ns), np.int64)
        self.cum = cumulative_demand(brand, demand, days)
        self.moves, self.snaps = MovementLog(), SnapshotLog()
        self.queue = {k: defaultdict(list) for k in QUEUES}
        self.adds = []
        self.transfers = defaultdict(list)
        self.asns = defaultdict(list)
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
        """`n` new document references (status changes, adjustments), numbered in order."""
        refs = np.arange(self.doc_counter, self.doc_counter + n)
        self.doc_counter += n
        return refs

    def free(self) -> np.ndarray:
        """(location, SKU) available stock not yet promised."""
        return self.book.totals(self.nl, AVAILABLE) - self.occ

    def new_lot(self, loc: int, sku: int, prod: int, lot_no: str | None = None, exp: int | None = None) -> int:
        """A lot at `loc` (empty until a balance is added): a new lot number unless `lot_no` (a transfer) is given."""
        if lot_no is None:
            self.lot_counter += 1
            lot_no = f"L{np.datetime64(int(prod), 'D').astype(object):%y%m%d}{self.lot_counter:06d}"
        exp = prod + int(self.cat.shelf_life[sku]) if exp is None else exp
        bin_ = "SHELF-A" if self.net.is_store[loc] else warehouse_bin(self.rng)
        return self.book.add_lot(loc, sku, lot_no, prod, exp, bin_)
