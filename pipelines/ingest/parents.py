"""Rows that belong to a row of another source (an order line to its order): never loaded without it.

A source's `parents` (pipelines/contract.py) name the column that points at the parent row,
e.g. order_lines.order_id -> orders.order_id. When the child is ingested, a valid row whose
parent key is not in the parent's raw zone is quarantined:

- `its order O7 was quarantined: <the order's reason> (<its file>, row <n>)` when ingestion
  refused that order (the keys of refused parent rows are kept beside the parent's quarantine,
  `raw/_quarantine/<parent>/_keys/<delivery_id>.parquet`);
- `unknown order_id (not in orders)` otherwise (the order has not arrived yet).

Both reasons are re-checked on every run (load.RETRYABLE_REASONS), so the lines load by
themselves once their order does. Like a master-data reference, nothing is checked while the
parent source has no rows at all (a data folder may hold order lines alone).

The parent's keys are held as sorted 64-bit hashes (8 bytes a key: 160 MB for the 20 M orders
of a peak day, against about a gigabyte as strings). A hash absent from them proves the key
unknown; a child key whose hash collides with another parent key's would load (odds about
n_parent * n_child / 2^64, 1 in 20,000 on the peak day).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.contract import SOURCES, Source
from pipelines.ingest.validate import QUARANTINE_SCHEMA, ROW

REFUSED_KEYS_SCHEMA = pl.Schema({"key": pl.String, "file": pl.String, "row_number": pl.Int64, "reason": pl.String})
REFUSED_PREFIX = "its "  # "its order O7 was quarantined: ..." (load.RETRYABLE_REASONS)


def refused_keys_folder(raw_root: Path, parent: str) -> Path:
    # a sub-folder: ops.quarantine reads raw/_quarantine/*/*.parquet only
    return raw_root / "_quarantine" / parent / "_keys"


def parent_key_column(source: Source) -> str | None:
    """The column of `source` other sources point at as their parent (orders: order_id), if any."""
    for child in SOURCES.values():
        for target in child.parents.values():
            name, column = target.split(".")
            if name == source.name:
                return column
    return None


def refused_keys(
    raw: pl.DataFrame, valid: pl.DataFrame, quarantine: pl.DataFrame, column: str, file: str
) -> pl.DataFrame:
    """(key, file, row_number, reason) of every refused row of one file that names a `column` value:
    its first reason by column order (a whole-file reason applies to every row)."""
    if column not in raw.columns or raw.height == valid.height:  # nothing refused (the usual case: no work)
        return pl.DataFrame(schema=REFUSED_KEYS_SCHEMA)
    refused = raw.select(pl.col(column).cast(pl.String).str.strip_chars().alias("key"), pl.col(ROW).alias("row_number"))
    refused = refused.filter(
        pl.col("key").is_not_null() & (pl.col("key") != "") & ~pl.col("row_number").is_in(valid[ROW].implode())
    )
    if not refused.height:
        return pl.DataFrame(schema=REFUSED_KEYS_SCHEMA)
    whole_file = quarantine.filter(pl.col("row_number").is_null())["reason"]
    per_row = (
        quarantine.filter(pl.col("row_number").is_not_null())
        .group_by("row_number")
        .agg(pl.format("{}: {}", pl.col("column_name").fill_null("line"), pl.col("reason")).first().alias("reason"))
    )
    found = refused.join(per_row, on="row_number", how="left")
    if whole_file.len():
        found = found.with_columns(pl.col("reason").fill_null(whole_file[0]))
    return found.select("key", pl.lit(file).alias("file"), "row_number", pl.col("reason").fill_null("refused")).cast(
        REFUSED_KEYS_SCHEMA
    )


@dataclass(frozen=True)
class ParentIndex:
    column: str  # the child's column, e.g. order_id
    parent: str  # the parent source, e.g. orders
    loaded: np.ndarray  # sorted unique hashes of the parent keys with an accepted row (any version)
    refused: pl.DataFrame  # REFUSED_KEYS_SCHEMA: parent rows ingestion refused

    @property
    def noun(self) -> str:
        return self.parent.removesuffix("s")  # orders -> order

    @property
    def checks(self) -> bool:
        """Checked only when the parent source has rows (accepted or refused), like master data."""
        return bool(self.loaded.size or self.refused.height)


def parent_indexes(raw_root: Path, child: Source) -> list[ParentIndex]:
    """One index per parent of `child`, read from the parents' raw zones."""
    indexes = []
    for column, target in child.parents.items():
        parent, parent_column = target.split(".")
        folder = raw_root / parent
        parts = list(folder.glob("**/*.parquet")) if folder.is_dir() else []
        loaded = np.empty(0, dtype=np.uint64)
        if parts:
            # parts written before an optional column joined the contract (orders.currency) lack it
            scan = pl.scan_parquet(parts, hive_partitioning=False, missing_columns="insert", extra_columns="ignore")
            hashes = scan.select(pl.col(parent_column).hash()).collect().to_series()
            loaded = sorted_unique(hashes.drop_nulls().to_numpy())
        keys_folder = refused_keys_folder(raw_root, parent)
        key_files = sorted(keys_folder.glob("*.parquet")) if keys_folder.is_dir() else []
        refused = (
            pl.concat([pl.read_parquet(f) for f in key_files])
            .cast(REFUSED_KEYS_SCHEMA)
            .unique("key", keep="first", maintain_order=True)
            if key_files
            else pl.DataFrame(schema=REFUSED_KEYS_SCHEMA)
        )
        indexes.append(ParentIndex(column, parent, loaded, refused))
    return indexes


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """`np.unique` by a sort and a mask: numpy 2.4's `np.unique` took 33 s on the 20 M order-key
    hashes of a peak day (this: under a second)."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def hashes_in(hashes: np.ndarray, sorted_unique: np.ndarray) -> np.ndarray:
    """Per hash: whether it is in `sorted_unique` (a binary search: no second copy of the parent keys).

    The hashes are searched in sorted order: consecutive searches then walk nearby parts of the
    parent keys, five times faster than random order on 20 M keys (cache misses)."""
    if not sorted_unique.size:
        return np.zeros(hashes.size, dtype=bool)
    order = np.argsort(hashes)
    ordered = hashes[order]
    at = np.minimum(np.searchsorted(sorted_unique, ordered), sorted_unique.size - 1)
    found = np.empty(hashes.size, dtype=bool)
    found[order] = sorted_unique[at] == ordered
    return found


def without_orphans(
    rows: pl.DataFrame, indexes: list[ParentIndex], source: str, file: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the valid rows whose parents are loaded, a quarantine record for each of the others)."""
    problems = []
    for index in indexes:
        if not index.checks or not rows.height:
            continue
        values = rows[index.column]
        orphan = pl.Series(~hashes_in(values.hash().to_numpy(), index.loaded)) & values.is_not_null()
        if not orphan.any():
            continue
        orphans = rows.filter(orphan).select(pl.col(ROW).alias("row_number"), pl.col(index.column).alias("value"))
        described = orphans.join(index.refused, left_on="value", right_on="key", how="left").select(
            "row_number",
            pl.lit(index.column).alias("column_name"),
            "value",
            pl.when(pl.col("reason").is_not_null())
            .then(
                pl.format(
                    f"{REFUSED_PREFIX}{index.noun} {{}} was quarantined: {{}} ({{}}, row {{}})",
                    pl.col("value"),
                    pl.col("reason"),
                    pl.col("file"),
                    pl.col("row_number_right").cast(pl.String).fill_null("-"),
                )
            )
            .otherwise(pl.lit(f"unknown {index.column} (not in {index.parent})"))
            .alias("reason"),
        )
        problems.append(described)
        rows = rows.filter(~orphan)
    if not problems:
        return rows, pl.DataFrame(schema=QUARANTINE_SCHEMA)
    quarantine = pl.concat(problems).select(
        pl.lit(source).alias("source"), pl.lit(file).alias("file"), "row_number", "column_name", "value", "reason"
    )
    return rows, quarantine.cast(QUARANTINE_SCHEMA).sort("row_number")
