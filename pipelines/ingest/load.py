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

A delivery already loaded that comes back unreadable, empty or much smaller (fewer valid rows
than `redelivery.min_share` of the version loaded, pipelines/quality/cadences.yml) does not
replace that version: it is held (a file-level record in the quarantine), the loaded rows stay,
and a critical alert blocks publishing until someone accepts it (`omnistock accept-delivery`),
restores the earlier file or removes it (docs/operations.md).

Rows that belong to a row of another source (order lines to their order) are quarantined when
that row was refused or is unknown (pipelines/ingest/parents.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import polars as pl

from pipelines.contract import SOURCES, Source
from pipelines.ingest.delivery import Delivery
from pipelines.ingest.parents import (
    REFUSED_KEYS_SCHEMA,
    REFUSED_PREFIX,
    ParentIndex,
    parent_indexes,
    parent_key_column,
    refused_keys,
    without_orphans,
)
from pipelines.ingest.raw_zone import MANIFEST_SCHEMA, QUARANTINE_STORE_SCHEMA, RawZone, held_deliveries
from pipelines.ingest.readers import UnreadableFile, found_columns
from pipelines.ingest.validate import (
    QUARANTINE_SCHEMA,
    ROW,
    file_problem,
    missing_required_columns,
    repeated_key_hashes,
    validate,
)

__all__ = [
    "CheckedDelivery",
    "Delivery",
    "IngestReport",
    "check_deliveries",
    "check_delivery",
    "current_rows",
    "current_versions",
    "ingest_source",
]

RETRYABLE_REASONS = ("unknown ", "timestamp in the future", REFUSED_PREFIX)  # REFUSED_PREFIX: its order was refused
# A re-delivery with fewer valid rows than this share of the version loaded is held (cadences.yml: redelivery.min_share)
DEFAULT_MIN_SHARE = 0.5
NO_REFUSED_KEYS = pl.DataFrame(schema=REFUSED_KEYS_SCHEMA)


@dataclass(frozen=True)
class CheckedDelivery:
    status: str  # ok | unreadable | rejected
    rows: pl.DataFrame  # valid rows: the contract's columns, typed, plus ROW
    quarantine: pl.DataFrame  # QUARANTINE_SCHEMA
    rows_read: int
    message: str = ""
    refused_keys: pl.DataFrame = field(default_factory=lambda: NO_REFUSED_KEYS)  # the keys of refused rows (parents.py)

    @property
    def rows_quarantined(self) -> int:
        return self.rows_read - self.rows.height

    @property
    def retry(self) -> bool:
        reasons = self.quarantine["reason"].drop_nulls()
        return any(bool(reasons.str.starts_with(prefix).any()) for prefix in RETRYABLE_REASONS)


def check_delivery(
    source: Source,
    delivery: Delivery,
    now: datetime,
    known: dict[str, pl.Series] | None = None,
    parents: list[ParentIndex] | None = None,
    key_of_refused: str | None = None,
    earliest: date | None = None,
) -> CheckedDelivery:
    """Read one delivery and check it against the contract; never raises for bad data.

    `parents`: rows whose parent row is not loaded are quarantined; `key_of_refused`: the column
    whose values of refused rows are kept (the source is a parent of another); `earliest`: no
    date may lie before it (default: the contract's EARLIEST_DATE)."""
    empty = pl.DataFrame(schema={**source.columns, ROW: pl.Int64})
    try:
        raw = delivery.read()
    except UnreadableFile as exc:
        return CheckedDelivery("unreadable", empty, file_problem(source.name, delivery.name, str(exc)), 0, str(exc))
    missing = missing_required_columns(raw.columns, source)
    if missing:
        reason = f"missing required column(s): {', '.join(missing)}; {found_columns(raw.columns, source.columns)}"
        problem = file_problem(source.name, delivery.name, reason, column=",".join(missing))
        refused = (
            refused_keys(raw, empty, problem, key_of_refused, delivery.name) if key_of_refused else NO_REFUSED_KEYS
        )
        return CheckedDelivery("rejected", empty, problem, raw.height, reason, refused)
    result = validate(raw, source, delivery.name, now, known, earliest=earliest)
    valid, quarantine = result.valid, result.quarantine
    if parents:
        valid, orphans = without_orphans(valid, parents, source.name, delivery.name)
        if orphans.height:
            quarantine = pl.concat([quarantine, orphans]).sort("row_number", "column_name", nulls_last=True)
    refused = refused_keys(raw, valid, quarantine, key_of_refused, delivery.name) if key_of_refused else NO_REFUSED_KEYS
    return CheckedDelivery("ok", valid, quarantine, result.rows_read, refused_keys=refused)


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
    checked: list[str] = field(default_factory=list)  # deliveries read and (re)written this run
    unchanged: int = 0  # deliveries skipped because their fingerprint had not changed
    rechecked: int = (
        0  # unchanged deliveries read again (a retry, a parent's keys left) that came out the same: not rewritten
    )
    quarantine: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=QUARANTINE_SCHEMA))  # found this run
    days_written: list[str] = field(default_factory=list)
    current_rows: int = 0  # keys in their current version
    held: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=QUARANTINE_STORE_SCHEMA)
    )  # re-deliveries held this run

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
    min_share: float | None = None,
    earliest: date | None = None,
) -> IngestReport:
    """Bring the raw zone of `source` up to date with its deliveries (see the module doc).

    `min_share`: a re-delivery with fewer valid rows than this share of the version loaded is
    held (default: the data folder's quality configuration, redelivery.min_share). `earliest`:
    no date may lie before it (default: the contract's EARLIEST_DATE)."""
    if min_share is None:
        min_share = configured_min_share(raw_root.parent)
    zone = RawZone(raw_root, source)
    if full_refresh:
        had_rows = zone.folder.is_dir()
        zone.clear()
        if had_rows:
            zone.mark_rebuild()
            zone.mark_children_recheck()
    zone.prepare()
    entries = {row["delivery_id"]: row for row in zone.manifest().iter_rows(named=True)}
    next_seq = max((e["seq"] for e in entries.values()), default=0) + 1
    report = IngestReport(source.name, pl.DataFrame(schema=MANIFEST_SCHEMA))
    found: list[pl.DataFrame] = []
    days: set[str] = set()
    pending: list[tuple[Delivery, str, dict | None, bool]] = []
    # keys of a parent left its raw zone (a correction, an accepted shrink, a full refresh): rows
    # loaded before may have lost their parent, so every delivery is checked again, once
    recheck_token = zone.recheck_token() if source.parents else None
    recheck = recheck_token is not None
    for delivery in deliveries:
        previous = entries.get(delivery.delivery_id)
        fingerprint = delivery.fingerprint()
        same_file = previous is not None and previous["fingerprint"] == fingerprint
        if same_file and not previous["retry"] and not recheck:
            report.unchanged += 1
            continue
        pending.append((delivery, fingerprint, previous, same_file))
    parents = parent_indexes(raw_root, source) if pending and source.parents else None
    key_of_refused = parent_key_column(source)
    accepted = zone.accepted()
    held: list[pl.DataFrame] = []
    for (delivery, fingerprint, previous, same_file), checked in zip(
        pending,
        _checked_one_ahead(source, [p[0] for p in pending], now, known, parents, key_of_refused, earliest),
        strict=True,
    ):
        why = (
            None
            if same_file or accepted.get(delivery.delivery_id) == fingerprint
            else hold_reason(previous, checked, min_share)
        )
        if why:
            entry = held_entry(source, delivery, previous, checked, why, now)
            zone.hold(entry)
            held.append(entry)
            continue  # the version loaded stays, and its manifest entry: the file is checked again next run
        same_status = same_file and checked.status == previous["status"]
        if same_status and _same_quarantine(checked.quarantine, zone.stored_quarantine(delivery.delivery_id)):
            report.rechecked += 1  # the same file with the same rows refused: the same valid rows, nothing to rewrite
            continue
        if previous is not None and (
            not same_file or checked.rows.height < previous["rows_read"] - previous["rows_quarantined"]
        ):
            zone.mark_rebuild()  # rows of this delivery may have left: appending is not enough downstream
            if key_of_refused and _keys_left(
                zone.delivery_keys(delivery.delivery_id, key_of_refused), checked.rows[key_of_refused]
            ):
                zone.mark_children_recheck()  # rows pointing at a key that left must be checked again
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
        if key_of_refused:
            zone.write_refused_keys(delivery.delivery_id, checked.refused_keys)
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
    zone.release_held({e["delivery_id"][0] for e in held})
    # an acceptance is used once (the next change is judged again); one written during this run stays
    zone.forget_accepted({d.delivery_id: fp for d, fp, _, _ in pending if accepted.get(d.delivery_id) == fp})
    if recheck_token is not None:
        zone.clear_recheck(recheck_token)
    report.held = pl.concat(held) if held else report.held
    log = (
        pl.DataFrame(list(entries.values()), schema=MANIFEST_SCHEMA, orient="row")
        if entries
        else pl.DataFrame(schema=MANIFEST_SCHEMA)
    )
    if report.checked or full_refresh or log["rows_loaded"].null_count():
        log, report.current_rows = _with_current_counts(log, zone)
    else:
        report.current_rows = int(log["rows_loaded"].sum())
    zone.write_manifest(log)
    report.log = log.sort("seq")
    report.quarantine = pl.concat(found, how="vertical") if found else pl.DataFrame(schema=QUARANTINE_SCHEMA)
    report.days_written = sorted(days)
    return report


