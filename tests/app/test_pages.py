"""Every dashboard page runs against the tiny warehouse and shows its known figures."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.app import tiny_warehouse as tiny

APP_DIR = Path(__file__).resolve().parents[2] / "app_streamlit"
APP = APP_DIR / "app.py"
INVENTORY = APP_DIR / "pages" / "inventory_layers.py"
QUALITY = APP_DIR / "pages" / "data_quality.py"


def run(script: Path) -> AppTest:
    at = AppTest.from_file(str(script), default_timeout=30).run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page that has `column`."""
    for frame in at.dataframe:
        value = frame.value
        if column in value.columns:
            return value
    raise AssertionError(f"no table with a {column!r} column on the page")


def plotly_bars(at: AppTest) -> dict[str, int]:
    """x -> y of the page's plotly bar chart (all traces)."""
    (chart,) = at.get("plotly_chart")
    bars: dict[str, int] = {}
    for trace in json.loads(chart.proto.spec)["data"]:
        y = trace["y"]
        if isinstance(y, dict):  # plotly's typed-array encoding
            y = np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]).tolist()
        bars.update(zip(trace["x"], y))
    return bars


def test_router_opens_on_inventory_layers(tiny_warehouse):
    at = run(APP)
    assert at.title[0].value == "Inventory layers"
    assert metrics(at)["Available to sell (Σ channels)"] == str(tiny.UNITS_AVAILABLE_TO_SELL)


def test_inventory_headline_metrics(tiny_warehouse):
    shown = metrics(run(INVENTORY))
    assert shown == {
        "As of": "2026-03-01 08:00",
        "Units on hand": str(tiny.UNITS_ON_HAND),
        "Available to sell (Σ channels)": str(tiny.UNITS_AVAILABLE_TO_SELL),
        "Low-stock channel × SKU": str(tiny.LOW_STOCK_ROWS),
        "Quarantined rows": str(tiny.QUARANTINED_ROWS),
    }


def test_channel_selector_switches_the_sales_table(tiny_warehouse):
    at = run(INVENTORY)
    assert at.selectbox(key="channel").value == "pos_sh"
    sales = table_with(at, "available_to_sell")
    assert dict(zip(sales["sku"], sales["available_to_sell"])) == tiny.AVAILABLE_TO_SELL["pos_sh"]

    at.selectbox(key="channel").set_value("tmall").run()
    assert not at.exception
    sales = table_with(at, "available_to_sell")
    assert dict(zip(sales["sku"], sales["available_to_sell"])) == tiny.AVAILABLE_TO_SELL["tmall"]
    # the low-stock row comes first
    assert sales.iloc[0]["sku"] == "SKU-C" and bool(sales.iloc[0]["is_low_stock"])
    assert sales["is_low_stock"].sum() == 1


def test_sku_search_filters_and_drives_the_sku_views(tiny_warehouse):
    at = run(INVENTORY)
    at.text_input(key="sku_search").input("velvet").run()  # matches the name, case-insensitively
    assert not at.exception
    assert table_with(at, "available_to_sell")["sku"].tolist() == ["SKU-B"]
    assert at.selectbox(key="sku").value == "SKU-B"

    scheduling = table_with(at, "transfer_in_air").set_index("location_id")
    assert scheduling.loc[
        "WH1",
        [
            "on_hand",
            "unavailable",
            "physical_available",
            "order_occupied",
            "transfer_occupied",
            "locked",
            "transfer_in_air",
            "sales_available",
        ],
    ].tolist() == [60, 0, 60, 10, 0, 0, 20, 50]
    assert scheduling.loc["ST1", "unavailable"] == 2

    lots = table_with(at, "lot_no")
    assert sorted(zip(lots["location_id"], lots["status"], lots["qty"])) == [
        ("ST1", "available", 6),
        ("ST1", "defective", 2),
        ("WH1", "available", 60),
    ]
    assert plotly_bars(at) == {"pos_sh": 6, "tmall": 25}


