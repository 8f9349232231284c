"""Find and read landing files: CSV, Parquet or JSON Lines, any file name.

A reader returns the file's rows with a 1-based record number (`ROW`), or raises
`UnreadableFile` with a reason a person can act on. CSV is read by DuckDB, which
reports every malformed line (too many or too few fields, a quote left open, bad
UTF-8) with its line number and text; those lines come back as rows whose
`MALFORMED` column holds the reason and `RAW_LINE` the line, so validation
quarantines them and the rest of the file loads. A quoted value may span lines (RFC 4180:
a multi-line product name, order note or address) when the record it makes has the header's
field count and none of the lines it takes in is a whole record on its own; otherwise the
quote was left open: its line is quarantined alone, never with the lines after it.
"""

from __future__ import annotations

import bisect
import csv
import itertools
import mmap
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa

from pipelines.ingest.landing import scan_folder
from pipelines.ingest.validate import MALFORMED, RAW_LINE, ROW

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")


class UnreadableFile(Exception):
    """The file as a whole cannot be read; the message says why."""


def found_columns(columns: Iterable[str], expected: Iterable[str]) -> str:
    """What a message about a file's missing columns says about the columns it has.

    `found: a, b` when the header shares a column with what was expected (a data file with
    a column missing or misspelt); otherwise only how many there were: the first line of a
    file that is not a data file (a text file, a copy of /etc/passwd) may be anything, and
    is never quoted into the ingestion log, the quarantine or the run's output."""
    names = [c for c in columns if not c.startswith("__")]
    wanted = {e.strip().lower() for e in expected}
    if any(n.strip().lower() in wanted for n in names):
        return f"found: {', '.join(names)}"
    return f"found {len(names)} column(s), none of them expected (not quoted: it does not look like a data file)"


def landing_files(folder: Path, root: Path | None = None) -> list[Path]:
    """Every data file under a landing folder, in a stable order (names starting with `.` or `_` skipped).

    A symbolic link is followed only when its target is inside `root` (the landing zone;
    default: the folder itself); `pipelines.ingest.landing.scan_folder` also says what it skipped."""
    return scan_folder(folder, root).files


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
    """The column names, from the file's first line alone: a quote the header leaves open would
    otherwise take the lines after it as names."""
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
        first = handle.readline().rstrip("\r\n")
    try:
        header = next(csv.reader([first], delimiter=separator, strict=True), [])
    except csv.Error as exc:
        if str(exc) == "unexpected end of data":  # csv's words for a quote still open at the line's end
            raise UnreadableFile("the header row leaves a quote open (a column name may not span lines)") from None
        header = next(csv.reader([first], delimiter=separator), [])  # a stray quote: read as before
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
        rows = pl.read_csv(
            path, has_header=False, skip_rows=1, separator=separator, quote_char=None, schema=schema, encoding="utf8"
        )
    except pl.exceptions.PolarsError:  # whatever Polars refuses, DuckDB reads and names line by line
        return None
    if rows.height != lines - 1:  # a header and one row per line, or something is off: let DuckDB read it
        return None
    return _numbered(rows.rename({f"c{i}": name for i, name in enumerate(names)}))


def read_csv_with_rejects(path: Path, separator: str = ",") -> pl.DataFrame:
    """Every field as text; malformed lines as MALFORMED/RAW_LINE rows in their place.

    A quoted value may hold a line break when its record is sound (docs/data_contract.md, "CSV
    details"). DuckDB reads the file as it is; when a record came back spanning lines (a multi-line
    value, or a quote left open taking the lines after it into one value or one rejected line), the
    file is read again record by record (`_read_line_by_line`): a sound multi-line record loads, a
    quote left open is quarantined with its own line, and every other line still loads."""
    names = _header(path, separator)
    rows, rejects = _duckdb_read(path, separator, names)
    records = rows.height + rejects["line"].n_unique()
    if records < _line_count(path) - 1:  # a record spans lines, or lines are blank: number each line
        return _read_line_by_line(path, separator, names)
    if rejects.height == 0:
        return _numbered(rows)
    bad = _malformed(rejects.with_columns((pl.col("line").cast(pl.Int64) - 1).alias(ROW)))
    # accepted rows keep their order: number them with the record numbers the rejects left free
    total = rows.height + bad.height
    free = pl.DataFrame({ROW: pl.int_range(1, total + 1, eager=True)}).filter(~pl.col(ROW).is_in(bad[ROW].implode()))
    numbered = rows.with_columns(free[ROW].head(rows.height).alias(ROW))
    return pl.concat([numbered, bad], how="diagonal_relaxed").sort(ROW)


