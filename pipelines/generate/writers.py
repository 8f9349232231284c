"""Landing files as channels and warehouses deliver them: CSV, Parquet and JSON Lines, partitioned by month."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines.contract import SOURCES

TS_FORMAT = "%Y-%m-%d %H:%M:%S"


def contract_frame(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    """Exactly the contract's columns, in its order and types (an optional one the frame lacks is empty)."""
    return frame.select(
        [
            pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
            for c, t in SOURCES[source].columns.items()
        ]
    )


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path, datetime_format=TS_FORMAT, date_format="%Y-%m-%d", null_value="")


def write_parquet(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path, compression="zstd", statistics=True)


def write_jsonl(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = frame.with_columns(
        [pl.col(c).dt.strftime(TS_FORMAT) for c, t in frame.schema.items() if t == pl.Datetime("us")]
    )
    text.write_ndjson(path)


def by_month(frame: pl.DataFrame, column: str) -> list[tuple[str, pl.DataFrame]]:
    """(YYYY-MM, rows) per month of `column`, in month order."""
    if frame.height == 0:
        return []
    month = frame[column].dt.strftime("%Y-%m")
    tagged = frame.with_columns(month.alias("__month"))
    return [(m, tagged.filter(pl.col("__month") == m).drop("__month")) for m in sorted(month.unique().to_list())]


def write_source(
    frame: pl.DataFrame, landing: Path, source: str, fmt: str, month_column: str | None = None, split: str | None = None
) -> int:
    """Write one source; returns rows written. `month_column` partitions by month, `split` by a column's value too."""
    folder = landing / source
    folder.mkdir(parents=True, exist_ok=True)
    writer = {"csv": write_csv, "parquet": write_parquet, "jsonl": write_jsonl}[fmt]
    parts = (
        [("", frame)]
        if split is None
        else [(f"{v}_", frame.filter(pl.col(split) == v)) for v in sorted(frame[split].unique().to_list())]
    )
    for prefix, part in parts:
        months = by_month(part, month_column) if month_column else [("all", part)]
        for month, rows in months:
            writer(contract_frame(rows, source), folder / f"{source}_{prefix}{month}.{fmt}")
    if frame.height == 0 and fmt == "csv":  # a header-only CSV; empty Parquet/JSON files are not delivered
        writer(contract_frame(frame, source), folder / f"{source}_empty.{fmt}")
    return frame.height
