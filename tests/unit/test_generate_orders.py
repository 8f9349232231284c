"""Orders, lines and payouts of the generated brand: the lifecycle, versions, bundles and money."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipelines.contract import ORDER_STATUSES
from pipelines.generate import generate


@pytest.fixture(scope="module")
def brand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("brand")
    summary = generate(out, scale="small", seed=11)
    assert 2_000 <= summary.rows["orders"] <= 10_000
    return out


def read_csvs(brand: Path, source: str) -> pl.DataFrame:
    return pl.concat(
        [
            pl.read_csv(p, try_parse_dates=True, infer_schema_length=None)
            for p in sorted((brand / "landing" / source).glob("*.csv"))
        ],
        how="vertical_relaxed",
    )


def test_every_status_occurs_and_some_orders_come_in_two_versions(brand: Path) -> None:
    orders = read_csvs(brand, "orders")
    latest = orders.sort("updated_at").group_by("order_id").last()
    assert set(latest["status"]) == set(ORDER_STATUSES)
    versions = orders.group_by("order_id").agg(pl.len(), pl.col("updated_at").n_unique().alias("times"))
    again = versions.filter(pl.col("len") > 1)
    assert again.height > 0.02 * versions.height and (again["times"] == again["len"]).all()
    assert (orders["updated_at"] >= orders["created_at"]).all()
    assert (
        latest.filter(pl.col("status").is_in(["allocated", "shipped", "delivered", "returned"]))[
            "location_id"
        ].null_count()
        == 0
    )
    assert set(latest["member_tier"]) == {"none", "silver", "gold", "vip"}
    assert set(latest["ship_method"]) == {"express", "same_city", "pickup"}
    assert {"SG", "MY", "CN-GD"} <= set(latest["ship_region"])


def test_lines_reference_orders_and_bundles_are_sold_as_bundles(brand: Path) -> None:
    lines, orders = read_csvs(brand, "order_lines"), read_csvs(brand, "orders")
    assert set(lines["order_id"]) == set(orders["order_id"])
    assert lines.select("order_id", "line_no").is_duplicated().sum() == 0
    bundles = set(read_csvs(brand, "bundle_components")["bundle_sku"])
    assert lines.filter(pl.col("sku").is_in(list(bundles))).height > 0
    # shipments leave as components: no bundle SKU in the ledger
    moves = pl.concat([pl.read_parquet(p) for p in (brand / "landing" / "wms_movements").glob("*.parquet")])
    assert not set(moves["sku"]) & bundles
    successors = set(read_csvs(brand, "products")["successor_sku"].drop_nulls())
    assert lines.filter(pl.col("sku").is_in(list(successors))).height > 0
    assert (lines["discount"] <= lines["qty"] * lines["unit_price"]).all()


def test_double_11_is_the_peak_and_douyin_has_live_stream_spikes(brand: Path) -> None:
    orders = read_csvs(brand, "orders").unique("order_id")
    per_day = orders.group_by(pl.col("created_at").dt.date().alias("day")).len().sort("len")
    assert str(per_day["day"][-1]) == "2025-11-11"
    assert per_day["len"][-1] > 5 * per_day["len"].median()


def test_payouts_follow_the_schedule_and_refunds_are_negative(brand: Path) -> None:
    st = read_csvs(brand, "settlements")
    assert st["settlement_id"].n_unique() == st.height
    refunds = st.filter(pl.col("type") == "refund")
    assert refunds.height > 0 and (refunds["net_amount"] < 0).all()
    sales = st.filter(pl.col("type") == "sale")
    assert (sales["net_amount"] <= sales["gross_amount"] + sales["subsidy"]).all()
    assert sales.filter(pl.col("subsidy") > 0).height > 0
    orders = read_csvs(brand, "orders").sort("updated_at").group_by("order_id").last()
    settled = orders.join(sales, on="order_id").filter(
        (pl.col("channel_id") == "tmall") & (pl.col("status") == "delivered")
    )
    lag = (settled["settled_at"] - settled["updated_at"]).dt.total_days()
    assert settled.height > 100 and lag.min() >= 9  # Tmall pays 10 days after delivery (fee schedule)
