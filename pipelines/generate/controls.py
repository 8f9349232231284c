"""Manual stock locks and channel controls (presale, virtual, reserve), active and expired at the end."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl

from pipelines.contract import SOURCES
from pipelines.generate.brand import Brand

LOCK_REASONS = ("live-stream reserve", "quality investigation", "VIP event", "key account order")


def stock_locks(
    brand: Brand, free_end: np.ndarray, end: datetime, rng: np.random.Generator, n_active: int = 6, n_expired: int = 3
) -> pl.DataFrame:
    """Locks on (location, SKU) with plenty of unpromised stock at the end; some already expired."""
    locs, skus = np.nonzero(free_end >= 60)
    pick = rng.choice(locs.size, min(locs.size, n_active + n_expired), replace=False)
    rows = []
    for k, p in enumerate(pick):
        active = k < n_active
        starts = end - timedelta(days=int(rng.integers(1, 10)), hours=int(rng.integers(0, 12)))
        ends = (
            end + timedelta(days=int(rng.integers(3, 30)))
            if active
            else end - timedelta(hours=int(rng.integers(1, 20)))
        )
        rows.append(
            dict(
                lock_id=f"LOCK{k + 1:05d}",
                location_id=brand.network.location_ids[locs[p]],
                sku=brand.catalog.skus[skus[p]],
                qty=int(rng.integers(10, 30)),
                reason=LOCK_REASONS[k % len(LOCK_REASONS)],
                starts_at=starts.replace(minute=0, second=0),
                ends_at=ends.replace(minute=0, second=0),
            )
        )
    return pl.DataFrame(rows, schema=SOURCES["stock_locks"].schema)


def channel_controls(brand: Brand, end: datetime, rng: np.random.Generator) -> pl.DataFrame:
    """Presale of new-formula SKUs, supplier-backed virtual stock and reserves for a coming promotion."""
    cat, net = brand.catalog, brand.network
    successors = np.flatnonzero(cat.predecessor >= 0)
    stock = np.flatnonzero(~cat.is_bundle & (cat.predecessor < 0))
    best = stock[np.argsort(-cat.popularity[stock], kind="stable")][:10]
    plans = [  # channel, kind, sku candidates, qty range, active
        ("tmall", "presale", successors, (200, 500), True),
        ("douyin", "presale", successors, (100, 300), True),
        ("jd", "virtual", best, (50, 150), True),
        ("xiaohongshu", "virtual", best, (30, 80), True),
        ("tmall", "reserve", best, (20, 80), True),
        ("wechat_cloud", "reserve", best, (10, 40), True),
        ("shopee_sg", "reserve", best, (10, 30), True),
        ("tmall", "presale", best, (100, 200), False),
        ("douyin", "virtual", best, (50, 100), False),
    ]
    rows = []
    for k, (channel, kind, pool, (lo, hi), active) in enumerate(plans):
        if channel not in set(net.channel_ids) or pool.size == 0:
            continue
        starts = end - timedelta(days=int(rng.integers(2, 20)) + (30 if not active else 0))
        ends = (
            end + timedelta(days=int(rng.integers(5, 40))) if active else end - timedelta(days=int(rng.integers(1, 10)))
        )
        rows.append(
            dict(
                channel_id=channel,
                sku=cat.skus[pool[k % pool.size]],
                kind=kind,
                qty=int(rng.integers(lo, hi)),
                starts_at=starts.replace(minute=0, second=0, microsecond=0),
                ends_at=ends.replace(minute=0, second=0, microsecond=0),
            )
        )
    return pl.DataFrame(rows, schema=SOURCES["channel_controls"].schema).sort("channel_id", "sku", "kind", "starts_at")
