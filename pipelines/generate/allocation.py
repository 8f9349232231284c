"""Order routing: explode bundles into components and allocate whole orders to locations with stock."""

from __future__ import annotations

import numpy as np


def explode(
    bom: np.ndarray, owner: np.ndarray, sku: np.ndarray, qty: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lines (owner, sku, qty) -> component lines: a bundle occupies its components, never itself."""
    prod, comp_all = np.nonzero(bom)  # row-major: grouped by product
    nnz = np.bincount(prod, minlength=bom.shape[0])
    ptr = np.cumsum(nnz) - nnz
    counts = nnz[sku]
    line = np.repeat(np.arange(len(sku)), counts)
    within = np.arange(len(line)) - np.repeat(np.cumsum(counts) - counts, counts)
    comp = comp_all[ptr[sku[line]] + within]
    return owner[line], comp, qty[line] * bom[sku[line], comp]


def allocate(
    free: np.ndarray,
    candidates: np.ndarray,
    comp_order: np.ndarray,
    comp_sku: np.ndarray,
    comp_qty: np.ndarray,
) -> np.ndarray:
    """Allocate orders (rows of `candidates`, in priority order) without splitting them.

    `candidates[i, k]` is the k-th preferred location of order i (-1: none). Component
    demand lines refer to orders by row. Each order goes to its first candidate that
    can still cover all its lines, given the orders before it; `free` (location, sku) is
    reduced in place. Returns the chosen location per order, -1 when none could.
    """
    chosen = np.full(len(candidates), -1, np.int64)
    n_skus = free.shape[1]
    for k in range(candidates.shape[1]):
        loc = candidates[comp_order, k]
        live = (chosen[comp_order] < 0) & (loc >= 0)
        if not live.any():
            continue
        idx = np.flatnonzero(live)
        group = loc[idx] * n_skus + comp_sku[idx]
        order = np.lexsort((comp_order[idx], group))
        g, q = group[order], comp_qty[idx][order]
        cum = np.cumsum(q)
        first = np.r_[True, g[1:] != g[:-1]]
        running = cum - np.maximum.accumulate(np.where(first, cum - q, 0))
        bad = running > free.reshape(-1)[g]
        bad_orders = np.unique(comp_order[idx][order][bad])
        ok_orders = np.setdiff1d(np.unique(comp_order[idx]), bad_orders)
        chosen[ok_orders] = candidates[ok_orders, k]
        take = idx[np.isin(comp_order[idx], ok_orders)]
        np.subtract.at(free.reshape(-1), loc[take] * n_skus + comp_sku[take], comp_qty[take])
    return chosen
