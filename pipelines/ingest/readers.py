"""Find and read landing files: CSV, Parquet or JSON Lines, any file name.

A reader returns the file's rows with a 1-based record number (`ROW`), or raises
`UnreadableFile` with a reason a person can act on.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines.ingest.validate import ROW

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


def read_landing_file(path: Path) -> pl.DataFrame:
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise UnreadableFile("the file is empty (0 bytes)")
    try:
        if suffix in CSV_SUFFIXES:
            frame = pl.read_csv(
                path,
                infer_schema=False,
                separator="\t" if suffix == ".tsv" else ",",
                null_values=[""],
                raise_if_empty=False,
            )
        elif suffix in PARQUET_SUFFIXES:
            frame = pl.read_parquet(path)
        elif suffix in JSONL_SUFFIXES:
            frame = pl.read_ndjson(path, infer_schema_length=None)
        else:
            raise UnreadableFile(
                f"unsupported file type '{suffix}': use .csv, .parquet or .jsonl"
            )
    except UnreadableFile:
        raise
    except Exception as exc:  # polars raises several exception types for broken files
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnreadableFile(f"cannot be read as {suffix.lstrip('.')}: {first_line}") from exc
    frame = frame.rename({c: c.strip().lower() for c in frame.columns})
    return frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
