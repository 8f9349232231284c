"""What each location expects to sell: the planner's (perfect-foresight) demand curves."""

from __future__ import annotations

import numpy as np

from pipelines.generate.allocation import explode
from pipelines.generate.brand import Brand
from pipelines.generate.demand import EXPRESS, Demand
from pipelines.generate.network import PROVINCES


def primary_location(brand: Brand, demand: Demand) -> np.ndarray:
    """The location an order would ship from if it had stock: its store, the bonded or the nearest DC."""
    net = brand.network
    dc_of = {p: net.loc(v[2]) for p, v in PROVINCES.items()}
    dc_of.update({"SG": net.loc("WH-BONDED"), "MY": net.loc("WH-BONDED")})
    regions, inverse = np.unique(demand.region, return_inverse=True)
    dc = np.array([dc_of[r] for r in regions])[inverse]
    return np.where(demand.method == EXPRESS, dc, demand.store)


def cumulative_demand(brand: Brand, demand: Demand, days: int) -> np.ndarray:
    """cum[loc, sku, d] = component units expected at loc over days [0, d); DCs also carry their stores' needs."""
    cat, net = brand.catalog, brand.network
    loc = primary_location(brand, demand)[demand.line_order]
    sku = demand.line_sku.copy()
    old = cat.successor[sku] >= 0
    later = old & (demand.day[demand.line_order] >= demand.phase_out_day[sku])
    sku[later] = cat.successor[sku[later]]
    line, comp, qty = explode(cat.bom, np.arange(len(sku)), sku, demand.line_qty)
    d = demand.day[demand.line_order][line]
    n_loc = len(net.location_ids)
    flat = np.bincount((loc[line] * cat.n + comp) * days + d, weights=qty, minlength=n_loc * cat.n * days)
    daily = flat.reshape(n_loc, cat.n, days)
    stores = np.flatnonzero(net.is_store)
    for s in stores:
        daily[net.store_dc[s]] += daily[s]
    cum = np.zeros((n_loc, cat.n, days + 1), np.float32)
    np.cumsum(daily, axis=2, out=cum[:, :, 1:])
    return cum


def window(cum: np.ndarray, start: int, length: int) -> np.ndarray:
    """Expected units per (loc, sku) over days [start, start + length), clipped to the horizon."""
    last = cum.shape[2] - 1
    a, b = min(start, last), min(start + length, last)
    horizon = cum[:, :, b] - cum[:, :, a]
    if start + length > last and last > 0:  # beyond the horizon: extend at the recent daily rate
        recent = (cum[:, :, last] - cum[:, :, max(0, last - 28)]) / max(1, min(28, last))
        horizon = horizon + recent * (start + length - max(start, last))
    return horizon
