"""A data folder written before orders.currency existed upgrades with a plain incremental build.

Raw order parts written before the contract gained the optional `currency` column do not
have it, and a staging.base_orders built then lacks it too. dbt must read such parts as a
null currency (even when no part has the column yet) and add the column to the kept table,
without --full-refresh (docs/operations.md, "Money in another currency").
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.contract import SOURCES
from tests.dbt.test_dbt_project import dbt


def order_part(rows: list[dict], *, with_currency: bool, ingested_at: datetime) -> pl.DataFrame:
    """Raw order rows as ingestion writes them, with or without the currency column."""
    columns = {name: dtype for name, dtype in SOURCES["orders"].columns.items() if with_currency or name != "currency"}
    frame = pl.DataFrame([{name: row.get(name) for name in columns} for row in rows], schema=columns, orient="row")
    return frame.with_columns(
        pl.lit("d-" + ingested_at.isoformat()).alias("_delivery_id"),
        pl.lit(int(ingested_at.timestamp())).cast(pl.Int64).alias("_delivery_seq"),
        pl.int_range(1, pl.len() + 1).cast(pl.Int64).alias("_row"),
        pl.lit("orders.csv").alias("_file"),
        pl.lit(ingested_at).cast(pl.Datetime("us")).alias("_ingested_at"),
    )


def currencies(data: Path) -> dict[str, str | None]:
    with duckdb.connect(str(data / "warehouse" / "omnistock.duckdb"), read_only=True) as con:
        return dict(con.execute("select order_id, currency from staging.stg_orders order by 1").fetchall())


def test_parts_and_warehouse_without_currency_upgrade_without_full_refresh(tmp_path: Path) -> None:
    from pipelines.ingest.load import ingest_source

    data = tmp_path / "brand"
    for source in SOURCES.values():
        ingest_source(source, [], data / "raw", datetime(2026, 1, 1))
    (data / "warehouse").mkdir()
    orders_dir = data / "raw" / "orders"
    for part in orders_dir.glob("**/*.parquet"):
        part.unlink()
    old = [
        {"order_id": "O1", "channel_id": "tmall", "status": "paid", "updated_at": datetime(2025, 11, 1, 10)},
        {"order_id": "O2", "channel_id": "olist", "status": "paid", "updated_at": datetime(2025, 11, 1, 11)},
    ]
    order_part(old, with_currency=False, ingested_at=datetime(2025, 11, 1, 12)).write_parquet(
        orders_dir / "old.parquet"
    )

    # no part has the column yet: it reads null
    built = dbt("run", "--select", "base_orders", "stg_orders", data_dir=data)
    assert built.returncode == 0, built.stdout[-3000:]
    assert currencies(data) == {"O1": None, "O2": None}

    # a warehouse built by the version before the column: base_orders without it
    with duckdb.connect(str(data / "warehouse" / "omnistock.duckdb")) as con:
        con.execute("alter table staging.base_orders drop column currency")

    new = [
        {
            "order_id": "O2",
            "channel_id": "olist",
            "status": "shipped",
            "updated_at": datetime(2025, 11, 2, 9),
            "currency": " brl",
        },
        {
            "order_id": "O3",
            "channel_id": "olist",
            "status": "paid",
            "updated_at": datetime(2025, 11, 2, 9),
            "currency": "BRL",
        },
    ]
    order_part(new, with_currency=True, ingested_at=datetime(2025, 11, 2, 12)).write_parquet(orders_dir / "new.parquet")

    upgraded = dbt("run", "--select", "base_orders", "stg_orders", data_dir=data)
    assert upgraded.returncode == 0, upgraded.stdout[-3000:]
    assert currencies(data) == {"O1": None, "O2": "BRL", "O3": "BRL"}