def _same_quarantine(found: pl.DataFrame, stored: pl.DataFrame) -> bool:
    """Whether a re-check refused the same rows for the same reasons as the version written. Pure."""
    columns = list(QUARANTINE_SCHEMA.names())
    if found.height != stored.height:
        return False
    return (
        found.select(columns)
        .sort(columns, nulls_last=True)
        .equals(stored.select(columns).sort(columns, nulls_last=True))
    )


def _keys_left(before: pl.Series, after: pl.Series) -> bool:
    """Whether a key of `before` (a delivery's parent keys as written) is missing from `after`. Pure."""
    return bool((~before.drop_nulls().is_in(after.cast(pl.String).implode())).any())


def _checked_one_ahead(
    source: Source,
    deliveries: list[Delivery],
    now: datetime,
    known: dict[str, pl.Series] | None,
    parents: list[ParentIndex] | None = None,
    key_of_refused: str | None = None,
    earliest: date | None = None,
) -> Iterator[CheckedDelivery]:
    """Each delivery checked, the next one read while the caller writes this one (at most two in memory)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-read") as pool:
        ahead = None
        for i, delivery in enumerate(deliveries):
            current = ahead or pool.submit(
                check_delivery, source, delivery, now, known, parents, key_of_refused, earliest
            )
            following = deliveries[i + 1] if i + 1 < len(deliveries) else None
            ahead = (
                pool.submit(check_delivery, source, following, now, known, parents, key_of_refused, earliest)
                if following
                else None
            )
            yield current.result()


def configured_min_share(data_dir: Path) -> float:
    """redelivery.min_share of the data folder's quality configuration (cadences.yml)."""
    from pipelines.quality.config import load_config

    return load_config(data_dir).redelivery_min_share


