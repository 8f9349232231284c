"""Shared pieces of the platform formats: the registry entry, timestamps, money, frames.

Every converter returns its rows with *all* contract columns as text (None where the
platform has no value) plus ROW, so a value the platform got wrong reaches
`validate()` unchanged and is quarantined with its file, row and column.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from pipelines.contract import SOURCES
from pipelines.ingest.readers import UnreadableFile, found_columns
from pipelines.ingest.validate import ROW

BRAND_TZ = ZoneInfo("Asia/Shanghai")  # the brand's local time: every timestamp lands in it
TS_FORMAT = "%Y-%m-%d %H:%M:%S"

Reader = Callable[[Path, str], dict[str, pl.DataFrame]]


@dataclass(frozen=True)
class PlatformFormat:
    """A platform's native export or API payload, converted into contract sources."""

    name: str  # the landing folder: landing/<name>/<channel_id>/<files>
    platform: str
    produces: tuple[str, ...]
    read: Reader
    description: str = ""
    # which of `produces` one file yields (a format whose files differ by kind); default: all
    sources_in: Callable[[Path], tuple[str, ...]] | None = None

    def file_sources(self, path: Path) -> tuple[str, ...]:
        return self.sources_in(path) if self.sources_in else self.produces


def contract_frame(source: str, rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """Rows (dicts) as a frame of the source's contract columns (text) plus ROW."""
    columns = list(SOURCES[source].columns)
    schema = {**{c: pl.String for c in columns}, ROW: pl.Int64}
    records = [{c: _text(r.get(c)) for c in columns} | {ROW: r[ROW]} for r in rows]
    return pl.DataFrame(records, schema=schema, orient="row") if records else pl.DataFrame(schema=schema)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return str(round(value, 4))
    return str(value)


def from_unix(value: Any, tz: ZoneInfo = BRAND_TZ) -> Any:
    """Unix seconds to local naive 'YYYY-MM-DD HH:MM:SS'; 0/None to None; anything else unchanged."""
    if value in (None, "", 0, "0"):
        return None
    try:
        return datetime.fromtimestamp(int(value), tz).strftime(TS_FORMAT)
    except (TypeError, ValueError, OverflowError, OSError):
        return value


def from_iso(value: Any, tz: ZoneInfo = BRAND_TZ) -> Any:
    """ISO 8601 (with a zone: converted to local time; without: kept) to 'YYYY-MM-DD HH:MM:SS'."""
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError:
        return value
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(tz).replace(tzinfo=None)
    return parsed.strftime(TS_FORMAT)


def money(*values: Any) -> float | str | None:
    """The sum of amounts (numbers or numeric text); None if all are missing.

    A value that is not a number is returned as is, so validation quarantines it.
    """
    total = 0.0
    seen = False
    for v in values:
        if v is None or v == "":
            continue
        try:
            total += float(v)
        except (TypeError, ValueError):
            return str(v)
        seen = True
    return round(total, 4) + 0.0 if seen else None  # + 0.0 turns -0.0 into 0.0


def combine(expr: Callable[..., float], *values: Any) -> float | str | None:
    """Apply arithmetic to amounts; a non-number (text from money()) is passed through."""
    for v in values:
        if isinstance(v, str):
            return v
    return round(expr(*[v or 0.0 for v in values]), 4) + 0.0


def read_json_documents(path: Path) -> list[tuple[int, Any]]:
    """A JSON document, or JSON Lines: [(line number or 1, parsed value)]."""
    text = read_text(path)
    stripped = text.strip()
    try:
        return [(1, json.loads(stripped))]
    except json.JSONDecodeError as whole_error:
        docs: list[tuple[int, Any]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                docs.append((number, json.loads(line)))
            except json.JSONDecodeError as exc:
                if not docs:  # not JSON Lines either: report the document's own error
                    raise UnreadableFile(
                        f"broken JSON: {whole_error.msg} at line {whole_error.lineno} column {whole_error.colno}"
                    ) from whole_error
                raise UnreadableFile(f"broken JSON Lines: {exc.msg} at line {number} column {exc.colno}") from exc
        return docs


def read_text(path: Path) -> str:
    """The file's text: UTF-8 (with or without BOM), else GB18030 (Chinese platform exports)."""
    data = path.read_bytes()
    if not data.strip():
        raise UnreadableFile("the file is empty")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("the file is neither UTF-8 nor GB18030 text")


def read_csv_text(path: Path, separator: str = ",") -> pl.DataFrame:
    """A CSV/TSV export, every column as text, names trimmed, plus ROW (data rows, 1-based)."""
    text = read_text(path)
    try:
        frame = pl.read_csv(
            text.encode("utf-8"), separator=separator, infer_schema=False, null_values=[""], truncate_ragged_lines=False
        )
    except Exception as exc:  # polars raises several exception types for broken files
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnreadableFile(f"cannot be read as {'TSV' if separator == chr(9) else 'CSV'}: {first}") from exc
    frame = frame.rename({c: c.strip().lstrip("\ufeff") for c in frame.columns})
    return frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))


def require_columns(frame: pl.DataFrame, needed: Iterable[str], what: str) -> None:
    needed = list(needed)
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise UnreadableFile(
            f"not a {what}: missing column(s) {', '.join(missing)}; {found_columns(frame.columns, needed)}"
        )


_ZONED = ("%Y-%m-%dT%H:%M:%S%#z", "%Y-%m-%d %H:%M:%S%#z", "%Y-%m-%dT%H:%M:%S%.f%#z")
_NAIVE = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%d.%m.%Y")


def local_time(text: pl.Expr, tz: ZoneInfo = BRAND_TZ) -> pl.Expr:
    """Text timestamps to local naive Datetime: zoned ones ('Z', '+08:00', ' UTC') converted
    to the brand's time zone, naive ones and dates kept as written; null if none parses."""
    value = text.str.strip_chars().str.replace(r"\s*UTC$", "+00:00").str.replace(r"Z$", "+00:00")
    zoned = pl.coalesce([value.str.strptime(pl.Datetime("us", "UTC"), f, strict=False) for f in _ZONED])
    naive = pl.coalesce([value.str.strptime(pl.Datetime("us"), f, strict=False) for f in _NAIVE])
    return pl.coalesce(zoned.dt.convert_time_zone(tz.key).dt.replace_time_zone(None), naive)
