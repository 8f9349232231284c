"""Writing the ERP journal export: pure file I/O on a Polars frame, no warehouse access."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

ERP_JOURNAL_SQL = """
select journal_line_id, journal_date, channel_id, currency, account, debit, credit, settlement_lines
from marts.erp_journal
order by journal_date, channel_id, currency, account
"""


@dataclass(frozen=True)
class ErpExport:
    csv: Path
    parquet: Path
    days: int
    unbalanced_days: int


def unbalanced_days(journal: pl.DataFrame) -> pl.DataFrame:
    """Day x channel x currency groups whose debits differ from their credits (should be none)."""
    return (
        journal.group_by("journal_date", "channel_id", "currency")
        .agg(pl.col("debit").sum(), pl.col("credit").sum())
        .filter(pl.col("debit") != pl.col("credit"))
    )


def write_erp_export(journal: pl.DataFrame, folder: Path) -> ErpExport:
    """Write erp_journal.csv and erp_journal.parquet into `folder`, each replaced whole
    (written beside, then renamed) so a reader never sees half a file."""
    folder.mkdir(parents=True, exist_ok=True)
    csv, parquet = folder / "erp_journal.csv", folder / "erp_journal.parquet"
    money = [c for c in ("debit", "credit") if c in journal.columns]
    # decimals as plain text with two places in CSV; Parquet keeps the decimal type
    journal.with_columns(pl.col(money).cast(pl.String)).write_csv(csv.with_suffix(".csv.tmp"), date_format="%Y-%m-%d")
    journal.write_parquet(parquet.with_suffix(".parquet.tmp"))
    csv.with_suffix(".csv.tmp").replace(csv)
    parquet.with_suffix(".parquet.tmp").replace(parquet)
    days = journal.select("journal_date", "channel_id").unique().height if journal.height else 0
    return ErpExport(csv, parquet, days, unbalanced_days(journal).height if journal.height else 0)
