"""Validate one landing file's rows against the contract. Pure: frames in, frames out.

Every row ends up in exactly one of two frames: `valid` (typed to the contract) or
`quarantine` (one record per broken cell, naming the file, row, column, value and
reason). A row with two broken cells yields two quarantine records but counts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from pipelines.contract import Source

ROW = "__row"  # 1-based record number within the file (header excluded)

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
        return pl.coalesce(
            [text.str.strptime(pl.Datetime("us"), fmt, strict=False) for fmt in _TIMESTAMP_FORMATS]
        )
    if dtype == pl.Date:
        return text.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    if dtype == pl.Int64:
        # accept "12" and "12.0" but not "12.5"
        as_float = text.cast(pl.Float64, strict=False)
        return pl.when(as_float == as_float.round(0)).then(as_float.cast(pl.Int64, strict=False))
    if dtype == pl.String:
        return pl.when(text != "").then(col)
    return text.cast(dtype, strict=False)


def _records(frame: pl.DataFrame, mask: pl.Expr, column: str, reason: pl.Expr | str) -> pl.DataFrame:
    reason_expr = pl.lit(reason) if isinstance(reason, str) else reason
    return frame.filter(mask).select(
        pl.col(ROW).alias("row_number"),
        pl.lit(column).alias("column_name"),
        pl.col(f"__raw_{column}").cast(pl.String).alias("value"),
        reason_expr.alias("reason"),
    )


def validate(
    raw: pl.DataFrame,
    source: Source,
    file: str,
    now: datetime,
    known: dict[str, pl.Series] | None = None,
) -> Validated:
    """Type and check one file's rows. `raw` holds the file's columns (any types) and ROW.

    `known` maps a column to the values it may take (its master data's keys); a
    column absent from `known` is not checked against master data.
    """
    present = [c for c in source.columns if c in raw.columns]
    typed = raw.select(
        pl.col(ROW),
        *[pl.col(c).alias(f"__raw_{c}") for c in present],
        *[_cast_expr(c, source.columns[c], raw.schema[c]).alias(c) for c in present],
        *[pl.lit(None, dtype=source.columns[c]).alias(c) for c in source.columns if c not in present],
        *[pl.lit(None, dtype=pl.String).alias(f"__raw_{c}") for c in source.columns if c not in present],
    )
    problems: list[pl.DataFrame] = []
    for c, dtype in source.columns.items():
        raw_c = pl.col(f"__raw_{c}")
        raw_present = raw_c.is_not_null() & (raw_c.cast(pl.String).str.strip_chars() != "")
        problems.append(
            _records(typed, raw_present & pl.col(c).is_null(), c, f"not a valid {_type_name(dtype)}")
        )
        if c in source.required:
            problems.append(_records(typed, ~raw_present.fill_null(False), c, "required value is missing"))
        if c in source.allowed:
            allowed = source.allowed[c]
            problems.append(
                _records(
                    typed,
                    pl.col(c).is_not_null() & ~pl.col(c).is_in(allowed),
                    c,
                    f"not one of {', '.join(allowed)}",
                )
            )
        if known and c in known:
            problems.append(
                _records(
                    typed,
                    pl.col(c).is_not_null() & ~pl.col(c).is_in(known[c].implode()),
                    c,
                    f"unknown {c} (not in {source.references[c].split('.')[0]})",
                )
            )
        if c in source.non_negative:
            problems.append(_records(typed, pl.col(c) < 0, c, "negative value not allowed"))
    if source.event_time:
        limit = now + FUTURE_TOLERANCE
        problems.append(
            _records(typed, pl.col(source.event_time) > limit, source.event_time, f"timestamp in the future (after {limit:%Y-%m-%d %H:%M})")
        )
    problems.append(_duplicate_keys(typed, source))

    found = pl.concat(problems, how="vertical_relaxed")
    quarantine = found.select(
        pl.lit(source.name).alias("source"),
        pl.lit(file).alias("file"),
        pl.col("row_number"),
        pl.col("column_name"),
        pl.col("value"),
        pl.col("reason"),
    ).sort("row_number", "column_name")
    bad_rows = quarantine.select(pl.col("row_number").unique())
    valid = typed.join(bad_rows, left_on=ROW, right_on="row_number", how="anti").select(
        [*source.columns, ROW]
    )
    return Validated(valid=valid, quarantine=quarantine.cast(QUARANTINE_SCHEMA), rows_read=raw.height)


def _duplicate_keys(typed: pl.DataFrame, source: Source) -> pl.DataFrame:
    """Rows repeating an earlier row's key (and version) inside the same file."""
    keys = list(source.keys) + ([source.version_column] if source.version_column else [])
    key_text = pl.concat_str([pl.col(k).cast(pl.String).fill_null("") for k in keys], separator="|")
    return (
        typed.with_columns(pl.col(ROW).min().over(keys).alias("__first_row"))
        .filter(pl.col(ROW) != pl.col("__first_row"))
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
