"""The Double 11 peak day: tens of millions of orders streamed in chunks, each chunk its own Parquet part.

Memory stays bounded by the chunk size. Only what the peak-day benchmark needs is made:
master data, an opening count snapshot of every location (quantity mode, no ledger),
orders, order_lines and the day's till (POS) payouts. Orders are allocated to their
nearest location without a stock check: the point is volume, not the stock story.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.contract import SHIP_METHODS
from pipelines.generate import truth
from pipelines.generate.brand import Brand, build_brand
from pipelines.generate.controls import channel_controls, stock_locks
from pipelines.generate.demand import DAY, EXPRESS, HOUR, LINES_PER_ORDER, PICKUP, TIER_SHARE, TIERS
from pipelines.generate.network import PROVINCES
from pipelines.generate.orders import PREFIX
from pipelines.generate.progress import Progress
from pipelines.generate.promotions import hourly_profile
from pipelines.generate.rand import stream
from pipelines.generate.scales import Scale
from pipelines.generate.writers import contract_frame, write_parquet, write_source

LINE_MEAN, QTY_MEAN = 1.53, 1.44  # means of the line-count and quantity distributions


def opening_snapshot(brand: Brand, orders: int, as_of: datetime, rng: np.random.Generator) -> pl.DataFrame:
    """Stock for the day's expected demand (x1.3) per location: DCs by region share, bonded, and stores."""
    cat, net = brand.catalog, brand.network
    units = orders * LINE_MEAN * QTY_MEAN * (cat.popularity / cat.popularity.sum()) @ cat.bom  # component units
    share = np.where(net.is_store, 0.15 / net.is_store.sum(), 0.0)
    share[net.loc("WH-EAST")], share[net.loc("WH-SOUTH")], share[net.loc("WH-BONDED")] = 0.46, 0.31, 0.08
    qty = np.ceil(np.outer(share, units) * 1.3).astype(np.int64)
    qty[:, cat.is_bundle] = 0
    qty[net.is_store] *= brand.store_assortment
    loc, sku = np.nonzero(qty)
    prod = np.datetime64(as_of.date(), "D") - rng.integers(20, 300, loc.size).astype("timedelta64[D]")
    return pl.DataFrame(
        {
            "as_of": np.full(loc.size, np.datetime64(as_of, "us")),
            "location_id": net.location_ids[loc],
            "owner": net.owner[loc],
            "sku": cat.skus[sku],
            "lot_no": np.char.add("P", (10**7 + np.arange(loc.size)).astype(str)),
            "production_date": prod,
            "expiry_date": prod + cat.shelf_life[sku].astype("timedelta64[D]"),
            "bin": np.where(net.is_store[loc], "SHELF-A", "PEAK-01"),
            "status": "available",
            "qty": qty[loc, sku],
        }
    )


