"""Incremental builds serve the same current versions as the rules say, build after build.

Staging of the large event sources is kept incrementally (dbt models/staging/base/);
after every build it must equal what the Python ingestion rule computes from the raw
zone (pipelines.ingest.load.current_rows), including after a delivery is corrected
in place, which removes rows and forces a full refresh of the incremental models.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from pipelines.contract import SOURCES
from pipelines.ingest.load import current_rows
from tests.e2e.pipeline import build, query

pytestmark = pytest.mark.e2e

ORDER_HEADER = (
    "order_id,channel_id,customer_id,member_tier,status,created_at,paid_at,updated_at,"
    "ship_method,ship_region,location_id\n"
)
MOVE_HEADER = (
    "movement_id,occurred_at,location_id,owner,sku,lot_no,production_date,expiry_date,bin,status,"
    "qty_delta,doc_type,doc_id\n"
)


def order(order_id: str, status: str, updated: str) -> str:
    return (
        f"{order_id},tmall,c1,none,{status},2026-11-10 20:00:00,2026-11-10 20:01:00,{updated},express,CN-ZJ,WH-EAST\n"
    )


def move(movement_id: str, qty: int) -> str:
    lot = "SKU1,L1,2026-01-01,2028-01-01,A-01,available"
    return f"{movement_id},2026-11-10 08:00:00,WH-EAST,OWN,{lot},{qty},inbound,ASN1\n"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def staged(data: Path, name: str, key: str) -> pl.DataFrame:
    columns = ", ".join(SOURCES[name].columns)
    rows = query(data, f"select {columns} from staging.stg_{name} order by {key}")
    return pl.DataFrame(rows, schema=list(SOURCES[name].columns), orient="row")


def assert_staging_follows_the_rules(data: Path) -> None:
    for name, key in (("orders", "order_id"), ("wms_movements", "movement_id")):
        expected = current_rows(SOURCES[name], data / "raw").sort(key)
        got = staged(data, name, key)
        assert got.select(expected.columns).cast(expected.schema).equals(expected), (name, got, expected)


def test_late_versions_redeliveries_and_corrections_build_incrementally(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing / "products/p.csv", "sku,name\nSKU1,Serum\n")
    write(landing / "locations/l.csv", "location_id,type\nWH-EAST,warehouse\n")
    write(landing / "channels/c.csv", "channel_id,platform\ntmall,Tmall\n")
    write(
        landing / "orders/a.csv",
        ORDER_HEADER + order("O1", "paid", "2026-11-10 20:01:00") + order("O2", "allocated", "2026-11-10 21:00:00"),
    )
    write(landing / "wms_movements/m1.csv", MOVE_HEADER + move("M1", 100) + move("M2", 50))
    assert build(tmp_path).success
    assert dict(query(tmp_path, "select order_id, status from staging.stg_orders")) == {"O1": "paid", "O2": "allocated"}
    assert_staging_follows_the_rules(tmp_path)

    # later deliveries: a newer O1, an older (stale) O2, a new O3; M2 re-delivered with a corrected quantity
    write(
        landing / "orders/b.csv",
        ORDER_HEADER
        + order("O1", "shipped", "2026-11-11 09:00:00")
        + order("O2", "paid", "2026-11-10 20:30:00")
        + order("O3", "paid", "2026-11-11 10:00:00"),
    )
    write(landing / "wms_movements/m2.csv", MOVE_HEADER + move("M2", 48) + move("M3", 7))
    assert build(tmp_path).success
    assert not list((tmp_path / "raw" / "_manifest").glob("_rebuild_staging.*"))  # nothing left: appending suffices
    assert dict(query(tmp_path, "select order_id, status from staging.stg_orders")) == {
        "O1": "shipped",
        "O2": "allocated",
        "O3": "paid",
    }
    assert dict(query(tmp_path, "select movement_id, qty_delta from staging.stg_wms_movements")) == {
        "M1": 100,
        "M2": 48,
        "M3": 7,
    }
    assert_staging_follows_the_rules(tmp_path)

    # a.csv corrected in place: its O2 was wrong. That version leaves, so b.csv's older O2 is current again,
    # which appending to the incremental models could not give: ingestion asks dbt for a full refresh
    write(landing / "orders/a.csv", ORDER_HEADER + order("O1", "paid", "2026-11-10 20:01:00"))
    os.utime(landing / "orders/a.csv", ns=(1, 4_000_000_000_000_000_000))
    assert build(tmp_path).success
    assert dict(query(tmp_path, "select order_id, status from staging.stg_orders")) == {
        "O1": "shipped",
        "O2": "paid",
        "O3": "paid",
    }
    assert not list((tmp_path / "raw" / "_manifest").glob("_rebuild_staging.*"))
    assert_staging_follows_the_rules(tmp_path)
