"""Reconciliation on the generated brand: every injected anomaly class is found, and the
ERP export holds only verified, balanced lines.

A detected anomaly matches a truth row (truth/anomalies.csv, which the pipeline never
reads) of the same class on its order id, or on location, SKU and business date for
stock_count_drift (benchmarks/recon_accuracy.py).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from benchmarks.recon_accuracy import INJECTED_CLASSES, accuracy
from tests.e2e.pipeline import query

pytestmark = pytest.mark.e2e


def test_every_injected_class_is_found_with_precision_and_recall_of_at_least_0_95(small_brand: Path) -> None:
    table = accuracy(small_brand)
    assert table["anomaly_class"].to_list() == list(INJECTED_CLASSES)
    assert table["truth"].min() >= 1, "every class is injected at least once"
    weak = table.filter((pl.col("precision") < 0.95) | (pl.col("recall") < 0.95))
    assert weak.height == 0, weak


def test_amounts_at_stake_agree_with_the_truth(small_brand: Path) -> None:
    truth = (
        pl.read_csv(small_brand / "truth" / "anomalies.csv", infer_schema_length=0)
        .filter(
            pl.col("anomaly_class").is_in(
                ["amount_mismatch", "fee_rate_out_of_range", "duplicate_settlement", "refund_without_return"]
            )
        )
        .select("anomaly_class", "order_id", pl.col("amount").cast(pl.Float64))
    )
    found = pl.DataFrame(
        query(
            small_brand,
            """
            select anomaly_class, order_id, cast(sum(amount_at_stake) as double)
            from marts.reconciliation_anomalies
            where status = 'open'
              and anomaly_class in (
                  'amount_mismatch', 'fee_rate_out_of_range', 'duplicate_settlement', 'refund_without_return'
              )
            group by anomaly_class, order_id
        """,
        ),
        schema=["anomaly_class", "order_id", "found"],
        orient="row",
    )
    joined = truth.join(found, on=["anomaly_class", "order_id"], how="inner")
    assert joined.height == truth.height
    # within a cent per computed amount (fees are rounded to cents on both sides)
    assert (joined["found"] - joined["amount"]).abs().max() <= 0.021


def test_anomalies_have_stable_unique_ids_and_full_context(small_brand: Path) -> None:
    rows = query(
        small_brand,
        """
        select count(*), count(distinct anomaly_id),
               count(*) filter (where status <> 'open' or first_seen is null or severity is null),
               count(*) filter (
                   where anomaly_class <> 'stock_count_drift' and (channel_id is null or order_id is null)
               ),
               count(*) filter (where rows_involved is null or business_date is null)
        from marts.reconciliation_anomalies
    """,
    )[0]
    total, distinct, incomplete, without_order, without_rows = rows
    assert total == distinct > 0
    assert incomplete == without_order == without_rows == 0


def test_only_flow_mode_locations_are_checked_against_movements(small_brand: Path) -> None:
    stores = query(
        small_brand,
        """
        select count(*), count(*) filter (where is_checkable or is_unshipped_past_sla or is_shipped_after_cancel)
        from marts.recon_order_shipment
        where location_id in (select location_id from staging.stg_locations where type = 'store')
    """,
    )[0]
    assert stores[0] > 0 and stores[1] == 0
    assert (
        query(
            small_brand,
            """
        select count(*) from marts.recon_inventory_daily
        where location_id in (select location_id from staging.stg_locations where type = 'store')
    """,
        )[0][0]
        == 0
    )


def test_the_erp_export_holds_the_balanced_journal(small_brand: Path) -> None:
    folder = small_brand / "exports" / "erp"
    csv = pl.read_csv(folder / "erp_journal.csv")
    parquet = pl.read_parquet(folder / "erp_journal.parquet")
    lines = query(small_brand, "select count(*), sum(debit), sum(credit) from marts.erp_journal")[0]
    assert csv.height == parquet.height == lines[0] > 0
    assert float(lines[1]) == pytest.approx(float(lines[2]))
    sums = parquet.group_by("journal_date", "channel_id", "currency").agg(pl.col("debit").sum(), pl.col("credit").sum())
    assert sums.filter(pl.col("debit") != pl.col("credit")).height == 0
    assert set(csv["account"]) <= {
        "receivable_from_platform",
        "sales_revenue",
        "sales_refunds",
        "commission_expense",
        "payment_fee_expense",
        "shipping_fee_expense",
        "subsidy_income",
        "rounding_difference",
    }
    # the journal's receivables are exactly the net of the verified settlement lines
    verified = query(
        small_brand,
        """
        select cast(sum(lines.net_amount) as double)
        from intermediate.int_recon_settlement_lines as lines
        inner join marts.recon_order_settlement as orders
            on lines.order_id = orders.order_id and orders.match_status = 'matched'
        where lines.order_id not in (
            select order_id from marts.reconciliation_anomalies where status = 'open' and order_id is not null)
    """,
    )[0][0]
    receivable = (
        parquet.filter(pl.col("account") == "receivable_from_platform")
        .select((pl.col("debit").cast(pl.Float64) - pl.col("credit").cast(pl.Float64)).sum())
        .item()
    )
    assert receivable == pytest.approx(verified, abs=0.005)


def test_money_is_in_its_channels_currency_and_converted_at_the_named_rate(small_brand: Path) -> None:
    # the generated channels sell in CNY, SGD and MYR: each amount is converted at the rate of
    # seeds/fx_rates.csv in force on its day, which the row names; nothing lacks a rate
    rows = query(
        small_brand,
        """
        select anomalies.currency, anomalies.fx_rate, cast(anomalies.fx_rate_date as varchar), count(*),
               count(*) filter (where anomalies.currency is distinct from fees.currency),
               count(*) filter (where anomalies.fx_rate_missing
                   or anomalies.amount_at_stake_cny
                      <> cast(round(anomalies.amount_at_stake * anomalies.fx_rate, 2) as decimal(18, 2)))
        from marts.reconciliation_anomalies as anomalies
        left join config.channel_fee_schedule as fees on anomalies.channel_id = fees.channel_id
        where anomalies.anomaly_class <> 'stock_count_drift'
        group by all order by 1
    """,
    )
    rates = {("CNY", 1.0, "1900-01-01"), ("MYR", 1.5385, "2000-01-01"), ("SGD", 5.2632, "2000-01-01")}
    assert {row[:3] for row in rows} <= rates and rows[0][:3] == ("CNY", 1.0, "1900-01-01"), rows
    assert all(row[4] == row[5] == 0 for row in rows), rows
    drift = query(
        small_brand,
        """
        select count(*), count(amount_at_stake_cny), count(*) filter (where fx_rate_missing)
        from marts.reconciliation_anomalies where anomaly_class = 'stock_count_drift'
    """,
    )[0]
    assert drift[0] > 0 and drift[1] == drift[2] == 0
