"""Row-level contract checks: every broken cell is named with its row, column, value and reason."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from pipelines.contract import SOURCES
from pipelines.ingest.validate import ROW, validate

NOW = datetime(2026, 1, 1, 12, 0, 0)


def frame(rows: list[dict]) -> pl.DataFrame:
    return (
        pl.DataFrame(rows, schema={k: pl.String for k in rows[0]})
        .with_row_index(ROW, offset=1)
        .with_columns(pl.col(ROW).cast(pl.Int64))
    )


def movement(**overrides: str) -> dict:
    row = {
        "movement_id": "M1",
        "occurred_at": "2025-12-01 08:00:00",
        "location_id": "W1",
        "owner": "brand",
        "sku": "X",
        "lot_no": "L1",
        "production_date": "2025-01-01",
        "expiry_date": "2027-01-01",
        "bin": "A-01",
        "status": "available",
        "qty_delta": "10",
        "doc_type": "inbound",
        "doc_id": "ASN1",
    }
    return row | overrides


def test_valid_rows_are_typed_to_the_contract() -> None:
    result = validate(frame([movement()]), SOURCES["wms_movements"], "f.csv", NOW)
    assert result.quarantine.height == 0
    row = result.valid.row(0, named=True)
    assert row["qty_delta"] == 10
    assert row["occurred_at"] == datetime(2025, 12, 1, 8, 0, 0)
    assert str(row["expiry_date"]) == "2027-01-01"


def test_each_broken_cell_is_named() -> None:
    rows = [
        movement(movement_id="M1"),
        movement(movement_id="M2", qty_delta="ten"),
        movement(movement_id="M3", status="lost"),
        movement(movement_id="M4", occurred_at="2031-01-01 00:00:00"),
        movement(movement_id="M5", sku=""),
        movement(movement_id="M1"),  # duplicate key inside the file
    ]
    result = validate(frame(rows), SOURCES["wms_movements"], "ledger.csv", NOW)
    found = {(r["row_number"], r["column_name"], r["value"]) for r in result.quarantine.iter_rows(named=True)}
    assert found == {
        (2, "qty_delta", "ten"),
        (3, "status", "lost"),
        (4, "occurred_at", "2031-01-01 00:00:00"),
        (5, "sku", ""),
        (6, "movement_id", "M1"),
    }
    assert result.valid[ROW].to_list() == [1]
    assert result.rows_quarantined == 5
    reasons = dict(zip(result.quarantine["row_number"], result.quarantine["reason"]))
    assert reasons[2] == "not a valid whole number"
    assert reasons[4].startswith("timestamp in the future")
    assert reasons[6] == "duplicate key within the file (first seen at row 1)"
    assert set(result.quarantine["file"]) == {"ledger.csv"}


def test_negative_quantities_only_where_not_allowed() -> None:
    ledger = validate(frame([movement(qty_delta="-5")]), SOURCES["wms_movements"], "f.csv", NOW)
    assert ledger.quarantine.height == 0  # a movement may take stock out
    snapshot = {
        "as_of": "2025-12-31 23:00:00",
        "location_id": "S1",
        "sku": "X",
        "lot_no": "L1",
        "bin": "B",
        "status": "available",
        "qty": "-5",
    }
    counted = validate(frame([snapshot]), SOURCES["wms_snapshots"], "f.csv", NOW)
    assert counted.quarantine.select("column_name", "reason").rows() == [("qty", "negative value not allowed")]


def test_unknown_master_keys_are_quarantined() -> None:
    known = {"sku": pl.Series(["X"]), "location_id": pl.Series(["W1"])}
    result = validate(
        frame([movement(), movement(movement_id="M2", sku="NOPE")]), SOURCES["wms_movements"], "f.csv", NOW, known
    )
    assert result.quarantine.select("row_number", "column_name", "value", "reason").rows() == [
        (2, "sku", "NOPE", "unknown sku (not in products)")
    ]


def test_an_order_may_repeat_in_a_file_with_a_later_version() -> None:
    order = {
        "order_id": "O1",
        "channel_id": "tmall",
        "status": "created",
        "created_at": "2025-12-01 08:00:00",
        "updated_at": "2025-12-01 08:00:00",
    }
    later = order | {"status": "paid", "updated_at": "2025-12-01 08:05:00"}
    result = validate(frame([order, later]), SOURCES["orders"], "f.csv", NOW)
    assert result.quarantine.height == 0 and result.valid.height == 2


def test_repeated_key_hashes_marks_every_row_whose_key_repeats():
    # 3,000 distinct keys, 1,000 of them twice: hashes spread over all of u64 (diff() would overflow)
    from pipelines.ingest.validate import may_repeat_keys, repeated_key_hashes

    keys = pl.DataFrame(
        {"order_id": [f"O{i}" for i in range(3000)] + [f"O{i}" for i in range(1000)], "line_no": [1] * 4000}
    )
    marked = repeated_key_hashes(keys, ["order_id", "line_no"])
    assert marked.sum() == 2000
    assert marked.to_list() == keys.select(pl.struct("order_id", "line_no").is_duplicated()).to_series().to_list()
    assert may_repeat_keys(keys, ["order_id", "line_no"])
    assert not may_repeat_keys(keys.head(3000), ["order_id", "line_no"])


def test_blank_text_is_missing_whatever_type_the_file_gave_it() -> None:
    """A Parquet delivery may hold text as categorical: blank is still missing there."""
    rows = (
        pl.DataFrame(
            {"order_id": ["O1", "O1"], "line_no": [1, 2], "sku": ["SKU1", "  "], "qty": [1, 1]},
            schema_overrides={"sku": pl.Categorical()},
        )
        .with_row_index(ROW, offset=1)
        .with_columns(pl.col(ROW).cast(pl.Int64))
    )
    result = validate(rows, SOURCES["order_lines"], "f.parquet", NOW)
    assert result.quarantine.select("row_number", "column_name", "reason").rows() == [
        (2, "sku", "required value is missing")
    ]
    assert result.valid["sku"].to_list() == ["SKU1"]
