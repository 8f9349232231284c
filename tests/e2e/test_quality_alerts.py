"""Broken data through the whole pipeline: the right alert, exactly once, and publishing blocked.

One data folder (the worked examples plus six weeks of hourly orders on two channels) is
built four times with a fixed quality clock (2026-01-01 10:00):
1. three problems at once (four alerts: the negative lot shows in two layers): tmall_ex1 stops
   sending orders at 20:00 the evening before, the WMS snapshot of STORE_OLD is four days old,
   and an outbound movement drives a lot of X5 at LOC_5 to negative stock;
2. the same again -> the same three alerts, count 2, nothing delivered again;
3. a row with a null order_id slipped into the raw zone (ingestion bypassed) -> the raw
   contract check fails, dbt and publishing do not run;
4. everything fixed -> every alert resolved, the gate clears the sales layer.
A local webhook receiver counts what is delivered.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import polars as pl
import pytest

from pipelines.contract import SOURCES
from pipelines.ingest.raw_zone import RawZone
from tests.conftest import FIXTURES
from tests.e2e.pipeline import build, copy_landing, query

pytestmark = pytest.mark.e2e

NOW = "2026-01-01 10:00:00"
PUBLISH = "publish/sales_layer_ready"
ALERTS = 'select "check", asset, subject, severity, status, count from marts.data_quality_alerts order by all'
CONFIG = """\
now: data_as_of
freshness:
  orders: {column: updated_at, every: 5m, grace: 2h, severity: warn}
  wms_movements: {column: occurred_at, every: 30d, grace: 1d, severity: critical, required: false, by: location_id}
  wms_snapshots: {column: as_of, every: 1d, grace: 6h, severity: critical, required: false, by: location_id}
volume: {window_hours: 6, weeks: 4, min_weeks: 2, z_threshold: 3.0, silent_min_expected: 5}
min_rows: {products: 1, channels: 1}
"""


class Receiver(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802
        Receiver.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class Build:
    success: bool
    materialized: list[str]
    alerts: list[tuple]
    posts: list[dict]
    publishable: list[tuple] | None


def _orders(channels: dict[str, datetime], start: datetime, end: datetime) -> str:
    """Two delivered orders per hour per channel from `start` until the channel's stop time (or `end`)."""
    lines = [
        "order_id,channel_id,customer_id,member_tier,status,created_at,paid_at,updated_at,ship_method,ship_region,location_id"
    ]
    hour = start
    while hour < end:
        for channel, stop in channels.items():
            if hour < stop:
                for k in (5, 35):
                    t = hour + timedelta(minutes=k)
                    lines.append(f"H-{channel}-{t:%Y%m%d%H%M},{channel},c,none,delivered,{t},{t},{t},express,ZJ,")
        hour += timedelta(hours=1)
    return "\n".join(lines) + "\n"


def _snapshot(as_of: str) -> str:
    return (
        "as_of,location_id,owner,sku,lot_no,production_date,expiry_date,bin,status,qty\n"
        f"{as_of},STORE_OLD,brand,SKU1,L9,2025-06-01,2027-05-22,O-01,available,40\n"
    )


