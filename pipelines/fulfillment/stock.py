"""Free stock per location and SKU, by lot, as routing consumes it.

Each (location, SKU) cell holds its `available` lots sorted first-expiry-first
(no expiry sorts last) and a `free` counter that starts at the scheduling layer's
`sales_available` and never goes below zero. Existing claims (orders already at the
location, approved transfers out, locks: O + T + L) are taken from the
*latest*-expiring lots, which leaves exactly what the layers promise: for every
channel minimum shelf life m, the free units with at least m days left equal
max(0, eligible − claims), the sales layer's channel `sales_available`; and all
free units equal the scheduling layer's `sales_available`.

Every take is logged, so a tentative allocation (a whole order at one location, a
bundle's components) can be rolled back.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

NO_EXPIRY = 10**9  # days left of a lot without an expiry date: always eligible


@dataclass(frozen=True, slots=True)
class LotStock:
    """One available lot at a location (warehouse layer, status `available`)."""

    location_id: str
    sku: str
    lot_no: str | None
    expiry_date: date | None
    days_left: int | None  # shelf_life_days_left at as_of; None when there is no expiry date
    qty: int


@dataclass(frozen=True, slots=True)
class Take:
    location_id: str
    sku: str
    lot_no: str | None
    expiry_date: date | None
    days_left: int | None
    qty: int


@dataclass(slots=True)
class _Cell:
    free: int
    days: list[int] = field(default_factory=list)
    lot_no: list[str | None] = field(default_factory=list)
    expiry: list[date | None] = field(default_factory=list)
    qty: list[int] = field(default_factory=list)


class StockBook:
    def __init__(self) -> None:
        self._cells: dict[tuple[str, str], _Cell] = {}
        self._log: list[tuple[_Cell, int, int]] = []

    @classmethod
    def build(
        cls,
        lots: Iterable[LotStock],
        sales_available: Mapping[tuple[str, str], int],
        claims: Mapping[tuple[str, str], int] | None = None,
    ) -> StockBook:
        """Lots of `available` status, the scheduling layer's sales_available per
        (location, SKU) and its claims O + T + L per (location, SKU).

        A (location, SKU) with sales_available but no lot rows (a store system that
        reports quantities only) becomes one unlotted pool with no expiry date."""
        book = cls()
        grouped: dict[tuple[str, str], list[LotStock]] = {}
        for lot in lots:
            if lot.qty > 0:
                grouped.setdefault((lot.location_id, lot.sku), []).append(lot)
        claims = claims or {}
        for key, free in sales_available.items():
            free = max(0, int(free))
            rows = sorted(grouped.get(key, ()), key=lambda r: (_days(r.days_left), r.lot_no or ""))
            cell = _Cell(free=free)
            if not rows:
                if free:
                    cell.days, cell.lot_no, cell.expiry, cell.qty = [NO_EXPIRY], [None], [None], [free]
            else:
                cell.days = [_days(r.days_left) for r in rows]
                cell.lot_no = [r.lot_no for r in rows]
                cell.expiry = [r.expiry_date for r in rows]
                cell.qty = [r.qty for r in rows]
                claimed = max(0, int(claims.get(key, 0)))
                for i in range(len(rows) - 1, -1, -1):  # claims sit on the latest-expiring lots
                    if claimed <= 0:
                        break
                    used = min(claimed, cell.qty[i])
                    cell.qty[i] -= used
                    claimed -= used
                cell.free = min(free, sum(cell.qty))
            book._cells[key] = cell
        return book

    def free(self, location_id: str, sku: str) -> int:
        cell = self._cells.get((location_id, sku))
        return cell.free if cell else 0

    def free_by_cell(self) -> dict[tuple[str, str], int]:
        return {key: cell.free for key, cell in self._cells.items()}

    def available(self, location_id: str, sku: str, min_days: int) -> int:
        """Units that can still be taken with at least `min_days` of shelf life left (expired never)."""
        cell = self._cells.get((location_id, sku))
        if cell is None or cell.free <= 0:
            return 0
        qty = cell.qty
        eligible = 0
        for i in range(bisect_left(cell.days, min_days if min_days > 0 else 0), len(qty)):
            eligible += qty[i]
        return eligible if eligible < cell.free else cell.free

    def held(self, location_id: str, sku: str) -> int:
        """Free units whatever their shelf life, expired included (to tell a shelf-life failure from a shortage)."""
        cell = self._cells.get((location_id, sku))
        return min(cell.free, sum(cell.qty)) if cell else 0

    def take(self, location_id: str, sku: str, qty: int, min_days: int) -> list[Take]:
        """Take `qty` first-expiry-first-out from lots with at least `min_days` left.

        The caller checks `available` first; asking for more raises ValueError (nothing taken)."""
        if qty <= 0:
            return []
        cell = self._cells.get((location_id, sku))
        if cell is None or cell.free < qty:
            raise ValueError(f"only {self.free(location_id, sku)} of {sku} free at {location_id}, asked {qty}")
        mark = len(self._log)
        out: list[Take] = []
        need = qty
        quantities, days_left = cell.qty, cell.days
        i, n = bisect_left(days_left, min_days if min_days > 0 else 0), len(quantities)
        while need:
            if i == n:
                self.rollback(mark)
                raise ValueError(
                    f"only {qty - need} of {sku} with >= {min_days} days left at {location_id}, asked {qty}"
                )
            q = quantities[i]
            if q:
                if q > need:
                    q = need
                quantities[i] -= q
                self._log.append((cell, i, q))
                days = days_left[i]
                out.append(
                    Take(location_id, sku, cell.lot_no[i], cell.expiry[i], None if days == NO_EXPIRY else days, q)
                )
                need -= q
            i += 1
        cell.free -= qty
        self._log.append((cell, -1, qty))
        return out

    def mark(self) -> int:
        return len(self._log)

    def rollback(self, mark: int) -> None:
        """Undo every take since `mark`."""
        while len(self._log) > mark:
            cell, i, q = self._log.pop()
            if i < 0:
                cell.free += q
            else:
                cell.qty[i] += q

    def commit(self) -> None:
        """Forget the undo log (takes so far are final)."""
        self._log.clear()


def _days(days_left: int | None) -> int:
    return NO_EXPIRY if days_left is None else int(days_left)
