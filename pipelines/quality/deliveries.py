"""What the data was delivered as: re-deliveries held back, and sources expected but empty.

Both are critical (they block publishing) and reported by the check `deliveries` on each
source's staging model (pipelines/defs/quality/checks.py), one alert per subject:

- a held re-delivery (pipelines/ingest/load.py: a file already loaded came back unreadable,
  empty or much smaller): subject = the file. The loaded version stays; the alert resolves
  once the file is accepted (`omnistock accept-delivery FILE`), restored or removed;
- an expected source with no rows at all (cadences.yml `expected_sources`): subject = ''.
  Settlements, by default, are expected once orders delivered two weeks ago exist: without
  them every such order would be reported `missing_settlement` and nothing would say why.
  Orders of channels no platform settles (cadences.yml `except_channel_kinds`, by default the
  brand's own channels of kind self_operated: the offline POS, its mini program; and
  `except_channels`, by channel_id) do not count: a brand that sells only there never gets one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

import duckdb
import polars as pl

from pipelines.quality.alerts import CheckOutcome
from pipelines.quality.config import ExpectedSource
from pipelines.quality.severity import Severity
from pipelines.quality.tables import ident, table_exists

CHECK = "deliveries"


def held_outcomes(held: pl.DataFrame, asset_of: Callable[[str], str]) -> list[CheckOutcome]:
    """One critical outcome per held re-delivery (rows of raw_zone.held_deliveries)."""
    return [
        CheckOutcome(
            CHECK,
            asset_of(row["source"]),
            False,
            Severity.CRITICAL,
            f"{row['source']}: {row['file']} {row['reason']} ({row['value']})",
            row["file"],
        )
        for row in held.sort("source", "file").iter_rows(named=True)
    ]


def describe_need(rule: ExpectedSource) -> str:
    """'orders delivered or returned, updated 14 days or more before now' (for messages)."""
    text = rule.when or ""
    if rule.statuses:
        text += " " + " or ".join(rule.statuses)
    if rule.older_than:
        days = rule.older_than.total_seconds() / 86400
        text += f", {rule.column or 'last changed'} {days:g} day(s) or more before now"
    excepted = [f"channels of kind {', '.join(rule.except_channel_kinds)}"] if rule.except_channel_kinds else []
    excepted += [f"channel(s) {', '.join(rule.except_channels)}"] if rule.except_channels else []
    if excepted:
        text += f", except {' and '.join(excepted)}"
    return text


def empty_source_outcome(rule: ExpectedSource, rows: int, needing: int | None, asset: str) -> CheckOutcome:
    """Critical when `rule.source` has no rows and is expected: always (no `when`), or when `needing`
    rows of `rule.when` need it. Pure."""
    expected = rule.when is None or bool(needing)
    if rows or not expected:
        state = f"{rows} row(s)" if rows else f"empty, and nothing needs it yet ({describe_need(rule)}: none)"
        return CheckOutcome(CHECK, asset, True, Severity.INFO, f"{rule.source}: {state}")
    why = "it is always expected" if rule.when is None else f"{needing} row(s) of {describe_need(rule)} need it"
    return CheckOutcome(
        CHECK,
        asset,
        False,
        Severity.CRITICAL,
        f"{rule.source}: the source is EMPTY (no rows at all) while {why}; deliver it under landing/{rule.source}/ "
        "(or a platform format or mapped export that produces it), or change expected_sources in cadences.yml",
    )


def staged_rows(con: duckdb.DuckDBPyConnection, source: str) -> int:
    table = f"stg_{ident(source)}"
    return (
        int(con.execute(f"select count(*) from staging.{table}").fetchall()[0][0])
        if table_exists(con, "staging", table)
        else 0
    )


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.columns where table_schema = 'staging' and table_name = ? and "
            "column_name = ?",
            [table, column],
        ).fetchall()[0][0]
    )


def needing_rows(con: duckdb.DuckDBPyConnection, rule: ExpectedSource, now: datetime) -> int | None:
    """Rows of `rule.when` that need `rule.source` (staging, current versions); None without a `when`."""
    if rule.when is None:
        return None
    table = f"stg_{ident(rule.when)}"
    if not table_exists(con, "staging", table):
        return 0
    where, params = ["true"], []
    if rule.statuses:
        where.append(f"status in ({', '.join('?' for _ in rule.statuses)})")
        params += list(rule.statuses)
    if rule.older_than and rule.column:
        where.append(f"{ident(rule.column)} <= ?")
        params.append(now - rule.older_than)
    # channels no platform settles: their rows need nothing (only where the rows name a channel)
    if (rule.except_channels or rule.except_channel_kinds) and _has_column(con, table, "channel_id"):
        if rule.except_channels:
            where.append(f"(channel_id is null or channel_id not in ({', '.join('?' for _ in rule.except_channels)}))")
            params += list(rule.except_channels)
        if rule.except_channel_kinds and table_exists(con, "staging", "stg_channels"):
            kinds = ", ".join("?" for _ in rule.except_channel_kinds)
            where.append(
                "(channel_id is null or channel_id not in "
                f"(select channel_id from staging.stg_channels where kind in ({kinds}) and channel_id is not null))"
            )
            params += list(rule.except_channel_kinds)
    return int(
        con.execute(f"select count(*) from staging.{table} where {' and '.join(where)}", params).fetchall()[0][0]
    )


def expected_source_outcomes(
    con: duckdb.DuckDBPyConnection, rules: Iterable[ExpectedSource], now: datetime, asset_of: Callable[[str], str]
) -> list[CheckOutcome]:
    outcomes = []
    for rule in rules:
        rows = staged_rows(con, rule.source)
        needing = needing_rows(con, rule, now) if not rows else None
        outcomes.append(empty_source_outcome(rule, rows, needing, asset_of(rule.source)))
    return outcomes
