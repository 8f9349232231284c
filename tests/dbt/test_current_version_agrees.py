"""The current version of a key is one rule written twice: Python counts with it, dbt serves it.

pipelines/ingest/load.py `current_versions` (rows_loaded / rows_replaced in the ingestion log)
and the dbt macros `current_version` / `incremental_current_version` (the base models staging
reads) must keep the same row of every key: the highest version column, then the latest
delivery, then the last row of that delivery. The same raw rows (re-deliveries, ties, versions
that arrive out of order, keys with null parts) go through the Python function and through the
real compiled SQL of base_orders and base_wms_snapshots, built at once and incrementally
(delete+insert on _key, as dbt does), and the same rows must survive: the ones known in advance.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.contract import SOURCES
from pipelines.ingest.load import current_versions
from pipelines.ingest.raw_zone import LINEAGE
from tests.dbt.compiled import compile_models, memory_warehouse

MODELS = ["base_orders", "base_wms_snapshots"]
FIRST_BUILD = datetime(2026, 1, 2, 3, 0)  # _ingested_at of deliveries 1 and 2
LATER = datetime(2026, 1, 3, 3, 0)  # _ingested_at of delivery 3, ingested after the first build


def t(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 1, day, hour)


# (order_id, updated_at, _delivery_seq, _row)
ORDERS = [
    ("o1", t(1), 1, 1),  # three versions, the latest delivered in between: t(3) wins
    ("o1", t(3), 2, 1),
    ("o1", t(2), 3, 1),  # arrives last but is older
    ("o2", t(1), 1, 2),  # re-delivered unchanged: the later delivery wins the tie
    ("o2", t(1), 3, 2),
    ("o3", t(4), 2, 4),  # twice in one delivery with the same version: the last row wins
    ("o3", t(4), 2, 7),
    ("o4", t(1), 1, 3),  # a later delivery without updated_at: a version beats none
    ("o4", None, 3, 3),
    ("o5", t(1), 1, 4),  # seen once
]
ORDERS_SURVIVE = {(2, 1), (3, 2), (2, 7), (1, 3), (1, 4)}

# (as_of, location_id, sku, lot_no, bin, status, qty, _delivery_seq, _row)
SNAPSHOTS = [
    (t(5), "WH1", "A", None, None, "available", 10, 1, 1),  # null lot and bin, re-counted later: later delivery
    (t(5), "WH1", "A", None, None, "available", 12, 3, 1),
    (t(5), "WH1", "A", "L1", None, "available", 5, 1, 2),  # another lot: another key
    (t(5), "WH1", "A", "L1", "B1", "available", 6, 2, 1),  # another bin: another key, last row of delivery 2
    (t(5), "WH1", "A", "L1", "B1", "available", 7, 2, 3),
    (t(5), "WH1", "A", "L1", "B1", "frozen", 1, 1, 3),  # another status: another key
    (t(6), "WH1", "A", None, None, "available", 9, 2, 2),  # another count time: another key
]
SNAPSHOTS_SURVIVE = {(3, 1), (1, 2), (2, 3), (1, 3), (2, 2)}


def raw_frame(source: str, rows: list[dict]) -> pl.DataFrame:
    """Rows as the raw zone holds them: the contract's columns (null where not given) and the lineage."""
    schema = pl.Schema({**SOURCES[source].columns, **LINEAGE})
    filled = [
        {
            **{name: None for name in schema},
            **row,
            "_delivery_id": f"d{row['_delivery_seq']}",
            "_file": f"{source}-{row['_delivery_seq']}.csv",
            "_ingested_at": LATER if row["_delivery_seq"] == 3 else FIRST_BUILD,
        }
        for row in rows
    ]
    return pl.DataFrame(filled, schema=schema, orient="row")


def order_rows() -> pl.DataFrame:
    return raw_frame(
        "orders",
        [
            {"order_id": o, "channel_id": "tmall", "status": "paid", "created_at": t(1), "updated_at": u}
            | {"_delivery_seq": seq, "_row": row}
            for o, u, seq, row in ORDERS
        ],
    )


