"""The day-by-day stock simulation: allocation, shipping, returns and the WMS ledger.

Every day starts from the stock on hand at midnight. Decrements of the day (shipments,
transfers out, status changes, count losses) never exceed what was there at midnight
and not yet promised; receipts of the day only add. So no lot balance ever goes below
zero at any moment of the ledger.

The state is one object (sim_state.SimState); the steps are functions over it in
order_flow, replenish and warehouse_ops, which import sim_state and not each other
(docs/generator.md). This module runs them in the order of a day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pipelines.generate import order_flow, replenish
from pipelines.generate import warehouse_ops as ops
from pipelines.generate.lots import LotBook
from pipelines.generate.sim_state import SimState


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


def simulate(sim: SimState, progress: Callable[[int], None] | None = None) -> SimResult:
    """Run every day of the period on `sim` (changed in place) and return what happened."""
    replenish.opening_stock(sim)
    for d in range(sim.days):
        free = sim.free()
        if free.min() < 0:
            raise AssertionError(f"day {d}: more promised than available")
        order_flow.allocate_day(sim, d, free)
        replenish.plan_transfers(sim, d, free)
        ops.housekeeping(sim, d, free)
        order_flow.ship_day(sim, d)
        replenish.ship_transfers(sim, d)
        order_flow.release_day(sim, d)
        ops.apply_adds(sim, d)
        replenish.plan_asns(sim, d)
        ops.snapshot(sim, d)
        if progress:
            progress(d)
    return result(sim)


def result(sim: SimState) -> SimResult:
    """The simulation's outcome per order, the lots and the WMS reports, as arrays."""
    return SimResult(
        loc=sim.loc,
        alloc_t=sim.alloc_t,
        ship_t=sim.ship_t,
        deliver_t=sim.deliver_t,
        return_t=sim.return_t,
        stockout_t=np.where(sim.stockout_t <= sim.end, sim.stockout_t, -1),
        dropped=sim.dropped,
        line_sku=sim.line_sku,
        book=sim.book,
        movements=sim.moves.arrays(),
        snapshots=sim.snaps.arrays(),
        transfers={k: np.array(v, np.int64) for k, v in sim.transfers.items()},
        asns={k: np.array(v, np.int64) for k, v in sim.asns.items()},
    )
