"""The alerts table, `marts.data_quality_alerts`, in the DuckDB warehouse: read, reconcile, write, deliver."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from datetime import datetime

import duckdb
import polars as pl

from pipelines.quality.alerts import ALERT_COLUMNS, Alert, AlertUpdate, CheckOutcome, reconcile_alerts
from pipelines.quality.delivery import AlertSettings, DeliveryReport, deliver
from pipelines.settings import Paths
from pipelines.warehouse import connect, replace_table

SCHEMA, TABLE = "marts", "data_quality_alerts"

ALERT_SCHEMA = pl.Schema(
    {
        "alert_id": pl.String,
        "check": pl.String,
        "asset": pl.String,
        "subject": pl.String,
        "severity": pl.String,
        "status": pl.String,
        "first_seen": pl.Datetime("us"),
        "last_seen": pl.Datetime("us"),
        "count": pl.Int64,
        "message": pl.String,
        "opened_at": pl.Datetime("us"),
        "resolved_at": pl.Datetime("us"),
        "last_run_id": pl.String,
    }
)


def read_alerts(con: duckdb.DuckDBPyConnection) -> list[Alert]:
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [SCHEMA, TABLE]
    ).fetchall()[0][0]
    if not exists:
        return []
    frame = con.sql(f"select {', '.join(f'{chr(34)}{c}{chr(34)}' for c in ALERT_COLUMNS)} from {SCHEMA}.{TABLE}").pl()
    return [Alert.from_row(row) for row in frame.iter_rows(named=True)]


def alerts_frame(alerts: Iterable[Alert]) -> pl.DataFrame:
    return pl.DataFrame([a.as_row() for a in alerts], schema=ALERT_SCHEMA)


def with_retry(action, attempts: int = 20, wait: float = 1.5):
    """DuckDB takes one writer per file: wait for another process's writer to finish."""
    for attempt in range(attempts):
        try:
            return action()
        except duckdb.IOException:
            if attempt == attempts - 1:
                raise
            time.sleep(wait)
    return None


def record_outcomes(
    outcomes: Sequence[CheckOutcome],
    scope: Iterable[tuple[str, str]],
    run_id: str,
    log: logging.Logger | logging.LoggerAdapter,
    where: Paths,
    alerts: AlertSettings,
    observed_at: datetime | None = None,
) -> tuple[AlertUpdate, DeliveryReport]:
    """Fold one run's outcomes into the alerts table of the warehouse in `where`, then deliver the
    new, re-opened and escalated alerts as `alerts` says.

    Alert times are the wall clock of detection (local, naive), not the quality clock."""
    now = (observed_at or datetime.now()).replace(microsecond=0)
    scope = list(scope)

    def write() -> AlertUpdate:
        with connect(where=where) as con:
            update = reconcile_alerts(read_alerts(con), outcomes, now, scope, run_id)
            replace_table(con, SCHEMA, TABLE, alerts_frame(update.alerts))
            return update

    update = with_retry(write)
    for alert in update.resolved:
        log.info(f"quality alert resolved: {alert.check} on {alert.asset} {alert.subject}".rstrip())
    report = deliver(update.notify, log, alerts, data_dir=str(where.data_dir))
    return update, report
