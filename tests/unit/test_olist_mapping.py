"""The worked mapping mappings/olist/*.yml over the real Olist sample (read in place, never copied)."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from pipelines.contract import SOURCES
from pipelines.ingest.load import ingest_source
from pipelines.ingest.mapping import mapping_folder_deliveries
from pipelines.ingest.validate import validate
from tests.conftest import REALDATA, REPO_ROOT

OLIST = REALDATA / "olist_sample"
NOW = datetime(2026, 1, 1)

pytestmark = pytest.mark.skipif(
    not OLIST.is_dir(), reason=f"the Olist sample is not at {OLIST} (see ../shared/realdata/README.md)"
)


@pytest.fixture(scope="module")
def converted() -> dict[str, pl.DataFrame]:
    deliveries = mapping_folder_deliveries(REPO_ROOT / "mappings" / "olist", OLIST)
    return {source: pl.concat([d.read() for d in ds]) for source, ds in deliveries.items()}


def test_every_file_converts_with_the_expected_row_counts(converted: dict[str, pl.DataFrame]) -> None:
    counts = {source: frame.height for source, frame in converted.items()}
    assert counts == {
        "orders": 10_000,
        "order_lines": 11_513,
        "settlements": 10_415,
        "locations": 3_095,
        "products": 32_951,
    }


@pytest.mark.parametrize("source", ["orders", "order_lines", "settlements", "locations", "products"])
def test_every_row_loads_without_quarantine(converted: dict[str, pl.DataFrame], source: str) -> None:
    result = validate(converted[source], SOURCES[source], f"olist {source}", NOW)
    assert result.quarantine.height == 0, result.quarantine.head(10)
    assert result.valid.height == converted[source].height


def test_orders_take_the_customer_state_and_the_latest_event(converted: dict[str, pl.DataFrame]) -> None:
    orders = validate(converted["orders"], SOURCES["orders"], "orders", NOW).valid
    first = orders.row(0, named=True)  # c58cff33...: purchased 2018-03-27 18:00:43, delivered 2018-04-06 02:32:49
    assert first["order_id"] == "c58cff333993bb6b7161d7ec1350eef3"
    assert (first["status"], first["channel_id"], first["location_id"]) == ("delivered", "olist", None)
    assert first["created_at"] == datetime(2018, 3, 27, 18, 0, 43)
    assert first["paid_at"] == datetime(2018, 3, 29, 3, 28, 47)
    assert first["updated_at"] == datetime(2018, 4, 6, 2, 32, 49)
    assert orders["ship_region"].str.starts_with("BR-").all()
    assert orders.filter(pl.col("updated_at") < pl.col("created_at")).height == 0


def test_settlements_add_up_to_payments_and_lines_keep_freight(converted: dict[str, pl.DataFrame]) -> None:
    settlements = validate(converted["settlements"], SOURCES["settlements"], "payments", NOW).valid
    assert settlements["settlement_id"].n_unique() == 10_415
    assert round(settlements["net_amount"].sum(), 2) == round(settlements["gross_amount"].sum(), 2)
    assert settlements["settled_at"].null_count() == 0
    assert set(settlements["currency"].unique()) == {"BRL"}
    lines = converted["order_lines"]
    assert {"shipping_charge", "seller_id"} <= set(lines.columns)
    assert lines["shipping_charge"].cast(pl.Float64).null_count() == 0


def test_amounts_are_labelled_brl_from_the_mapping(converted: dict[str, pl.DataFrame]) -> None:
    # orders.yml and payments.yml say `currency: BRL`; order lines take their order's currency
    orders = validate(converted["orders"], SOURCES["orders"], "orders", NOW).valid
    settlements = validate(converted["settlements"], SOURCES["settlements"], "payments", NOW).valid
    assert orders["currency"].value_counts().rows() == [("BRL", 10_000)]
    assert settlements["currency"].value_counts().rows() == [("BRL", 10_415)]


def test_ingestion_loads_every_order(converted: dict[str, pl.DataFrame], tmp_path) -> None:
    deliveries = mapping_folder_deliveries(REPO_ROOT / "mappings" / "olist", OLIST)
    result = ingest_source(SOURCES["orders"], deliveries["orders"], tmp_path / "raw", NOW)
    assert (result.total("rows_read"), result.total("rows_loaded"), result.total("rows_quarantined")) == (
        10_000,
        10_000,
        0,
    )
