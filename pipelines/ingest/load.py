"""Ingest one source's deliveries into its raw zone: read, check, keep, count.

Incremental by delivery: a delivery (a landed file) whose fingerprint has not changed
since it was ingested is not read again; a new or changed one is read, checked
against the contract, and its valid rows replace its own part of the raw zone. Rows
refused for a reason that may pass later (an unknown master key, a time in the
future) are checked again on every run, keeping the delivery's place in the order.

Which version of a key is current is decided the same way here (to count) and in
dbt staging (to serve, macro `current_version`): the highest version column, then
the latest delivery, then the last row. So re-running is always safe: a file
delivered twice, or a movement id seen again, changes nothing; an order seen again
with a later `updated_at` replaces the earlier version whatever order the files
arrive in. For every delivery:

    rows_read = rows_loaded + rows_replaced + rows_quarantined
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl

from pipelines.contract import Source
from pipelines.ingest.delivery import Delivery
from pipelines.ingest.raw_zone import MANIFEST_SCHEMA, RawZone
from pipelines.ingest.readers import UnreadableFile, found_columns
from pipelines.ingest.validate import (
    QUARANTINE_SCHEMA,
    ROW,
    file_problem,
    missing_required_columns,
    repeated_key_hashes,
    validate,
)

__all__ = ["CheckedDelivery", "Delivery", "IngestReport", "check_deliveries", "check_delivery", "current_rows", "current_versions", "ingest_source"]

RETRYABLE_REASONS = ("unknown ", "timestamp in the future")


@dataclass(frozen=True)
class CheckedDelivery:
    status: str  # ok | unreadable | rejected
    rows: pl.DataFrame  # valid rows: the contract's columns, typed, plus ROW
    quarantine: pl.DataFrame  # QUARANTINE_SCHEMA
    rows_read: int
    message: str = ""

    @property
    def rows_quarantined(self) -> int:
        return self.rows_read - self.rows.height

    @property
    def retry(self) -> bool:
        reasons = self.quarantine["reason"].drop_nulls()
        return any(bool(reasons.str.starts_with(prefix).any()) for prefix in RETRYABLE_REASONS)


def check_delivery(source: Source, delivery: Delivery, now: datetime, known: dict[str, pl.Series] | None = None) -> CheckedDelivery:
    """Read one delivery and check it against the contract; never raises for bad data."""
    empty = pl.DataFrame(schema={**source.columns, ROW: pl.Int64})
    try:
        raw = delivery.read()
    except UnreadableFile as exc:
        return CheckedDelivery("unreadable", empty, file_problem(source.name, delivery.name, str(exc)), 0, str(exc))
    missing = missing_required_columns(raw.columns, source)
    if missing:
        reason = f"missing required column(s): {', '.join(missing)}; {found_columns(raw.columns, source.columns)}"
        problem = file_problem(source.name, delivery.name, reason, column=",".join(missing))
        return CheckedDelivery("rejected", empty, problem, raw.height, reason)
    result = validate(raw, source, delivery.name, now, known)
    return CheckedDelivery("ok", result.valid, result.quarantine, result.rows_read)


def check_deliveries(
    source: Source, deliveries: Iterable[Delivery], now: datetime, known: dict[str, pl.Series] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every delivery checked, nothing written: (valid rows of all deliveries, their quarantine)."""
    checked = [check_delivery(source, d, now, known) for d in deliveries]
    rows = pl.concat([c.rows for c in checked]) if checked else pl.DataFrame(schema={**source.columns, ROW: pl.Int64})
    quarantine = pl.concat([c.quarantine for c in checked]) if checked else pl.DataFrame(schema=QUARANTINE_SCHEMA)
    return rows, quarantine


@dataclass
class IngestReport:
    source: str
    log: pl.DataFrame  # the manifest: one row per delivery ever ingested
    checked: list[str] = field(default_factory=list)  # deliveries read this run
    unchanged: int = 0  # deliveries skipped because their fingerprint had not changed
    quarantine: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=QUARANTINE_SCHEMA))  # found this run
    days_written: list[str] = field(default_factory=list)
    current_rows: int = 0  # keys in their current version

    def total(self, column: str, only_this_run: bool = False) -> int:
        log = self.log.filter(pl.col("file").is_in(self.checked)) if only_this_run else self.log
        return int(log[column].sum()) if log.height else 0

    @property
    def problems(self) -> pl.DataFrame:
        """Deliveries of this run that could not be used at all."""
        return self.log.filter(pl.col("file").is_in(self.checked) & (pl.col("status") != "ok"))


