"""Reads for the quality checks: raw zone frames, staged maxima, order counts, the data's as-of."""

import re
from datetime import datetime, timedelta

import duckdb
import polars as pl

from pipelines.contract import Source
from pipelines.ingest.raw_zone import RawZone
from pipelines.settings import paths

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


def ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"not a plain column or table name in the quality configuration: {name!r}")
    return name


def raw_frame(source: Source, columns: tuple[str, ...], lookback_days: int) -> pl.DataFrame:
    """The raw zone of `source` (contract columns + lineage); for event sources only rows whose
    event time is within `lookback_days` of the source's latest event."""
    zone = RawZone(paths().raw, source)
    if not zone.folder.is_dir():
        return pl.DataFrame(schema={c: zone.row_schema.get(c, pl.String) for c in columns})
    frame = zone.scan()
    present = [c for c in columns if c in frame.collect_schema()]
    frame = frame.select(present)
    if source.event_time and lookback_days > 0:
        latest = pl.col(source.event_time).max() - pl.duration(days=lookback_days)
        frame = frame.filter((pl.col(source.event_time) >= latest) | pl.col(source.event_time).is_null())
    return frame.collect()


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
        ).fetchall()[0][0]
    )


def data_as_of(con: duckdb.DuckDBPyConnection) -> datetime | None:
    if not table_exists(con, "intermediate", "int_as_of"):
        return None
    rows = con.execute("select max(as_of) from intermediate.int_as_of").fetchall()
    return rows[0][0] if rows else None


def latest_events(con: duckdb.DuckDBPyConnection, source: str, column: str, by: str | None) -> dict[str, datetime | None]:
    """Latest `column` in staging.stg_<source>, per value of `by` (or '' for the whole source)."""
    table = f"stg_{ident(source)}"
    if not table_exists(con, "staging", table):
        return {}
    if by:
        rows = con.execute(
            f"select {ident(by)}, max({ident(column)}) from staging.{table} where {by} is not null group by 1"
        ).fetchall()
        return {str(k): v for k, v in rows}
    return {"": con.execute(f"select max({ident(column)}) from staging.{table}").fetchall()[0][0]}


def channel_platforms(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    if not table_exists(con, "staging", "stg_channels"):
        return {}
    return dict(con.execute("select channel_id, platform from staging.stg_channels").fetchall())


def hourly_orders(con: duckdb.DuckDBPyConnection, since: datetime) -> tuple[dict[str, dict[datetime, int]], dict[str, datetime]]:
    """Orders created per channel and hour since `since`, and each channel's first order."""
    if not table_exists(con, "staging", "stg_orders"):
        return {}, {}
    counts: dict[str, dict[datetime, int]] = {}
    for channel, hour, n in con.execute(
        "select channel_id, date_trunc('hour', created_at), count(*) from staging.stg_orders "
        "where created_at >= ? and channel_id is not null group by 1, 2",
        [since],
    ).fetchall():
        counts.setdefault(channel, {})[hour] = int(n)
    first = dict(
        con.execute(
            "select channel_id, min(created_at) from staging.stg_orders where channel_id is not null group by 1"
        ).fetchall()
    )
    return counts, first


def staged_values(con: duckdb.DuckDBPyConnection, table: str, column: str) -> list[str]:
    if not table_exists(con, "staging", table):
        return []
    return [r[0] for r in con.execute(f"select distinct {ident(column)} from staging.{ident(table)} where {column} is not null").fetchall()]


def mart_frame(con: duckdb.DuckDBPyConnection, mart: str) -> pl.DataFrame | None:
    if not table_exists(con, "marts", mart):
        return None
    if mart == "inventory_sales_layer":
        return con.sql(
            "select *, case when is_bundle then 0 else allocatable + presale + virtual - available_to_sell end as _headroom from marts.inventory_sales_layer"
        ).pl()
    return con.sql(f"select * from marts.{ident(mart)}").pl()


def lookback_start(now: datetime, weeks: int, window_hours: int) -> datetime:
    return now - timedelta(days=7 * weeks, hours=window_hours + 1)
