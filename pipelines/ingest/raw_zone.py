"""The raw zone of one source: what ingestion accepted, one Parquet part per delivery.

    raw/<source>/day=YYYY-MM-DD/<delivery_id>.parquet   event sources, by the day of their event time
    raw/<source>/<delivery_id>.parquet                   other sources
    raw/<source>/_empty.parquet                          typed and empty: the folder always reads
    raw/_quarantine/<source>/<delivery_id>.parquet       what that delivery broke, row by row
    raw/_manifest/<source>.parquet                       one row per delivery ever ingested
    raw/_manifest/<source>.pending/<delivery_id>.parquet a delivery written since (folded in at the run's end)
    raw/_quarantine/<source>/<delivery_id>.held.parquet  a re-delivery held back: the version loaded stays
    raw/_manifest/<source>.accepted.json                 held re-deliveries accepted (omnistock accept-delivery)
    raw/_manifest/_recheck_parents.<source>              keys of a parent left: check this source's rows again once

Every file is written beside its place and renamed into it (write_parquet_atomically): a run
killed mid-write leaves the previous version, never a torn file.

Every row keeps its lineage (`_delivery_id`, `_delivery_seq`, `_row`, `_file`,
`_ingested_at`), so a staged row can be traced to the file and record it came from. A delivery ingested
again replaces its own parts and nothing else; a landing file that is archived or
deleted after ingestion stays in the raw zone.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import polars as pl

from pipelines.contract import SOURCES, Source
from pipelines.ingest.validate import QUARANTINE_SCHEMA

LINEAGE = {
    "_delivery_id": pl.String,
    "_delivery_seq": pl.Int64,
    "_row": pl.Int64,
    "_file": pl.String,
    "_ingested_at": pl.Datetime("us"),  # when these rows were (re)written: incremental models read what is newer
}
REBUILD_MARKER = "_rebuild_staging"
# lz4 writes a delivery's rows about 30% faster than zstd, for parts about 1.5x the size (docs/benchmarks.md):
# the raw zone is a hot, re-writable zone, and ingestion speed on the peak day matters more than its disk
PART_COMPRESSION = "lz4"

MANIFEST_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "delivery_id": pl.String,
        "file": pl.String,
        "fingerprint": pl.String,
        "seq": pl.Int64,
        "status": pl.String,  # ok | unreadable | rejected
        "rows_read": pl.Int64,
        "rows_loaded": pl.Int64,  # rows of this delivery that are the current version of their key
        "rows_replaced": pl.Int64,  # valid rows superseded by another version or delivery
        "rows_quarantined": pl.Int64,
        "retry": pl.Boolean,  # has rows refused for a reason that may pass later (unknown master key, future time)
        "message": pl.String,
        "first_ingested_at": pl.Datetime("us"),
        "ingested_at": pl.Datetime("us"),
    }
)
QUARANTINE_STORE_SCHEMA = pl.Schema({**QUARANTINE_SCHEMA, "delivery_id": pl.String, "ingested_at": pl.Datetime("us")})
RECHECK_MARKER = "_recheck_parents"


def write_parquet_atomically(frame: pl.DataFrame, path: Path, **options: object) -> None:
    """Write `frame` to `path` in one rename: a run killed meanwhile leaves the old file (or none),
    never a torn one that every later read would fail on."""
    temporary = path.with_name(path.name + ".tmp")
    frame.write_parquet(temporary, **options)  # type: ignore[arg-type]
    temporary.replace(path)


def write_text_atomically(text: str, path: Path) -> None:
    """write_parquet_atomically for a small text file (accepted.json)."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    temporary.replace(path)


