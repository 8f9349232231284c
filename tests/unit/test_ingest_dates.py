"""Implausible dates are quarantined with the value in the reason: before the brand's history
(the contract's earliest date), or a timestamp of something that happened set after ingestion."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from pipelines.contract import EARLIEST_DATE, SOURCES, earliest_date
from pipelines.ingest.validate import ROW, validate
from tests.unit.test_ingest_validate import NOW, frame

ORDERS = SOURCES["orders"]


def order(**overrides: str) -> dict:
    row = {
        "order_id": "O1",
        "channel_id": "tmall",
        "status": "paid",
        "created_at": "2025-12-01 08:00:00",
        "paid_at": "2025-12-01 08:01:00",
        "updated_at": "2025-12-01 08:01:00",
    }
    return row | overrides


def found(result) -> list[tuple]:
    return result.quarantine.select("row_number", "column_name", "value", "reason").rows()


def test_a_date_before_the_brands_history_is_quarantined_naming_it() -> None:
    rows = [
        order(order_id="O1"),
        order(order_id="O2", updated_at="1900-01-01 00:00:00"),
        order(
            order_id="O3",
            created_at="1999-12-31 23:59:59",
            paid_at="1999-12-31 23:59:59",
            updated_at="2025-12-01 08:01:00",
        ),
        order(order_id="O4", updated_at="2000-01-01 00:00:00"),  # the first day of the history is fine
    ]
    result = validate(frame(rows), ORDERS, "orders.csv", NOW)
    assert result.valid["order_id"].to_list() == ["O1", "O4"]
    reason = "implausible date {}: before 2000-01-01, the earliest the contract accepts (OMNISTOCK_EARLIEST_DATE)"
    assert found(result) == [
        (2, "updated_at", "1900-01-01 00:00:00", reason.format("1900-01-01 00:00:00")),
        (3, "created_at", "1999-12-31 23:59:59", reason.format("1999-12-31 23:59:59")),
        (3, "paid_at", "1999-12-31 23:59:59", reason.format("1999-12-31 23:59:59")),
    ]


def test_dates_of_lots_are_checked_too_and_typed_columns_from_parquet() -> None:
    movement = {
        "movement_id": ["M1", "M2"],
        "occurred_at": [datetime(2025, 12, 1, 8), datetime(2025, 12, 1, 9)],
        "location_id": ["W1", "W1"],
        "sku": ["X", "X"],
        "qty_delta": [1, 1],
        "production_date": [date(1900, 1, 1), date(2025, 1, 1)],
        "expiry_date": [date(2027, 1, 1), date(9999, 12, 31)],  # far ahead is a plausible "never"
    }
    raw = pl.DataFrame(movement).with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    result = validate(raw, SOURCES["wms_movements"], "ledger.parquet", NOW)
    assert result.valid["movement_id"].to_list() == ["M2"]
    assert [(r[0], r[1], r[2]) for r in found(result)] == [(1, "production_date", "1900-01-01")]


def test_every_timestamp_of_something_that_happened_may_not_lie_in_the_future() -> None:
    # created_at partitions the rows and was checked already; updated_at and paid_at were not, and
    # an order "updated" next year became the latest event of the warehouse
    rows = [
        order(order_id="O1"),
        order(order_id="O2", updated_at="2026-06-15 10:00:00"),
        order(order_id="O3", paid_at="2027-01-01 00:00:00"),
    ]
    result = validate(frame(rows), ORDERS, "orders.csv", NOW)
    assert result.valid["order_id"].to_list() == ["O1"]
    assert [(r[0], r[1], r[3]) for r in found(result)] == [
        (2, "updated_at", "timestamp in the future (after 2026-01-02 12:00)"),
        (3, "paid_at", "timestamp in the future (after 2026-01-02 12:00)"),
    ]


def test_planned_times_may_lie_ahead() -> None:
    control = {
        "channel_id": "tmall",
        "sku": "X",
        "kind": "reserve",
        "qty": "5",
        "starts_at": "2026-11-11 00:00:00",
        "ends_at": "2099-01-01 00:00:00",
    }
    assert validate(frame([control]), SOURCES["channel_controls"], "c.csv", NOW).quarantine.height == 0


def test_the_earliest_date_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert earliest_date() == earliest_date("") == EARLIEST_DATE == date(2000, 1, 1)
    assert earliest_date("2020-01-01") == date(2020, 1, 1)
    monkeypatch.setenv("OMNISTOCK_EARLIEST_DATE", "2020-01-01")  # read by the settings resource, not by validate
    assert found(validate(frame([order(created_at="1999-06-01 00:00:00")]), ORDERS, "orders.csv", NOW))
    assert validate(frame([order(created_at="2019-06-01 00:00:00")]), ORDERS, "orders.csv", NOW).quarantine.height == 0
    result = validate(
        frame([order(created_at="2019-06-01 00:00:00")]),
        ORDERS,
        "orders.csv",
        NOW,
        earliest=earliest_date("2020-01-01"),
    )
    assert found(result)[0][3].startswith("implausible date 2019-06-01 00:00:00: before 2020-01-01")
    assert validate(frame([order()]), ORDERS, "o.csv", NOW, earliest=date(2026, 1, 1)).valid.height == 0
    with pytest.raises(ValueError, match="OMNISTOCK_EARLIEST_DATE must be a date"):
        earliest_date("last year")
