"""The landing-zone sensor asks for a run when files land or change, and only then."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipelines.defs.ops.sensors import landing_zone_sensor
from pipelines.defs.resources import OmnistockSettings


def tick(cursor: str | None):
    settings = OmnistockSettings(data_dir=os.environ["OMNISTOCK_DATA_DIR"])
    return landing_zone_sensor(dg.build_sensor_context(cursor=cursor, resources={"settings": settings}))


def test_sensor_runs_once_per_change_in_the_landing_zone() -> None:
    landing = Path(os.environ["OMNISTOCK_DATA_DIR"]) / "landing"
    first = tick(None)
    assert isinstance(first, dg.SkipReason) and "no files" in first.skip_message

    (landing / "orders").mkdir(parents=True)
    (landing / "orders" / "a.csv").write_text("order_id\n1\n")
    started = tick(None)
    assert len(started.run_requests) == 1
    again = tick(started.cursor)
    assert isinstance(again, dg.SkipReason) and "no change in the 1 landing file" in again.skip_message

    (landing / "orders" / "b.csv").write_text("order_id\n2\n")
    later = tick(started.cursor)
    assert len(later.run_requests) == 1 and later.cursor != started.cursor
    assert later.run_requests[0].tags["omnistock/landing_files"] == "2"


def test_a_changed_mapping_in_the_data_folder_asks_for_a_run() -> None:
    data = Path(os.environ["OMNISTOCK_DATA_DIR"])
    (data / "landing" / "erp").mkdir(parents=True)
    (data / "landing" / "erp" / "orders.csv").write_text("id\n1\n")
    started = tick(None)
    (data / "mappings" / "erp").mkdir(parents=True)
    (data / "mappings" / "erp" / "orders.yml").write_text("source: orders\n")
    later = tick(started.cursor)
    assert len(later.run_requests) == 1 and later.cursor != started.cursor
