"""Fulfillment planning on the generated small brand, built by the whole pipeline."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pipelines.fulfillment.reasons import REASONS, ROUTED
from tests.e2e.pipeline import query

pytestmark = pytest.mark.e2e


def kpi(brand: Path, scope: str, metric: str) -> float:
    return query(brand, "select value from marts.fulfillment_kpis where scope = ? and metric = ?", [scope, metric])[0][
        0
    ]


def test_open_paid_orders_are_all_planned(small_brand: Path) -> None:
    open_orders = query(
        small_brand, "select count(*) from staging.stg_orders where status = 'paid' and location_id is null"
    )[0][0]
    planned = query(
        small_brand, "select count(distinct order_id) from marts.fulfillment_plan where line_kind = 'order'"
    )[0][0]
    assert open_orders == planned == kpi(small_brand, "open_orders", "orders_planned") > 0


def test_at_least_95_percent_routed_automatically_in_the_replay(small_brand: Path) -> None:
    planned = kpi(small_brand, "replay", "orders_planned")
    share = kpi(small_brand, "replay", "share_routed_automatically")
    assert planned >= 300, "the replay of the last 7 days should hold a few hundred orders"
    assert share >= 0.95
    assert kpi(small_brand, "open_orders", "share_routed_automatically") >= 0.95


def test_every_line_carries_a_known_reason_and_the_failures_say_what_to_do(small_brand: Path) -> None:
    for table in ("fulfillment_plan", "fulfillment_replay_plan"):
        rows = query(small_brand, f"select status, reason, reason_detail from marts.{table}")
        assert rows
        for status, reason, detail in rows:
            assert reason in REASONS and detail
            assert (status == "allocated") == (reason in ROUTED)


def test_plan_never_exceeds_sales_available(small_brand: Path) -> None:
    over = query(
        small_brand,
        """
        with taken as (
            select location_id, sku, sum(qty) as qty from marts.fulfillment_plan where status = 'allocated' group by all
        )
        select taken.* from taken
        left join marts.inventory_scheduling_layer s using (location_id, sku)
        where taken.qty > coalesce(s.sales_available, 0)
    """,
    )
    assert over == []


def test_lots_respect_the_channels_shelf_life(small_brand: Path) -> None:
    short = query(
        small_brand,
        """
        select p.order_id from marts.fulfillment_replay_plan p join staging.stg_channels c using (channel_id)
        where p.status = 'allocated' and p.shelf_life_days_left < c.min_shelf_life_days
    """,
    )
    assert short == []


def test_outbound_documents_carry_exactly_the_allocated_units(small_brand: Path) -> None:
    plan = query(small_brand, "select coalesce(sum(qty), 0) from marts.fulfillment_plan where status = 'allocated'")[0][
        0
    ]
    docs = query(
        small_brand, "select coalesce(sum(qty), 0), count(distinct document_id) from marts.wms_outbound_documents"
    )[0]
    expected_docs = query(
        small_brand,
        "select count(distinct (order_id, location_id)) from marts.fulfillment_plan where status = 'allocated'",
    )[0][0]
    assert docs == (plan, expected_docs)


def test_inbound_documents_are_the_open_asns_and_transfers(small_brand: Path) -> None:
    expected = query(
        small_brand,
        """
        select (select count(*) from staging.stg_inbound_asn where status in ('created', 'in_transit'))
             + (select count(*) from staging.stg_transfers where status in ('approved', 'shipped'))
    """,
    )[0][0]
    assert query(small_brand, "select count(*) from marts.wms_inbound_documents")[0][0] == expected > 0


def test_interception_list_is_released_unshipped_cancellations_and_exported(small_brand: Path) -> None:
    rows = query(small_brand, "select order_id, status from marts.interception_list")
    assert rows and {s for _, s in rows} <= {"cancelled", "refunded"}
    shipped = query(
        small_brand,
        """
        select count(*) from marts.interception_list i
        join staging.stg_wms_movements m on m.doc_id = i.order_id and m.doc_type = 'outbound'
    """,
    )[0][0]
    unreleased = query(
        small_brand,
        """
        select count(*) from marts.interception_list i join staging.stg_orders o using (order_id)
        where o.location_id is null
    """,
    )[0][0]
    assert shipped == unreleased == 0
    with (small_brand / "exports" / "interception_list.csv").open(newline="") as fh:
        exported = list(csv.DictReader(fh))
    assert sorted(r["order_id"] for r in exported) == sorted(o for o, _ in rows)
