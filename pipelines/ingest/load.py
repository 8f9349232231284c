"""Ingest one landing source into the raw zone: read, validate, de-duplicate, write.

The raw zone for a source is rebuilt from all its landing files on every run and
swapped in atomically, so re-running is always safe: a file delivered twice, or a
movement id seen again, changes nothing, and an order seen again with a later
`updated_at` replaces the earlier version. For every file:

    rows_read = rows_loaded + rows_replaced + rows_quarantined
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from pipelines.contract import Source
from pipelines.ingest.readers import UnreadableFile, landing_files, read_landing_file
from pipelines.ingest.validate import (
    QUARANTINE_SCHEMA,
    ROW,
    file_problem,
    missing_required_columns,
    validate,
)

FILE_ORDER = "__file_order"

LOG_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "file": pl.String,
        "status": pl.String,
        "rows_read": pl.Int64,
        "rows_loaded": pl.Int64,
        "rows_replaced": pl.Int64,
        "rows_quarantined": pl.Int64,
        "message": pl.String,
        "ingested_at": pl.Datetime("us"),
    }
)


@dataclass(frozen=True)
class Delivery:
    """One delivered file, as rows in the contract's column names (any types) plus ROW.

    `read` raises UnreadableFile when the file cannot be used as a whole. Platform
    formats and mapped exports are deliveries too: their `read` converts the file.
    """

    name: str
    read: Callable[[], pl.DataFrame]


def landing_deliveries(landing_dir: Path) -> list[Delivery]:
    """The contract-format files of one source folder."""
    return [Delivery(str(path), lambda path=path: read_landing_file(path)) for path in landing_files(landing_dir)]


@dataclass(frozen=True)
class SourceIngest:
    source: str
    rows: pl.DataFrame  # the contract's columns, de-duplicated
    quarantine: pl.DataFrame
    log: pl.DataFrame  # one row per file

    @property
    def files(self) -> int:
        return self.log.height

    def total(self, column: str) -> int:
        return int(self.log[column].sum()) if self.log.height else 0


def ingest_source(
    source: Source,
    landing: Path | Iterable[Delivery],
    now: datetime,
    known: dict[str, pl.Series] | None = None,
) -> SourceIngest:
    """Read and check every delivery of one source (a landing folder, or explicit deliveries)."""
    deliveries = landing_deliveries(landing) if isinstance(landing, Path) else list(landing)
    accepted: list[pl.DataFrame] = []
    quarantined: list[pl.DataFrame] = []
    per_file: list[dict] = []
    for order, delivery in enumerate(deliveries):
        name = delivery.name
        try:
            raw = delivery.read()
        except UnreadableFile as exc:
            quarantined.append(file_problem(source.name, name, str(exc)))
            per_file.append(_log(source, name, "unreadable", 0, 0, str(exc)))
            continue
        missing = missing_required_columns(raw.columns, source)
        if missing:
            reason = f"missing required column(s): {', '.join(missing)}; found: {', '.join(c for c in raw.columns if c != ROW)}"
            quarantined.append(file_problem(source.name, name, reason, column=",".join(missing)))
            per_file.append(_log(source, name, "rejected", raw.height, raw.height, reason))
            continue
        result = validate(raw, source, name, now, known)
        quarantined.append(result.quarantine)
        accepted.append(result.valid.with_columns(pl.lit(order).alias(FILE_ORDER)))
        per_file.append(_log(source, name, "ok", result.rows_read, result.rows_quarantined, ""))

    rows = _latest_versions(source, accepted)
    log = _with_loaded_counts(pl.DataFrame(per_file, schema=LOG_SCHEMA, orient="row") if per_file else pl.DataFrame(schema=LOG_SCHEMA), rows)
    quarantine = pl.concat(quarantined, how="vertical") if quarantined else pl.DataFrame(schema=QUARANTINE_SCHEMA)
    return SourceIngest(
        source=source.name,
        rows=rows.drop(ROW, FILE_ORDER).cast(dict(source.columns)),
        quarantine=quarantine.with_columns(pl.lit(now).alias("ingested_at")),
        log=log.with_columns(pl.lit(now).alias("ingested_at")),
    )


def _log(source: Source, file: str, status: str, read: int, quarantined: int, message: str) -> dict:
    return {
        "source": source.name,
        "file": file,
        "status": status,
        "rows_read": read,
        "rows_loaded": 0,
        "rows_replaced": 0,
        "rows_quarantined": quarantined,
        "message": message,
        "ingested_at": None,
    }


def _latest_versions(source: Source, accepted: list[pl.DataFrame]) -> pl.DataFrame:
    """One row per key: the highest version (then the latest file), else the first seen."""
    if not accepted:
        return pl.DataFrame(schema={**source.columns, ROW: pl.Int64, FILE_ORDER: pl.Int32})
    rows = pl.concat(accepted, how="vertical")  # in delivery order, then row order
    keys = list(source.keys)
    if source.version_column:
        rows = rows.sort([source.version_column, FILE_ORDER, ROW], descending=True, nulls_last=True)
    return rows.filter(pl.struct(keys).is_first_distinct())


def _with_loaded_counts(log: pl.DataFrame, kept: pl.DataFrame) -> pl.DataFrame:
    """Fill rows_loaded (kept rows per file) and rows_replaced (valid rows that lost to another)."""
    if log.height == 0:
        return log
    loaded = kept.group_by(FILE_ORDER).len("kept")
    counts = (
        log.with_row_index(FILE_ORDER)
        .with_columns(pl.col(FILE_ORDER).cast(pl.Int32))
        .join(loaded.with_columns(pl.col(FILE_ORDER).cast(pl.Int32)), on=FILE_ORDER, how="left")
        .with_columns(pl.col("kept").fill_null(0).cast(pl.Int64))
    )
    return counts.with_columns(
        pl.col("kept").alias("rows_loaded"),
        (pl.col("rows_read") - pl.col("rows_quarantined") - pl.col("kept")).alias("rows_replaced"),
    ).select(LOG_SCHEMA.names())


def write_raw_zone(result: SourceIngest, source: Source, raw_root: Path, quarantine_dir: Path, log_dir: Path) -> Path:
    """Swap in the source's raw folder (day-partitioned for event sources) and its side tables."""
    target = raw_root / source.name
    staging = raw_root / f".{source.name}.staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    # an empty, typed file keeps the folder readable when the source has no rows
    result.rows.clear().write_parquet(staging / "_empty.parquet")
    if result.rows.height:
        if source.event_time:
            partitioned = result.rows.with_columns(
                pl.col(source.event_time).dt.date().cast(pl.String).fill_null("unknown").alias("day")
            )
            for (day,), part in partitioned.group_by("day", maintain_order=False):
                folder = staging / f"day={day}"
                folder.mkdir()
                part.drop("day").write_parquet(folder / "part-0.parquet")
        else:
            result.rows.write_parquet(staging / "part-0.parquet")
    old = raw_root / f".{source.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)

    for folder, frame in ((quarantine_dir, result.quarantine), (log_dir, result.log)):
        folder.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(folder / f"{source.name}.parquet")
    return target
