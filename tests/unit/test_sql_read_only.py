"""`omnistock sql` reads the warehouse and nothing else (issue 12, fault 3).

A tiny data folder: a warehouse with a table and a staging view over raw/ Parquet (as
dbt builds it), a secret file beside it, and another DuckDB file. No query may read the
secret, write a file, or change the other database; `--out` is the way to export.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.warehouse import publish_for_readers

runner = CliRunner()
SECRET = "top-secret-line-7f3a"


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    (folder / "raw" / "products").mkdir(parents=True)
    pl.DataFrame({"sku": ["A", "B", "C"]}).write_parquet(folder / "raw" / "products" / "part.parquet")
    (folder / "warehouse").mkdir()
    with duckdb.connect(str(folder / "warehouse" / "omnistock.duckdb")) as con:
        con.execute("create schema marts; create schema staging")
        con.execute(
            "create table marts.inventory_sales_layer as select 'tmall' as channel_id, 'SKU1' as sku, 42 as "
            "available_to_sell"
        )
        con.execute(
            f"create view staging.stg_products as select * from read_parquet('{folder}/raw/products/**/*.parquet')"
        )
    publish_for_readers(folder)  # readers read the copy a successful build publishes
    (tmp_path / "secret.txt").write_text(f"{SECRET}\nsecond line\n")
    with duckdb.connect(str(tmp_path / "other.duckdb")) as con:
        con.execute("create table precious as select 1 as x")
    return folder


def sql(data: Path, *args: str):
    return runner.invoke(app, ["sql", *args], env={"OMNISTOCK_DATA_DIR": str(data), "COLUMNS": "200"})


def test_tables_and_staging_views_over_the_raw_zone_still_read(data: Path) -> None:
    shown = sql(data, "select count(*) as skus from staging.stg_products")
    assert shown.exit_code == 0 and "3" in shown.output
    shown = sql(data, "select channel_id, available_to_sell from marts.inventory_sales_layer")
    assert shown.exit_code == 0 and "tmall" in shown.output and "42" in shown.output


@pytest.mark.parametrize(
    "query",
    [
        "select * from read_csv('{tmp}/secret.txt')",
        "select * from read_text('{tmp}/secret.txt')",
        "select * from read_blob('{tmp}/secret.txt')",
        "select * from read_text('{data}/raw/../../secret.txt')",
    ],
)
def test_no_file_outside_the_warehouse_is_read(data: Path, query: str) -> None:
    result = sql(data, query.format(tmp=data.parent, data=data))
    assert result.exit_code == 1
    assert SECRET not in result.output


@pytest.mark.parametrize(
    ("query", "written"),
    [
        ("copy (select * from marts.inventory_sales_layer) to '{tmp}/copied.csv'", "{tmp}/copied.csv"),
        ("copy (select 1) to '{data}/raw/products/evil.parquet'", "{data}/raw/products/evil.parquet"),
        ("select 1; copy (select 1) to '{tmp}/second.csv'", "{tmp}/second.csv"),
        ("export database '{tmp}/exported'", "{tmp}/exported"),
        ("export database '{data}/raw/exported'", "{data}/raw/exported"),
        # EXPLAIN ANALYZE runs what it explains
        (
            "explain analyze copy (select 1) to '{data}/raw/products/explained.parquet'",
            "{data}/raw/products/explained.parquet",
        ),
        ("EXPLAIN   ANALYSE copy (select 1) to '{tmp}/explained.csv'", "{tmp}/explained.csv"),
    ],
)
def test_no_file_is_written_by_sql(data: Path, query: str, written: str) -> None:
    result = sql(data, query.format(tmp=data.parent, data=data))
    assert result.exit_code == 1 and "read-only" in result.output
    assert not Path(written.format(tmp=data.parent, data=data)).exists()


def test_another_database_cannot_be_attached_and_changed(data: Path) -> None:
    other = data.parent / "other.duckdb"
    result = sql(data, f"attach '{other}' as other (read_only false); drop table other.precious")
    assert result.exit_code == 1
    with duckdb.connect(str(other), read_only=True) as con:
        assert con.execute("select count(*) from precious").fetchone()[0] == 1


@pytest.mark.parametrize(
    "query",
    [
        "set enable_external_access = true",
        "reset lock_configuration",
        "install httpfs",
        "load json",
        "create temp table t as select 1",
    ],
)
def test_settings_extensions_and_writes_are_refused(data: Path, query: str) -> None:
    result = sql(data, query)
    assert result.exit_code == 1 and "read-only" in result.output


def test_the_lock_holds_even_for_a_statement_that_passes_the_check(data: Path) -> None:
    from pipelines.query import connect

    with connect(data) as con:
        with pytest.raises(duckdb.Error, match="locked"):
            con.execute("set enable_external_access = true")
        with pytest.raises(duckdb.Error, match="disabled by configuration"):
            con.execute(f"select * from read_text('{data.parent}/secret.txt')")
        with pytest.raises(duckdb.Error, match="disabled by configuration"):
            con.execute(f"attach '{data.parent}/other.duckdb' as other")


def test_out_exports_the_result_as_csv_and_parquet(data: Path, tmp_path: Path) -> None:
    csv = tmp_path / "exports" / "sales.csv"
    result = sql(data, "select channel_id, sku, available_to_sell from marts.inventory_sales_layer", "--out", str(csv))
    assert result.exit_code == 0 and "Wrote 1 row(s)" in result.output
    assert pl.read_csv(csv).to_dicts() == [{"channel_id": "tmall", "sku": "SKU1", "available_to_sell": 42}]
    parquet = tmp_path / "skus.parquet"
    result = sql(data, "select sku from staging.stg_products order by sku", "--out", str(parquet))
    assert result.exit_code == 0
    assert pl.read_parquet(parquet)["sku"].to_list() == ["A", "B", "C"]


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("{data}/raw/products/x.parquet", "belongs to the pipeline"),
        ("{data}/warehouse/x.csv", "belongs to the pipeline"),
        ("{tmp}/x.json", "name a .csv or .parquet file"),
    ],
)
def test_out_refuses_the_pipeline_s_folders_and_other_formats(data: Path, target: str, reason: str) -> None:
    path = Path(target.format(data=data, tmp=data.parent))
    result = sql(data, "select 1", "--out", str(path))
    assert result.exit_code == 2 and reason in " ".join(result.output.split()) and not path.exists()


def test_out_refuses_a_query_that_writes(data: Path, tmp_path: Path) -> None:
    result = sql(data, f"copy (select 1) to '{tmp_path}/a.csv'", "--out", str(tmp_path / "b.csv"))
    assert result.exit_code == 1
    assert not (tmp_path / "a.csv").exists() and not (tmp_path / "b.csv").exists()


def test_the_dashboards_connection_is_locked_down_too(data: Path) -> None:
    from app_streamlit.data import Warehouse

    warehouse = Warehouse(str(data))
    assert warehouse.query("select count(*) as n from staging.stg_products")["n"][0] == 3
    with pytest.raises(duckdb.Error, match="disabled by configuration"):
        warehouse.query("select * from read_text(?)", [str(data.parent / "secret.txt")])


def test_summary_counts_files_nothing_reads_apart_from_deliveries(data: Path) -> None:
    with duckdb.connect(str(data / "warehouse" / "omnistock.duckdb")) as con:
        con.execute("create schema ops")
        con.execute(
            """create table ops.ingestion_log as select * from (values
               ('orders', 'ok', 10, 9, 1, 0), ('orders', 'skipped', 0, 0, 0, 0), (null, 'unrecognised', 0, 0, 0, 0))
               as t(source, status, rows_read, rows_loaded, rows_replaced, rows_quarantined)"""
        )
        con.execute("alter table marts.inventory_sales_layer add column is_low_stock boolean")
    publish_for_readers(data)
    result = runner.invoke(app, ["summary"], env={"OMNISTOCK_DATA_DIR": str(data), "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    rows = [
        line.split() for line in result.output.splitlines() if line.startswith("│ orders") or line.startswith("│ ∅")
    ]
    assert [[c for c in row if c != "│"] for row in rows] == [
        ["orders", "1", "10", "9", "1", "0", "1"],
        ["∅", "0", "0", "0", "0", "0", "1"],
    ]
