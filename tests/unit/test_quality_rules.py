"""Pure quality rules with figures known in advance: freshness, order-volume anomalies, alert states, the gate."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from pipelines.contract import SOURCES
from pipelines.quality.alerts import OPEN, RESOLVED, CheckOutcome, open_blocking_alerts, reconcile_alerts
from pipelines.quality.config import load_config, parse_duration, resolve_now
from pipelines.quality.freshness import Cadence, assess_freshness
from pipelines.quality.gate import clear_for_publishing
from pipelines.quality.severity import Severity
from pipelines.quality.suites import mart_suites, raw_source_suite
from pipelines.quality.volume import VolumeConfig, detect_volume_anomalies, robust_z

NOW = datetime(2026, 1, 1, 10, 0, 0)


# --- freshness -----------------------------------------------------------------------------------------------


def test_snapshot_older_than_every_plus_grace_is_late_and_critical() -> None:
    daily = Cadence(every=timedelta(days=1), grace=timedelta(hours=6), severity=Severity.CRITICAL)
    fresh = assess_freshness("wms_snapshots/WH", NOW - timedelta(hours=30), NOW, daily)
    late = assess_freshness("wms_snapshots/WH", NOW - timedelta(hours=30, seconds=1), NOW, daily)
    assert not fresh.late and fresh.severity is Severity.INFO
    assert late.late and late.severity is Severity.CRITICAL
    assert late.deadline == datetime(2025, 12, 31, 4, 0, 0)
    assert "LATE" in late.message() and "1d6h" in late.message()


def test_missing_source_is_late_only_when_required() -> None:
    cadence = Cadence(timedelta(hours=1), timedelta(0), Severity.WARN, required=True)
    assert assess_freshness("orders", None, NOW, cadence).late
    optional = Cadence(timedelta(hours=1), timedelta(0), Severity.WARN, required=False)
    assert not assess_freshness("orders", None, NOW, optional).late


def test_event_in_the_future_counts_as_fresh() -> None:
    cadence = Cadence(timedelta(minutes=5), timedelta(minutes=10))
    assert not assess_freshness("orders", NOW + timedelta(hours=2), NOW, cadence).late


def test_config_parses_durations_platform_schedules_and_the_clock(tmp_path) -> None:
    assert parse_duration("90m") == timedelta(minutes=90) and parse_duration("7d") == timedelta(days=7)
    config = load_config(tmp_path)  # the repository's cadences.yml
    settlements = config.freshness["settlements"]
    assert settlements.by == "channel_id"
    assert settlements.cadence_for("Shopee").max_age == timedelta(days=9)
    assert settlements.cadence_for("Tmall").max_age == timedelta(days=2)
    assert config.freshness["wms_snapshots"].cadence.severity is Severity.CRITICAL
    as_of = datetime(2025, 11, 29, 23, 59, 59)
    assert resolve_now("data_as_of", as_of, NOW) == as_of
    assert resolve_now("data_as_of", None, NOW) == NOW
    assert resolve_now("wall_clock", as_of, NOW) == NOW
    assert resolve_now("data_as_of", as_of, NOW, "2025-11-11 00:00:00") == datetime(2025, 11, 11)
    (tmp_path / "quality").mkdir()
    (tmp_path / "quality" / "cadences.yml").write_text(
        "now: wall_clock\nfreshness:\n  orders: {column: updated_at, every: 1h}\n"
    )
    assert load_config(tmp_path).now == "wall_clock"


# --- order volume --------------------------------------------------------------------------------------------


def _hourly(per_week_window: list[int], observed: int, window_end: datetime, hours: int = 6) -> dict[datetime, int]:
    """Counts putting `observed` orders in the last window and per_week_window[k-1] in the same window k weeks ago
    (all in the window's first hour)."""
    start = window_end - timedelta(hours=hours)
    counts = {start: observed} if observed else {}
    for k, n in enumerate(per_week_window, start=1):
        if n:
            counts[start - timedelta(weeks=k)] = n
    return counts


def test_robust_z_known_figures() -> None:
    median, mad, z = robust_z(2, [10, 12, 11, 9])
    assert median == 10.5 and mad == 1.0
    # scale = max(1.4826 * 1, sqrt(10.5)) = 3.2404
    assert round(z, 3) == round((2 - 10.5) / 10.5**0.5, 3) == -2.623


def test_a_channel_that_stops_sending_orders_is_critical() -> None:
    end = datetime(2026, 1, 1, 10, 0)
    counts = {"tmall": _hourly([10, 12, 11, 9], 0, end), "jd": _hourly([10, 12, 11, 9], 11, end)}
    first = {"tmall": datetime(2025, 10, 1), "jd": datetime(2025, 10, 1)}
    findings = {f.channel_id: f for f in detect_volume_anomalies(counts, first, NOW + timedelta(minutes=30))}
    assert findings["tmall"].kind == "silent" and findings["tmall"].severity is Severity.CRITICAL
    assert findings["tmall"].history == (10, 12, 11, 9) and findings["tmall"].median == 10.5
    assert findings["jd"].kind == "ok" and not findings["jd"].anomalous


def test_drop_is_warn_spike_is_info_and_sparse_channels_are_not_silent() -> None:
    end = datetime(2026, 1, 1, 10, 0)
    counts = {
        "drop": _hourly([40, 42, 38, 41], 10, end),  # median 40.5, MAD 1.5 -> scale sqrt(40.5) = 6.36, z = -4.8
        "spike": _hourly([10, 12, 11, 9], 40, end),  # z = (40 - 10.5) / 3.24 = +9.1
        "sparse": _hourly([1, 0, 2, 1], 0, end),  # median 1 < silent_min_expected 5
    }
    first = dict.fromkeys(counts, datetime(2025, 10, 1))
    findings = {f.channel_id: f for f in detect_volume_anomalies(counts, first, NOW)}
    assert (findings["drop"].kind, findings["drop"].severity) == ("drop", Severity.WARN)
    assert round(findings["drop"].z, 1) == -4.8
    assert (findings["spike"].kind, findings["spike"].severity) == ("spike", Severity.INFO)
    assert findings["sparse"].kind == "ok"


def test_a_new_channel_without_history_is_not_judged() -> None:
    end = datetime(2026, 1, 1, 10, 0)
    counts = {"new": _hourly([10], 0, end)}
    findings = detect_volume_anomalies(counts, {"new": end - timedelta(days=10)}, NOW, VolumeConfig(min_weeks=2))
    assert findings[0].kind == "insufficient_history" and findings[0].history == (10,)


# --- alert states --------------------------------------------------------------------------------------------


def _fail(severity: Severity = Severity.CRITICAL, subject: str = "") -> CheckOutcome:
    return CheckOutcome("freshness", "staging/stg_wms_snapshots", False, severity, "late", subject)


def test_same_failure_twice_is_one_alert_counted_twice_and_notified_once() -> None:
    first = reconcile_alerts([], [_fail()], NOW)
    assert [n.reason for n in first.notify] == ["new"]
    second = reconcile_alerts(first.alerts, [_fail()], NOW + timedelta(minutes=5))
    assert len(second.alerts) == 1 and second.notify == []
    alert = second.alerts[0]
    assert (alert.count, alert.status, alert.first_seen, alert.last_seen) == (2, OPEN, NOW, NOW + timedelta(minutes=5))


def test_pass_resolves_and_a_new_failure_reopens_with_notification() -> None:
    t = [NOW + timedelta(minutes=5 * i) for i in range(4)]
    state = reconcile_alerts([], [_fail()], t[0]).alerts
    passed = CheckOutcome("freshness", "staging/stg_wms_snapshots", True, Severity.INFO, "fresh")
    resolved = reconcile_alerts(state, [passed], t[1])
    assert resolved.alerts[0].status == RESOLVED and resolved.alerts[0].resolved_at == t[1] and resolved.notify == []
    again = reconcile_alerts(resolved.alerts, [_fail()], t[2])
    assert [n.reason for n in again.notify] == ["reopened"]
    alert = again.alerts[0]
    assert (alert.status, alert.count, alert.first_seen, alert.opened_at, alert.resolved_at) == (
        OPEN,
        2,
        t[0],
        t[2],
        None,
    )


def test_escalation_notifies_and_checks_outside_the_scope_are_untouched() -> None:
    state = reconcile_alerts([], [_fail(Severity.WARN, "WH_1"), _fail(Severity.WARN, "WH_2")], NOW).alerts
    other = CheckOutcome("contract", "raw/orders", False, Severity.CRITICAL, "nulls")
    state = reconcile_alerts(state, [other], NOW).alerts
    update = reconcile_alerts(state, [_fail(Severity.CRITICAL, "WH_1")], NOW + timedelta(hours=1))
    by_subject = {a.subject: a for a in update.alerts}
    assert [n.reason for n in update.notify] == ["escalated"]
    assert by_subject["WH_1"].severity is Severity.CRITICAL and by_subject["WH_1"].count == 2
    assert by_subject["WH_2"].status == RESOLVED  # same check, subject no longer failing
    assert by_subject[""].status == OPEN and by_subject[""].count == 1  # raw/orders: not evaluated this time
    assert [a.asset for a in open_blocking_alerts(update.alerts)] == ["raw/orders", "staging/stg_wms_snapshots"]


# --- suites generated from the contract ----------------------------------------------------------------------


def test_raw_suites_follow_the_contract() -> None:
    suite = raw_source_suite(SOURCES["orders"], {"channel_id": ["tmall"]}, min_rows=0)
    labels = {e.label: e.severity for e in suite.expectations}
    assert labels["keys:ColumnValuesToNotBeNull(order_id)"] is Severity.CRITICAL
    assert labels["keys:CompoundColumnsToBeUnique(['order_id', 'updated_at', '_delivery_id'])"] is Severity.CRITICAL
    assert labels["values:ColumnValuesToBeInSet(status)"] is Severity.CRITICAL
    assert labels["references:ColumnValuesToBeNull(unknown_channel_id)"] is Severity.WARN
    snapshots = raw_source_suite(SOURCES["wms_snapshots"])
    assert any(
        e.label == "ranges:ColumnValuesToBeBetween(qty)" and e.severity is Severity.CRITICAL
        for e in snapshots.expectations
    )
    # lot_no is part of the key but optional: never required to be non-null
    assert not any(e.label.endswith("NotBeNull(lot_no)") for e in snapshots.expectations)
    assert set(mart_suites()) == {"inventory_warehouse_layer", "inventory_scheduling_layer", "inventory_sales_layer"}


# --- the publish gate ----------------------------------------------------------------------------------------


@given(st.lists(st.one_of(st.none(), st.integers(-1000, 10**9)), min_size=1, max_size=30))
def test_never_publish_more_than_available_to_sell(values: list[int | None]) -> None:
    frame = pl.DataFrame(
        {
            "channel_id": ["c"] * len(values),
            "sku": [f"s{i % 7}" for i in range(len(values))],  # duplicates on purpose
            "available_to_sell": values,
            "is_low_stock": [False] * len(values),
            "as_of": [NOW] * len(values),
        },
        schema_overrides={"available_to_sell": pl.Int64},
    )
    cleared = clear_for_publishing(frame)
    assert cleared.select(pl.struct("channel_id", "sku").is_unique().all()).item()
    for row in cleared.iter_rows(named=True):
        rows = frame.filter(pl.col("sku") == row["sku"])["available_to_sell"].to_list()
        assert row["publishable_qty"] >= 0
        assert all(v is None or row["publishable_qty"] <= max(v, 0) for v in rows)