def ingest_source(
    source: Source,
    deliveries: Iterable[Delivery],
    raw_root: Path,
    now: datetime,
    known: dict[str, pl.Series] | None = None,
    full_refresh: bool = False,
) -> IngestReport:
    """Bring the raw zone of `source` up to date with its deliveries (see the module doc)."""
    zone = RawZone(raw_root, source)
    if full_refresh:
        had_rows = zone.folder.is_dir()
        zone.clear()
        if had_rows:
            zone.mark_rebuild()
    zone.prepare()
    entries = {row["delivery_id"]: row for row in zone.manifest().iter_rows(named=True)}
    next_seq = max((e["seq"] for e in entries.values()), default=0) + 1
    report = IngestReport(source.name, pl.DataFrame(schema=MANIFEST_SCHEMA))
    found: list[pl.DataFrame] = []
    days: set[str] = set()
    pending: list[tuple[Delivery, str, dict | None, bool]] = []
    for delivery in deliveries:
        previous = entries.get(delivery.delivery_id)
        fingerprint = delivery.fingerprint()
        same_file = previous is not None and previous["fingerprint"] == fingerprint
        if same_file and not previous["retry"]:
            report.unchanged += 1
            continue
        pending.append((delivery, fingerprint, previous, same_file))
    for (delivery, fingerprint, previous, same_file), checked in zip(
        pending, _checked_one_ahead(source, [p[0] for p in pending], now, known), strict=True
    ):
        if previous is not None and (not same_file or checked.rows.height < previous["rows_read"] - previous["rows_quarantined"]):
            zone.mark_rebuild()  # rows of this delivery may have left: appending is not enough downstream
        if same_file:
            seq = previous["seq"]  # a re-check keeps the delivery's place in the order
        else:
            seq, next_seq = next_seq, next_seq + 1
        rows = checked.rows.rename({ROW: "_row"}).with_columns(
            pl.lit(delivery.delivery_id).alias("_delivery_id"),
            pl.lit(seq, pl.Int64).alias("_delivery_seq"),
            pl.lit(delivery.name).alias("_file"),
            pl.lit(now, pl.Datetime("us")).alias("_ingested_at"),
        )
        quarantine = checked.quarantine.with_columns(
            pl.lit(delivery.delivery_id).alias("delivery_id"), pl.lit(now, pl.Datetime("us")).alias("ingested_at")
        )
        days.update(zone.replace_delivery(delivery.delivery_id, rows.select(zone.row_schema.names()), quarantine))
        found.append(checked.quarantine)
        report.checked.append(delivery.name)
        entries[delivery.delivery_id] = {
            "source": source.name,
            "delivery_id": delivery.delivery_id,
            "file": delivery.name,
            "fingerprint": fingerprint,
            "seq": seq,
            "status": checked.status,
            "rows_read": checked.rows_read,
            "rows_loaded": None,
            "rows_replaced": None,
            "rows_quarantined": checked.rows_quarantined,
            "retry": checked.retry,
            "message": checked.message,
            "first_ingested_at": previous["first_ingested_at"] if previous else now,
            "ingested_at": now,
        }
        # recorded at once (rows_loaded unknown until the recount): a run cut short here leaves no
        # rows in the raw zone that the manifest does not know, and the next run recounts
        zone.record_pending(entries[delivery.delivery_id])
    log = pl.DataFrame(list(entries.values()), schema=MANIFEST_SCHEMA, orient="row") if entries else pl.DataFrame(schema=MANIFEST_SCHEMA)
    if report.checked or full_refresh or log["rows_loaded"].null_count():
        log, report.current_rows = _with_current_counts(log, zone)
    else:
        report.current_rows = int(log["rows_loaded"].sum())
    zone.write_manifest(log)
    report.log = log.sort("seq")
    report.quarantine = pl.concat(found, how="vertical") if found else pl.DataFrame(schema=QUARANTINE_SCHEMA)
    report.days_written = sorted(days)
    return report


def _checked_one_ahead(
    source: Source, deliveries: list[Delivery], now: datetime, known: dict[str, pl.Series] | None
) -> Iterator[CheckedDelivery]:
    """Each delivery checked, the next one read while the caller writes this one (at most two in memory)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-read") as pool:
        ahead = None
        for i, delivery in enumerate(deliveries):
            current = ahead or pool.submit(check_delivery, source, delivery, now, known)
            following = deliveries[i + 1] if i + 1 < len(deliveries) else None
            ahead = pool.submit(check_delivery, source, following, now, known) if following else None
            yield current.result()


def current_versions(source: Source, rows: pl.LazyFrame) -> pl.LazyFrame:
    """One row per key: the highest version, then the latest delivery, then the last row."""
    order = ([source.version_column] if source.version_column else []) + ["_delivery_seq", "_row"]
    ranked = rows.sort(order, descending=True, nulls_last=True)
    return ranked.filter(pl.struct(list(source.keys)).is_first_distinct())


def _with_current_counts(log: pl.DataFrame, zone: RawZone) -> tuple[pl.DataFrame, int]:
    """rows_loaded: the delivery's rows that are current; rows_replaced: its valid rows that are not."""
    source = zone.source
    needed = [*source.keys, *([source.version_column] if source.version_column else []), "_delivery_seq", "_row"]
    rows = zone.scan().select(list(dict.fromkeys(needed))).collect()
    # rows whose key occurs once are current; only the others are ranked (sorting every row is slow)
    maybe_repeated = repeated_key_hashes(rows, list(source.keys))
    single = rows.filter(~maybe_repeated).select("_delivery_seq")
    ranked = current_versions(source, rows.filter(maybe_repeated).lazy()).select("_delivery_seq").collect()
    per_delivery = (
        pl.concat([single, ranked]).group_by("_delivery_seq").agg(pl.len().cast(pl.Int64).alias("__current"))
    )
    counted = (
        log.join(per_delivery, left_on="seq", right_on="_delivery_seq", how="left")
        .with_columns(pl.col("__current").fill_null(0).alias("rows_loaded"))
        .with_columns((pl.col("rows_read") - pl.col("rows_quarantined") - pl.col("rows_loaded")).alias("rows_replaced"))
        .drop("__current")
    )
    return counted.select(MANIFEST_SCHEMA.names()), int(per_delivery["__current"].sum()) if per_delivery.height else 0


def current_rows(source: Source, raw_root: Path, lineage: bool = False) -> pl.DataFrame:
    """The current version of every key in the raw zone (what dbt staging serves)."""
    zone = RawZone(raw_root, source)
    if not zone.folder.is_dir():
        return pl.DataFrame(schema=zone.row_schema if lineage else source.schema)
    rows = current_versions(source, zone.scan()).collect()
    return rows if lineage else rows.select(list(source.columns))
