"""Order routing: paid, unallocated orders -> locations and lots, with a reason for each line.

Rules, in the order they apply (docs/fulfillment.md):
1. Orders are planned one at a time by priority: member tier (vip, gold, silver,
   none), then earliest paid_at, then order id. Stock is taken as each order is
   planned, so when stock is short the higher tiers get it.
2. Candidates are the locations that cover the delivery region and support the ship
   method, nearest first (haversine distance to the region's centre), ties by id.
3. Fewest splits: the whole order goes to the nearest candidate that can fill every
   line. Failing that, lines go to the candidates that can fill the most lines on
   their own; a line no single location can fill is spread over several; a line
   that cannot be filled completely is not allocated at all (reason says why).
4. A line takes stock first-expiry-first-out from lots with at least the channel's
   minimum shelf life left; a bundle takes each component; a SKU that runs short is
   filled from its successor, then the successor's successor (A -> B -> C).
5. After every order's own lines, gift lines (membership rules) are planned in the
   same priority, only from the locations the order already ships from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from pipelines.fulfillment import reasons as R
from pipelines.fulfillment.model import Catalog, Network, Order, OrderLine
from pipelines.fulfillment.stock import StockBook, Take

PLAN_COLUMNS: tuple[str, ...] = (
    "order_id",
    "line_no",
    "line_kind",
    "ordered_sku",
    "component_sku",
    "sku",
    "qty",
    "location_id",
    "lot_no",
    "expiry_date",
    "shelf_life_days_left",
    "bundle_expiry_date",
    "substituted_from",
    "status",
    "reason",
    "reason_detail",
    "distance_km",
    "channel_id",
    "member_tier",
    "ship_method",
    "ship_region",
    "priority_rank",
)


class PlanRows:
    """The plan, one row per order line x component x location x lot (or one row per failed line).

    Rows are tuples in PLAN_COLUMNS order (cheap to append by the million)."""

    __slots__ = ("rows",)

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    @property
    def columns(self) -> dict[str, list]:
        return {name: [r[i] for r in self.rows] for i, name in enumerate(PLAN_COLUMNS)}

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True, slots=True)
class _Pick:
    component_sku: str
    take: Take


class Planner:
    def __init__(
        self, book: StockBook, network: Network, catalog: Catalog, inbound: dict[tuple[str, str], int] | None = None
    ):
        self.book = book
        self.network = network
        self.catalog = catalog
        self.inbound = inbound or {}
        self._needs: dict[str, tuple[tuple[str, int, tuple[str, ...]], ...]] = {}

    def _components(self, sku: str) -> tuple[tuple[str, int, tuple[str, ...]], ...]:
        """(component, units per unit of sku, component then its successors), cached per SKU."""
        found = self._needs.get(sku)
        if found is None:
            found = self._needs[sku] = tuple((c, q, self.catalog.chain(c)) for c, q in self.catalog.components(sku))
        return found

    # -- filling one line -------------------------------------------------
    def _fill_at(self, line: OrderLine, location_id: str, min_days: int) -> list[_Pick] | None:
        """Take the whole line at one location (successors allowed), or None (caller rolls back)."""
        return self._fill_spread(line, [location_id], min_days)

    def _could_fill(self, line: OrderLine, location_id: str, min_days: int) -> bool:
        """A quick check without taking: every component's chain holds enough at the location."""
        available = self.book.available
        for _component, per_unit, chain in self._components(line.sku):
            need = per_unit * line.qty
            for sku in chain:
                need -= available(location_id, sku, min_days)
                if need <= 0:
                    break
            if need > 0:
                return False
        return True

    def _fill_spread(self, line: OrderLine, locations: list[str], min_days: int) -> list[_Pick] | None:
        """Take the whole line over several locations (each component nearest first), or None."""
        book, picks = self.book, []
        for component, per_unit, chain in self._components(line.sku):
            need = per_unit * line.qty
            for location_id in locations:
                for sku in chain:
                    got = book.available(location_id, sku, min_days)
                    if got:
                        got = min(need, got)
                        picks.extend(_Pick(component, t) for t in book.take(location_id, sku, got, min_days))
                        need -= got
                        if not need:
                            break
                if not need:
                    break
            if need:
                return None
        return picks

    def _why_not(self, order: Order, line: OrderLine, locations: list[str]) -> tuple[str, str]:
        """Reason and an actionable detail for a line no candidate could fill."""
        parts, shelf_bound = [], False
        for component, per_unit in self.catalog.components(line.sku):
            need = per_unit * line.qty
            chain = self.catalog.chain(component)
            eligible = sum(self.book.available(loc, s, order.min_shelf_life_days) for loc in locations for s in chain)
            anything = sum(self.book.held(loc, s) for loc in locations for s in chain)
            if eligible >= need:
                continue
            inbound = sum(self.inbound.get((loc, s), 0) for loc in locations for s in chain)
            names = " / ".join(chain)
            if anything >= need:
                shelf_bound = True
                parts.append(
                    f"needs {need} of {names} with >= {order.min_shelf_life_days} days shelf life "
                    f"({order.channel_id}); "
                    f"{', '.join(locations)} have {anything} free but only {eligible} that fresh"
                )
            else:
                parts.append(
                    f"needs {need} of {names}; {', '.join(locations)} have {eligible} free"
                    + (f", {inbound} inbound expected" if inbound else ", nothing inbound")
                )
        if not parts:  # enough in total, but the components' successor chains compete for the same units
            return (
                R.INSUFFICIENT_STOCK,
                f"needs {line.qty} of {line.sku}; components compete for the same free units at {', '.join(locations)}",
            )
        code = R.SHELF_LIFE if shelf_bound else R.INSUFFICIENT_STOCK
        return code, "; ".join(parts) + ". " + R.REASONS[code][1]

    # -- one order ----------------------------------------------------------
    def plan_order(self, order: Order, rank: int, out: PlanRows) -> list[str]:
        """Plan one order's own lines into `out`; returns the locations it ships from, nearest first."""
        if not order.ship_region or not order.ship_method:
            for line in order.lines:
                self._fail(
                    out,
                    order,
                    rank,
                    line,
                    "order",
                    R.MISSING_DELIVERY_INFO,
                    f"order has ship_region={order.ship_region!r}, ship_method={order.ship_method!r}. "
                    + R.REASONS[R.MISSING_DELIVERY_INFO][1],
                )
            return []
        candidates = self.network.candidates(order.ship_region, order.ship_method)
        distance = dict(candidates)
        if not candidates:
            for line in order.lines:
                self._fail(
                    out,
                    order,
                    rank,
                    line,
                    "order",
                    R.NO_COVERING_LOCATION,
                    f"no location covers {order.ship_region} by {order.ship_method}. "
                    + R.REASONS[R.NO_COVERING_LOCATION][1],
                )
            return []
        lines, unknown = [], []
        for line in order.lines:
            (lines if self.catalog.knows(line.sku) else unknown).append(line)
        for line in unknown:
            self._fail(
                out,
                order,
                rank,
                line,
                "order",
                R.UNKNOWN_SKU,
                f"{line.sku} is not a product or gift set. " + R.REASONS[R.UNKNOWN_SKU][1],
            )
        locations = [loc for loc, _ in candidates]
        min_days = order.min_shelf_life_days

        # 1. the whole order at the nearest location that can fill it
        for i, location_id in enumerate(locations):
            if not all(self._could_fill(line, location_id, min_days) for line in lines):
                continue
            mark = self.book.mark()
            filled = []
            for line in lines:
                picks = self._fill_at(line, location_id, min_days)
                if picks is None:
                    break
                filled.append((line, picks))
            else:
                if i == 0:
                    code, detail = (
                        R.NEAREST_LOCATION,
                        f"whole order from {location_id}, the nearest of {len(locations)} covering "
                        f"{order.ship_region} by {order.ship_method}",
                    )
                else:
                    code, detail = (
                        R.NEXT_NEAREST_LOCATION,
                        (
                            f"whole order from {location_id}; nearer {', '.join(locations[:i])} could not fill every "
                            "line"
                        ),
                    )
                for line, picks in filled:
                    self._emit(out, order, rank, line, "order", picks, code, detail, distance)
                self.book.commit()
                return [location_id] if lines else []
            self.book.rollback(mark)

        # 2. fewest splits: rank candidates by how many lines each fills alone
        def fills(location_id: str) -> int:
            count = 0
            for line in lines:
                count += self._could_fill(line, location_id, min_days)
            return count

        ranked = sorted(locations, key=lambda loc: -fills(loc))  # stable: nearest first among equals
        placed: list[tuple[OrderLine, list[_Pick]]] = []
        for line in lines:
            picks = None
            for location_id in ranked:
                if not self._could_fill(line, location_id, min_days):
                    continue
                mark = self.book.mark()
                picks = self._fill_at(line, location_id, min_days)
                if picks is not None:
                    break
                self.book.rollback(mark)
            if picks is None:
                mark = self.book.mark()
                picks = self._fill_spread(line, locations, min_days)
                if picks is None:
                    self.book.rollback(mark)
                    code, detail = self._why_not(order, line, locations)
                    self._fail(out, order, rank, line, "order", code, detail)
                    continue
            placed.append((line, picks))
        used = sorted({p.take.location_id for _, picks in placed for p in picks}, key=locations.index)
        for line, picks in placed:
            if len(used) > 1:
                code, detail = (
                    R.SPLIT_ACROSS_LOCATIONS,
                    f"order ships from {len(used)} locations ({', '.join(used)}); no single one could fill every line",
                )
            elif used[0] == locations[0]:
                code, detail = (
                    R.NEAREST_LOCATION,
                    f"from {used[0]}, the nearest covering {order.ship_region} by {order.ship_method}; other lines "
                    "of the order could not be filled",
                )
            else:
                code, detail = (
                    R.NEXT_NEAREST_LOCATION,
                    f"from {used[0]}; nearer {', '.join(locations[: locations.index(used[0])])} could not fill this "
                    "line",
                )
            self._emit(out, order, rank, line, "order", picks, code, detail, distance)
        self.book.commit()
        return used

    def plan_gift(self, order: Order, rank: int, used: list[str], out: PlanRows) -> None:
        gift = order.gift
        assert gift is not None
        line = OrderLine(max((ln.line_no for ln in order.lines), default=0) + 1, gift.sku, gift.qty)
        if not self.catalog.knows(gift.sku):
            self._fail(
                out,
                order,
                rank,
                line,
                "gift",
                R.UNKNOWN_SKU,
                f"gift {gift.sku} of rule {gift.rule} is not a product. " + R.REASONS[R.UNKNOWN_SKU][1],
            )
            return
        if not used:
            self._fail(
                out,
                order,
                rank,
                line,
                "gift",
                R.GIFT_ORDER_NOT_ROUTED,
                f"rule {gift.rule} earned {gift.qty} x {gift.sku}; " + R.REASONS[R.GIFT_ORDER_NOT_ROUTED][1],
            )
            return
        distance = dict(self.network.candidates(order.ship_region or "", order.ship_method or ""))
        for location_id in used:
            mark = self.book.mark()
            picks = self._fill_at(line, location_id, order.min_shelf_life_days)
            if picks is not None:
                self.book.commit()
                self._emit(
                    out,
                    order,
                    rank,
                    line,
                    "gift",
                    picks,
                    R.GIFT_ADDED,
                    f"rule {gift.rule}: {gift.qty} x {gift.sku} ships with the order from {location_id}",
                    distance,
                )
                return
            self.book.rollback(mark)
        self._fail(
            out,
            order,
            rank,
            line,
            "gift",
            R.GIFT_OUT_OF_STOCK,
            f"rule {gift.rule} earned {gift.qty} x {gift.sku}, none free at {', '.join(used)}. "
            + R.REASONS[R.GIFT_OUT_OF_STOCK][1],
        )

    # -- rows ---------------------------------------------------------------
    def _emit(
        self,
        out: PlanRows,
        order: Order,
        rank: int,
        line: OrderLine,
        kind: str,
        picks: list[_Pick],
        code: str,
        detail: str,
        distance: dict[str, float | None],
    ) -> None:
        is_bundle = line.sku in self.catalog.bundles
        expiries = [p.take.expiry_date for p in picks if p.take.expiry_date is not None]
        bundle_expiry: date | None = min(expiries) if is_bundle and expiries else None
        subs = sorted({f"{p.component_sku}->{p.take.sku}" for p in picks if p.take.sku != p.component_sku})
        if subs:
            detail = f"{detail}; filled with successor ({', '.join(subs)}): the older SKU ran short"
        append, head = out.rows.append, (order.order_id, line.line_no, kind, line.sku)
        tail = (order.channel_id, order.member_tier, order.ship_method, order.ship_region, rank)
        for p in picks:
            t = p.take
            append(
                head
                + (
                    p.component_sku,
                    t.sku,
                    t.qty,
                    t.location_id,
                    t.lot_no,
                    t.expiry_date,
                    t.days_left,
                    bundle_expiry,
                    p.component_sku if t.sku != p.component_sku else None,
                    "allocated",
                    code,
                    detail,
                    distance.get(t.location_id),
                )
                + tail
            )

    @staticmethod
    def _fail(out: PlanRows, order: Order, rank: int, line: OrderLine, kind: str, code: str, detail: str) -> None:
        out.rows.append(
            (
                order.order_id,
                line.line_no,
                kind,
                line.sku,
                None,
                line.sku,
                line.qty,
                None,
                None,
                None,
                None,
                None,
                None,
                "unallocated",
                code,
                detail,
                None,
                order.channel_id,
                order.member_tier,
                order.ship_method,
                order.ship_region,
                rank,
            )
        )


def plan_orders(
    orders: Iterable[Order],
    book: StockBook,
    network: Network,
    catalog: Catalog,
    inbound: dict[tuple[str, str], int] | None = None,
) -> PlanRows:
    """Plan every order (priority order), then every earned gift; `book` is consumed in place."""
    planner = Planner(book, network, catalog, inbound)
    ranked = sorted(orders, key=Order.priority)
    out = PlanRows()
    shipped_from: list[tuple[int, Order, list[str]]] = []
    for rank, order in enumerate(ranked, start=1):
        used = planner.plan_order(order, rank, out)
        if order.gift is not None:
            shipped_from.append((rank, order, used))
    for rank, order, used in shipped_from:
        planner.plan_gift(order, rank, used, out)
    return out