def snapshot_rows() -> pl.DataFrame:
    names = ("as_of", "location_id", "sku", "lot_no", "bin", "status", "qty", "_delivery_seq", "_row")
    return raw_frame("wms_snapshots", [dict(zip(names, values)) for values in SNAPSHOTS])


def survivors(frame: pl.DataFrame) -> set[tuple[int, int]]:
    return set(frame.select("_delivery_seq", "_row").iter_rows())


def built(con: duckdb.DuckDBPyConnection, model: str) -> pl.DataFrame:
    """The model's table: (_delivery_seq, _row) identifies a raw row."""
    rows = con.execute(f"select _delivery_seq, _row from staging.{model}").fetchall()
    return pl.DataFrame(rows, schema={"_delivery_seq": pl.Int64, "_row": pl.Int64}, orient="row")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str, Path, Path]]:
    """Each model's SQL for a first build and for an incremental one, and the raw folders they read."""
    full_dir, incremental_dir = tmp_path_factory.mktemp("full"), tmp_path_factory.mktemp("incremental")
    full = compile_models(full_dir, MODELS)
    # is_incremental() is true when the model's table exists in the warehouse dbt compiles against
    (incremental_dir / "warehouse").mkdir()
    with duckdb.connect(str(incremental_dir / "warehouse" / "omnistock.duckdb")) as con:
        con.execute("create schema staging")
        for model in MODELS:
            con.execute(f"create table staging.{model} (_key varchar)")
    incremental = compile_models(incremental_dir, MODELS)
    for model in MODELS:
        assert "max(_ingested_at)" not in full[model]
        assert "max(_ingested_at)" in incremental[model]
    return {m: (full[m], incremental[m], full_dir / "raw", incremental_dir / "raw") for m in MODELS}


def write_raw(raw_root: Path, source: str, rows: pl.DataFrame) -> None:
    folder = raw_root / source
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.parquet"):
        old.unlink()
    for (seq,), part in rows.group_by("_delivery_seq"):
        part.write_parquet(folder / f"delivery-{seq}.parquet")


def dbt_build(con: duckdb.DuckDBPyConnection, model: str, sql: str, exists: bool) -> None:
    """What dbt does with the compiled select: create the table, or delete+insert on _key."""
    if not exists:
        con.execute(f"create table staging.{model} as {sql}")
        return
    con.execute(f"create temp table new_versions as {sql}")
    con.execute(f"delete from staging.{model} where _key in (select _key from new_versions)")
    con.execute(f"insert into staging.{model} by name select * from new_versions")
    con.execute("drop table new_versions")


@pytest.mark.parametrize(
    ("model", "source", "rows", "expected"),
    [
        ("base_orders", "orders", order_rows, ORDERS_SURVIVE),
        ("base_wms_snapshots", "wms_snapshots", snapshot_rows, SNAPSHOTS_SURVIVE),
    ],
)
def test_python_and_dbt_keep_the_same_current_version(compiled, model, source, rows, expected) -> None:
    raw = rows()
    python = current_versions(SOURCES[source], raw.lazy()).collect()
    assert survivors(python) == expected
    assert python.height == len(expected)

    full_sql, incremental_sql, full_raw, incremental_raw = compiled[model]
    # a first build over every delivery
    write_raw(full_raw, source, raw)
    con = memory_warehouse()
    dbt_build(con, model, full_sql, exists=False)
    at_once = built(con, model)
    assert survivors(at_once) == expected

    # deliveries 1 and 2 built, then delivery 3 (re-deliveries, an older version) arrives
    con = memory_warehouse()
    write_raw(full_raw, source, raw.filter(pl.col("_delivery_seq") < 3))
    dbt_build(con, model, full_sql, exists=False)
    first = built(con, model)
    assert survivors(first) == survivors(
        current_versions(SOURCES[source], raw.filter(pl.col("_delivery_seq") < 3).lazy()).collect()
    )
    write_raw(incremental_raw, source, raw)
    dbt_build(con, model, incremental_sql, exists=True)
    kept = built(con, model)
    assert survivors(kept) == expected
    assert kept.height == len(expected)