def _duckdb_read(path: Path, separator: str, names: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows, every field as text, named; DuckDB's rejects: line, error and the line's text)."""
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
    return rows.rename({f"c{i}": name for i, name in enumerate(names)}), rejects


def _malformed(rejects: pl.DataFrame) -> pl.DataFrame:
    """One quarantine row per malformed line (ROW set; a line may have several problems)."""
    return rejects.group_by(ROW, maintain_order=True).agg(
        pl.format("malformed line: {} ({})", pl.col("error_type").cast(pl.String), pl.col("error_message"))
        .str.join("; ")
        .alias(MALFORMED),
        pl.col("csv_line").first().str.strip_chars("\r\n").str.slice(0, 500).alias(RAW_LINE),
    )


def _spans_lines(rows: pl.DataFrame, rejects: pl.DataFrame) -> bool:
    """Whether DuckDB read a record over more than one line: a line break inside a value it
    accepted, or inside the text of a line it rejected (a quote left open takes the lines after it)."""
    text = [name for name, dtype in rows.schema.items() if dtype == pl.String]
    if rows.height and text:
        if rows.select(pl.any_horizontal(pl.col(text).str.contains("\n", literal=True)).any()).item():
            return True
    return rejects.height > 0 and bool(
        rejects["csv_line"].str.strip_chars("\r\n").str.contains("\n", literal=True).any()
    )


_COUNT_BLOCK = 2**20  # counted a block at a time: a block and its comparison stay in the CPU cache (2x faster)


def _line_count(path: Path) -> int:
    """Lines in the file up to its last line with text: its line ends, a last line without one,
    less the blank lines some exports leave at the end (DuckDB skips them; not worth a second read)."""
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        size = len(data)
        ends = sum(
            _count_line_ends(data, start, min(start + _COUNT_BLOCK, size)) for start in range(0, size, _COUNT_BLOCK)
        )
        tail = data[max(0, size - 4096) :]
        trailing = tail[len(tail.rstrip(b"\r\n")) :].count(b"\n")
        return ends + (data[size - 1] != ord("\n")) - max(0, trailing - 1)


def _count_line_ends(data: mmap.mmap, start: int, end: int) -> int:
    return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8, count=end - start, offset=start) == ord("\n")))


@dataclass(frozen=True)
class _QuoteProblem:
    """A line whose quotes do not close on it: quarantined alone, so the lines after it still load."""

    line: int  # 1-based line number in the file (the header is line 1)
    start: int  # its bytes in the file, line end included
    end: int
    text: str
    reason: str


@dataclass(frozen=True)
class _Span:
    """A record whose quoted value spans lines and is sound (see `_join`): read as one record."""

    line: int  # its first line (1-based, the header is line 1)
    lines: int  # how many lines it takes
    start: int  # its bytes in the file, last line end included
    end: int


@dataclass(frozen=True)
class _LineScan:
    lines: int  # lines in the file, the header included
    blank: np.ndarray  # numbers of the empty lines after the header (DuckDB skips them)
    problems: list[_QuoteProblem]  # lines quarantined on their own (none inside a span)
    spans: list[_Span]  # sound multi-line records, in file order, not overlapping


def _read_line_by_line(path: Path, separator: str, names: list[str]) -> pl.DataFrame:
    """Each record numbered by its first line (ROW = line number - 1: a quarantined row names its
    line; the lines a multi-line record takes after its first, like blank lines, leave gaps).

    A sound multi-line record (`_join`) is one record. A line that leaves a quote open otherwise,
    or closes one in the wrong place, is quarantined naming the lines a reader would have joined to
    it; DuckDB reads the rest, which then cannot span lines, and names the other malformed lines."""
    scan = _scan_lines(path, separator, len(names))
    with tempfile.TemporaryDirectory(prefix="omnistock-csv-") as folder:
        kept, multi = Path(folder) / "kept.csv", Path(folder) / "multi.csv"
        cuts = sorted([(p.start, p.end) for p in scan.problems] + [(s.start, s.end) for s in scan.spans])
        _copy_without(path, kept, cuts)
        rows, rejects = _duckdb_read(kept, separator, names)
        spanned = _read_spans(path, multi, separator, names, scan.spans) if scan.spans else None
    if _spans_lines(rows, rejects):  # cannot happen when the scan is right; refuse rather than lose lines
        raise UnreadableFile("its quotes cannot be resolved line by line")
    span_lines = [np.arange(s.line, s.line + s.lines, dtype=np.int64) for s in scan.spans]
    removed = np.unique(np.concatenate([np.array([p.line for p in scan.problems], dtype=np.int64), *span_lines]))
    # DuckDB numbers the lines of the file it read, blank ones included: back to this file's lines
    reject_lines = rejects["line"].cast(pl.Int64).to_numpy()
    rejects = rejects.with_columns(pl.Series(ROW, _nth_free(reject_lines - 1, removed, first=1) - 1, dtype=pl.Int64))
    bad = _malformed(rejects)
    taken = np.concatenate([scan.blank, removed, bad[ROW].to_numpy() + 1]).astype(np.int64)
    expected = scan.lines - 1 - np.unique(taken).size
    if rows.height != expected:
        raise UnreadableFile(
            f"{rows.height} records read line by line from {expected} lines: the lines cannot be told apart"
        )
    numbered = rows.with_columns(pl.Series(ROW, _nth_free(np.arange(rows.height), taken, first=2) - 1, dtype=pl.Int64))
    problems = pl.DataFrame(
        {
            ROW: [p.line - 1 for p in scan.problems],
            MALFORMED: [p.reason for p in scan.problems],
            RAW_LINE: [p.text[:500] for p in scan.problems],
        },
        schema={ROW: pl.Int64, MALFORMED: pl.String, RAW_LINE: pl.String},
    )
    return pl.concat(
        [numbered, bad, problems, *([spanned] if spanned is not None else [])], how="diagonal_relaxed"
    ).sort(ROW)


def _read_spans(path: Path, target: Path, separator: str, names: list[str], spans: list[_Span]) -> pl.DataFrame:
    """The multi-line records, read by DuckDB from a file of the header and them alone: a row
    each (ROW = its first line - 1), or a quarantine row naming its lines when DuckDB refuses it
    (bytes that are not UTF-8, say)."""
    with open(path, "rb") as source, open(target, "wb") as writer:
        header = source.readline()  # with its own line end: DuckDB takes the file's from its first line
        writer.write(header)
        ending = header[len(header.rstrip(b"\r\n")) :] or b"\n"
        for span in spans:
            source.seek(span.start)
            text = source.read(span.end - span.start)
            writer.write(text if text.endswith(b"\n") else text + ending)
    rows, rejects = _duckdb_read(target, separator, names)
    # the line in that file where each span starts (its header is line 1): rejects back to their span
    starts = 2 + np.concatenate(([0], np.cumsum([s.lines for s in spans])[:-1])).astype(np.int64)
    index = np.searchsorted(starts, rejects["line"].cast(pl.Int64).to_numpy(), side="right") - 1
    refused = np.unique(index)
    if rows.height + refused.size != len(spans):
        raise UnreadableFile(
            f"{rows.height + refused.size} records read from {len(spans)} multi-line records: they cannot be told apart"
        )
    first = np.array([s.line for s in spans], dtype=np.int64)
    loaded = rows.with_columns(pl.Series(ROW, np.delete(first, refused) - 1, dtype=pl.Int64))
    if not refused.size:
        return loaded
    bad = _malformed(rejects.with_columns(pl.Series(ROW, first[index] - 1, dtype=pl.Int64)))
    ranges = {s.line - 1: f"malformed record (lines {s.line}-{s.line + s.lines - 1}): " for s in spans}
    bad = bad.with_columns(
        (
            pl.col(ROW).replace_strict(ranges, return_dtype=pl.String)
            + pl.col(MALFORMED).str.strip_prefix("malformed line: ")
        ).alias(MALFORMED)
    )
    return pl.concat([loaded, bad], how="diagonal_relaxed")


def _nth_free(ranks: np.ndarray, taken: np.ndarray, first: int) -> np.ndarray:
    """The numbers first, first + 1, ... without those `taken`: the one at each 0-based rank."""
    gaps = np.unique(taken[taken >= first]) - first
    shifted = gaps - np.arange(gaps.size)
    return ranks + np.searchsorted(shifted, ranks, side="right") + first


def _quote_patterns(separator: str) -> tuple[str, str]:
    """(a whole line whose quotes all close, a line that ends inside a quoted value), as regexes.

    As DuckDB reads: a value that starts with a quote ends at a quote followed by a separator or
    the line's end (a doubled quote is a quote); a value that does not may hold quotes."""
    sep = r"\t" if separator == "\t" else re.escape(separator)
    quoted = r'"(?:[^"]|"")*"'
    plain = rf'(?:[^{sep}"\r\n][^{sep}\r\n]*)?'
    field = rf"(?:{quoted}|{plain})"
    return rf"^{field}(?:{sep}{field})*\r?\n?$", rf'^(?:{field}{sep})*"(?:[^"]|"")*$'


