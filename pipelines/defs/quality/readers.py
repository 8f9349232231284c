"""Reads for the quality checks: raw zone frames, staged maxima, order counts, the data's as-of."""

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from pipelines.contract import Source
from pipelines.ingest.raw_zone import RawZone
from pipelines.quality.tables import ident, table_exists


def raw_scan(raw: Path, source: Source, columns: tuple[str, ...], lookback_days: int) -> pl.LazyFrame:
    """The raw zone of `source` under `raw` (contract columns + lineage), lazily; for event sources only
    rows whose event time is within `lookback_days` of the source's latest event (found with one pass first)."""
    zone = RawZone(raw, source)
    if not zone.folder.is_dir():
        return pl.LazyFrame(schema={c: zone.row_schema.get(c, pl.String) for c in columns})
    frame = zone.scan()
    present = [c for c in columns if c in frame.collect_schema()]
    frame = frame.select(present)
    if source.event_time and lookback_days > 0:
        latest = frame.select(pl.col(source.event_time).max()).collect().item()
        if latest is not None:  # else every event time is null: every row is kept
            since = latest - timedelta(days=lookback_days)
            frame = frame.filter((pl.col(source.event_time) >= since) | pl.col(source.event_time).is_null())
    return frame


def pack_deliveries(
    sizes: Sequence[tuple[str | None, int]], chunk_rows: int
) -> list[tuple[tuple[str | None, ...], int, int]]:
    """Deliveries (id, rows), in the order given, packed into chunks of at most `chunk_rows` rows:
    (delivery ids, part, parts) each. A delivery of more than `chunk_rows` rows is a chunk of its own,
    cut into `parts` parts by a hash of the key (part 0 .. parts-1)."""
    chunks: list[tuple[tuple[str | None, ...], int, int]] = []
    ids: list[str | None] = []
    held = 0
    for delivery, rows in sizes:
        if ids and (rows > chunk_rows or held + rows > chunk_rows):
            chunks.append((tuple(ids), 0, 1))
            ids, held = [], 0
        if rows > chunk_rows:
            parts = -(-rows // chunk_rows)
            chunks.extend(((delivery,), part, parts) for part in range(parts))
            continue
        ids.append(delivery)
        held += rows
    if ids:
        chunks.append((tuple(ids), 0, 1))
    return chunks


def raw_chunks(
    raw: Path, source: Source, columns: tuple[str, ...], lookback_days: int, chunk_rows: int, key: tuple[str, ...]
) -> tuple[int, Iterator[pl.DataFrame]]:
    """(rows, the rows of raw_scan() in chunks of about `chunk_rows`), so that rows sharing a `key`
    are always in the same chunk (a uniqueness check per chunk is one over all rows).

    A key with `_delivery_id` (every raw suite's: keys are unique within a delivery) lets whole
    deliveries make up a chunk (pack_deliveries): each chunk then reads only its deliveries' Parquet.
    Otherwise rows go to chunk hash(key) mod n, one streaming pass over the raw zone per chunk (with
    no key column at all: consecutive slices). Memory holds one chunk at a time. Up to `chunk_rows`
    rows come as one chunk."""
    frame = raw_scan(raw, source, columns, lookback_days)
    rows = frame.select(pl.len()).collect().item()
    n = max(1, -(-rows // max(chunk_rows, 1)))
    present = [c for c in key if c in frame.collect_schema()]

    def by_delivery() -> Iterator[pl.DataFrame]:
        sizes = frame.group_by("_delivery_id").len().sort("_delivery_id").collect()
        for ids, part, parts in pack_deliveries(list(sizes.iter_rows()), chunk_rows):
            known = [i for i in ids if i is not None]
            chosen = pl.col("_delivery_id").is_in(known) | (pl.col("_delivery_id").is_null() if None in ids else False)
            if parts > 1:
                chosen = chosen & (pl.struct(present).hash() % parts == part)
            yield frame.filter(chosen).collect(engine="streaming")

    def by_hash() -> Iterator[pl.DataFrame]:
        for i in range(n):
            part = (
                frame.filter(pl.struct(present).hash() % n == i) if present else frame.slice(i * chunk_rows, chunk_rows)
            )
            yield part.collect(engine="streaming")

    if n == 1:
        return rows, iter([frame.collect()])
    return rows, by_delivery() if "_delivery_id" in present else by_hash()


def data_as_of(con: duckdb.DuckDBPyConnection) -> datetime | None:
    if not table_exists(con, "intermediate", "int_as_of"):
        return None
    rows = con.execute("select max(as_of) from intermediate.int_as_of").fetchall()
    return rows[0][0] if rows else None


def latest_events(
    con: duckdb.DuckDBPyConnection, source: str, column: str, by: str | None
) -> dict[str, datetime | None]:
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


def hourly_orders(
    con: duckdb.DuckDBPyConnection, since: datetime
) -> tuple[dict[str, dict[datetime, int]], dict[str, datetime]]:
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
    return [
        r[0]
        for r in con.execute(
            f"select distinct {ident(column)} from staging.{ident(table)} where {column} is not null"
        ).fetchall()
    ]


def mart_frame(con: duckdb.DuckDBPyConnection, mart: str) -> pl.DataFrame | None:
    if not table_exists(con, "marts", mart):
        return None
    if mart == "inventory_sales_layer":
        return con.sql(
            "select *, case when is_bundle then 0 else allocatable + presale + virtual - available_to_sell end as "
            "_headroom from marts.inventory_sales_layer"
        ).pl()
    return con.sql(f"select * from marts.{ident(mart)}").pl()


def lookback_start(now: datetime, weeks: int, window_hours: int) -> datetime:
    return now - timedelta(days=7 * weeks, hours=window_hours + 1)