def test_lots_show_expiry_earliest_first(tiny_warehouse):
    at = run(INVENTORY)
    assert at.selectbox(key="sku").value == "SKU-A"
    lots = table_with(at, "lot_no")
    first = lots.iloc[0]
    assert (first["lot_no"], first["status"], first["shelf_life_days_left"]) == ("A-2404", "frozen", 45)
    assert plotly_bars(at) == {"pos_sh": 15, "tmall": 40}


def test_search_without_match_says_so(tiny_warehouse):
    at = run(INVENTORY)
    at.text_input(key="sku_search").input("'; drop table marts.inventory_sales_layer; --").run()
    assert not at.exception
    assert any("No SKU matches" in info.value for info in at.info)
    # the input was bound, not executed: the figures are intact
    assert metrics(run(INVENTORY))["Available to sell (Σ channels)"] == str(tiny.UNITS_AVAILABLE_TO_SELL)


def test_data_quality_page(tiny_warehouse):
    at = run(QUALITY)
    assert at.title[0].value == "Ingestion & quarantine"
    assert metrics(at) == {"Files ingested": "3", "Rows read": "163", "Rows loaded": "157", "Rows quarantined": "2"}
    per_source = table_with(at, "files").set_index("source")
    assert per_source.loc[
        "wms_snapshots", ["rows_read", "rows_loaded", "rows_replaced", "rows_quarantined"]
    ].tolist() == [40, 35, 4, 1]
    quarantine = table_with(at, "reason")
    assert sorted(quarantine["reason"]) == sorted(tiny.QUARANTINE_REASONS.values())

    at.multiselect(key="quarantine_source").set_value(["orders"]).run()
    assert not at.exception
    quarantine = table_with(at, "reason")
    assert quarantine["source"].tolist() == ["orders"]
    assert quarantine.iloc[0][["row_number", "column_name", "value"]].tolist() == [17, "qty", "-3"]


@pytest.mark.parametrize("script", [APP, INVENTORY, QUALITY], ids=["app", "inventory_layers", "data_quality"])
def test_missing_warehouse_shows_how_to_build_it(no_warehouse, script):
    at = run(script)
    assert len(at.info) == 1
    message = at.info[0].value
    assert "make demo" in message and "omnistock run" in message
    assert not at.metric and not at.dataframe


def test_warehouse_without_marts_is_explained(tmp_path, monkeypatch):
    import duckdb
    import streamlit as st

    from pipelines.warehouse import publish_for_readers

    warehouse = tmp_path / "warehouse" / "omnistock.duckdb"
    warehouse.parent.mkdir(parents=True)
    duckdb.connect(str(warehouse)).close()
    publish_for_readers(tmp_path)
    monkeypatch.setenv("OMNISTOCK_DATA_DIR", str(tmp_path))
    st.cache_data.clear()
    at = run(INVENTORY)
    assert "omnistock run" in at.info[0].value


def test_a_warehouse_built_but_never_published_is_explained(tmp_path, monkeypatch):
    import streamlit as st

    live = tiny.build_tiny_warehouse(tmp_path, publish=False)
    monkeypatch.setenv("OMNISTOCK_DATA_DIR", str(tmp_path))
    st.cache_data.clear()
    at = run(INVENTORY)
    assert live.exists() and len(at.info) == 1
    assert "No published warehouse" in at.info[0].value and "omnistock run" in at.info[0].value
    assert not at.metric


def test_pages_read_the_published_copy_while_a_writer_holds_the_warehouse(tiny_warehouse):
    """While a build holds the warehouse for writing (another process, write lock, a change made), the pages
    show the last published figures, not the change and not an error."""
    import subprocess
    import sys

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "con.execute('update marts.inventory_sales_layer set available_to_sell = 1000'); "
            "print('writing', flush=True); time.sleep(60)",
            str(tiny_warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "writing"
        at = run(INVENTORY)
        assert not at.warning
        assert metrics(at)["Available to sell (Σ channels)"] == str(tiny.UNITS_AVAILABLE_TO_SELL)
    finally:
        holder.kill()
        holder.wait()