def _scan_lines(path: Path, separator: str, fields: int) -> _LineScan:
    """The file's lines, blank lines, quote problems and sound multi-line records, read in chunks
    of whole lines. A quote problem on a line inside a multi-line record is part of its value."""
    patterns = _quote_patterns(separator)
    lines, blank, problems, spans = 0, [], [], []
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        start = 0
        while start < len(data):
            end = min(start + _CHUNK, len(data))
            if end < len(data):  # end the chunk after a line end (or take the whole long line)
                last = data.rfind(b"\n", start, end)
                end = last + 1 if last >= 0 else (data.find(b"\n", end) + 1 or len(data))
            count, chunk_blank, chunk_problems, chunk_spans = _scan_chunk(
                data, start, end, lines, separator, fields, patterns
            )
            lines += count
            blank.append(chunk_blank)
            problems += chunk_problems
            spans += chunk_spans
            start = end
    outer: list[_Span] = []
    for span in spans:  # a line that opens a quote inside a record already open is part of it
        if not outer or span.line >= outer[-1].line + outer[-1].lines:
            outer.append(span)
    firsts = [s.line for s in outer]

    def inside(line: int) -> bool:
        at = bisect.bisect_right(firsts, line) - 1
        return at >= 0 and line < outer[at].line + outer[at].lines

    problems = [p for p in problems if not inside(p.line)]
    return _LineScan(lines, np.concatenate(blank) if blank else np.empty(0, np.int64), problems, outer)