class RawZone:
    def __init__(self, raw_root: Path, source: Source) -> None:
        self.source = source
        self.root = raw_root
        self.folder = raw_root / source.name
        self.manifest_path = raw_root / "_manifest" / f"{source.name}.parquet"
        self.pending_dir = raw_root / "_manifest" / f"{source.name}.pending"
        self.quarantine_dir = raw_root / "_quarantine" / source.name

    @property
    def row_schema(self) -> pl.Schema:
        return pl.Schema({**self.source.columns, **LINEAGE})

    def prepare(self) -> None:
        """Create the folders and the typed empty part, so every source reads even with no rows."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.quarantine_dir.mkdir(parents=True, exist_ok=True)
        self.manifest_path.parent.mkdir(parents=True, exist_ok=True)
        write_parquet_atomically(pl.DataFrame(schema=self.row_schema), self.folder / "_empty.parquet")
        write_parquet_atomically(pl.DataFrame(schema=QUARANTINE_STORE_SCHEMA), self.quarantine_dir / "_empty.parquet")
        if not self.manifest_path.exists():
            self.write_manifest(pl.DataFrame(schema=MANIFEST_SCHEMA))

    def clear(self) -> None:
        """Forget every delivery of the source (a full refresh re-ingests the landing zone)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        shutil.rmtree(self.quarantine_dir, ignore_errors=True)
        self.manifest_path.unlink(missing_ok=True)
        shutil.rmtree(self.pending_dir, ignore_errors=True)
        self.accepted_path.unlink(missing_ok=True)

    def manifest(self) -> pl.DataFrame:
        """One row per delivery: the manifest file, with the entries of deliveries written since
        (a run cut short leaves them pending) in place of their older rows."""
        recorded = (
            pl.read_parquet(self.manifest_path).cast(dict(MANIFEST_SCHEMA)) if self.manifest_path.exists() else None
        )
        pending = sorted(self.pending_dir.glob("*.parquet")) if self.pending_dir.is_dir() else []
        if not pending:
            return recorded if recorded is not None else pl.DataFrame(schema=MANIFEST_SCHEMA)
        since = pl.concat([pl.read_parquet(p).cast(dict(MANIFEST_SCHEMA)) for p in pending])
        if recorded is None:
            return since
        return pl.concat([recorded.filter(~pl.col("delivery_id").is_in(since["delivery_id"].implode())), since])

    def record_pending(self, entry: dict) -> None:
        """Note one delivery's manifest entry as soon as its rows are in place (a small file, so a
        run of many deliveries does not rewrite the whole manifest after each)."""
        self.pending_dir.mkdir(parents=True, exist_ok=True)
        write_parquet_atomically(
            pl.DataFrame([entry], schema=MANIFEST_SCHEMA, orient="row"),
            self.pending_dir / f"{entry['delivery_id']}.parquet",
        )

    def write_manifest(self, manifest: pl.DataFrame) -> None:
        """Replace the manifest file with `manifest`, which includes every pending entry."""
        write_parquet_atomically(manifest.select(MANIFEST_SCHEMA.names()).sort("seq"), self.manifest_path)
        shutil.rmtree(self.pending_dir, ignore_errors=True)

    @property
    def rebuild_marker(self) -> Path:
        """Present when rows left the raw zone (a delivery corrected in place, a full refresh): dbt's
        incremental models of this source must be rebuilt, not appended to."""
        return self.manifest_path.parent / f"{REBUILD_MARKER}.{self.source.name}"

    def mark_rebuild(self) -> None:
        self.rebuild_marker.parent.mkdir(parents=True, exist_ok=True)
        self.rebuild_marker.touch()

    @property
    def recheck_marker(self) -> Path:
        """Present when keys of a parent source (orders, for order_lines) left its raw zone: rows of
        this source loaded before may have lost their parent, so its deliveries are checked again once."""
        return self.manifest_path.parent / f"{RECHECK_MARKER}.{self.source.name}"

    def mark_children_recheck(self) -> None:
        """Ask every source whose rows point at this one (contract parents) to check its rows again.
        The marker holds a fresh token: a child clears only the token it read before its re-check."""
        for child in SOURCES.values():
            if any(target.split(".")[0] == self.source.name for target in child.parents.values()):
                marker = RawZone(self.root, child).recheck_marker
                marker.parent.mkdir(parents=True, exist_ok=True)
                write_text_atomically(uuid.uuid4().hex, marker)

    def recheck_token(self) -> str | None:
        return self.recheck_marker.read_text() if self.recheck_marker.is_file() else None

    def clear_recheck(self, token: str) -> None:
        """Forget the re-check asked for by `token` (not one a parent asked for since)."""
        if self.recheck_token() == token:
            self.recheck_marker.unlink(missing_ok=True)

    def delivery_keys(self, delivery_id: str, column: str) -> pl.Series:
        """The `column` values of one delivery's rows as written (as strings)."""
        parts = self._parts(delivery_id)
        if not parts:
            return pl.Series(column, [], pl.String)
        scan = pl.scan_parquet(parts, hive_partitioning=False, missing_columns="insert", extra_columns="ignore")
        return scan.select(pl.col(column).cast(pl.String)).collect().to_series()

    def stored_quarantine(self, delivery_id: str) -> pl.DataFrame:
        """The quarantine written for one delivery (QUARANTINE_SCHEMA columns; empty when none)."""
        path = self.quarantine_dir / f"{delivery_id}.parquet"
        if not path.is_file():
            return pl.DataFrame(schema=QUARANTINE_SCHEMA)
        return pl.read_parquet(path).select(QUARANTINE_SCHEMA.names()).cast(dict(QUARANTINE_SCHEMA))

    def _parts(self, delivery_id: str) -> list[Path]:
        return list(self.folder.glob(f"**/{delivery_id}.parquet"))

    def replace_delivery(self, delivery_id: str, rows: pl.DataFrame, quarantine: pl.DataFrame) -> list[str]:
        """Swap in one delivery's rows (with lineage) and quarantine; returns the day partitions written."""
        written: list[Path] = []
        days: list[str] = []
        if rows.height and self.source.event_time:
            day = pl.col(self.source.event_time).dt.date().cast(pl.String).fill_null("unknown")
            for (value,), part in rows.with_columns(day.alias("__day")).group_by("__day", maintain_order=True):
                folder = self.folder / f"day={value}"
                folder.mkdir(parents=True, exist_ok=True)
                target = folder / f"{delivery_id}.parquet.tmp"
                part.drop("__day").write_parquet(target, compression=PART_COMPRESSION)
                written.append(target)
                days.append(str(value))
        elif rows.height:
            target = self.folder / f"{delivery_id}.parquet.tmp"
            rows.write_parquet(target, compression=PART_COMPRESSION)
            written.append(target)
        for old in self._parts(delivery_id):
            old.unlink()
        for part in written:
            part.rename(part.with_suffix(""))
        quarantine_file = self.quarantine_dir / f"{delivery_id}.parquet"
        if quarantine.height:
            write_parquet_atomically(quarantine.select(QUARANTINE_STORE_SCHEMA.names()), quarantine_file)
        else:
            quarantine_file.unlink(missing_ok=True)
        return sorted(days)

    def scan(self) -> pl.LazyFrame:
        """Every accepted row of every delivery (all versions). A part written before an optional
        column joined the contract (orders.currency) reads with that column null."""
        return pl.scan_parquet(
            self.folder / "**" / "*.parquet", schema=self.row_schema, hive_partitioning=False, missing_columns="insert"
        )

    def scan_quarantine(self) -> pl.LazyFrame:
        return pl.scan_parquet(self.quarantine_dir / "*.parquet", schema=QUARANTINE_STORE_SCHEMA)

    # --- re-deliveries held back (a file that shrank, emptied or became unreadable: load.hold_reason) ---

    def held_path(self, delivery_id: str) -> Path:
        return self.quarantine_dir / f"{delivery_id}.held.parquet"

    def hold(self, entry: pl.DataFrame) -> None:
        """Record a held re-delivery: one file-level quarantine record (in ops.quarantine too)."""
        self.quarantine_dir.mkdir(parents=True, exist_ok=True)
        delivery_id = entry["delivery_id"][0]
        write_parquet_atomically(
            entry.select(QUARANTINE_STORE_SCHEMA.names()).cast(dict(QUARANTINE_STORE_SCHEMA)),
            self.held_path(delivery_id),
        )

    def release_held(self, keep: set[str]) -> None:
        """Forget the held records of deliveries not held any more (accepted, restored or removed)."""
        for path in self.quarantine_dir.glob("*.held.parquet") if self.quarantine_dir.is_dir() else []:
            if path.name.removesuffix(".held.parquet") not in keep:
                path.unlink(missing_ok=True)

    @property
    def accepted_path(self) -> Path:
        return self.manifest_path.parent / f"{self.source.name}.accepted.json"

    def accepted(self) -> dict[str, str]:
        """delivery_id -> the fingerprint of the version someone accepted (omnistock accept-delivery)."""
        return json.loads(self.accepted_path.read_text()) if self.accepted_path.is_file() else {}

    def accept(self, delivery_id: str, fingerprint: str) -> None:
        self._write_accepted({**self.accepted(), delivery_id: fingerprint})

    def forget_accepted(self, used: dict[str, str]) -> None:
        """Forget the acceptances this run used (delivery_id -> the fingerprint it let through): the
        file is read again now, so an acceptance written meanwhile (another delivery, or the same
        one at a newer version) stays for the next run."""
        accepted = self.accepted()
        spent = {k for k, v in accepted.items() if used.get(k) == v}
        if spent:
            self._write_accepted({k: v for k, v in accepted.items() if k not in spent})

    def _write_accepted(self, accepted: dict[str, str]) -> None:
        if not accepted:
            self.accepted_path.unlink(missing_ok=True)
            return
        self.accepted_path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(json.dumps(accepted, indent=1, sort_keys=True), self.accepted_path)

    def write_refused_keys(self, delivery_id: str, keys: pl.DataFrame) -> None:
        """The keys of this delivery's refused rows, for the sources whose rows belong to them (parents.py)."""
        from pipelines.ingest.parents import refused_keys_folder

        folder = refused_keys_folder(self.root, self.source.name)
        target = folder / f"{delivery_id}.parquet"
        if not keys.height:
            target.unlink(missing_ok=True)
            return
        folder.mkdir(parents=True, exist_ok=True)
        write_parquet_atomically(keys, target)


def held_deliveries(raw_root: Path) -> pl.DataFrame:
    """Every re-delivery held back, of every source (QUARANTINE_STORE_SCHEMA)."""
    files = sorted((raw_root / "_quarantine").glob("*/*.held.parquet"))
    if not files:
        return pl.DataFrame(schema=QUARANTINE_STORE_SCHEMA)
    return pl.concat([pl.read_parquet(f).cast(dict(QUARANTINE_STORE_SCHEMA)) for f in files])