def order_chunk(
    brand: Brand, first: int, n: int, total: int, t0: datetime, rng: np.random.Generator
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Orders first..first+n of the day (in time order), their lines and the till payouts."""
    cat, net, fees = brand.catalog, brand.network, brand.fees
    cdf = np.cumsum(hourly_profile(True, True))
    u = np.sort(rng.uniform(first / total, (first + n) / total, n))  # this chunk's slice of the day
    hour = np.searchsorted(cdf, u)
    below = np.where(hour > 0, cdf[np.maximum(hour - 1, 0)], 0.0)
    created = (hour * HOUR + (u - below) / (cdf[hour] - below) * HOUR).astype(np.int64).clip(0, DAY - 1)
    channel = rng.choice(len(net.channel_ids), n, p=net.channel_share / net.channel_share.sum())
    pos = channel == net.channel("pos")
    provinces = np.array(list(PROVINCES))
    w = np.array([v[1] for v in PROVINCES.values()])
    region = provinces[rng.choice(provinces.size, n, p=w / w.sum())].astype("<U5")
    region[channel == net.channel("shopee_sg")], region[channel == net.channel("lazada_my")] = "SG", "MY"
    stores = np.flatnonzero(net.is_store)
    store = stores[rng.integers(0, stores.size, n)]
    region[pos] = net.region[store[pos]]
    regions = provinces.tolist() + ["SG", "MY"]
    dc_of = np.array([net.loc(PROVINCES[r][2]) if r in PROVINCES else net.loc("WH-BONDED") for r in regions])
    seen, inverse = np.unique(region, return_inverse=True)
    region_dc = dc_of[[regions.index(r) for r in seen]][inverse]
    location = np.where(pos, store, region_dc)
    end = DAY - 1
    unpaid = (rng.random(n) < 0.06) & ~pos
    paid = np.where(unpaid, -1, created + np.where(pos, 0, rng.integers(5, 600, n)))
    alloc = np.where(unpaid, -1, paid + np.where(pos, 0, rng.integers(60, 900, n)))
    ship = np.where(pos, paid, alloc + (rng.integers(3 * HOUR, 30 * HOUR, n) * 2.5).astype(np.int64))
    status = np.select(
        [pos, unpaid & (created + 30 * 60 <= end), unpaid, (alloc >= 0) & (ship <= end), (alloc >= 0) & (alloc <= end)],
        ["delivered", "cancelled", "created", "shipped", "allocated"],
        "paid",
    )
    updated = np.select(
        [pos, status == "cancelled", status == "created", status == "shipped", status == "allocated"],
        [paid, created + 30 * 60, created, ship, alloc],
        paid,
    )
    base = np.datetime64(t0, "us")
    stamp = lambda s: base + s.astype("timedelta64[s]")  # noqa: E731
    order_id = np.char.add(
        np.array([PREFIX[c] for c in net.channel_ids])[channel], (10**9 + first + np.arange(n)).astype(str)
    )
    customer = np.char.add(
        "C", (10**8 + np.minimum((2e7 * rng.random(n) ** 1.8).astype(np.int64), 10**8 - 1)).astype(str)
    )
    orders = pl.DataFrame(
        {
            "order_id": order_id,
            "channel_id": net.channel_ids[channel],
            "customer_id": customer,
            "member_tier": TIERS[rng.choice(4, n, p=TIER_SHARE)],
            "status": status,
            "created_at": stamp(created),
            "paid_at": stamp(np.maximum(paid, 0)),
            "updated_at": stamp(updated),
            "ship_method": np.array(SHIP_METHODS)[np.where(pos, PICKUP, EXPRESS)],
            "ship_region": region,
            "location_id": net.location_ids[location],
            "_paid": paid >= 0,
            "_located": np.isin(status, ["delivered", "shipped", "allocated"]),
        }
    ).with_columns(
        pl.when("_paid").then("paid_at").alias("paid_at"), pl.when("_located").then("location_id").alias("location_id")
    )
    n_lines = rng.choice(4, n, p=LINES_PER_ORDER) + 1
    line_order = np.repeat(np.arange(n), n_lines)
    line_no = np.arange(line_order.size) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    weights = np.where(cat.is_bundle, cat.popularity * 3, cat.popularity) * (cat.predecessor < 0)
    sku = rng.choice(cat.n, line_order.size, p=weights / weights.sum())
    qty = rng.choice([1, 1, 1, 1, 1, 1, 2, 2, 3], line_order.size)
    price = np.round(cat.list_price[sku] * fees.fx[channel[line_order]], 2)
    discount = np.round(price * qty * np.clip(rng.normal(0.22, 0.04, sku.size), 0, 0.5), 2)
    lines = pl.DataFrame(
        {
            "order_id": order_id[line_order],
            "line_no": line_no,
            "sku": cat.skus[sku],
            "qty": qty,
            "unit_price": price,
            "discount": discount,
        }
    )
    gross = np.round(np.bincount(line_order, weights=qty * price - discount, minlength=n), 2)
    till = np.flatnonzero(pos)
    ch = channel[till]
    commission = np.round(gross[till] * fees.commission_rate[ch], 2)
    payment = np.round(gross[till] * fees.payment_fee_rate[ch], 2)
    settlements = pl.DataFrame(
        {
            "settlement_id": np.char.add("POS-ST", (2 * 10**9 + first + till).astype(str)),
            "channel_id": net.channel_ids[ch],
            "order_id": order_id[till],
            "settled_at": stamp(np.full(till.size, (fees.lag_days[ch[0]] if till.size else 1) * DAY + 2 * HOUR)),
            "type": "sale",
            "gross_amount": gross[till],
            "commission": commission,
            "payment_fee": payment,
            "shipping_fee": fees.shipping_fee[ch],
            "subsidy": np.zeros(till.size),
            "net_amount": np.round(gross[till] - commission - payment - fees.shipping_fee[ch], 2),
            "currency": fees.currency[ch],
        }
    )
    return (
        contract_frame(orders, "orders"),
        contract_frame(lines, "order_lines"),
        contract_frame(settlements, "settlements"),
    )


def generate_peak_day(
    out_dir: Path, sc: Scale, seed: int, start: date, progress: Progress
) -> tuple[dict[str, int], dict[str, int]]:
    t0 = datetime(start.year, start.month, start.day)
    brand = build_brand(sc, seed)
    landing = out_dir / "landing"
    snapshot = opening_snapshot(brand, sc.peak_orders, t0, stream(seed, "peak.stock"))
    master = brand.master_frames()
    free = np.zeros((len(brand.network.location_ids), brand.catalog.n), np.int64)
    for row in snapshot.group_by("location_id", "sku").agg(pl.col("qty").sum()).iter_rows():
        free[brand.network.loc(row[0]), int(np.flatnonzero(brand.catalog.skus == row[1])[0])] = row[2]
    master["stock_locks"] = stock_locks(brand, free, t0, stream(seed, "locks"))
    master["channel_controls"] = channel_controls(brand, t0 + timedelta(days=1), stream(seed, "controls"))
    rows = {name: write_source(frame, landing, name, "csv") for name, frame in master.items()}
    rows["wms_snapshots"] = write_source(snapshot, landing, "wms_snapshots", "parquet")
    rows.update(orders=0, order_lines=0, settlements=0)
    n_chunks = -(-sc.peak_orders // sc.chunk_orders)
    tick = progress.days(n_chunks, "peak-day chunks")
    for k in range(n_chunks):
        first = k * sc.chunk_orders
        n = min(sc.chunk_orders, sc.peak_orders - first)
        parts = order_chunk(brand, first, n, sc.peak_orders, t0, stream(seed, f"peak.chunk.{k}"))
        for name, frame in zip(("orders", "order_lines", "settlements"), parts):
            write_parquet(frame, landing / name / f"{name}_part-{k:05d}.parquet")
            rows[name] += frame.height
        if tick:
            tick(k)
    for name in ("transfers", "inbound_asn", "wms_movements"):
        (landing / name).mkdir(parents=True, exist_ok=True)
    stock = (
        snapshot.group_by("location_id", "sku", "status").agg(pl.col("qty").sum()).sort("location_id", "sku", "status")
    )
    anomalies = truth.anomalies_frame([pl.DataFrame({"anomaly_class": []}, schema={"anomaly_class": pl.String})])
    summary = {
        "scale": sc.name,
        "seed": seed,
        "start": start,
        "days": 1,
        "as_of": t0 + timedelta(seconds=DAY - 1),
        "rows": rows,
        "chunks": n_chunks,
        "chunk_orders": sc.chunk_orders,
        "anomalies": {},
        "anomaly_rates": {},
    }
    truth.write_truth(
        out_dir / "truth", anomalies, stock, pl.DataFrame({"order_id": []}, schema={"order_id": pl.String}), summary
    )
    return rows, {}
