"""The ERP export files: written whole, decimals kept, unbalanced days reported."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl

from pipelines.reconciliation.erp_export import unbalanced_days, write_erp_export

MONEY = pl.Decimal(18, 2)


def journal(credit: str = "100.00") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "journal_date": [date(2025, 11, 11)] * 3,
            "channel_id": ["tmall"] * 3,
            "currency": ["CNY"] * 3,
            "account": ["receivable_from_platform", "commission_expense", "sales_revenue"],
            "debit": [Decimal("95.00"), Decimal("5.00"), Decimal("0.00")],
            "credit": [Decimal("0.00"), Decimal("0.00"), Decimal(credit)],
        },
        schema_overrides={"debit": MONEY, "credit": MONEY},
    )


def test_csv_and_parquet_hold_the_same_lines_with_money_to_the_cent(tmp_path: Path) -> None:
    written = write_erp_export(journal(), tmp_path / "erp")
    assert written.days == 1 and written.unbalanced_days == 0
    assert sorted(p.name for p in (tmp_path / "erp").iterdir()) == ["erp_journal.csv", "erp_journal.parquet"]
    text = written.csv.read_text().splitlines()
    assert text[0] == "journal_date,channel_id,currency,account,debit,credit"
    assert text[1] == "2025-11-11,tmall,CNY,receivable_from_platform,95.00,0.00"
    assert pl.read_parquet(written.parquet).schema["debit"] == MONEY


def test_a_second_export_replaces_the_first(tmp_path: Path) -> None:
    write_erp_export(journal(), tmp_path)
    write_erp_export(journal().head(0), tmp_path)
    assert pl.read_parquet(tmp_path / "erp_journal.parquet").height == 0
    assert pl.read_csv(tmp_path / "erp_journal.csv").height == 0


def test_unbalanced_days_are_found() -> None:
    assert unbalanced_days(journal()).height == 0
    assert unbalanced_days(journal(credit="99.99")).height == 1