def hold_reason(previous: dict | None, checked: CheckedDelivery, min_share: float = DEFAULT_MIN_SHARE) -> str | None:
    """Why a changed delivery must not replace the version loaded from it, or None.

    Held: a delivery that had valid rows and is now unreadable or rejected, has no valid row left
    (emptied, header only, every row refused), or fewer than `min_share` of its valid rows. Pure."""
    if previous is None:
        return None
    before = previous["rows_read"] - previous["rows_quarantined"]
    if before <= 0:
        return None  # nothing loaded to lose
    if checked.status != "ok":
        return f"it became {checked.status}: {checked.message}"
    after = checked.rows.height
    if after == 0:
        return f"it has no valid row now ({checked.rows_read} read)"
    if after < min_share * before:
        return f"it shrank to {after} valid row(s), fewer than {min_share:g} of the {before} loaded"
    return None


def held_entry(
    source: Source, delivery: Delivery, previous: dict, checked: CheckedDelivery, why: str, now: datetime
) -> pl.DataFrame:
    """The file-level quarantine record of a held re-delivery: what it had, what it has, why, what to do."""
    before = previous["rows_read"] - previous["rows_quarantined"]
    return pl.DataFrame(
        [
            {
                "source": source.name,
                "file": delivery.name,
                "row_number": None,
                "column_name": None,
                "value": f"before: {before} valid of {previous['rows_read']} rows (ingested "
                "{previous['ingested_at']:%Y-%m-%d %H:%M}); "
                f"now: {checked.rows.height} valid of {checked.rows_read} rows ({checked.status})",
                "reason": f"re-delivery held, the version loaded is kept: {why}. Accept it with "
                f"`omnistock accept-delivery '{delivery.name}'`, or restore or remove the file",
                "delivery_id": delivery.delivery_id,
                "ingested_at": now,
            }
        ],
        schema=QUARANTINE_STORE_SCHEMA,
    )


