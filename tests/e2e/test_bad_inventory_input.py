"""Bad master and stock data is flagged with the offending rows named, and the rest still builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.e2e.pipeline import build, copy_landing, query

pytestmark = pytest.mark.e2e


def append(path: Path, line: str) -> None:
    with path.open("a") as handle:
        handle.write(line + "\n")


@pytest.fixture(scope="module")
def flagged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("bad_input")
    copy_landing(FIXTURES / "worked_examples" / "landing", data)
    landing = data / "landing"
    append(landing / "supply_rules" / "rules.csv", "jd_ex2,STORE_A,express,1.5")
    append(landing / "products" / "products.csv", "LOOP,Self-referencing set,gift_set,1,2,720,1,1,")
    append(landing / "bundle_components" / "bundles.csv", "LOOP,LOOP,1")
    ledger = landing / "wms_movements" / "ledger.csv"
    append(ledger, "M10,2025-12-20 08:00:00,LOC_5,brand,A,LT,2025-10-01,2028-09-15,W-02,available,5,transfer_in,T9")
    append(ledger, "M11,2025-12-20 09:00:00,LOC_5,brand,A,LT,2025-10-01,2028-09-15,W-02,available,5,transfer_in,T9")
    append(ledger, "M12,2025-12-20 10:00:00,LOC_5,brand,B,LB,2026-10-01,2025-09-15,W-03,available,7,inbound,ASN9")
    outcome = build(data)
    assert outcome.success, outcome.summary()
    return data


def test_ratio_outside_0_1_is_named_and_supplies_nothing(flagged: Path) -> None:
    assert query(flagged, "select channel_id, location_id, max_ratio from audit.supply_rule_ratio_within_0_1") == [
        ("jd_ex2", "STORE_A", 1.5)
    ]
    # STORE_A's SKU1 does not leak into JD; JD's own warehouse supply is untouched
    assert query(
        flagged, "select allocatable from marts.inventory_sales_layer where channel_id = 'jd_ex2' and sku = 'SKU1'"
    ) == [(0,)]
    assert query(
        flagged, "select allocatable from marts.inventory_sales_layer where channel_id = 'jd_ex2' and sku = 'SKU2'"
    ) == [(40,)]


def test_bundle_containing_itself_is_named_and_ignored(flagged: Path) -> None:
    assert query(flagged, "select bundle_sku, component_sku from audit.bundle_does_not_contain_itself") == [
        ("LOOP", "LOOP")
    ]
    assert query(flagged, "select count(*) from marts.inventory_scheduling_layer where sku = 'LOOP'") == [(0,)]


def test_transfer_received_twice_is_named(flagged: Path) -> None:
    assert query(flagged, "select doc_id, location_id, sku, occurrences from audit.transfer_received_once") == [
        ("T9", "LOC_5", "A", 2)
    ]


def test_lot_expiring_before_production_is_named(flagged: Path) -> None:
    assert query(flagged, "select movement_id, lot_no from audit.wms_movements_expiry_not_before_production") == [
        ("M12", "LB")
    ]


def test_the_worked_examples_still_hold(flagged: Path) -> None:
    assert query(
        flagged, "select allocatable from marts.inventory_sales_layer where channel_id = 'tmall_ex1' and sku = 'SKU1'"
    ) == [(120,)]
