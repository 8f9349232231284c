"""A marts.reconciliation_anomalies built before the rate columns (fx_rate, fx_rate_date,
fx_rate_source, fx_rate_missing) upgrades with a plain incremental build: its rows get no rate,
and an amount copied 1:1 into amount_at_stake_cny from another currency than CNY is taken back to
null and flagged fx_rate_missing (the `known` branch of the model, run only on such a table)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.contract import SOURCES
from tests.dbt.test_dbt_project import dbt

FX_COLUMNS = ("fx_rate", "fx_rate_date", "fx_rate_source", "fx_rate_missing")


def test_an_anomalies_table_without_rate_columns_upgrades_incrementally(tmp_path: Path) -> None:
    from pipelines.ingest.load import ingest_source

    data = tmp_path / "brand"
    for source in SOURCES.values():
        ingest_source(source, [], data / "raw", datetime(2026, 1, 1))
    (data / "warehouse").mkdir()
    for step in (("seed",), ("run", "--select", "+reconciliation_anomalies")):
        done = dbt(*step, data_dir=data)
        assert done.returncode == 0, done.stdout[-3000:]

    warehouse = str(data / "warehouse" / "omnistock.duckdb")
    with duckdb.connect(warehouse) as con:  # the table as the version before the rates left it
        for column in FX_COLUMNS:
            con.execute(f"alter table marts.reconciliation_anomalies drop column {column}")
        con.execute(
            "insert into marts.reconciliation_anomalies by name select 'a1' as anomaly_id,"
            " 'amount_mismatch' as anomaly_class, 'medium' as severity, 12.50 as amount_at_stake,"
            " 'SGD' as currency, 12.50 as amount_at_stake_cny, 'shopee_sg' as channel_id, 'O1' as order_id,"
            " date '2025-11-01' as business_date, timestamp '2025-11-02 06:00:00' as first_seen,"
            " timestamp '2025-11-02 06:00:00' as last_seen, 'open' as status"
        )

    upgraded = dbt("run", "--select", "reconciliation_anomalies", data_dir=data)
    assert upgraded.returncode == 0, upgraded.stdout[-3000:]
    with duckdb.connect(warehouse, read_only=True) as con:
        rows = con.execute(
            "select anomaly_id, status, amount_at_stake, amount_at_stake_cny, fx_rate, fx_rate_date,"
            " fx_rate_source, fx_rate_missing from marts.reconciliation_anomalies"
        ).fetchall()
    # no longer found (the sources are empty): resolved, with no rate and the 1:1 copy taken back
    assert [(r[0], r[1], float(r[2]), *r[3:]) for r in rows] == [("a1", "resolved", 12.5, None, None, None, None, True)]
