"""Benchmark: ingest N order lines (default 5 million) from CSV into the raw zone.

Reports rows per second of wall time and peak memory for omnistock's ingestion
(read, contract checks, de-duplication, Parquet), next to DuckDB converting the
same CSV to Parquet with no checks at all (the floor). Run: `make bench-ingest`.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.contract import SOURCES
from pipelines.ingest.load import ingest_source, write_raw_zone


def write_order_lines(folder: Path, rows: int, files: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    per_file = rows // files
    for f in range(files):
        start = f * per_file
        n = per_file if f < files - 1 else rows - start
        order_no = (np.arange(start, start + n) // 2)
        pl.DataFrame(
            {
                "order_id": pl.Series(order_no).cast(pl.String).str.pad_start(10, "0"),
                "line_no": (np.arange(start, start + n) % 2 + 1),
                "sku": "SKU" + pl.Series(rng.integers(1, 300, n)).cast(pl.String).str.pad_start(4, "0"),
                "qty": rng.integers(1, 4, n),
                "unit_price": np.round(rng.uniform(10, 500, n), 2),
                "discount": np.round(rng.uniform(0, 5, n), 2),
            }
        ).write_csv(folder / f"order_lines_{f:03d}.csv")


def measure_child(code: str) -> tuple[float, float]:
    """Run `code` in a fresh interpreter; return (seconds, peak MiB) of that process alone."""
    wrapped = (
        "import resource, time\n"
        "t0 = time.perf_counter()\n"
        f"{code}\n"
        "print(time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", wrapped], capture_output=True, text=True, check=True).stdout
    seconds, peak = out.strip().splitlines()[-1].split()
    return float(seconds), float(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--files", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        landing = root / "landing" / "order_lines"
        write_order_lines(landing, args.rows, args.files)
        size_mib = sum(p.stat().st_size for p in landing.iterdir()) / 2**20
        omnistock_s, omnistock_mib = measure_child(
            "from datetime import datetime; from pathlib import Path\n"
            "from pipelines.contract import SOURCES\n"
            "from pipelines.ingest.load import ingest_source, write_raw_zone\n"
            f"root = Path({str(root)!r}); s = SOURCES['order_lines']\n"
            "r = ingest_source(s, root / 'landing' / 'order_lines', datetime.now())\n"
            "write_raw_zone(r, s, root / 'raw', root / 'raw' / '_q', root / 'raw' / '_log')\n"
            f"assert r.rows.height == {args.rows}, r.rows.height"
        )
        duckdb_s, duckdb_mib = measure_child(
            "import duckdb\n"
            f"duckdb.sql(\"copy (select * from read_csv('{landing}/*.csv')) to '{root}/floor.parquet' (format parquet)\")"
        )
    print(f"order lines: {args.rows:,} in {args.files} CSV files ({size_mib:,.0f} MiB)")
    print(f"omnistock ingest : {omnistock_s:6.2f} s  {args.rows / omnistock_s:>12,.0f} lines/s  peak {omnistock_mib:,.0f} MiB")
    print(f"duckdb CSV->Parquet floor: {duckdb_s:6.2f} s  {args.rows / duckdb_s:>12,.0f} lines/s  peak {duckdb_mib:,.0f} MiB")


if __name__ == "__main__":
    main()
