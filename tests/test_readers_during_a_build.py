"""Readers work during a build (issue 13): while another process holds the warehouse for writing, as a
build does, `omnistock sql` and the dashboards' data module read the last completed build's data.

Real DuckDB and real processes: the tiny dashboard warehouse is built and published (the completed
build), then a second process opens the live file read-write, changes the sales layer (every
available_to_sell becomes 1000) and creates a table, and stays open, as a build in progress does.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl
import pytest
import streamlit as st

from app_streamlit import data as dashboards
from pipelines.warehouse import publish_for_readers
from tests.app import tiny_warehouse as tiny

REPO_ROOT = Path(__file__).resolve().parent.parent
IN_PROGRESS_UNITS = 1000  # what the build in progress writes into every row of the sales layer

BUILD_IN_PROGRESS = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("update marts.inventory_sales_layer set available_to_sell = ?", [int(sys.argv[2])])
con.execute("create table marts.half_built as select 1 as x")
print("writing", flush=True)
sys.stdin.readline()  # the build goes on until the test says it is done
con.close()
"""


@contextmanager
def build_in_progress(live: Path) -> Iterator[subprocess.Popen]:
    """Another process holding `live` for writing, with a change written; on exit it completes."""
    writer = subprocess.Popen(
        [sys.executable, "-c", BUILD_IN_PROGRESS, str(live), str(IN_PROGRESS_UNITS)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "writing"
        yield writer
        writer.stdin.write("done\n")
        writer.stdin.close()
        assert writer.wait(timeout=60) == 0
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()


def omnistock_sql(data: Path, *args: str) -> subprocess.CompletedProcess:
    """`omnistock sql ...` in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "sql", *args],
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", "OMNISTOCK_DATA_DIR": str(data), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def sql_to_frame(data: Path, query: str, out: Path, *args: str) -> pl.DataFrame:
    shown = omnistock_sql(data, query, "--out", str(out), *args)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    return pl.read_csv(out)


def dashboard_figures(data: Path) -> tuple[int, dict[str, int]]:
    """Units available to sell (the headline) and tmall's sales layer, read as the pages read them."""
    st.cache_data.clear()
    st.cache_resource.clear()
    headline = dashboards.headline(str(data))
    sales = dashboards.sales_layer(str(data), "tmall")
    return headline["units_available_to_sell"], dict(zip(sales["sku"], sales["available_to_sell"].astype(int)))


SALES = "select channel_id, sku, available_to_sell from marts.inventory_sales_layer order by channel_id, sku"
EXPECTED = sorted(
    (channel, sku, units) for channel, by_sku in tiny.AVAILABLE_TO_SELL.items() for sku, units in by_sku.items()
)


def test_sql_and_the_dashboards_read_the_last_completed_build_while_a_build_writes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    live = tiny.build_tiny_warehouse(data)  # built and published: the last completed build
    with build_in_progress(live):
        # the build really holds the file: no other process may open it, not even read-only
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(live), read_only=True)

        # omnistock sql reads the published copy: the completed build's figures, not the change in progress
        frame = sql_to_frame(data, SALES, tmp_path / "during.csv")
        assert sorted(frame.iter_rows()) == EXPECTED
        shown = omnistock_sql(data, "select sum(available_to_sell) as units from marts.inventory_sales_layer")
        assert shown.returncode == 0 and f"│ {tiny.UNITS_AVAILABLE_TO_SELL} " in shown.stdout, shown.stdout
        half_built = omnistock_sql(data, "select * from marts.half_built")
        assert half_built.returncode == 1 and "half_built does not exist" in half_built.stdout

        # so do the dashboards
        assert dashboard_figures(data) == (tiny.UNITS_AVAILABLE_TO_SELL, tiny.AVAILABLE_TO_SELL["tmall"])

        # --live opens the build's own file, and says why it cannot
        busy = omnistock_sql(data, "select 1", "--live")
        assert busy.returncode == 1 and "being written by a build" in busy.stderr and "Traceback" not in busy.stderr

    # the build completes and publishes: now readers read its figures
    publish_for_readers(data)
    after = sql_to_frame(data, SALES, tmp_path / "after.csv")
    assert sorted(after.iter_rows()) == [(channel, sku, IN_PROGRESS_UNITS) for channel, sku, _ in EXPECTED]
    assert dashboard_figures(data) == (
        IN_PROGRESS_UNITS * len(EXPECTED),
        dict.fromkeys(tiny.AVAILABLE_TO_SELL["tmall"], IN_PROGRESS_UNITS),
    )
