"""The DuckDB warehouse for Python code: connections and whole-table writes.

DuckDB takes one writer per file. Every Dagster asset that writes the warehouse
(dbt included) runs in the `WAREHOUSE_POOL` concurrency pool, limited to one step at
a time in dagster.yaml; readers (dashboards, `omnistock sql`) open it read-only.

Python assets sit downstream of dbt (never between two dbt models) and write whole
tables with `replace_table`, so re-running an asset replaces its output, never adds
to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from pipelines.settings import paths

WAREHOUSE_POOL = "duckdb_warehouse"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def warehouse_path() -> Path:
    return paths().warehouse


@contextmanager
def connect(read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to `<data>/warehouse/omnistock.duckdb`, closed on exit."""
    path = warehouse_path()
    if read_only and not path.exists():
        raise FileNotFoundError(f"No warehouse at {path}: run `omnistock run` (or `make demo`) first.")
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def _identifier(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain lower-case SQL identifier: {name!r}")
    return name


def replace_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, frame: pl.DataFrame) -> int:
    """Replace `schema.table` with `frame` in one transaction; returns the row count."""
    schema, table = _identifier(schema), _identifier(table)
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {schema}")
        con.register("__omnistock_frame", frame.to_arrow())
        con.execute(f"create or replace table {schema}.{table} as select * from __omnistock_frame")
        con.unregister("__omnistock_frame")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return frame.height


def read_frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None) -> pl.DataFrame:
    """Run a query (parameters bound, never formatted in) and return a Polars frame.

    (duckdb 2.0: the result of `execute` has no `.pl()`; a relation from `sql` has.)"""
    return con.sql(sql, params=params or None).pl()
