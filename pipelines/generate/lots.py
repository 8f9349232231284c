"""Lot-level stock: a growable table of lots with a balance per stock status, and FEFO picking."""

from __future__ import annotations

import numpy as np

from pipelines.contract import STOCK_STATUSES

AVAILABLE, FROZEN, DEFECTIVE, SCRAP, QUALITY_HOLD = (STOCK_STATUSES.index(s) for s in STOCK_STATUSES)


class LotBook:
    """Lots per location: lot number, dates, bin and a balance per status (never negative)."""

    def __init__(self, n_skus: int, capacity: int = 4096) -> None:
        self.n_skus = n_skus
        self.n = 0
        self.loc = np.zeros(capacity, np.int64)
        self.sku = np.zeros(capacity, np.int64)
        self.prod = np.zeros(capacity, np.int64)  # days since 1970-01-01
        self.exp = np.zeros(capacity, np.int64)
        self.lot_no: list[str] = []
        self.bin: list[str] = []
        self.bal = np.zeros((capacity, len(STOCK_STATUSES)), np.int64)
        self._index: dict[tuple[int, str], int] = {}

    def add_lot(self, loc: int, sku: int, lot_no: str, prod: int, exp: int, bin_: str) -> int:
        """The lot's index at `loc`, created empty if that location does not hold it yet."""
        key = (loc, lot_no)
        if key in self._index:
            return self._index[key]
        if self.n == len(self.loc):
            grow = len(self.loc)
            for name in ("loc", "sku", "prod", "exp"):
                setattr(self, name, np.concatenate([getattr(self, name), np.zeros(grow, np.int64)]))
            self.bal = np.vstack([self.bal, np.zeros_like(self.bal)])
        i = self.n
        self.loc[i], self.sku[i], self.prod[i], self.exp[i] = loc, sku, prod, exp
        self.lot_no.append(lot_no)
        self.bin.append(bin_)
        self._index[key] = i
        self.n += 1
        return i

    def totals(self, n_locations: int, status: int = AVAILABLE) -> np.ndarray:
        """(location, sku) quantities in one status."""
        n = self.n
        flat = np.bincount(
            self.loc[:n] * self.n_skus + self.sku[:n], weights=self.bal[:n, status], minlength=n_locations * self.n_skus
        )
        return flat.astype(np.int64).reshape(n_locations, self.n_skus)


def fefo_pick(
    book: LotBook, status: int, req_loc: np.ndarray, req_sku: np.ndarray, req_qty: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split requests over lots first-expiry-first-out, in request order within each location and SKU.

    Returns (request index, lot index, quantity) segments. The caller guarantees each
    (location, SKU) has enough stock in `status`; balances are not changed here.
    """
    keep = np.flatnonzero(req_qty > 0)
    if keep.size == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    n = book.n
    lots = np.flatnonzero(book.bal[:n, status] > 0)
    lot_group = book.loc[lots] * book.n_skus + book.sku[lots]
    order = np.lexsort((lots, book.exp[lots], lot_group))
    lots, lot_group = lots[order], lot_group[order]
    lot_qty = book.bal[lots, status]
    lot_end = np.cumsum(lot_qty)
    lot_start = lot_end - lot_qty
    groups, first = np.unique(lot_group, return_index=True)
    base = lot_start[first]
    capacity = np.add.reduceat(lot_qty, first) if first.size else np.zeros(0, np.int64)

    rg = req_loc[keep] * book.n_skus + req_sku[keep]
    ro = np.argsort(rg, kind="stable")
    rg, rq, ridx = rg[ro], req_qty[keep][ro], keep[ro]
    gpos = np.searchsorted(groups, rg)
    if np.any(gpos >= groups.size) or np.any(groups[np.minimum(gpos, groups.size - 1)] != rg):
        raise AssertionError("picking from a location and SKU without stock")
    cum = np.cumsum(rq)
    g_first = np.r_[True, rg[1:] != rg[:-1]]
    offset = np.maximum.accumulate(np.where(g_first, cum - rq, 0))
    within_end = cum - offset
    if np.any(within_end > capacity[gpos]):
        raise AssertionError("picking more than the stock of a location and SKU")
    r_start = base[gpos] + within_end - rq
    r_end = base[gpos] + within_end
    points = np.unique(np.concatenate([r_start, r_end, lot_start, lot_end]))
    seg_a, seg_b = points[:-1], points[1:]
    r = np.searchsorted(r_end, seg_a, side="right")
    inside = r < r_end.size
    inside[inside] &= r_start[r[inside]] <= seg_a[inside]
    seg_a, seg_b, r = seg_a[inside], seg_b[inside], r[inside]
    lot = lots[np.searchsorted(lot_end, seg_a, side="right")]
    return ridx[r], lot, (seg_b - seg_a).astype(np.int64)