def _scan_chunk(
    data: mmap.mmap, offset: int, end: int, before: int, separator: str, fields: int, patterns: tuple[str, str]
) -> tuple[int, np.ndarray, list[_QuoteProblem], list[_Span]]:
    """(lines, blank line numbers, quote problems, sound multi-line records starting here) of
    data[offset:end], whole lines after `before` lines."""
    codes = np.frombuffer(data, dtype=np.uint8, count=end - offset, offset=offset)  # a view, gone on return
    size = codes.size
    line_ends = np.flatnonzero(codes == ord("\n"))
    starts = np.concatenate(([0], line_ends + 1))
    ends = np.concatenate((line_ends, [size]))
    if starts[-1] == size:  # the chunk ends with a line end: no line after it
        starts, ends = starts[:-1], ends[:-1]
    numbers = np.arange(before + 1, before + 1 + starts.size, dtype=np.int64)
    lengths = ends - starts
    is_blank = (lengths == 0) | ((lengths == 1) & (codes[np.minimum(starts, size - 1)] == ord("\r")))
    blank = numbers[is_blank & (numbers > 1)]
    if data.find(b'"', offset, end) < 0:
        return starts.size, blank, [], []
    # the lines holding a quote, checked by a regex over their text (bytes above ASCII masked: only
    # quotes, separators and line ends matter, and the text need not be valid UTF-8)
    with_quote = np.unique(np.searchsorted(starts, np.flatnonzero(codes == ord('"')), side="right") - 1)
    masked = np.where(codes >= 0x80, np.uint8(ord("?")), codes)
    bounds = np.append(starts, size).astype(np.int64)
    text = (
        pl.Series(
            pa.LargeBinaryArray.from_buffers(
                pa.large_binary(), starts.size, [None, pa.py_buffer(bounds), pa.py_buffer(masked)]
            )
        )
        .cast(pl.String)
        .gather(with_quote)
    )
    closed, left_open = patterns
    wrong = ~text.str.contains(closed).to_numpy()
    candidates = with_quote[wrong]
    is_open = text.filter(pl.Series(wrong)).str.contains(left_open).to_numpy()
    problems, spans = [], []
    for index, opened in zip(candidates.tolist(), is_open.tolist(), strict=True):
        number = int(numbers[index])
        if number == 1:  # the header: `_header` has read it
            continue
        first, last = offset + int(starts[index]), offset + int(ends[index])
        line_text = data[first:last].decode("utf-8", errors="replace").rstrip("\r")
        if opened:
            joined = _join(data, first, separator, fields, closed)
            if joined.sound:
                spans.append(_Span(number, joined.lines, first, joined.end))
                continue
            reason = _left_open_reason(number, joined.lines)
        else:
            reason = (
                f"malformed line: a quote in the wrong place on line {number} "
                "(a quoted value must end at a separator or the line's end)"
            )
        problems.append(_QuoteProblem(number, first, min(last + 1, len(data)), line_text, reason))
    return starts.size, blank, problems, spans


