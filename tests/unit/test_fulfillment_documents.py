"""WMS documents, the interception list, KPIs and the replay's restored stock."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from pipelines.fulfillment import reasons as R
from pipelines.fulfillment.documents import fulfillment_kpis, inbound_documents, interception_list, outbound_documents
from pipelines.fulfillment.inputs import PLAN_SCHEMA
from pipelines.fulfillment.replay import replay_orders, restore_stock

AS_OF = datetime(2025, 11, 29, 23, 59, 59)


def plan(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame([{c: r.get(c) for c in PLAN_SCHEMA} for r in rows], schema=PLAN_SCHEMA)


def line(
    order_id,
    line_no,
    sku,
    qty,
    location_id=None,
    lot_no=None,
    status="allocated",
    reason=R.NEAREST_LOCATION,
    kind="order",
    component=None,
) -> dict:
    return dict(
        order_id=order_id,
        line_no=line_no,
        line_kind=kind,
        ordered_sku=sku,
        component_sku=component or sku,
        sku=component or sku,
        qty=qty,
        location_id=location_id,
        lot_no=lot_no,
        status=status,
        reason=reason,
        channel_id="tmall",
        ship_method="express",
        ship_region="CN-SH",
    )


def test_outbound_documents_one_per_order_and_location_one_line_per_lot() -> None:
    frame = plan(
        line("O1", 1, "G", 1, "A", "L1", component="X"),
        line("O1", 1, "G", 2, "A", "L2", component="Y"),
        line("O1", 2, "Z", 1, "B", "L3", reason=R.SPLIT_ACROSS_LOCATIONS),
        line("O2", 1, "X", 4, status="unallocated", reason=R.INSUFFICIENT_STOCK),
    )
    docs = outbound_documents(frame, AS_OF)
    assert docs.select("document_id", "document_line_no", "sku", "lot_no", "qty", "bundle_or_ordered_sku").rows() == [
        ("OUT-O1-A", 1, "X", "L1", 1, "G"),
        ("OUT-O1-A", 2, "Y", "L2", 2, "G"),
        ("OUT-O1-B", 1, "Z", "L3", 1, None),
    ]


def test_inbound_documents_keep_only_what_is_still_expected() -> None:
    asn = pl.DataFrame(
        {
            "asn_id": ["A1", "A2", "A3"],
            "location_id": ["W"] * 3,
            "sku": ["X"] * 3,
            "qty": [10, 20, 30],
            "expected_at": [AS_OF] * 3,
            "status": ["in_transit", "received", "created"],
        }
    )
    transfers = pl.DataFrame(
        {
            "transfer_id": ["T1", "T2", "T3"],
            "from_location": ["W"] * 3,
            "to_location": ["S"] * 3,
            "sku": ["X"] * 3,
            "qty": [1, 2, 3],
            "status": ["approved", "shipped", "received"],
            "updated_at": [AS_OF] * 3,
        }
    )
    docs = inbound_documents(asn, transfers)
    assert docs.select("document_id", "location_id", "qty", "status").rows() == [
        ("TRF-T1", "S", 1, "approved"),
        ("TRF-T2", "S", 2, "shipped"),
        ("ASN-A1", "W", 10, "in_transit"),
        ("ASN-A3", "W", 30, "created"),
    ]


def test_interception_list_cancelled_after_release_and_not_shipped() -> None:
    orders = pl.DataFrame(
        {
            "order_id": ["C1", "C2", "C3", "C4", "C5"],
            "channel_id": ["tmall"] * 5,
            "status": ["cancelled", "refunded", "cancelled", "allocated", "refunded"],
            "updated_at": [
                datetime(2025, 11, 29, 20),
                datetime(2025, 11, 29, 21),
                AS_OF,
                AS_OF,
                datetime(2025, 11, 29, 22),
            ],
            "paid_at": [datetime(2025, 11, 29, 8)] * 5,
            "location_id": ["W", "S", None, "W", "W"],
            "ship_method": ["express"] * 5,
            "ship_region": ["CN-SH"] * 5,
        }
    )
    items = pl.DataFrame({"order_id": ["C1", "C1", "C2", "C5"], "sku": ["Y", "X", "X", "X"], "qty": [1, 2, 1, 1]})
    out = interception_list(orders, items, pl.Series(["C5"]), pl.Series(["W"]), AS_OF)
    # C3 was never released (no location), C4 is not cancelled, C5 already shipped
    assert out.select("order_id", "status", "location_id", "items", "units", "hours_since_cancel").rows() == [
        ("C2", "refunded", "S", "X x1", 1, 2),
        ("C1", "cancelled", "W", "X x2; Y x1", 3, 3),
    ]
    assert out["shipment_evidence"].to_list() == [
        "location reports quantities only (no ledger): confirm with the store that nothing left",
        "no outbound movement in the WMS ledger",
    ]
    assert out["action"][1].startswith("Warehouse W: stop picking")


def test_kpis_share_of_orders_with_every_own_line_allocated() -> None:
    frame = plan(
        line("O1", 1, "X", 1, "A", "L1"),
        line("O1", 1, "X", 1, "A", "L2"),  # two lots, one line
        line("O1", 2, "G", 1, status="unallocated", reason=R.GIFT_OUT_OF_STOCK, kind="gift"),  # a gift does not count
        line("O2", 1, "X", 1, "A"),
        line("O2", 2, "Y", 1, status="unallocated", reason=R.SHELF_LIFE),
        line("O3", 1, "X", 1, status="unallocated", reason=R.NO_COVERING_LOCATION),
    )
    kpis = fulfillment_kpis(frame, "open_orders")
    values = {(m, r): v for m, r, v in kpis.select("metric", "reason", "value").iter_rows()}
    assert values[("orders_planned", None)] == 3
    assert values[("orders_routed_automatically", None)] == 1
    assert values[("share_routed_automatically", None)] == 1 / 3
    assert values[("lines_by_reason", R.NEAREST_LOCATION)] == 2
    assert values[("orders_by_reason", R.SHELF_LIFE)] == 1
    assert kpis.filter(pl.col("reason") == R.SHELF_LIFE)["what_to_do"][0].startswith("Release fresher lots")


def test_replay_puts_back_what_the_replayed_orders_took() -> None:
    orders = pl.DataFrame(
        {
            "order_id": ["P1", "S1", "Q1", "OLD", "R1", "U1"],
            "status": ["allocated", "delivered", "delivered", "delivered", "refunded", "refunded"],
            "paid_at": [datetime(2025, 11, 29, 9)] * 3
            + [datetime(2025, 11, 1), datetime(2025, 11, 29, 9), datetime(2025, 11, 29, 9)],
            "location_id": ["W", "W", "S", "W", None, "W"],
        }
    )
    replayed = replay_orders(orders, AS_OF, days=1)
    # OLD is outside the window; U1 was refunded after it had a location (a customer's change of mind, not routing)
    assert replayed["order_id"].to_list() == ["P1", "S1", "Q1", "R1"]
    components = pl.DataFrame({"order_id": ["P1", "S1", "Q1", "R1"], "sku": ["X"] * 4, "qty": [2, 3, 1, 5]})
    outbound = pl.DataFrame(
        {
            "doc_id": ["S1", "OLD"],
            "location_id": ["W", "W"],
            "sku": ["X", "X"],
            "lot_no": ["L9", "L1"],
            "expiry_date": [date(2026, 11, 29), date(2026, 1, 1)],
            "qty_delta": [-3, -4],
        }
    )
    lots = pl.DataFrame(
        {
            "location_id": ["W", "S"],
            "sku": ["X", "X"],
            "lot_no": ["L1", "SL"],
            "expiry_date": [date(2026, 1, 1), date(2027, 1, 1)],
            "shelf_life_days_left": [33, 398],
            "qty": [10, 4],
        }
    )
    scheduling = pl.DataFrame(
        {
            "location_id": ["W", "S"],
            "sku": ["X", "X"],
            "physical_available": [10, 4],
            "claims": [2, 0],
            "sales_available": [8, 4],
        }
    )
    new_lots, new_sched = restore_stock(replayed, components, outbound, lots, scheduling, AS_OF)
    assert new_lots.rows() == [
        ("S", "X", "SL", date(2027, 1, 1), 398, 5),
        ("W", "X", "L1", date(2026, 1, 1), 33, 10),
        ("W", "X", "L9", date(2026, 11, 29), 365, 3),
    ]
    assert new_sched.rows() == [("S", "X", 5, 0, 5), ("W", "X", 13, 0, 13)]
