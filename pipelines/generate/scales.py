"""Scales: how big a brand to simulate. One frozen dataclass of parameters per scale."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date


@dataclass(frozen=True)
class Scale:
    name: str
    n_base_skus: int  # stock SKUs that are not successors or bundles
    n_successors: int  # new-formula SKUs replacing an old one
    n_bundles: int  # gift sets (SKUs without stock of their own)
    n_stores: int
    default_start: date
    default_days: int
    target_orders: int  # expected orders over the default period (before stock-outs)
    n_customers: int
    warehouse_snapshot_every: int = 1  # days between warehouse count snapshots
    store_snapshot_every: int = 7  # days between store snapshots before the last week
    store_snapshot_last_days: int = 7  # the last N days get a daily store snapshot
    peak_orders: int = 0  # double11: orders on the peak day
    chunk_orders: int = 500_000  # double11: orders per Parquet part


SCALES: dict[str, Scale] = {
    "small": Scale(
        name="small",
        n_base_skus=30,
        n_successors=4,
        n_bundles=5,
        n_stores=4,
        default_start=date(2025, 10, 1),
        default_days=60,
        target_orders=4_500,
        n_customers=3_000,
        store_snapshot_every=1,
    ),
    "default": Scale(
        name="default",
        n_base_skus=262,
        n_successors=12,
        n_bundles=24,
        n_stores=32,
        default_start=date(2024, 11, 1),
        default_days=730,
        target_orders=560_000,
        n_customers=220_000,
    ),
    "double11": Scale(
        name="double11",
        n_base_skus=262,
        n_successors=12,
        n_bundles=24,
        n_stores=32,
        default_start=date(2026, 11, 11),
        default_days=1,
        target_orders=0,
        n_customers=8_000_000,
        peak_orders=20_000_000,
        chunk_orders=500_000,
    ),
}


def get_scale(name: str, **overrides: int) -> Scale:
    """The named scale, with any parameter overridden (e.g. peak_orders for a test)."""
    if name not in SCALES:
        raise ValueError(f"unknown scale {name!r}: use one of {', '.join(SCALES)}")
    return replace(SCALES[name], **overrides) if overrides else SCALES[name]
