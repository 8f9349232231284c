"""A deterministic simulation of an omni-channel beauty brand: landing files plus ground truth.

    generate(out_dir, scale="small" | "default" | "double11", seed=7) -> GenerateSummary

writes `out_dir/landing/<source>/` for every source of the data contract and
`out_dir/truth/` (never read by the pipeline). The same arguments give byte-identical
files. See docs/generator.md.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.contract import SOURCES
from pipelines.generate.brand import build_brand
from pipelines.generate.progress import Progress
from pipelines.generate.scales import SCALES, Scale, get_scale

__all__ = ["GenerateSummary", "SCALES", "Scale", "build_master_data", "generate"]


@dataclass(frozen=True)
class GenerateSummary:
    out_dir: Path
    scale: str
    seed: int
    start: date
    days: int
    rows: dict[str, int] = field(default_factory=dict)
    anomalies: dict[str, int] = field(default_factory=dict)


def build_master_data(scale: str = "default", seed: int = 7) -> dict[str, pl.DataFrame]:
    """Only the structural master data (products, bundles, locations, coverage, channels, supply rules): fast."""
    return build_brand(get_scale(scale), seed).master_frames()


def _clear(out_dir: Path) -> None:
    """A new brand replaces the old one: landing/<source>/ of every contract source, truth/, and what was
    derived from the old brand (the raw zone, which keeps deliveries, and the warehouse)."""
    for name in SOURCES:
        shutil.rmtree(out_dir / "landing" / name, ignore_errors=True)
    for derived in ("truth", "raw"):
        shutil.rmtree(out_dir / derived, ignore_errors=True)
    for suffix in ("", ".wal"):
        (out_dir / "warehouse" / f"omnistock.duckdb{suffix}").unlink(missing_ok=True)


def generate(
    out_dir: Path,
    scale: str = "default",
    seed: int = 7,
    start: date | None = None,
    days: int | None = None,
    show_progress: bool = False,
    **overrides: int,
) -> GenerateSummary:
    """Simulate the brand and write its landing files and truth. `overrides` replace scale parameters
    (e.g. peak_orders=50_000, chunk_orders=10_000 for a small double11 run)."""
    sc = get_scale(scale, **overrides)
    start = start or sc.default_start
    days = days or sc.default_days
    out_dir = Path(out_dir)
    _clear(out_dir)
    with Progress(show_progress) as progress:
        if sc.peak_orders:
            from pipelines.generate.double11 import generate_peak_day

            rows, anomalies = generate_peak_day(out_dir, sc, seed, start, progress)
            days = 1
        else:
            from pipelines.generate.period import generate_period

            rows, anomalies = generate_period(out_dir, sc, seed, start, days, progress)
    return GenerateSummary(out_dir, sc.name, seed, start, days, rows, anomalies)