def _snapshot_summary(b: Build) -> dict:
    return {(row[0], row[1], row[2]): row[3:] for row in b.alerts}


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Build]]:
    data = tmp_path_factory.mktemp("quality_alerts")
    copy_landing(FIXTURES / "worked_examples" / "landing", data)
    landing = data / "landing"
    with (landing / "locations" / "locations.csv").open("a") as handle:
        handle.write("STORE_OLD,store,site_old,brand,ZJ,30.2,120.1,express\n")
    (landing / "wms_snapshots" / "store_old.csv").write_text(_snapshot("2025-12-28 09:00:00"))
    (landing / "orders" / "history.csv").write_text(
        _orders(
            {"tmall_ex1": datetime(2025, 12, 31, 20), "jd_ex2": datetime(2026, 1, 1, 10)},
            datetime(2025, 11, 20),
            datetime(2026, 1, 1, 10),
        )
    )
    ledger = landing / "wms_movements" / "ledger.csv"
    clean_ledger = ledger.read_text()
    ledger.write_text(
        clean_ledger
        + "M90,2025-12-20 08:00:00,LOC_5,brand,X5,L5,2025-10-01,2028-09-15,W-01,available,-1000,outbound,SO-90\n"
    )
    (data / "quality").mkdir()
    (data / "quality" / "cadences.yml").write_text(CONFIG)

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    saved = {k: os.environ.get(k) for k in ("OMNISTOCK_QUALITY_NOW", "OMNISTOCK_ALERT_WEBHOOK_URL")}
    os.environ["OMNISTOCK_QUALITY_NOW"] = NOW
    os.environ["OMNISTOCK_ALERT_WEBHOOK_URL"] = f"http://127.0.0.1:{server.server_port}/hook"
    results: list[Build] = []

    def run() -> None:
        Receiver.received = []
        outcome = build(data)
        publishable = None
        if query(data, "select count(*) from information_schema.tables where table_name = 'publishable_sales_layer'")[
            0
        ][0]:
            publishable = query(
                data,
                "select p.channel_id, p.sku, p.publishable_qty, s.available_to_sell from "
                "marts.publishable_sales_layer p join marts.inventory_sales_layer s using (channel_id, sku)",
            )
        results.append(
            Build(outcome.success, outcome.materialized, query(data, ALERTS), list(Receiver.received), publishable)
        )

    try:
        run()  # 1: three problems
        run()  # 2: the same problems again
        injected = data / "raw" / "orders" / "day=2026-01-01" / "zz_injected.parquet"
        row = {c: None for c in RawZone(data / "raw", SOURCES["orders"]).row_schema}
        row.update(
            channel_id="jd_ex2",
            status="paid",
            created_at=datetime(2026, 1, 1, 9),
            updated_at=datetime(2026, 1, 1, 9),
            _delivery_id="injected",
            _delivery_seq=999,
            _row=1,
            _file="injected",
            _ingested_at=datetime(2026, 1, 1, 9),
        )
        pl.DataFrame([row], schema=RawZone(data / "raw", SOURCES["orders"]).row_schema).write_parquet(injected)
        run()  # 3: a null key in the raw zone
        injected.unlink()
        ledger.write_text(clean_ledger)
        (landing / "wms_snapshots" / "store_old_today.csv").write_text(_snapshot("2026-01-01 09:00:00"))
        (landing / "orders" / "tmall_back.csv").write_text(
            _orders(
                {"tmall_ex1": datetime(2026, 1, 1, 10)}, datetime(2025, 12, 31, 20), datetime(2026, 1, 1, 10)
            ).replace("H-tmall", "B-tmall")
        )
        run()  # 4: all fixed
        yield results
    finally:
        server.shutdown()
        server.server_close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


EXPECTED_PROBLEMS = {
    ("contract", "marts/inventory_warehouse_layer", ""): ("critical",),  # the negative lot
    ("contract", "marts/inventory_scheduling_layer", ""): ("critical",),  # ... and its on_hand
    ("freshness", "staging/stg_wms_snapshots", "STORE_OLD"): ("critical",),
    ("order_volume", "staging/stg_orders", "tmall_ex1"): ("critical",),
}


def test_each_problem_raises_its_alert_and_publishing_is_blocked(builds: list[Build]) -> None:
    first = builds[0]
    assert {k: v[:1] for k, v in _snapshot_summary(first).items()} == EXPECTED_PROBLEMS
    assert all(row[4:] == ("open", 1) for row in first.alerts)
    assert not first.success and PUBLISH not in first.materialized and first.publishable is None
    # dbt built the layers; the checks stopped the gate
    assert "marts/inventory_sales_layer" in first.materialized


def test_a_second_run_counts_the_same_alerts_and_delivers_nothing_new(builds: list[Build]) -> None:
    first, second = builds[0], builds[1]
    assert len(first.posts) == 1
    text = first.posts[0]["text"]
    assert "order_volume on staging/stg_orders [tmall_ex1]" in text and "SILENT" in text
    assert "freshness on staging/stg_wms_snapshots [STORE_OLD]" in text
    assert "4 alert(s), worst critical" in text and "ColumnValuesToBeBetween(qty)" in text
    assert [row[:3] for row in second.alerts] == [row[:3] for row in first.alerts]
    assert all(row[4:] == ("open", 2) for row in second.alerts)
    assert second.posts == [] and PUBLISH not in second.materialized


def test_a_null_key_in_the_raw_zone_stops_the_warehouse_build(builds: list[Build]) -> None:
    third = builds[2]
    summary = _snapshot_summary(third)
    assert summary[("contract", "raw/orders", "")] == ("critical", "open", 1)
    assert not any(m.startswith(("staging/", "marts/")) for m in third.materialized)
    assert PUBLISH not in third.materialized
    assert len(third.posts) == 1 and "NotBeNull(order_id)" in third.posts[0]["text"]
    # the warehouse checks did not run: their alerts are untouched
    assert summary[("order_volume", "staging/stg_orders", "tmall_ex1")] == ("critical", "open", 2)


def test_fixed_data_resolves_every_alert_and_clears_the_sales_layer(builds: list[Build]) -> None:
    last = builds[3]
    statuses = {k: v[1] for k, v in _snapshot_summary(last).items()}
    assert statuses == {**dict.fromkeys(EXPECTED_PROBLEMS, "resolved"), ("contract", "raw/orders", ""): "resolved"}
    assert last.posts == []  # resolutions are logged, not delivered
    assert PUBLISH in last.materialized
    assert last.publishable and all(0 <= qty <= max(ats, 0) for _, _, qty, ats in last.publishable)
    assert ("tmall_ex1", "SKU1", 120, 120) in last.publishable  # worked example 1
