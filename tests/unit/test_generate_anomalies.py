"""Injected anomalies: every class at its configured rate, every truth row pointing at real rows."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from pipelines.generate import generate
from pipelines.generate.anomalies import ANOMALY_RATES
from pipelines.generate.fees import FEE_SCHEDULE


@pytest.fixture(scope="module")
def brand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("brand")
    generate(out, scale="small", seed=11)
    return out


def read(brand: Path, source: str) -> pl.DataFrame:
    files = sorted((brand / "landing" / source).glob("*"))
    if files[0].suffix == ".parquet":
        return pl.concat([pl.read_parquet(p) for p in files])
    return pl.concat(
        [pl.read_csv(p, try_parse_dates=True, infer_schema_length=None) for p in files], how="vertical_relaxed"
    )


@pytest.fixture(scope="module")
def data(brand: Path) -> dict[str, pl.DataFrame]:
    names = ("orders", "settlements", "wms_movements", "wms_snapshots", "locations", "products")
    frames = {n: read(brand, n) for n in names}
    frames["truth"] = pl.read_csv(
        brand / "truth" / "anomalies.csv", try_parse_dates=True, schema_overrides={"amount": pl.Float64}
    )
    frames["latest"] = frames["orders"].sort("updated_at").group_by("order_id").last()
    return frames


def by_class(data: dict[str, pl.DataFrame], name: str) -> pl.DataFrame:
    return data["truth"].filter(pl.col("anomaly_class") == name)


def test_every_class_is_present_at_about_its_rate(brand: Path, data: dict[str, pl.DataFrame]) -> None:
    counts = data["truth"].group_by("anomaly_class").len()
    assert dict(counts.rows()) == json.loads((brand / "truth" / "summary.json").read_text())["anomalies"]
    assert set(counts["anomaly_class"]) == set(ANOMALY_RATES)
    sales = data["settlements"].filter(pl.col("type") == "sale").height
    shipped = data["wms_movements"].filter(pl.col("doc_type") == "outbound")["doc_id"].n_unique()
    wh_days = (
        data["wms_snapshots"]
        .filter(pl.col("location_id").str.starts_with("WH-"))
        .select("as_of", "location_id")
        .unique()
        .height
    )
    denominators = {"stock_count_drift": wh_days, "shipped_after_cancel": shipped}
    for name, rate in ANOMALY_RATES.items():
        expected = max(1.0, rate.rate * denominators.get(name, sales))
        assert 0.5 * expected <= by_class(data, name).height <= 1.5 * expected + 1, name


def test_settlement_anomalies_point_at_real_rows(data: dict[str, pl.DataFrame]) -> None:
    st, orders = data["settlements"], set(data["orders"]["order_id"])
    truth = data["truth"].filter(pl.col("settlement_id").is_not_null())
    assert set(truth["settlement_id"]) <= set(st["settlement_id"])
    known = truth.filter(pl.col("anomaly_class") != "unknown_order_settlement")
    assert set(known["order_id"]) <= orders
    assert not set(by_class(data, "unknown_order_settlement")["order_id"]) & orders
    assert set(by_class(data, "unknown_order_settlement")["order_id"]) <= set(st["order_id"])


def test_missing_and_duplicate_settlements(data: dict[str, pl.DataFrame]) -> None:
    st, latest = data["settlements"], data["latest"]
    missing = by_class(data, "missing_settlement")
    assert not set(missing["order_id"]) & set(st["order_id"])
    assert set(latest.filter(pl.col("order_id").is_in(missing["order_id"].implode()))["status"]) == {"delivered"}
    dup = by_class(data, "duplicate_settlement")
    sales = (
        st.filter(pl.col("type") == "sale")
        .group_by("order_id")
        .agg(pl.len(), pl.col("net_amount").n_unique().alias("amounts"))
    )
    twice = sales.filter(pl.col("len") == 2)
    assert set(twice["order_id"]) == set(dup["order_id"]) and (twice["amounts"] == 1).all()


def test_amounts_and_fee_rates(data: dict[str, pl.DataFrame]) -> None:
    st = data["settlements"]
    fees = pl.read_csv(FEE_SCHEDULE)
    rows = st.join(fees, on="channel_id").with_columns(
        (
            pl.col("gross_amount")
            - pl.col("commission")
            - pl.col("payment_fee")
            - pl.col("shipping_fee")
            + pl.col("subsidy")
            - pl.col("net_amount")
        )
        .abs()
        .alias("gap"),
        (pl.col("commission") - (pl.col("gross_amount") * pl.col("commission_rate"))).abs().alias("fee_gap"),
    )
    mismatch = rows.filter(pl.col("gap") > pl.col("amount_tolerance"))
    assert set(mismatch["settlement_id"]) == set(by_class(data, "amount_mismatch")["settlement_id"])
    off_rate = rows.filter(pl.col("fee_gap") > 0.01 * pl.col("gross_amount").abs() + 0.01)
    assert set(off_rate["settlement_id"]) == set(by_class(data, "fee_rate_out_of_range")["settlement_id"])
    assert set(st.filter(pl.col("channel_id").is_in(["shopee_sg", "lazada_my"]))["currency"]) == {"SGD", "MYR"}


def test_refunds_without_return_and_shipments_after_cancel(data: dict[str, pl.DataFrame]) -> None:
    moves, latest = data["wms_movements"], data["latest"]
    returned = set(moves.filter(pl.col("doc_type") == "return")["doc_id"])
    refunds = data["settlements"].filter(pl.col("type") == "refund")
    without = set(refunds["order_id"]) - returned
    assert without == set(by_class(data, "refund_without_return")["order_id"])
    cancelled = by_class(data, "shipped_after_cancel")
    outbound = moves.filter(pl.col("doc_type") == "outbound")
    assert set(cancelled["order_id"]) <= set(outbound["doc_id"])
    assert set(latest.filter(pl.col("order_id").is_in(cancelled["order_id"].implode()))["status"]) == {"cancelled"}
    shipped_cancelled = set(latest.filter(pl.col("status") == "cancelled")["order_id"]) & set(outbound["doc_id"])
    assert shipped_cancelled == set(cancelled["order_id"])
    assert set(cancelled["location_id"]) <= set(data["locations"]["location_id"])
    drift = by_class(data, "stock_count_drift")
    assert set(drift["sku"]) <= set(data["products"]["sku"]) and (drift["amount"] != 0).all()
