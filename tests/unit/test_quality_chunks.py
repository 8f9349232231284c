"""A raw zone too large for one Great Expectations validation is checked in chunks, with the same
findings as one validation of the whole: chunks split on the unique key, counts summed, the row count
checked once on the total."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from pipelines.contract import SOURCES
from pipelines.defs.quality.readers import pack_deliveries, raw_chunks
from pipelines.ingest.raw_zone import RawZone
from pipelines.quality.ge_runner import Chunked, Outcome, merge_outcomes, row_count_outcomes, run_suites
from pipelines.quality.severity import Severity
from pipelines.quality.suites import raw_source_suite

C, W = Severity.CRITICAL, Severity.WARN


def test_merged_outcomes_add_up_over_chunks() -> None:
    chunk1 = [
        Outcome("required:sku", "required", C, False, 2, ("a", "b")),
        Outcome("keys:unique", "keys", C, True, 0),
        Outcome("schema", "schema", C, True, observed=["x"], has_observed=True),
    ]
    chunk2 = [
        Outcome("required:sku", "required", C, False, 1, ("c",)),
        Outcome("keys:unique", "keys", C, False, 2, ("k", "k")),
        Outcome("schema", "schema", C, True, observed=["x"], has_observed=True),
    ]
    chunk3 = [
        Outcome("required:sku", "required", C, True, 0),
        Outcome("keys:unique", "keys", C, True, 0),
        Outcome("schema", "schema", C, True, observed=["x"], has_observed=True),
    ]
    merged = {o.label: o for o in merge_outcomes([chunk1, chunk2, chunk3])}
    assert (merged["required:sku"].success, merged["required:sku"].unexpected_count) == (False, 3)
    assert merged["required:sku"].detail() == "3 unexpected, e.g. ['a', 'b', 'c']"
    assert (merged["keys:unique"].success, merged["keys:unique"].unexpected_count) == (False, 2)
    assert merged["schema"].success


def test_the_row_count_is_checked_on_the_total() -> None:
    suite = raw_source_suite(SOURCES["order_lines"], min_rows=2_500_000)
    (low,) = row_count_outcomes(suite, 2_000_000)
    (enough,) = row_count_outcomes(suite, 3_000_000)
    assert (low.success, low.severity, low.detail()) == (False, W, "observed 2000000")
    assert enough.success


def test_deliveries_are_packed_into_chunks_and_a_large_one_is_cut() -> None:
    sizes = [("d1", 6), ("d2", 3), ("d3", 2), ("d4", 25), ("d5", 10), (None, 1)]
    assert pack_deliveries(sizes, 10) == [
        (("d1", "d2"), 0, 1),
        (("d3",), 0, 1),
        (("d4",), 0, 3),
        (("d4",), 1, 3),
        (("d4",), 2, 3),
        (("d5",), 0, 1),
        ((None,), 0, 1),
    ]
    assert pack_deliveries(sizes, 100) == [(("d1", "d2", "d3", "d4", "d5", None), 0, 1)]
    assert pack_deliveries([], 10) == []


def order_lines(n: int = 60) -> pl.DataFrame:
    """n lines of 30 orders, with faults: a key twice in one delivery (O005 line 1: O005 line 2 became
    another line 1), a null sku, a negative qty, two unknown SKUs."""
    rows = [(f"O{i // 2:03d}", i % 2 + 1, f"SKU{i % 7}", 1 + i % 3, 10.0, 0.0, None) for i in range(n)]
    rows[11] = ("O005", 1, "SKU3", 2, 10.0, 0.0, None)  # row 10 is O005 line 1 already
    rows[20] = (rows[20][0], rows[20][1], None, 1, 10.0, 0.0, None)
    rows[33] = (rows[33][0], rows[33][1], "SKU1", -4, 10.0, 0.0, None)
    rows[40] = (rows[40][0], rows[40][1], "NOPE-1", 1, 10.0, 0.0, None)
    rows[51] = (rows[51][0], rows[51][1], "NOPE-2", 1, 10.0, 0.0, None)
    return lineage(pl.DataFrame(rows, schema=list(SOURCES["order_lines"].columns), orient="row"), "d1")


def lineage(frame: pl.DataFrame, delivery: str) -> pl.DataFrame:
    return frame.with_columns(
        pl.lit(delivery).alias("_delivery_id"),
        pl.lit(int(delivery[1:]), pl.Int64).alias("_delivery_seq"),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_row"),
        pl.lit("lines.csv").alias("_file"),
        pl.lit(datetime(2026, 11, 11)).alias("_ingested_at"),
    )


@pytest.fixture
def raw_zone(tmp_path: Path) -> Path:
    zone = RawZone(tmp_path / "raw", SOURCES["order_lines"])
    zone.folder.mkdir(parents=True)
    order_lines().cast(dict(zone.row_schema)).write_parquet(zone.folder / "d1.parquet")
    # two small deliveries, validated together in one chunk; d3 repeats one of its own keys
    columns = list(SOURCES["order_lines"].columns)
    d2 = [(f"P{i:03d}", 1, "SKU1", 1, 5.0, 0.0, None) for i in range(8)]
    d3 = [(f"O{i:03d}", 1, "SKU2", 1, 5.0, 0.0, None) for i in range(4)] + [("O003", 1, "SKU2", 3, 5.0, 0.0, None)]
    lineage(pl.DataFrame(d2, schema=columns, orient="row"), "d2").cast(dict(zone.row_schema)).write_parquet(
        zone.folder / "d2.parquet"
    )
    lineage(pl.DataFrame(d3, schema=columns, orient="row"), "d3").cast(dict(zone.row_schema)).write_parquet(
        zone.folder / "d3.parquet"
    )
    return tmp_path


def test_chunks_split_on_the_key_hold_every_row_once(raw_zone: Path) -> None:
    suite = raw_source_suite(SOURCES["order_lines"])
    rows, chunks = raw_chunks(raw_zone / "raw", SOURCES["order_lines"], suite.columns, 14, 15, suite.unique_key)
    parts = list(chunks)
    # d1 (60 rows) cut in 4 by key hash, d2 (8) and d3 (5) together
    assert rows == 73 and len(parts) == 5
    assert [sorted(set(p["_delivery_id"])) for p in parts] == [["d1"]] * 4 + [["d2", "d3"]]
    together = pl.concat(parts)
    assert together.height == 73 and together.sort("_delivery_id", "order_id", "line_no", "qty").equals(
        pl.read_parquet(raw_zone / "raw" / "order_lines" / "*.parquet", columns=list(suite.columns)).sort(
            "_delivery_id", "order_id", "line_no", "qty"
        )
    )
    # both rows of key (O005, 1, d1) are in one chunk
    assert sorted(
        p.filter((pl.col("order_id") == "O005") & (pl.col("line_no") == 1) & (pl.col("_delivery_id") == "d1")).height
        for p in parts
    ) == [0, 0, 0, 0, 2]
    rows, chunks = raw_chunks(raw_zone / "raw", SOURCES["order_lines"], suite.columns, 14, 73, suite.unique_key)
    assert rows == 73 and len(list(chunks)) == 1  # small: one piece, as before
    rows, chunks = raw_chunks(raw_zone / "raw", SOURCES["order_lines"], suite.columns, 14, 15, ("order_id", "line_no"))
    assert [p.height for p in chunks] and rows == 73  # without the delivery in the key: hashed over every row


def test_validating_in_chunks_finds_what_one_validation_finds(raw_zone: Path) -> None:
    source = SOURCES["order_lines"]
    suite = raw_source_suite(source, {"sku": [f"SKU{i}" for i in range(7)]}, min_rows=100)
    _, whole = raw_chunks(raw_zone / "raw", source, suite.columns, 14, 1_000, suite.unique_key)
    rows, chunks = raw_chunks(raw_zone / "raw", source, suite.columns, 14, 15, suite.unique_key)
    (one,) = run_suites(raw_zone, [(suite, next(whole).to_pandas())], build_docs=False)
    (chunked,) = run_suites(raw_zone, [(suite, Chunked(rows, (c.to_pandas() for c in chunks)))], build_docs=False)

    def findings(result) -> dict[str, tuple[Severity, str]]:
        # the sample of unexpected values may come in another order: compare the counts
        return {f.label: (f.severity, f.detail.split(", e.g.")[0]) for f in result.failures}

    assert (
        findings(chunked)
        == findings(one)
        == {
            "keys:CompoundColumnsToBeUnique(['order_id', 'line_no', '_delivery_id'])": (C, "4 unexpected"),
            "required:ColumnValuesToNotBeNull(sku)": (C, "1 unexpected"),
            "ranges:ColumnValuesToBeBetween(qty)": (C, "1 unexpected"),
            "references:ColumnValuesToBeNull(unknown_sku)": (W, "2 unexpected"),
            "row_count:TableRowCountToBeBetween": (W, "observed 73"),
        }
    )
    assert (chunked.rows, chunked.evaluated) == (one.rows, one.evaluated) == (73, len(suite.expectations))
    assert chunked.severity is Severity.CRITICAL