def current_versions(source: Source, rows: pl.LazyFrame) -> pl.LazyFrame:
    """One row per key: the highest version, then the latest delivery, then the last row.

    The same rule as dbt's macro `current_version` (dbt_project/macros/current_version.sql), which
    staging serves; tests/dbt/test_current_version_agrees.py checks that both keep the same rows.
    """
    order = ([source.version_column] if source.version_column else []) + ["_delivery_seq", "_row"]
    ranked = rows.sort(order, descending=True, nulls_last=True)
    return ranked.filter(pl.struct(list(source.keys)).is_first_distinct())


def known_values(source: Source, raw_root: Path) -> dict[str, pl.Series]:
    """Current master keys that referencing columns must match; a master source with no rows checks nothing."""
    known: dict[str, pl.Series] = {}
    for column, target in source.references.items():
        master_name, master_column = target.split(".")
        zone = RawZone(raw_root, SOURCES[master_name])
        if not zone.folder.is_dir():
            continue
        values = current_versions(zone.source, zone.scan()).select(master_column).unique().collect().to_series()
        if values.len():
            known[column] = values
    return known


def _with_current_counts(log: pl.DataFrame, zone: RawZone) -> tuple[pl.DataFrame, int]:
    """rows_loaded: the delivery's rows that are current; rows_replaced: its valid rows that are not."""
    source = zone.source
    needed = [*source.keys, *([source.version_column] if source.version_column else []), "_delivery_seq", "_row"]
    rows = zone.scan().select(list(dict.fromkeys(needed))).collect()
    # rows whose key occurs once are current; only the others are ranked (sorting every row is slow)
    maybe_repeated = repeated_key_hashes(rows, list(source.keys))
    single = rows.filter(~maybe_repeated).select("_delivery_seq")
    ranked = current_versions(source, rows.filter(maybe_repeated).lazy()).select("_delivery_seq").collect()
    per_delivery = pl.concat([single, ranked]).group_by("_delivery_seq").agg(pl.len().cast(pl.Int64).alias("__current"))
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


def accept_held_delivery(
    raw_root: Path, file: str, deliveries_of: Callable[[str], Iterable[Delivery]]
) -> tuple[str, str]:
    """Let the held re-delivery `file` replace the version loaded, as the file is now, at the next run.

    `file` is the name in its quarantine record (e.g. `landing/orders/2026-11.csv`), a path ending
    with it, or its end (`orders/2026-11.csv`); `deliveries_of(source)` lists a source's deliveries in the
    landing zone. Returns (source, delivery name); raises LookupError naming what is held."""
    wanted = file.strip().replace("\\", "/")
    held = held_deliveries(raw_root)
    matches = [
        r
        for r in held.iter_rows(named=True)
        if wanted == r["file"] or wanted.endswith("/" + r["file"]) or r["file"].endswith("/" + wanted)
    ]
    if not matches:
        names = ", ".join(sorted(held["file"])) or "none"
        raise LookupError(f"{file} is not a held re-delivery (held: {names})")
    if len(matches) > 1:
        raise LookupError(
            f"{file} matches several held re-deliveries: {', '.join(r['file'] for r in matches)}; name one in full"
        )
    (row,) = matches
    delivery = next((d for d in deliveries_of(row["source"]) if d.delivery_id == row["delivery_id"]), None)
    if delivery is None:
        raise LookupError(
            f"{row['file']} is no longer in the landing zone: the next run releases the hold and keeps the version "
            "loaded"
        )
    RawZone(raw_root, SOURCES[row["source"]]).accept(delivery.delivery_id, delivery.fingerprint())
    return row["source"], delivery.name
