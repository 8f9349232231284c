"""Validate one landing file's rows against the contract. Pure: frames in, frames out.

Every row ends up in exactly one of two frames: `valid` (typed to the contract) or
`quarantine` (one record per broken cell, naming the file, row, column, value and
reason). A row with two broken cells yields two quarantine records but counts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import polars as pl

from pipelines.contract import DATE, EARLIEST_DATE, TS, Source

ROW = "__row"  # 1-based record number within the file (header excluded)
MALFORMED = "__malformed"  # set by a reader on a line it could not split into fields: the reason
RAW_LINE = "__raw_line"  # that line's text

QUARANTINE_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "file": pl.String,
        "row_number": pl.Int64,
        "column_name": pl.String,
        "value": pl.String,
        "reason": pl.String,
    }
)

_TIMESTAMP_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)
FUTURE_TOLERANCE = timedelta(days=1)


@dataclass(frozen=True)
class Validated:
    valid: pl.DataFrame  # contract columns + ROW, typed
    quarantine: pl.DataFrame  # QUARANTINE_SCHEMA
    rows_read: int

    @property
    def rows_quarantined(self) -> int:
        return self.rows_read - self.valid.height


def file_problem(source: str, file: str, reason: str, column: str | None = None) -> pl.DataFrame:
    """A quarantine record for a whole file (unreadable, wrong columns, empty)."""
    return pl.DataFrame(
        [{"source": source, "file": file, "row_number": None, "column_name": column, "value": None, "reason": reason}],
        schema=QUARANTINE_SCHEMA,
    )


def missing_required_columns(columns: list[str], source: Source) -> list[str]:
    return [c for c in source.required if c not in columns]


def _cast_expr(column: str, dtype: pl.DataType, input_dtype: pl.DataType) -> pl.Expr:
    col = pl.col(column)
    if input_dtype != pl.String:
        return col.cast(dtype, strict=False)
    text = col.str.strip_chars()
    if dtype == pl.Datetime("us"):
        return pl.coalesce([text.str.strptime(pl.Datetime("us"), fmt, strict=False) for fmt in _TIMESTAMP_FORMATS])
    if dtype == pl.Date:
        return text.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    if dtype == pl.Int64:
        # accept "12" and "12.0" but not "12.5"
        as_float = text.cast(pl.Float64, strict=False)
        return pl.when(as_float == as_float.round(0)).then(as_float.cast(pl.Int64, strict=False))
    if dtype == pl.String:
        return pl.when(text != "").then(col)
    return text.cast(dtype, strict=False)


def _strict_cast(values: pl.Series, dtype: pl.DataType) -> pl.Series | None:
    """The fast path: text in the canonical form casts in one strict pass; None when any value does not."""
    try:
        if dtype == pl.Datetime("us"):
            return values.str.strptime(pl.Datetime("us"), _TIMESTAMP_FORMATS[0], strict=True)
        if dtype == pl.Date:
            return values.str.strptime(pl.Date, "%Y-%m-%d", strict=True)
        if dtype in (pl.Int64, pl.Float64):
            return values.cast(dtype, strict=True)
    except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError):
        return None
    return None


def may_repeat_keys(frame: pl.DataFrame, keys: list[str]) -> bool:
    """False when no two rows share a key: one hash per row, counted (much faster than comparing
    the keys themselves). True means two rows may share one: compare them exactly."""
    if frame.height < 2:
        return False
    return frame.select(keys).hash_rows().n_unique() < frame.height


def repeated_key_hashes(frame: pl.DataFrame, keys: list[str]) -> pl.Series:
    """Per row: whether its key's hash occurs on another row too (a superset of the rows whose key
    repeats; a hash collision only sends a row down the exact path)."""
    hashes = frame.select(keys).hash_rows()
    ordered = np.sort(hashes.to_numpy())  # numpy sorts u64 faster than Polars on 2 cores
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    if not repeated.size:
        return pl.repeat(False, frame.height, dtype=pl.Boolean, eager=True)
    return hashes.is_in(pl.Series(repeated, dtype=pl.UInt64).implode())


def _records(broken: pl.DataFrame, column: str, reason: str | pl.Expr) -> pl.DataFrame:
    return broken.select(
        pl.col(ROW).alias("row_number"),
        pl.lit(column).alias("column_name"),
        pl.col(f"__raw_{column}").cast(pl.String).alias("value"),
        (pl.lit(reason) if isinstance(reason, str) else reason).alias("reason"),
    )


def validate(
    raw: pl.DataFrame,
    source: Source,
    file: str,
    now: datetime,
    known: dict[str, pl.Series] | None = None,
    earliest: date | None = None,
) -> Validated:
    """Type and check one file's rows. `raw` holds the file's columns (any types) and ROW.

    `known` maps a column to the values it may take (its master data's keys); a
    column absent from `known` is not checked against master data. `earliest`: no date
    may lie before it (default: the contract's EARLIEST_DATE; the `earliest_date` setting changes it).
    """
    rows_read = raw.height
    line_problems: list[pl.DataFrame] = []
    if MALFORMED in raw.columns:
        malformed = raw.filter(pl.col(MALFORMED).is_not_null())
        raw = raw.filter(pl.col(MALFORMED).is_null()).drop(MALFORMED, RAW_LINE, strict=False)
        if malformed.height:
            line_problems.append(
                malformed.select(
                    pl.col(ROW).alias("row_number"),
                    pl.lit(None, pl.String).alias("column_name"),
                    pl.col(RAW_LINE).cast(pl.String).alias("value"),
                    pl.col(MALFORMED).alias("reason"),
                )
            )
    present = [c for c in source.columns if c in raw.columns]
    # columns whose every value is already in canonical form skip the tolerant parse and its checks
    fast = {
        c: cast
        for c in present
        if raw.schema[c] == pl.String and (cast := _strict_cast(raw[c], source.columns[c])) is not None
    }
    typed = raw.select(
        pl.col(ROW),
        *[pl.col(c).alias(f"__raw_{c}") for c in present],
        *[_cast_expr(c, source.columns[c], raw.schema[c]).alias(c) for c in present if c not in fast],
        *[pl.lit(None, dtype=source.columns[c]).alias(c) for c in source.columns if c not in present],
        *[pl.lit(None, dtype=pl.String).alias(f"__raw_{c}") for c in source.columns if c not in present],
    ).with_columns([cast.alias(c) for c, cast in fast.items()])
    checks = _cell_checks(source, now, known, _presence(source, raw.schema, set(fast)), earliest or EARLIEST_DATE)
    keys = list(source.keys) + ([source.version_column] if source.version_column else [])
    repeated = pl.struct(keys).is_first_distinct().not_() if may_repeat_keys(typed, keys) else pl.lit(False)
    masks = typed.select(
        *[mask.alias(f"__check_{i}") for i, (_, mask, _) in enumerate(checks)],
        repeated.alias("__duplicate"),
    )
    fired = masks.select(pl.all().any()).row(0) if masks.height else (False,) * masks.width
    problems = line_problems + [
        _records(typed.filter(masks[f"__check_{i}"]), column, reason)
        for i, (column, _, reason) in enumerate(checks)
        if fired[i]
    ]
    if fired[-1]:
        problems.append(_duplicate_keys(typed, masks["__duplicate"], keys))
    if not problems:
        return Validated(
            valid=typed.select([*source.columns, ROW]),
            quarantine=pl.DataFrame(schema=QUARANTINE_SCHEMA),
            rows_read=rows_read,
        )
    found = pl.concat(problems, how="vertical_relaxed")
    quarantine = found.select(
        pl.lit(source.name).alias("source"),
        pl.lit(file).alias("file"),
        pl.col("row_number"),
        pl.col("column_name"),
        pl.col("value"),
        pl.col("reason"),
    ).sort("row_number", "column_name")
    bad = pl.any_horizontal(masks.columns)
    valid = typed.filter(~masks.select(bad).to_series()).select([*source.columns, ROW])
    return Validated(valid=valid, quarantine=quarantine.cast(QUARANTINE_SCHEMA), rows_read=rows_read)


def _presence(source: Source, raw_types: pl.Schema, canonical: set[str]) -> dict[str, pl.Expr | None]:
    """Per contract column: an expression for "the file holds a value here", or None when that needs
    the tolerant check (text that may be blank or may not parse).

    `canonical` columns cast strictly (every value parsed, nothing blank); a number or date column
    read already in its contract type, or text read as text, is present exactly when its value is
    not null (anything else, e.g. a categorical from Parquet, may hold blank text)."""
    presence: dict[str, pl.Expr | None] = {}
    for c, dtype in source.columns.items():
        raw_type = raw_types.get(c, pl.String)
        if c in canonical or (raw_type == dtype and dtype != pl.String):
            presence[c] = pl.col(f"__raw_{c}").is_not_null()
        elif dtype == pl.String and raw_type == pl.String:
            presence[c] = pl.col(c).is_not_null()  # blank text was made null when typed
        else:
            presence[c] = None
    return presence


def _cell_checks(
    source: Source,
    now: datetime,
    known: dict[str, pl.Series] | None,
    presence: dict[str, pl.Expr | None],
    earliest: date,
) -> list[tuple[str, pl.Expr, str | pl.Expr]]:
    """(column, mask of broken rows, reason) for every check that applies to the source.

    A column with a `presence` expression cannot hold a value of the wrong type (see `_presence`)."""
    checks: list[tuple[str, pl.Expr, str | pl.Expr]] = []
    for c, dtype in source.columns.items():
        raw_c = pl.col(f"__raw_{c}")
        raw_present = presence[c]
        if raw_present is None:
            raw_present = (raw_c.is_not_null() & (raw_c.cast(pl.String).str.strip_chars() != "")).fill_null(False)
            checks.append((c, raw_present & pl.col(c).is_null(), f"not a valid {_type_name(dtype)}"))
        if c in source.required:
            checks.append((c, ~raw_present, "required value is missing"))
        if c in source.allowed:
            allowed = source.allowed[c]
            checks.append((c, pl.col(c).is_not_null() & ~pl.col(c).is_in(allowed), f"not one of {', '.join(allowed)}"))
        if known and c in known:
            checks.append(
                (
                    c,
                    pl.col(c).is_not_null() & ~pl.col(c).is_in(known[c].implode()),
                    f"unknown {c} (not in {source.references[c].split('.')[0]})",
                )
            )
        if c in source.non_negative:
            checks.append((c, (pl.col(c) < 0).fill_null(False), "negative value not allowed"))
        if dtype in (DATE, TS):
            checks.append(_before_history(c, dtype, earliest))
    # every timestamp of something that has happened, not only the one that partitions the rows: an
    # order updated "next year" would otherwise be the latest event of all (int_as_of)
    limit = now + FUTURE_TOLERANCE
    for c in dict.fromkeys([source.event_time, source.version_column, *source.occurred]):
        if c is not None and source.columns.get(c) == TS:
            checks.append(
                (c, (pl.col(c) > limit).fill_null(False), f"timestamp in the future (after {limit:%Y-%m-%d %H:%M})")
            )
    return checks


def _before_history(column: str, dtype: pl.DataType, earliest: date) -> tuple[str, pl.Expr, pl.Expr]:
    """A date or timestamp before the brand's history: a wrong value (1900-01-01 is a common default
    for an empty date), quarantined with the value in the reason; never retried."""
    bound = pl.lit(earliest, DATE) if dtype == DATE else pl.lit(datetime.combine(earliest, time()), TS)
    reason = pl.format(
        f"implausible date {{}}: before {earliest:%Y-%m-%d}, the earliest the contract accepts "
        "(OMNISTOCK_EARLIEST_DATE)",
        pl.col(f"__raw_{column}").cast(pl.String).str.strip_chars(),
    )
    return column, (pl.col(column) < bound).fill_null(False), reason


def _duplicate_keys(typed: pl.DataFrame, duplicate: pl.Series, keys: list[str]) -> pl.DataFrame:
    """Rows repeating an earlier row's key (and version) inside the same file."""
    key_text = pl.concat_str([pl.col(k).cast(pl.String).fill_null("") for k in keys], separator="|")
    first_rows = typed.group_by(keys).agg(pl.col(ROW).min().alias("__first_row"))
    return (
        typed.filter(duplicate)
        .join(first_rows, on=keys, how="left", nulls_equal=True)
        .select(
            pl.col(ROW).alias("row_number"),
            pl.lit("+".join(keys)).alias("column_name"),
            key_text.alias("value"),
            pl.format("duplicate key within the file (first seen at row {})", pl.col("__first_row")).alias("reason"),
        )
    )


def _type_name(dtype: pl.DataType) -> str:
    if dtype == pl.Datetime("us"):
        return "timestamp (YYYY-MM-DD HH:MM:SS)"
    if dtype == pl.Date:
        return "date (YYYY-MM-DD)"
    if dtype == pl.Int64:
        return "whole number"
    if dtype == pl.Float64:
        return "number"
    return "text"
