"""Orders through the warehouse: allocation on the day they are due, shipping first-expiry-first-out.

Functions over the simulation's state (sim_state.SimState); simulate.py calls them day by day.
"""

from __future__ import annotations

import numpy as np

from pipelines.generate.allocation import allocate, explode
from pipelines.generate.demand import DAY, HOUR
from pipelines.generate.lots import AVAILABLE, fefo_pick
from pipelines.generate.sim_state import SimState


def allocate_day(sim: SimState, d: int, free: np.ndarray) -> None:
    """Allocate day `d`'s paid orders whole to a candidate location with unpromised stock (`free`, changed).

    A line falls back to its SKU's successor when both candidates lack the stock; bundles occupy
    their components. An order no candidate can take is refunded for lack of stock (a till sale
    is dropped). Allocated orders queue their components to ship, or to be released when the order
    is refunded or intercepted before it ships.
    """
    dm = sim.demand
    batch = sim.batches[d]
    if batch.size == 0:
        return
    counts = sim.line_count[batch]
    lines = np.repeat(sim.line_start[batch] - (np.cumsum(counts) - counts), counts) + np.arange(counts.sum())
    pos_of = np.repeat(np.arange(batch.size), counts)
    cand = sim.candidates[batch]
    sku = sim.line_sku[lines]
    succ = sim.cat.successor[sku]
    c0, c1 = cand[pos_of, 0], cand[pos_of, 1]
    have = free[c0, sku] + np.where(c1 >= 0, free[np.maximum(c1, 0), sku], 0)
    swap = (succ >= 0) & (have < dm.line_qty[lines])
    sim.line_sku[lines[swap]] = succ[swap]
    owner, comp, qty = explode(sim.cat.bom, pos_of, sim.line_sku[lines], dm.line_qty[lines])
    chosen = allocate(free, cand, owner, comp, qty)
    pos_orders = dm.channel[batch] == sim.net.channel("pos")
    sim.dropped[batch[(chosen < 0) & pos_orders]] = True
    failed = batch[(chosen < 0) & ~pos_orders]
    sim.stockout_t[failed] = dm.alloc[failed] + sim.rng.integers(HOUR, 6 * HOUR, failed.size)
    ok = chosen >= 0
    orders = batch[ok]
    sim.loc[orders] = chosen[ok]
    sim.alloc_t[orders] = dm.alloc[orders]
    keep = ok[owner]
    c_order, c_loc, c_comp, c_qty = batch[owner[keep]], chosen[owner[keep]], comp[keep], qty[keep]
    np.add.at(sim.occ, (c_loc, c_comp), c_qty)
    ship = dm.alloc[orders] + dm.ship_lag[orders]
    stop = np.where((dm.refund_at[orders] >= dm.alloc[orders]), dm.refund_at[orders], dm.intercept_at[orders])
    released = (stop >= 0) & (stop < ship)
    event = np.where(released, stop, ship)
    due = np.full(sim.demand.n, -1, np.int64)
    due[orders] = np.where(event <= sim.end, event // DAY, -1)
    kind = np.zeros(sim.demand.n, bool)
    kind[orders] = released
    c_day, c_rel = due[c_order], kind[c_order]
    for day in np.unique(c_day[c_day >= 0]):
        sel = c_day == day
        for name, mask in (("release", sel & c_rel), ("ship", sel & ~c_rel)):
            if mask.any():
                sim.queue[name][int(day)].append((c_order[mask], c_loc[mask], c_comp[mask], c_qty[mask]))


def release_day(sim: SimState, d: int) -> None:
    """Give back what orders refunded or intercepted today had promised."""
    for _order, comp_loc, comp, qty in sim.queue["release"].pop(d, []):
        np.subtract.at(sim.occ, (comp_loc, comp), qty)


def ship_day(sim: SimState, d: int) -> None:
    """Pick today's shipments first-expiry-first-out; bundles leave as their components."""
    items = sim.queue["ship"].pop(d, [])
    if not items:
        return
    order, loc, comp, qty = (np.concatenate(x) for x in zip(*items))
    dm = sim.demand
    sort = np.lexsort((comp, order))
    order, loc, comp, qty = order[sort], loc[sort], comp[sort], qty[sort]
    req, lot, q = fefo_pick(sim.book, AVAILABLE, loc, comp, qty)
    np.subtract.at(sim.book.bal[:, AVAILABLE], lot, q)
    np.subtract.at(sim.occ, (loc, comp), qty)
    o = order[req]
    t_ship = dm.alloc[o] + dm.ship_lag[o]
    sim.moves.add(t_ship, lot, AVAILABLE, -q, "outbound", o)
    orders = np.unique(order)
    sim.ship_t[orders] = dm.alloc[orders] + dm.ship_lag[orders]
    deliver = sim.ship_t[orders] + dm.deliver_lag[orders]
    sim.deliver_t[orders] = np.where(deliver <= sim.end, deliver, -1)
    ret = np.where(
        (dm.return_lag[orders] >= 0) & (deliver + dm.return_lag[orders] <= sim.end),
        deliver + dm.return_lag[orders],
        -1,
    )
    sim.return_t[orders] = ret
    back = sim.return_t[o] >= 0
    for day in np.unique(sim.return_t[o][back] // DAY):
        sel = back & (sim.return_t[o] // DAY == day)
        sim.queue["ret"][int(day)].append((o[sel], lot[sel], q[sel]))
