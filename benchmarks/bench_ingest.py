"""Benchmark: ingest N order lines (default 5 million) from CSV into the raw zone.

Reports rows per second of wall time and peak memory for omnistock's ingestion
(read, contract checks, de-duplication, Parquet), next to DuckDB converting the
same CSV to Parquet with no checks at all (the floor). Run: `make bench-ingest`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import polars as pl


def write_order_lines(folder: Path, rows: int, files: int, seed: int = 1, quoted: bool = False) -> None:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    per_file = rows // files
    for f in range(files):
        start = f * per_file
        n = per_file if f < files - 1 else rows - start
        order_no = np.arange(start, start + n) // 2
        pl.DataFrame(
            {
                "order_id": pl.Series(order_no).cast(pl.String).str.pad_start(10, "0"),
                "line_no": (np.arange(start, start + n) % 2 + 1),
                "sku": "SKU" + pl.Series(rng.integers(1, 300, n)).cast(pl.String).str.pad_start(4, "0"),
                "qty": rng.integers(1, 4, n),
                "unit_price": np.round(rng.uniform(10, 500, n), 2),
                "discount": np.round(rng.uniform(0, 5, n), 2),
            }
        ).write_csv(folder / f"order_lines_{f:03d}.csv", quote_style="always" if quoted else "necessary")


def measure_child(code: str) -> tuple[float, float, float]:
    """Run `code` in a fresh interpreter; return (seconds of the part after `# timed`, seconds of the
    whole process including imports, peak MiB of that process alone)."""
    os.sync()  # the benchmark's own file writes are flushed before, not during, a measurement
    setup, timed = code.split("# timed\n")
    wrapped = (
        "import resource, time\n"
        "t_start = time.perf_counter()\n"
        f"{setup}\n"
        "t0 = time.perf_counter()\n"
        f"{timed}\n"
        "t1 = time.perf_counter()\n"
        "print(t1 - t0, t1 - t_start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    )
    done = subprocess.run([sys.executable, "-c", wrapped], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"benchmark child failed:\n{done.stderr}")
    out = done.stdout
    timed_s, total_s, peak = out.strip().splitlines()[-1].split()
    return float(timed_s), float(total_s), float(peak)


def measure_fresh(code: str, raw: Path, repeat: int) -> tuple[float, float, float, float, float]:
    """`measure_child` `repeat` times, each on an empty raw zone: median of each figure, then the
    fastest and slowest timed part (the machine's noise is ±15% run to run)."""
    runs = []
    for _ in range(repeat):
        shutil.rmtree(raw, ignore_errors=True)
        runs.append(measure_child(code))
    timed = [r[0] for r in runs]
    return (
        statistics.median(timed),
        statistics.median(r[1] for r in runs),
        statistics.median(r[2] for r in runs),
        min(timed),
        max(timed),
    )


INGEST = (
    "from datetime import datetime; from pathlib import Path\n"
    "from pipelines.contract import SOURCES\n"
    "from pipelines.ingest.discover import folder_deliveries\n"
    "from pipelines.ingest.load import ingest_source\n"
    "root = Path({root!r}); s = SOURCES['order_lines']\n"
    "# timed\n"
    "r = ingest_source(s, folder_deliveries(root / 'landing' / 'order_lines', types=s.columns), root / 'raw', "
    "datetime.now())\n"
    "assert r.current_rows == {rows}, r.current_rows\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each first ingest and of the floor; medians reported"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        landing = root / "landing" / "order_lines"
        write_order_lines(landing, args.rows, args.files)
        size_mib = sum(p.stat().st_size for p in landing.iterdir()) / 2**20
        first = measure_fresh(INGEST.format(root=str(root), rows=args.rows), root / "raw", args.repeat)
        unchanged = measure_child(INGEST.format(root=str(root), rows=args.rows))
        # a late delivery: 1% more lines in one new file; only it is read, the raw zone is recounted
        late = landing.parent / "late"
        write_order_lines(late, args.rows // 100, 1, seed=2)
        (late / "order_lines_000.csv").rename(landing / "late_delivery.csv")
        late_s = measure_child(INGEST.format(root=str(root), rows=args.rows))
        # the same lines with every field quoted, as some platforms export: quotes rule out the plain read
        quoted_root = root / "quoted"
        write_order_lines(quoted_root / "landing" / "order_lines", args.rows, args.files, quoted=True)
        quoted = measure_fresh(INGEST.format(root=str(quoted_root), rows=args.rows), quoted_root / "raw", args.repeat)
        floor = measure_fresh(
            "import duckdb\n# timed\n"
            f"duckdb.sql(\"copy (select * from read_csv('{landing}/order_lines_*.csv')) to '{root}/floor.parquet' "
            '(format parquet)")',
            root / "floor.parquet",
            args.repeat,
        )
    print(
        f"order lines: {args.rows:,} in {args.files} CSV files ({size_mib:,.0f} MiB); {os.cpu_count()} cores; "
        f"medians of {args.repeat} runs [fastest-slowest]"
    )
    print(
        f"omnistock first ingest     : {first[0]:6.2f} s  {args.rows / first[0]:>12,.0f} lines/s  "
        f"[{first[3]:.2f}-{first[4]:.2f} s]  "
        f"(process with imports {first[1]:.2f} s: {args.rows / first[1]:,.0f} lines/s)  peak {first[2]:,.0f} MiB"
    )
    print(f"omnistock re-run, unchanged: {unchanged[0]:6.2f} s")
    print(f"omnistock late 1% delivery : {late_s[0]:6.2f} s  (reads the new file, recounts current versions)")
    print(
        f"omnistock, fields quoted   : {quoted[0]:6.2f} s  {args.rows / quoted[0]:>12,.0f} lines/s  "
        f"[{quoted[3]:.2f}-{quoted[4]:.2f} s]  peak {quoted[2]:,.0f} MiB"
    )
    print(
        f"duckdb CSV->Parquet floor  : {floor[0]:6.2f} s  {args.rows / floor[0]:>12,.0f} lines/s  "
        f"[{floor[3]:.2f}-{floor[4]:.2f} s]  peak {floor[2]:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
