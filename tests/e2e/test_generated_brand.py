"""The whole pipeline on the generated brand (small scale), checked against the generator's truth."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from tests.e2e.pipeline import build, copy_landing, query

pytestmark = pytest.mark.e2e


@pytest.fixture
def brand(small_brand: Path) -> Path:
    return small_brand


def channels_in_landing(data: Path) -> set[str]:
    frames = [pl.read_csv(p, infer_schema=False) for p in (data / "landing" / "channels").glob("*.csv")]
    return set(pl.concat(frames)["channel_id"])


def test_sales_layer_has_rows_for_every_channel(brand: Path) -> None:
    rows = dict(query(brand, "select channel_id, count(*) from marts.inventory_sales_layer group by 1"))
    products = query(brand, "select count(*) from staging.stg_products")[0][0]
    assert set(rows) == channels_in_landing(brand) and len(rows) >= 8
    assert all(n == products for n in rows.values())
    assert query(brand, "select sum(available_to_sell) from marts.inventory_sales_layer")[0][0] > 0


def test_the_build_published_a_copy_for_readers_with_every_mart(brand: Path) -> None:
    from pipelines.warehouse import open_reader, published_path

    assert published_path(brand).is_file()
    counts = "select schema_name, table_name, estimated_size from duckdb_tables() where schema_name in ('marts', 'ops')"
    live = sorted(query(brand, counts))
    with open_reader(brand) as con:
        published = sorted(con.execute(counts).fetchall())
        sold = con.execute("select sum(available_to_sell) from marts.inventory_sales_layer").fetchone()[0]
    assert published == live and len(live) >= 20
    assert {"inventory_sales_layer", "fulfillment_plan", "publishable_sales_layer", "erp_journal"} <= {
        table for _, table, _ in live
    }
    assert sold == query(brand, "select sum(available_to_sell) from marts.inventory_sales_layer")[0][0] > 0


def test_every_generated_row_loads(brand: Path) -> None:
    (read, loaded, replaced, quarantined, bad_files) = query(
        brand,
        """select sum(rows_read), sum(rows_loaded), sum(rows_replaced), sum(rows_quarantined),
                  count(*) filter (where status <> 'ok') from ops.ingestion_log""",
    )[0]
    assert (quarantined, bad_files) == (0, 0)
    assert read == loaded + replaced and loaded > 0


def test_warehouse_layer_matches_the_true_end_stock(brand: Path) -> None:
    truth = pl.read_parquet(brand / "truth" / "stock_end.parquet")
    expected = {
        (r["location_id"], r["sku"], r["status"]): r["qty"]
        for r in truth.group_by("location_id", "sku", "status").agg(pl.col("qty").sum()).iter_rows(named=True)
        if r["qty"] != 0
    }
    built = {
        (loc, sku, status): qty
        for loc, sku, status, qty in query(
            brand,
            "select location_id, sku, status, sum(qty) from marts.inventory_warehouse_layer group by all having "
            "sum(qty) <> 0",
        )
    }
    assert built == expected


def test_open_work_at_the_end_shows_in_the_layers(brand: Path) -> None:
    (occupied, in_air, in_transit, unavailable) = query(
        brand,
        """select sum(order_occupied), sum(transfer_in_air), sum(inbound_in_transit), sum(unavailable)
           from marts.inventory_scheduling_layer where not is_bundle""",
    )[0]
    (held, pending) = query(brand, "select sum(unpaid_held), sum(pending_allocation) from marts.inventory_sales_layer")[
        0
    ]
    assert min(occupied, in_air, in_transit, unavailable, held, pending) > 0


def test_running_again_changes_nothing(brand: Path) -> None:
    def snapshot() -> list[tuple]:
        return query(
            brand,
            """select (select count(*) from marts.inventory_sales_history),
                      (select sum(available_to_sell) from marts.inventory_sales_layer),
                      (select sum(on_hand) from marts.inventory_scheduling_layer),
                      (select sum(rows_loaded) from ops.ingestion_log)""",
        )

    before = snapshot()
    outcome = build(brand)
    assert outcome.success, outcome.summary()
    assert snapshot() == before
    # each build's dbt artifacts sit in the data folder under the run's id
    results = json.loads((brand / "dagster" / "dbt_runs" / outcome.run_id / "run_results.json").read_text())
    assert results["results"] and all(r["status"] in ("success", "pass", "warn") for r in results["results"])


def test_only_some_sources_still_builds_all_three_layers(brand: Path, tmp_path: Path) -> None:
    partial = tmp_path / "partial"
    copy_landing(brand / "landing", partial, ["products", "locations", "channels", "supply_rules", "wms_snapshots"])
    outcome = build(partial)
    assert outcome.success, outcome.summary()
    counts = query(
        partial,
        """select (select count(*) from marts.inventory_warehouse_layer),
                  (select count(*) from marts.inventory_scheduling_layer),
                  (select count(distinct channel_id) from marts.inventory_sales_layer)""",
    )[0]
    assert counts[0] > 0 and counts[1] > 0
    assert counts[2] == len(channels_in_landing(brand))
    # missing sources are empty, not errors: nothing quarantined, no file refused
    assert query(partial, "select count(*) from ops.quarantine")[0][0] == 0


def test_an_unreadable_file_is_reported_and_the_run_continues(brand: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    copy_landing(brand / "landing", broken, ["products", "locations", "channels", "supply_rules", "wms_snapshots"])
    (broken / "landing" / "wms_snapshots" / "truncated.parquet").write_bytes(b"PAR1\x00\x01garbage")
    outcome = build(broken)
    assert outcome.success, outcome.summary()
    ((file, reason),) = query(broken, "select file, reason from ops.quarantine")
    assert file.endswith("truncated.parquet") and reason.startswith("cannot be read as parquet")
    assert query(broken, "select count(*) from marts.inventory_warehouse_layer")[0][0] > 0
