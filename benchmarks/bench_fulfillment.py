"""Benchmark: plan N open order lines (default 1 million) with the fulfillment rules.

A synthetic but realistic state, generated here: 300 SKUs (24 gift sets of 2-3
components, 12 successor chains), 3 warehouses covering 33 regions and 32 stores
covering their own, 1-4 lots per location and SKU with random shelf life, existing
claims, channels with 0-270 days minimum shelf life, orders of 1-4 lines with
Pareto-popular SKUs, member tiers, 5% earning a gift. Stock is sized so that most,
not all, demand can be met (shortage, splits, shelf-life failures all occur).

Reports lines per second for building the model from frames-like rows, planning,
and the plan frame, and the process's peak resident memory. Run: `make bench-fulfillment`.
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

from pipelines.fulfillment.inputs import plan_frame
from pipelines.fulfillment.model import Catalog, Gift, Location, Network, Order, OrderLine
from pipelines.fulfillment.routing import plan_orders
from pipelines.fulfillment.stock import LotStock, StockBook

TIERS = np.array(["none", "silver", "gold", "vip"])
METHODS = ("express", "same_city", "pickup")


def synthetic_state(lines: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    n_sku, n_bundle, n_succ = 300, 24, 12
    skus = [f"SKU{i:04d}" for i in range(n_sku)]
    bundles = {
        f"SKU{i:04d}": tuple(
            (skus[c], int(rng.integers(1, 3)))
            for c in rng.choice(np.arange(n_bundle, 120), rng.integers(2, 4), replace=False)
        )
        for i in range(n_bundle)
    }
    successors = {skus[i]: skus[i + 1] for i in range(200, 200 + 2 * n_succ, 2)}
    catalog = Catalog(frozenset(skus), successors, bundles)

    regions = [f"R{i:02d}" for i in range(33)]
    centroids = {r: (float(rng.uniform(18, 45)), float(rng.uniform(90, 125))) for r in regions}
    locations = [
        Location(
            f"WH-{i}",
            float(rng.uniform(20, 40)),
            float(rng.uniform(105, 122)),
            frozenset({"express"}),
            frozenset(regions),
        )
        for i in range(3)
    ]
    for i in range(32):
        region = regions[i % len(regions)]
        lat, lon = centroids[region]
        locations.append(
            Location(
                f"ST-{i:02d}",
                lat + float(rng.normal(0, 0.1)),
                lon + float(rng.normal(0, 0.1)),
                frozenset({"same_city", "pickup"}),
                frozenset({region}),
            )
        )
    network = Network(locations, centroids)

    # demand: Pareto popularity over stock SKUs and bundles
    popularity = 1.0 / np.arange(1, n_sku + 1) ** 0.9
    popularity /= popularity.sum()
    n_orders = int(lines / 2.5)
    per_order = rng.integers(1, 5, n_orders)
    per_order[-1] += lines - per_order.sum()  # exactly `lines` lines
    while per_order[-1] < 1:
        per_order[rng.integers(0, n_orders - 1)] -= 1
        per_order[-1] += 1
    line_sku = rng.choice(n_sku, lines, p=popularity)
    line_qty = rng.choice([1, 1, 1, 2, 2, 3], lines)
    demand = np.bincount(line_sku, weights=line_qty, minlength=n_sku)
    for b, comps in bundles.items():
        for c, q in comps:
            demand[skus.index(c)] += demand[skus.index(b)] * q
    order_region = rng.integers(0, len(regions), n_orders)
    order_method = rng.choice(3, n_orders, p=[0.88, 0.06, 0.06])
    order_tier = rng.choice(4, n_orders, p=[0.6, 0.23, 0.12, 0.05])
    order_min_days = rng.choice([0, 90, 180, 270], n_orders, p=[0.1, 0.1, 0.7, 0.1])
    t0 = datetime(2026, 11, 11)
    minutes = np.sort(rng.integers(0, 24 * 60, n_orders))

    gift = rng.random(n_orders) < 0.05
    demand[150] += gift.sum()  # the gift SKU
    # stock: ~125% of demand per SKU, 80% in warehouses, spread over 1-4 lots each
    lots, available, claims = [], {}, {}
    today = date(2026, 11, 11)
    for s in range(n_bundle, n_sku):
        total = int(demand[s] * 1.25) + 5
        holders = [("WH-0", 0.35), ("WH-1", 0.3), ("WH-2", 0.15)] + [(f"ST-{i:02d}", 0.2 / 32) for i in range(32)]
        for loc_id, share in holders:
            qty = int(total * share * rng.uniform(0.6, 1.4))
            if qty <= 0:
                continue
            k = int(rng.integers(1, 5))
            cuts = np.sort(rng.integers(0, qty + 1, k - 1))
            parts = np.diff(np.r_[0, cuts, qty])
            for j, part in enumerate(parts):
                days = int(rng.integers(-5, 180)) if rng.random() < 0.05 else int(rng.integers(150, 1000))
                lots.append(
                    LotStock(loc_id, skus[s], f"L{s}-{loc_id}-{j}", today + timedelta(days=days), days, int(part))
                )
            claim = int(qty * rng.uniform(0, 0.05))
            claims[(loc_id, skus[s])] = claim
            available[(loc_id, skus[s])] = qty - claim
    gift_sku = skus[150]
    orders, pos = [], 0
    for i in range(n_orders):
        n = int(per_order[i])
        ol = tuple(OrderLine(j + 1, skus[line_sku[pos + j]], int(line_qty[pos + j])) for j in range(n))
        pos += n
        orders.append(
            Order(
                f"O{i:08d}",
                "ch",
                METHODS[order_method[i]],
                regions[order_region[i]],
                ol,
                str(TIERS[order_tier[i]]),
                t0 + timedelta(minutes=int(minutes[i])),
                f"C{i % 50000}",
                int(order_min_days[i]),
                Gift("second_order", gift_sku, 1) if gift[i] else None,
            )
        )
    return orders, lots, available, claims, network, catalog


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    t = time.perf_counter()
    orders, lots, available, claims, network, catalog = synthetic_state(args.lines, args.seed)
    t_gen = time.perf_counter() - t
    t, cpu = time.perf_counter(), time.process_time()
    book = StockBook.build(lots, available, claims)
    t_book = time.perf_counter() - t
    t = time.perf_counter()
    rows = plan_orders(orders, book, network, catalog)
    t_plan = time.perf_counter() - t
    t = time.perf_counter()
    frame = plan_frame(rows)
    t_frame = time.perf_counter() - t
    cpu = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    n_lines = sum(len(o.lines) for o in orders)
    per_line = frame.unique(["order_id", "line_no", "line_kind"])
    own = per_line.filter(per_line["line_kind"] == "order")
    auto = own.group_by("order_id").agg((pl.col("status") == "allocated").all().alias("ok"))
    total = t_book + t_plan + t_frame
    print(f"{len(orders):,} orders, {n_lines:,} lines, {len(lots):,} lots (synthetic state built in {t_gen:.1f} s)")
    print(f"stock book {t_book:.2f} s | planning {t_plan:.2f} s | plan frame {t_frame:.2f} s ({len(frame):,} rows)")
    print(
        f"=> {n_lines / total:,.0f} lines/s end to end, {n_lines / t_plan:,.0f} lines/s planning; peak memory "
        f"{peak:,.0f} MiB"
    )
    print(
        f"   (CPU time of book + planning + frame: {cpu:.1f} s = {n_lines / cpu:,.0f} lines per CPU second; "
        f"wall time is longer when the machine is shared)"
    )
    print(f"orders routed automatically: {auto['ok'].mean():.1%}; lines by reason:")
    for reason, count in per_line.group_by("reason").len().sort("len", descending=True).iter_rows():
        print(f"  {reason:24s} {count:>10,}")


if __name__ == "__main__":
    main()
