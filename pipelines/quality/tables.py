"""Names and tables of the warehouse as the quality checks read them (no Dagster: pipelines/quality
and pipelines/defs/quality both use these)."""

from __future__ import annotations

import re

import duckdb

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


def ident(name: str) -> str:
    """`name` if it is a plain lower-case column or table name (safe to put into SQL), else ValueError."""
    if not _IDENT.match(name):
        raise ValueError(f"not a plain column or table name in the quality configuration: {name!r}")
    return name


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
        ).fetchall()[0][0]
    )
