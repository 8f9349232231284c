"""Stock in the generated brand: never negative, the ledger replays to the true end stock."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from pipelines.generate import generate


@pytest.fixture(scope="module")
def brand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("brand")
    generate(out, scale="small", seed=11)
    return out


def landing(brand: Path, source: str) -> pl.DataFrame:
    folder = brand / "landing" / source
    files = sorted(folder.glob("*.parquet"))
    return pl.concat([pl.read_parquet(p) for p in files])


def test_the_ledger_never_goes_negative(brand: Path) -> None:
    moves = landing(brand, "wms_movements")
    assert moves["movement_id"].n_unique() == moves.height
    running = moves.sort("occurred_at", "movement_id").with_columns(
        pl.col("qty_delta").cum_sum().over("location_id", "lot_no", "bin", "status").alias("balance")
    )
    assert running["balance"].min() >= 0
    assert set(moves["doc_type"]) == {
        "opening",
        "inbound",
        "outbound",
        "transfer_out",
        "transfer_in",
        "adjustment",
        "status_change",
        "return",
    }


def test_the_ledger_replayed_per_warehouse_equals_the_true_end_stock(brand: Path) -> None:
    truth = pl.read_parquet(brand / "truth" / "stock_end.parquet")
    assert truth["qty"].min() > 0
    replayed = (
        landing(brand, "wms_movements")
        .group_by("location_id", "sku", "status")
        .agg(pl.col("qty_delta").sum().alias("qty"))
    )
    replayed = replayed.filter(pl.col("qty") != 0).sort("location_id", "sku", "status")
    warehouses = truth.filter(pl.col("location_id").str.starts_with("WH-")).sort("location_id", "sku", "status")
    assert replayed.rows() == warehouses.rows()
    assert set(warehouses["status"]) >= {"available", "frozen", "quality_hold"}


def test_store_end_stock_is_their_last_count_and_stores_have_no_ledger(brand: Path) -> None:
    truth = pl.read_parquet(brand / "truth" / "stock_end.parquet")
    snaps = landing(brand, "wms_snapshots")
    assert not landing(brand, "wms_movements")["location_id"].str.starts_with("ST-").any()
    stores = snaps.filter(pl.col("location_id").str.starts_with("ST-"))
    last = stores.filter(pl.col("as_of") == pl.col("as_of").max().over("location_id"))
    counted = (
        last.group_by("location_id", "sku", "status").agg(pl.col("qty").sum()).sort("location_id", "sku", "status")
    )
    expected = truth.filter(pl.col("location_id").str.starts_with("ST-")).sort("location_id", "sku", "status")
    assert counted.rows() == expected.rows() and counted.height > 0


def test_warehouse_counts_equal_the_ledger_except_the_injected_drift(brand: Path) -> None:
    moves = landing(brand, "wms_movements")
    snaps = landing(brand, "wms_snapshots").filter(pl.col("location_id").str.starts_with("WH-"))
    days = snaps.select(pl.col("as_of").unique()).sort("as_of")["as_of"].to_list()
    drift = pl.read_csv(brand / "truth" / "anomalies.csv", try_parse_dates=True).filter(
        pl.col("anomaly_class") == "stock_count_drift"
    )
    found = []
    for as_of in days[::7] + [d for d in days if d.date() in set(drift["business_date"])]:
        ledger = (
            moves.filter(pl.col("occurred_at") <= as_of)
            .group_by("location_id", "sku")
            .agg(pl.col("qty_delta").sum().alias("ledger"))
        )
        count = (
            snaps.filter(pl.col("as_of") == as_of)
            .group_by("location_id", "sku")
            .agg(pl.col("qty").sum().alias("count"))
        )
        diff = (
            ledger.join(count, on=["location_id", "sku"], how="full", coalesce=True)
            .fill_null(0)
            .filter(pl.col("ledger") != pl.col("count"))
        )
        found += [
            (r["location_id"], r["sku"], as_of.date(), r["count"] - r["ledger"]) for r in diff.iter_rows(named=True)
        ]
    expected = [(r["location_id"], r["sku"], r["business_date"], int(r["amount"])) for r in drift.iter_rows(named=True)]
    assert sorted(set(found)) == sorted(expected)


def test_open_work_at_the_end(brand: Path) -> None:
    work = json.loads((brand / "truth" / "summary.json").read_text())["open_work"]
    assert work["orders_unpaid_held"] >= 3 and work["orders_unpaid_expired"] > 0
    assert work["orders_pending_allocation"] >= 1 and work["orders_allocated_not_shipped"] > 0
    assert work["transfers_approved"] > 0 and work["transfers_in_air"] > 0
    assert work["asn_lines_in_transit"] > 0 and work["units_unavailable"] > 0
    now = pl.read_csv(brand / "landing" / "stock_locks" / "stock_locks_all.csv", try_parse_dates=True)
    as_of = json.loads((brand / "truth" / "summary.json").read_text())["as_of"]
    active = now.filter((pl.col("starts_at").cast(pl.String) <= as_of) & (pl.col("ends_at").cast(pl.String) > as_of))
    assert 0 < active.height < now.height
    controls = pl.read_csv(next((brand / "landing" / "channel_controls").glob("*.csv")))
    assert set(controls["kind"]) == {"presale", "virtual", "reserve"}


def test_lots_have_dates_and_some_are_near_expiry(brand: Path) -> None:
    snaps = landing(brand, "wms_snapshots")
    last = snaps.filter(pl.col("as_of") == pl.col("as_of").max())
    assert (last["expiry_date"] > last["production_date"]).all()
    days_left = (last["expiry_date"] - last["as_of"].dt.date()).dt.total_days()
    assert (days_left < 120).any() and (days_left > 365).any()
