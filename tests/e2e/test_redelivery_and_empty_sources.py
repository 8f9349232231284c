"""Issue 12, faults 2, 7 and 10 through the whole pipeline, on the worked examples (three builds):

1. clean, plus an order refused for its status and a line of it -> the line is quarantined
   with its order's reason, not staged; the sales layer is cleared for publishing;
2. orders.csv emptied in place, and an order delivered a month ago while no settlement was
   ever delivered -> two critical `deliveries` alerts (the held file; settlements empty), the
   orders staged before stay, publishing keeps the quantities cleared in build 1;
3. the emptied file accepted with `omnistock accept-delivery`, a settlement delivered -> both
   alerts resolve, the orders leave (and their lines with them), publishing clears again.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.conftest import FIXTURES
from tests.e2e.pipeline import build, copy_landing, query

pytestmark = pytest.mark.e2e

ORDER_HEADER = (
    "order_id,channel_id,customer_id,member_tier,status,created_at,paid_at,updated_at,"
    "ship_method,ship_region,location_id\n"
)
# the worked examples hold a sparse ledger and one day of snapshots: relax the cadences (as test_publish_gate)
CONFIG = """\
now: data_as_of
freshness:
  wms_movements: {column: occurred_at, every: 60d, grace: 1d, severity: critical, required: false}
  wms_snapshots: {column: as_of, every: 1d, grace: 6h, severity: critical, required: false, by: location_id}
expected_sources:
  settlements: {when: {source: orders, status: [delivered, returned], column: updated_at, older_than: 14d}}
redelivery: {min_share: 0.5}
"""
OPEN = """select "check", asset, subject, severity from marts.data_quality_alerts
          where status = 'open' and severity = 'critical' order by all"""
PUBLISHED = "select max(cleared_at), sum(publishable_qty) from marts.publishable_sales_layer"


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[int, dict]:
    data = tmp_path_factory.mktemp("redelivery")
    copy_landing(FIXTURES / "worked_examples" / "landing", data)
    landing = data / "landing"
    (data / "quality").mkdir()
    (data / "quality" / "cadences.yml").write_text(CONFIG)
    (landing / "orders" / "refused.csv").write_text(
        ORDER_HEADER + "EXB-1,tmall_ex1,c9,none,lost,2026-01-01 09:00:00,,2026-01-01 09:00:00,express,ZJ,\n"
    )
    (landing / "order_lines" / "refused.csv").write_text(
        "order_id,line_no,sku,qty,unit_price,discount\nEXB-1,1,SKU1,5,10,0\n"
    )
    seen: dict[int, dict] = {}

    def run(n: int) -> None:
        outcome = build(data)
        seen[n] = {
            "outcome": outcome,
            "open": query(data, OPEN),
            "published": query(data, PUBLISHED)[0],
            "orders": sorted(r[0] for r in query(data, "select order_id from staging.stg_orders")),
            "lines": sorted(r[0] for r in query(data, "select distinct order_id from staging.stg_order_lines")),
            "quarantine": query(data, "select source, file, value, reason from ops.quarantine order by all"),
        }

    run(1)
    orders = landing / "orders" / "orders.csv"
    orders.write_text("")  # emptied in place
    (landing / "orders" / "old.csv").write_text(
        ORDER_HEADER
        + "EXO-1,tmall_ex1,c8,none,delivered,2025-11-20 10:00:00,2025-11-20 10:01:00,2025-12-01 10:00:00,express,ZJ,\n"
    )
    run(2)
    from pipelines.cli import app

    accepted = CliRunner().invoke(app, ["accept-delivery", "orders/orders.csv", "--data-dir", str(data)])
    assert accepted.exit_code == 0, accepted.output
    (landing / "settlements").mkdir()
    (landing / "settlements" / "tmall.csv").write_text(
        "settlement_id,channel_id,order_id,settled_at,type,gross_amount,commission,payment_fee,shipping_fee,subsidy,net_amount,currency\n"
        "S1,tmall_ex1,EXO-1,2025-12-03 00:00:00,sale,100,5,1,0,0,94,CNY\n"
    )
    run(3)
    return seen


def test_a_line_of_a_refused_order_is_quarantined_with_its_reason(builds: dict[int, dict]) -> None:
    first = builds[1]
    assert first["outcome"].success, first["outcome"].summary()
    assert "EXB-1" not in first["lines"] and "EXB-1" not in first["orders"]
    ((source, file, value, reason),) = [q for q in first["quarantine"] if q[0] == "order_lines"]
    assert (source, file, value) == ("order_lines", "landing/order_lines/refused.csv", "EXB-1")
    assert reason.startswith("its order EXB-1 was quarantined: status: not one of created, paid") and reason.endswith(
        "(landing/orders/refused.csv, row 1)"
    )
    assert first["open"] == [] and first["published"][1] > 0


def test_an_emptied_file_is_held_and_an_empty_expected_source_blocks_publishing(builds: dict[int, dict]) -> None:
    first, second = builds[1], builds[2]
    assert not second["outcome"].success and "delivery_checks" in second["outcome"].failed_steps
    assert second["open"] == [
        ("deliveries", "staging/stg_orders", "landing/orders/orders.csv", "critical"),
        ("deliveries", "staging/stg_settlements", "", "critical"),
    ]
    assert second["orders"] == sorted([*first["orders"], "EXO-1"])  # the three orders of the emptied file stay
    assert second["published"] == first["published"]  # the quantities cleared in build 1, not re-cleared
    held = [q for q in second["quarantine"] if q[3].startswith("re-delivery held")]
    assert (
        [(q[1], q[2]) for q in held] == [("landing/orders/orders.csv", held[0][2])]
        and held[0][2].startswith("before: 3 valid of 3 rows")
        and held[0][2].endswith("now: 0 valid of 0 rows (unreadable)")
    )


def test_accepting_the_file_and_delivering_settlements_resolves_both(builds: dict[int, dict]) -> None:
    first, third = builds[1], builds[3]
    assert third["outcome"].success, third["outcome"].summary()
    assert third["open"] == []
    assert third["orders"] == ["EXO-1"]  # the accepted (empty) file took its three orders away
    assert third["lines"] == []  # and their lines, loaded before, are quarantined as orphans now
    assert {q[2] for q in third["quarantine"] if q[3] == "unknown order_id (not in orders)"} == {
        "EX3-1",
        "EX4-1",
        "EX5-1",
    }
    assert not any(q[3].startswith("re-delivery held") for q in third["quarantine"])
    assert third["published"][0] > first["published"][0]
