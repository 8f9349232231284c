"""Every delivery of one source in the landing zone, whatever shape it came in.

    landing/<source>/...                  contract files (CSV, Parquet, JSON Lines)
    landing/<format>/<channel_id>/...     platform-native files (pipelines/ingest/formats)
    landing/<export>/...                  any export with a YAML mapping folder named <export>:
                                          <data>/mappings/<export>/*.yml, else the shipped
                                          mappings/<export>/*.yml (e.g. mappings/olist)

A mapping file that cannot be used is reported as an unreadable delivery of the
source it names, so the other sources (and the other mappings) still load.

Nothing is read from outside the landing zone: a symbolic link is followed only when
its target is inside it (pipelines/ingest/landing.py). `landing_report` lists what
no source reads — files under no source, format or mapped export (or matched by no
mapping of their export), links refused, special files — so a run can say so and
`ops.ingestion_log` keeps them (`landing_log`), with the names that would match.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
import yaml

from pipelines.contract import SOURCES
from pipelines.ingest.delivery import Delivery
from pipelines.ingest.formats import FORMATS, platform_deliveries
from pipelines.ingest.landing import scan_folder
from pipelines.ingest.mapping import MappingError, load_mapping, mapping_deliveries, matching_files
from pipelines.ingest.raw_zone import MANIFEST_SCHEMA
from pipelines.ingest.readers import UnreadableFile, landing_files, read_landing_file
from pipelines.settings import REPO_ROOT, Paths

SHIPPED_MAPPINGS = REPO_ROOT / "mappings"


def mapping_folders(where: Paths) -> dict[str, Path]:
    """Export name -> its folder of YAML mappings; the data folder's own override the shipped ones."""
    found: dict[str, Path] = {}
    for root in (SHIPPED_MAPPINGS, where.data_dir / "mappings"):
        if root.is_dir():
            for folder in sorted(p for p in root.iterdir() if p.is_dir()):
                if any(folder.glob("*.yml")) or any(folder.glob("*.yaml")):
                    found[folder.name] = folder
    reserved = set(SOURCES) | set(FORMATS)
    return {name: folder for name, folder in found.items() if name not in reserved}


def folder_deliveries(
    folder: Path, landing: Path | None = None, types: Mapping[str, pl.DataType] | None = None
) -> list[Delivery]:
    """The contract files of one folder, named by their path under `landing` (default: the folder's parent).

    `types` (the source's contract columns) lets a clean CSV be read typed; the result is the same."""
    root = landing or folder.parent
    return [
        Delivery(
            f"{root.name}/{path.relative_to(root).as_posix()}",
            lambda path=path: read_landing_file(path, types),
            files=(path,),
        )
        for path in landing_files(folder, root)  # a link leaving the landing zone is not read
    ]


def contract_deliveries(where: Paths, source_name: str) -> list[Delivery]:
    return folder_deliveries(where.landing / source_name, where.landing, SOURCES[source_name].columns)


def _broken_mapping(mapping_file: Path, error: Exception) -> Delivery:
    def fail() -> None:
        raise UnreadableFile(f"the mapping cannot be used: {error}")

    return Delivery(f"{mapping_file.parent.name}/{mapping_file.name} [mapping]", fail, files=(mapping_file,))


def _declared_source(mapping_file: Path) -> str | None:
    try:
        spec = yaml.safe_load(mapping_file.read_text())
    except (OSError, yaml.YAMLError):
        return None
    return spec.get("source") if isinstance(spec, dict) else None


def mapped_deliveries(where: Paths, source_name: str) -> list[Delivery]:
    deliveries: list[Delivery] = []
    for export, folder in mapping_folders(where).items():
        base = where.landing / export
        if not base.is_dir():
            continue
        for mapping_file in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
            try:
                deliveries += mapping_deliveries(mapping_file, base).get(source_name, [])
            except MappingError as exc:
                if _declared_source(mapping_file) == source_name:
                    deliveries.append(_broken_mapping(mapping_file, exc))
    return deliveries


def source_deliveries(where: Paths, source_name: str) -> list[Delivery]:
    """Contract files first, then platform formats, then mapped exports, each in path order."""
    return [
        *contract_deliveries(where, source_name),
        *platform_deliveries(where.landing, source_name),
        *mapped_deliveries(where, source_name),
    ]


# ---------------------------------------------------------------- what no source reads
UNRECOGNISED = "unrecognised"  # a file no source, platform format or mapping reads
SKIPPED = "skipped"  # a link refused, a special file, a folder that cannot be listed
LANDING_LOG = "_landing"  # raw/_manifest/_landing.parquet: these entries, in ops.ingestion_log


@dataclass(frozen=True)
class LandingEntry:
    """A landing file (or link) that no source reads: a row of ops.ingestion_log."""

    file: str  # as delivery names are: landing/<path under the landing zone>
    status: str  # UNRECOGNISED | SKIPPED
    message: str
    source: str | None = None  # the source whose folder it is in, if any
    fingerprint: str = ""  # size and modification time (the link's own, for a link)


def _declared_globs(mapping_file: Path) -> tuple[str, ...]:
    """The `files` globs of a mapping that cannot be used (it is reported as a broken mapping)."""
    try:
        spec = yaml.safe_load(mapping_file.read_text())
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return ()
    files = spec.get("files") if isinstance(spec, dict) else None
    globs = (files,) if isinstance(files, str) else tuple(files or ()) if isinstance(files, list) else ()
    return tuple(g for g in globs if isinstance(g, str))


