"""The peak day streams orders in chunks: the same code with a small override."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines.contract import SOURCES
from pipelines.generate import generate


def test_a_small_peak_day_writes_the_requested_orders_in_the_requested_parts(tmp_path: Path) -> None:
    summary = generate(tmp_path, scale="double11", seed=3, peak_orders=50_000, chunk_orders=10_000)
    parts = sorted((tmp_path / "landing" / "orders").glob("*.parquet"))
    assert len(parts) == 5 and summary.rows["orders"] == 50_000
    orders = pl.concat([pl.read_parquet(p) for p in parts])
    assert orders.height == 50_000 and orders["order_id"].n_unique() == 50_000
    assert dict(orders.schema) == SOURCES["orders"].columns
    assert orders["created_at"].dt.date().unique().to_list() == [summary.start]
    assert orders["created_at"].is_sorted()  # chunks follow each other through the day
    lines = pl.concat([pl.read_parquet(p) for p in sorted((tmp_path / "landing" / "order_lines").glob("*.parquet"))])
    assert set(lines["order_id"]) == set(orders["order_id"]) and dict(lines.schema) == SOURCES["order_lines"].columns
    assert len(list((tmp_path / "landing" / "order_lines").glob("*.parquet"))) == 5
    settlements = pl.concat([pl.read_parquet(p) for p in (tmp_path / "landing" / "settlements").glob("*.parquet")])
    assert settlements["settlement_id"].n_unique() == settlements.height > 0
    snapshot = pl.read_parquet(next((tmp_path / "landing" / "wms_snapshots").glob("*.parquet")))
    assert snapshot["as_of"].n_unique() == 1 and snapshot["qty"].min() > 0
    assert (orders.group_by(pl.col("created_at").dt.hour()).len()["len"].max()) > 50_000 / 24 * 2  # the midnight rush


def test_the_peak_day_is_deterministic(tmp_path: Path) -> None:
    for name in ("a", "b"):
        generate(tmp_path / name, scale="double11", seed=3, peak_orders=20_000, chunk_orders=10_000)
    first = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file()}
    second = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*") if p.is_file()}
    assert first == second
