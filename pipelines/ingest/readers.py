"""Find and read landing files: CSV, Parquet or JSON Lines, any file name.

A reader returns the file's rows with a 1-based record number (`ROW`), or raises
`UnreadableFile` with a reason a person can act on. CSV is read by DuckDB, which
reports every malformed line (too many or too few fields, a quote left open, bad
UTF-8) with its line number and text; those lines come back as rows whose
`MALFORMED` column holds the reason and `RAW_LINE` the line, so validation
quarantines them and the rest of the file loads.
"""

from __future__ import annotations

import csv
import mmap
from collections.abc import Mapping
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from pipelines.ingest.validate import MALFORMED, RAW_LINE, ROW

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")


class UnreadableFile(Exception):
    """The file as a whole cannot be read; the message says why."""


def landing_files(folder: Path) -> list[Path]:
    """Every data file under a source's landing folder, in a stable order (hidden files skipped)."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith((".", "_")) for part in p.relative_to(folder).parts)
    )


def read_landing_file(path: Path, types: Mapping[str, pl.DataType] | None = None) -> pl.DataFrame:
    """`types`: the contract's column types; a plain CSV whose numbers all parse is read typed (faster).

    A CSV is read by `_read_csv_plain` when it takes the file (no quotes, every line whole, every
    number parses), else by `read_csv_with_rejects` (anything: each malformed line comes back as a
    row); both give the same rows, and validation the same results."""
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise UnreadableFile("the file is empty (0 bytes)")
    try:
        if suffix in CSV_SUFFIXES:
            separator = "\t" if suffix == ".tsv" else ","
            frame = _read_csv_plain(path, separator, types or {})
            if frame is None:
                frame = read_csv_with_rejects(path, separator)
        elif suffix in PARQUET_SUFFIXES:
            frame = _numbered(pl.read_parquet(path))
        elif suffix in JSONL_SUFFIXES:
            frame = _numbered(pl.read_ndjson(path, infer_schema_length=None))
        else:
            raise UnreadableFile(f"unsupported file type '{suffix}': use .csv, .parquet or .jsonl")
    except UnreadableFile:
        raise
    except Exception as exc:  # polars and duckdb raise several exception types for broken files
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnreadableFile(f"cannot be read as {suffix.lstrip('.')}: {first_line}") from exc
    return frame.rename({c: c.strip().lower() for c in frame.columns})


def _numbered(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))


def _header(path: Path, separator: str) -> list[str]:
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
        header = next(csv.reader(handle, delimiter=separator), [])
    names = [h.strip() for h in header]
    if not names or all(not n for n in names):
        raise UnreadableFile("no header row")
    blank = [i + 1 for i, n in enumerate(names) if not n]
    if blank:
        raise UnreadableFile(f"header has an empty column name at position(s) {', '.join(map(str, blank))}")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise UnreadableFile(f"header repeats column(s) {', '.join(repeated)}")
    return names


_NUMBERS = (pl.Int64, pl.Float64)
_CHUNK = 64 * 2**20
MAX_LINE_BYTES = 2_000_000  # DuckDB's max_line_size: a longer line is quarantined by the text read


def _plain_line_count(path: Path, separator: str, fields: int) -> int | None:
    """The number of lines when the file is plain, else None. Plain: no quote character anywhere;
    lines end in LF, or all in CRLF (no other CR); no line near DuckDB's length limit (see
    `_no_long_line`); and exactly (fields - 1) separators per line on average.

    A reader that pads a short line with nulls cannot tell it from a line with empty last fields;
    the count can: a short or blank line must be made up for by a long one, and the plain read
    refuses any line with too many fields."""
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        counts = _byte_counts(data, ord(separator))  # its numpy views of the map are gone on return
    if counts is None:
        return None
    newlines, separators, returns, crlf, last = counts
    if returns and not returns == crlf == newlines:  # a CR on its own, or LF and CRLF mixed
        return None
    lines = newlines + (last != ord("\n"))
    return lines if separators == lines * (fields - 1) else None


def _byte_counts(data: mmap.mmap, sep: int) -> tuple[int, int, int, int, int] | None:
    """(LFs, separators, CRs, CRLFs, last byte) of a file with no quote and no overlong line, else None."""
    newlines = separators = returns = crlf = 0
    previous = -1  # the last byte of the previous chunk
    run = 0  # bytes since the last LF
    for start in range(0, len(data), _CHUNK):
        end = min(start + _CHUNK, len(data))
        if data.find(b'"', start, end) >= 0:
            return None
        codes = np.frombuffer(data, dtype=np.uint8, count=end - start, offset=start)  # a view, not a copy
        is_lf = codes == ord("\n")
        first, last = data.find(b"\n", start, end), data.rfind(b"\n", start, end)
        if first < 0:
            run += end - start
        elif run + first - start >= MAX_LINE_BYTES or not _no_long_line(is_lf):
            return None
        else:
            run = end - 1 - last
        if run >= MAX_LINE_BYTES:
            return None
        newlines += int(np.count_nonzero(is_lf))
        separators += int(np.count_nonzero(codes == sep))
        if previous == ord("\r") or data.find(b"\r", start, end) >= 0:
            is_cr = codes == ord("\r")
            returns += int(np.count_nonzero(is_cr))
            crlf += int(np.count_nonzero(is_cr[:-1] & is_lf[1:])) + (previous == ord("\r") and bool(is_lf[0]))
        previous = data[end - 1]
    return newlines, separators, returns, crlf, previous


def _no_long_line(is_lf: np.ndarray) -> bool:
    """True when no line inside the chunk can reach MAX_LINE_BYTES: every aligned block of half that
    size holds a line end (a longer run of bytes without one would hold a whole block). May say
    False for a line of more than half the limit: such a file is simply read by DuckDB."""
    block = max(1, MAX_LINE_BYTES // 2)
    whole = is_lf.size // block * block
    return bool(is_lf[:whole].reshape(-1, block).any(axis=1).all()) if whole else True


def _read_csv_plain(path: Path, separator: str, types: Mapping[str, pl.DataType]) -> pl.DataFrame | None:
    """The fastest path, for a plain file (see `_plain_line_count`): read by Polars, the contract's
    number columns parsed as it reads. None when the file is not plain or a number does not parse.
    Only numbers are typed here (Polars parses them as validation's strict cast does): text,
    timestamps and dates keep their own parsing rules in validation."""
    names = _header(path, separator)
    lines = _plain_line_count(path, separator, len(names))
    if lines is None:
        return None
    typed = [types.get(name.lower()) for name in names]
    schema = {f"c{i}": dtype if dtype in _NUMBERS else pl.String for i, dtype in enumerate(typed)}
    try:
        rows = pl.read_csv(path, has_header=False, skip_rows=1, separator=separator, quote_char=None, schema=schema, encoding="utf8")
    except pl.exceptions.PolarsError:  # whatever Polars refuses, DuckDB reads and names line by line
        return None
    if rows.height != lines - 1:  # a header and one row per line, or something is off: let DuckDB read it
        return None
    return _numbered(rows.rename({f"c{i}": name for i, name in enumerate(names)}))


def read_csv_with_rejects(path: Path, separator: str = ",") -> pl.DataFrame:
    """Every field as text; malformed lines as MALFORMED/RAW_LINE rows in their place."""
    names = _header(path, separator)
    con = duckdb.connect()
    try:
        rows = con.sql(
            """
            select * from read_csv(
                $path, header = true, delim = $sep, quote = '"', escape = '"',
                auto_detect = false, columns = $columns, strict_mode = true, null_padding = false,
                store_rejects = true, rejects_table = 'rejects', rejects_scan = 'reject_scans'
            )
            """,
            params={"path": str(path), "sep": separator, "columns": {f"c{i}": "varchar" for i in range(len(names))}},
        ).pl()
        rejects = con.sql(
            """
            select line, column_name, error_type, error_message, csv_line
            from rejects order by line, column_idx
            """
        ).pl()
    finally:
        con.close()
    rows = rows.rename({f"c{i}": name for i, name in enumerate(names)})
    if rejects.height == 0:
        return _numbered(rows)
    # one quarantine row per malformed line (a line may have several problems)
    bad = (
        rejects.with_columns((pl.col("line").cast(pl.Int64) - 1).alias(ROW))
        .group_by(ROW, maintain_order=True)
        .agg(
            pl.format("malformed line: {} ({})", pl.col("error_type").cast(pl.String), pl.col("error_message"))
            .str.join("; ")
            .alias(MALFORMED),
            pl.col("csv_line").first().str.strip_chars_end("\r\n").str.slice(0, 500).alias(RAW_LINE),
        )
    )
    # accepted rows keep their order: number them with the record numbers the rejects left free
    total = rows.height + bad.height
    free = pl.DataFrame({ROW: pl.int_range(1, total + 1, eager=True)}).filter(~pl.col(ROW).is_in(bad[ROW].implode()))
    numbered = rows.with_columns(free[ROW].head(rows.height).alias(ROW))
    return pl.concat([numbered, bad], how="diagonal_relaxed").sort(ROW)
