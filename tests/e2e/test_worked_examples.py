"""docs/inventory_model.md's worked examples, end to end: landing CSVs -> Dagster ingest -> dbt -> marts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.e2e.pipeline import build, copy_landing, query

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("worked_examples")
    copy_landing(FIXTURES / "worked_examples" / "landing", data)
    outcome = build(data)
    assert outcome.success, outcome.summary()
    return data


def ats(data: Path, channel: str, sku: str) -> tuple[int, int]:
    return query(
        data,
        "select allocatable, available_to_sell from marts.inventory_sales_layer where channel_id = ? and sku = ?",
        [channel, sku],
    )[0]


def test_example_1_two_stores_supply_one_shop_at_0_8(warehouse: Path) -> None:
    assert ats(warehouse, "tmall_ex1", "SKU1") == (120, 120)


def test_example_2_one_warehouse_split_between_jd_and_tmall(warehouse: Path) -> None:
    assert ats(warehouse, "jd_ex2", "SKU2") == (40, 40)
    assert ats(warehouse, "tmall_ex2", "SKU2") == (60, 60)


def test_example_3_a_sale_on_one_channel_lowers_all_three(warehouse: Path) -> None:
    # 100 cakes shared at ratio 1.0; one was sold on the delivery app
    for channel in ("app_ex3", "cloud_ex3", "till_ex3"):
        assert ats(warehouse, channel, "CAKE") == (99, 99)


def test_example_4_bundle_availability_and_occupation(warehouse: Path) -> None:
    rows = dict(
        (sku, (on_hand, occupied, available))
        for sku, on_hand, occupied, available in query(
            warehouse,
            """select sku, on_hand, order_occupied, sales_available
               from marts.inventory_scheduling_layer where location_id = 'WH_4' order by sku""",
        )
    )
    # one order for C occupies 1 A and 2 B: A 150-1, B 200-2, C = min(149, 198 // 2) = 99 (100 on hand)
    assert rows == {"A": (150, 1, 149), "B": (200, 2, 198), "C": (100, 0, 99)}
    assert ats(warehouse, "tmall_ex4", "C") == (99, 99)


def test_example_5_single_formula(warehouse: Path) -> None:
    (row,) = query(
        warehouse,
        """select on_hand, unavailable, order_occupied, locked, transfer_occupied, sales_available
           from marts.inventory_scheduling_layer where location_id = 'LOC_5' and sku = 'X5'""",
    )
    assert row == (500, 20, 60, 10, 30, 380)
    assert ats(warehouse, "tmall_ex5", "X5") == (380, 395)


def test_shipped_transfer_is_in_the_air_at_its_destination_not_on_hand(warehouse: Path) -> None:
    (row,) = query(
        warehouse,
        """select transfer_in_air, on_hand, sales_available
           from marts.inventory_scheduling_layer where location_id = 'STORE_B' and sku = 'SKU2'""",
    )
    assert row == (10, 0, 0)
    # the approved (not shipped) transfer T5 occupies its source only
    assert query(
        warehouse,
        "select transfer_occupied, transfer_in_air from marts.inventory_scheduling_layer where location_id = 'LOC_5' "
        "and sku = 'X5'",
    ) == [(30, 0)]


def test_warehouse_layer_sums_to_scheduling_on_hand(warehouse: Path) -> None:
    mismatches = query(
        warehouse,
        """
        with lots as (
            select location_id, sku, sum(qty) as qty from marts.inventory_warehouse_layer group by all
        )
        select s.location_id, s.sku, s.on_hand, lots.qty
        from marts.inventory_scheduling_layer s
        left join lots using (location_id, sku)
        where not s.is_bundle and s.on_hand <> coalesce(lots.qty, 0)
        """,
    )
    assert mismatches == []
    assert (
        query(warehouse, "select sum(qty) from marts.inventory_warehouse_layer")[0][0]
        == 100 + 50 + 100 + 100 + 150 + 200 + 500
    )