def mapped_files(mapping_folder: Path, base: Path) -> set[Path]:
    """Every file under `base` that a mapping of `mapping_folder` reads, as data or as a lookup."""
    matched: set[Path] = set()
    for mapping_file in sorted([*mapping_folder.glob("*.yml"), *mapping_folder.glob("*.yaml")]):
        try:
            mapping = load_mapping(mapping_file)
            globs = (*mapping.files, *(g for lookup in mapping.lookups for g in lookup.files))
        except (MappingError, OSError, UnicodeDecodeError):
            globs = _declared_globs(mapping_file)
        try:
            matched |= set(matching_files(base, globs))
        except (ValueError, NotImplementedError):  # an absolute glob: the mapping reports itself
            continue
    return matched


def _close(name: str, names: list[str], cutoff: float = 0.75) -> str | None:
    """The name most like `name`.

    One it starts with (orders_2026 -> orders, olist_raw -> olist), else a close spelling.
    """
    name = name.lower()
    prefixed = [n for n in names if name.startswith(n) or n.startswith(name)]
    if prefixed:
        return max(prefixed, key=lambda n: difflib.SequenceMatcher(None, name, n).ratio())
    found = difflib.get_close_matches(name, names, n=1, cutoff=cutoff)
    return found[0] if found else None


def unrecognised_message(relative: Path, exports: Mapping[str, Path]) -> str:
    """Why nothing reads a landing file (`relative`: its path under landing/), and where it would be read."""
    top = relative.parts[0] if len(relative.parts) > 1 else None
    if top in exports:
        return (
            f"no mapping in {exports[top]} matches this file, so nothing reads it: add it to a mapping's "
            "`files` (or a new mapping) there (docs/mappings.md)"
        )
    where = (
        "directly under landing/"
        if top is None
        else f"under landing/{top}/, which is no contract source, platform format or mapped export"
    )
    stem = relative.name.split(".")[0].lower()
    source = stem if stem in SOURCES else _close(stem, list(SOURCES))
    hints = [
        f"landing/{source}/ if it has the contract's {source} columns"
        if source
        else "landing/<source>/ if it has a contract source's columns (docs/data_contract.md)"
    ]
    near = _close(top, [*exports, *FORMATS], cutoff=0.6) if top else None
    if near and near in exports:
        hints.append(f"landing/{near}/ to be read through the mappings in {exports[near]}")
    elif near and near in FORMATS:
        hints.append(f"landing/{near}/<channel_id>/ if it is a {FORMATS[near].platform} export")
    hints.append(f"add a mapping folder mappings/{top or '<export>'}/ for any other export (docs/mappings.md)")
    return f"nothing reads this file: it is {where}; put it under " + "; or ".join(hints)


def _fingerprint(path: Path) -> str:
    try:
        stat = path.lstat()
    except OSError:
        return "missing"
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def landing_report(where: Paths) -> list[LandingEntry]:
    """Everything in the landing zone that no delivery reads, in path order (never opens a file)."""
    landing = where.landing
    scan = scan_folder(landing, landing)
    exports = mapping_folders(where)
    read_by_mappings: dict[str, set[Path]] = {}

    def entry(path: Path, status: str, message: str) -> LandingEntry:
        relative = path.relative_to(landing)
        top = relative.parts[0] if len(relative.parts) > 1 else None
        return LandingEntry(
            f"{landing.name}/{relative.as_posix()}",
            status,
            message,
            top if top in SOURCES else None,
            _fingerprint(path),
        )

    entries = [entry(s.path, SKIPPED, s.reason) for s in scan.skipped]
    for path in scan.files:
        relative = path.relative_to(landing)
        top = relative.parts[0] if len(relative.parts) > 1 else None
        if top in SOURCES or top in FORMATS:
            continue  # every file there is a delivery (an unusable one is logged as unreadable)
        if top in exports:
            if top not in read_by_mappings:
                read_by_mappings[top] = mapped_files(exports[top], landing / top)
            if path in read_by_mappings[top]:
                continue
        entries.append(entry(path, UNRECOGNISED, unrecognised_message(relative, exports)))
    return sorted(entries, key=lambda e: e.file)


def landing_log(entries: list[LandingEntry], previous: pl.DataFrame, now: datetime) -> pl.DataFrame:
    """`entries` as ingestion-log rows (MANIFEST_SCHEMA), no rows read; an entry seen before with
    the same fingerprint and message keeps its times, so an unchanged landing zone logs nothing new."""
    before = {row["delivery_id"]: row for row in previous.iter_rows(named=True)}
    rows = []
    for e in entries:
        delivery_id = hashlib.sha1(f"{e.status}:{e.file}".encode()).hexdigest()[:16]
        old = before.get(delivery_id)
        unchanged = old is not None and old["fingerprint"] == e.fingerprint and old["message"] == e.message
        rows.append(
            {
                "source": e.source,
                "delivery_id": delivery_id,
                "file": e.file,
                "fingerprint": e.fingerprint,
                "seq": None,
                "status": e.status,
                "rows_read": 0,
                "rows_loaded": 0,
                "rows_replaced": 0,
                "rows_quarantined": 0,
                "retry": False,
                "message": e.message,
                "first_ingested_at": old["first_ingested_at"] if old else now,
                "ingested_at": old["ingested_at"] if unchanged else now,
            }
        )
    return pl.DataFrame(rows, schema=MANIFEST_SCHEMA, orient="row")