_JOIN_LIMIT = 1000  # lines followed to say how far a quote left open would reach


@dataclass(frozen=True)
class _Joined:
    lines: int  # lines a reader that lets a quoted value span lines takes as one record
    end: int  # the byte after the last of them
    sound: bool  # a legitimate multi-line record (see `_join`)


def _join(data: mmap.mmap, start: int, separator: str, fields: int, closed: str) -> _Joined:
    """The record a reader that lets a quoted value span lines makes from the line at byte `start`
    (one that leaves a quote open), following up to _JOIN_LIMIT lines.

    Sound when the quote closes properly, the record has the header's field count, and none of
    the lines it takes after its first is a whole record on its own: a quoted name, note or address
    with a line break continues on a line with fewer fields; a quote left open by mistake swallows
    the records after it, and such a record is the signature of the mistake."""
    texts: list[str] = []
    ends: list[int] = []

    def lines() -> Iterator[str]:
        position = start
        while position < len(data):
            line_end = data.find(b"\n", position)
            following = len(data) if line_end < 0 else line_end + 1
            texts.append(data[position:following].decode("utf-8", errors="replace"))
            ends.append(following)
            yield texts[-1]
            position = following

    reader = csv.reader(itertools.islice(lines(), _JOIN_LIMIT), delimiter=separator, strict=True)
    try:
        record: list[str] | None = next(reader)
    except (csv.Error, StopIteration):
        record = None
    taken = reader.line_num
    sound = (
        record is not None
        and taken > 1
        and _whole(len(record), record[-1], fields)
        and not any(_whole_line(text, separator, fields, closed) for text in texts[1:taken])
    )
    return _Joined(taken, ends[taken - 1] if taken else start, sound)


def _whole(count: int, last: str, fields: int) -> bool:
    """Whether a record of `count` fields (`last` its last value) has the header's field count, as
    DuckDB reads: one trailing empty field (a line ending in a separator) is accepted."""
    return count == fields or (count == fields + 1 and last == "")


def _whole_line(text: str, separator: str, fields: int, closed: str) -> bool:
    """Whether one line is a complete record by itself: its quotes all close, its field count is right."""
    line = text.rstrip("\r\n")
    if not line or not re.match(closed, line):
        return False
    try:
        values = next(csv.reader([line], delimiter=separator, strict=True))
    except (csv.Error, StopIteration):
        return False
    return _whole(len(values), values[-1], fields)


def _left_open_reason(line: int, joined: int) -> str:
    """Why a line that opens a quote is quarantined: the lines a multi-line read would take in, which
    do not make one sound record (`_join`)."""
    if joined <= 1:
        return f"malformed line: a quote left open at the end of line {line} (the file ends inside it)"
    last = line + joined - 1
    more = " and beyond" if joined >= _JOIN_LIMIT else ""
    if last == line + 1:
        swallowed = f"line {last}, which is read on its own"
    else:
        swallowed = f"lines {line + 1}-{last}{more}, which are read on their own"
    return (
        f"malformed line: a quote left open at the end of line {line} "
        f"(not one sound record: read as one it would swallow {swallowed})"
    )


def _copy_without(source: Path, target: Path, cuts: list[tuple[int, int]]) -> None:
    """Copy a file leaving out the byte ranges `cuts` (sorted, not overlapping)."""
    block = 16 * 2**20
    with open(source, "rb") as reader, open(target, "wb") as writer:
        position = 0
        for cut_start, cut_end in [*cuts, (None, None)]:
            reader.seek(position)
            remaining = None if cut_start is None else cut_start - position
            while remaining is None or remaining > 0:
                chunk = reader.read(block if remaining is None else min(block, remaining))
                if not chunk:
                    break
                writer.write(chunk)
                if remaining is not None:
                    remaining -= len(chunk)
            if cut_end is not None:
                position = cut_end
