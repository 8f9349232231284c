"""Plain data for fulfillment planning: orders, the catalogue, the location network.

No I/O here: the Dagster assets in pipelines/defs/fulfillment/ read the warehouse and
build these; the unit tests build them by hand.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

REGION_CENTROIDS_CSV = Path(__file__).with_name("region_centroids.csv")

# member_tier -> priority when stock is short (lower goes first); anything else ranks last
TIER_PRIORITY: dict[str, int] = {"vip": 0, "gold": 1, "silver": 2, "none": 3}
UNKNOWN_TIER_PRIORITY = 3


@dataclass(frozen=True, slots=True)
class OrderLine:
    line_no: int
    sku: str
    qty: int


@dataclass(frozen=True, slots=True)
class Gift:
    """A gift line a membership rule adds to an order."""

    rule: str
    sku: str
    qty: int


@dataclass(frozen=True, slots=True)
class Order:
    order_id: str
    channel_id: str
    ship_method: str | None
    ship_region: str | None
    lines: tuple[OrderLine, ...]
    member_tier: str | None = None
    paid_at: datetime | None = None
    customer_id: str | None = None
    min_shelf_life_days: int = 0
    gift: Gift | None = None

    def priority(self) -> tuple[int, datetime, str]:
        """VIP > gold > silver > none, then earliest paid, then order id (a total order)."""
        tier = TIER_PRIORITY.get((self.member_tier or "none").lower(), UNKNOWN_TIER_PRIORITY)
        return tier, self.paid_at or datetime.max, self.order_id


@dataclass(frozen=True)
class Catalog:
    """Products, bundles (gift sets) and successors ("one code, many products")."""

    products: frozenset[str]
    successors: Mapping[str, str] = field(default_factory=dict)
    bundles: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)

    def knows(self, sku: str) -> bool:
        return sku in self.products or sku in self.bundles

    def components(self, sku: str) -> tuple[tuple[str, int], ...]:
        """What one unit of `sku` takes from stock: a bundle's components, else the SKU itself."""
        return self.bundles.get(sku) or ((sku, 1),)

    def chain(self, sku: str) -> tuple[str, ...]:
        """`sku` followed by its successors (A -> B -> C); a cycle stops the chain."""
        seen = [sku]
        nxt = self.successors.get(sku)
        while nxt and nxt not in seen:
            seen.append(nxt)
            nxt = self.successors.get(nxt)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class Location:
    location_id: str
    lat: float | None
    lon: float | None
    ship_methods: frozenset[str]
    regions: frozenset[str]  # delivery regions it covers (location_coverage)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km on a sphere of radius 6371 km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def load_region_centroids(path: Path = REGION_CENTROIDS_CSV) -> dict[str, tuple[float, float]]:
    """Region code -> (lat, lon) of its capital (the shipped table: 31 provinces, SG, MY)."""
    with path.open(newline="", encoding="utf-8") as fh:
        return {row["region"]: (float(row["lat"]), float(row["lon"])) for row in csv.DictReader(fh)}


class Network:
    """Which locations may serve a region by a ship method, nearest first.

    A region's centre is the table's (its capital), else the mean position of the
    locations in that region, else unknown: candidates are then ordered by id and
    their distance is None.
    """

    def __init__(
        self,
        locations: Iterable[Location],
        centroids: Mapping[str, tuple[float, float]] | None = None,
        location_regions: Mapping[str, str] | None = None,
    ) -> None:
        self.locations = {loc.location_id: loc for loc in locations}
        self.centroids = dict(centroids or {})
        for region, (lat, lon) in self._centroids_from_locations(location_regions or {}).items():
            self.centroids.setdefault(region, (lat, lon))
        self._cache: dict[tuple[str, str], tuple[tuple[str, float | None], ...]] = {}

    def _centroids_from_locations(self, location_regions: Mapping[str, str]) -> dict[str, tuple[float, float]]:
        points: dict[str, list[tuple[float, float]]] = {}
        for loc_id, region in location_regions.items():
            loc = self.locations.get(loc_id)
            if loc and loc.lat is not None and loc.lon is not None and region:
                points.setdefault(region, []).append((loc.lat, loc.lon))
        return {r: (sum(p[0] for p in ps) / len(ps), sum(p[1] for p in ps) / len(ps)) for r, ps in points.items()}

    def candidates(self, region: str, ship_method: str) -> tuple[tuple[str, float | None], ...]:
        """(location_id, distance km) of locations covering `region` by `ship_method`, nearest first."""
        key = (region, ship_method)
        found = self._cache.get(key)
        if found is None:
            centre = self.centroids.get(region)
            rows = []
            for loc in self.locations.values():
                if region in loc.regions and ship_method in loc.ship_methods:
                    dist = (
                        round(haversine_km(loc.lat, loc.lon, *centre), 1)
                        if centre and loc.lat is not None and loc.lon is not None
                        else None
                    )
                    rows.append((loc.location_id, dist))
            rows.sort(key=lambda r: (r[1] is None, r[1] or 0.0, r[0]))
            found = self._cache[key] = tuple(rows)
        return found
