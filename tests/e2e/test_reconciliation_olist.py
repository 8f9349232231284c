"""Reconciliation on Olist-shaped exports: the hand-written tests/fixtures/olist_shaped/ (always)
and the real Olist sample (read in place from ../shared/realdata; skips when it is absent).

Olist has no fee schedule, so an order's payments must add up to its lines' price plus
freight (shipping_charge). The expected mismatches are computed here straight from the
CSVs with Polars, independently of the dbt models; for the hand-written files they are also
known in advance: order ...03 paid 2.35 more than its 70.00, order ...05 20.00 less than its
200.00 (docs/reconciliation.md, worked example 5).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import OLIST, OLIST_SHAPED, needs_olist
from tests.e2e.pipeline import build, query

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", params=[OLIST_SHAPED, pytest.param(OLIST, marks=needs_olist)], ids=["shaped", "real"])
def sample(request: pytest.FixtureRequest) -> Path:
    return request.param


@pytest.fixture(scope="module")
def olist(tmp_path_factory: pytest.TempPathFactory, sample: Path) -> Path:
    data = tmp_path_factory.mktemp("olist_recon")
    (data / "landing" / "olist").mkdir(parents=True)
    for path in sample.iterdir():  # copied: a link out of the landing zone is not read
        shutil.copyfile(path, data / "landing" / "olist" / path.name)
    outcome = build(data)
    assert outcome.success, outcome.summary()
    return data


def expected_differences(sample: Path) -> pl.DataFrame:
    """order_id -> payments minus (price + freight), in cents, for every order with payments."""
    items = (
        pl.scan_csv(sample / "sample_olist_order_items_dataset.csv")
        .group_by("order_id")
        .agg((pl.col("price") + pl.col("freight_value")).sum().alias("lines"))
    )
    payments = (
        pl.scan_csv(sample / "sample_olist_order_payments_dataset.csv")
        .group_by("order_id")
        .agg(pl.col("payment_value").sum().alias("paid"))
    )
    return (
        payments.join(items, on="order_id", how="left")
        .select(
            "order_id", ((pl.col("paid") - pl.col("lines").fill_null(0)) * 100).round().cast(pl.Int64).alias("cents")
        )
        .filter(pl.col("cents") != 0)
        .collect()
    )


def test_every_order_whose_lines_differ_from_its_payments_is_an_amount_mismatch(olist: Path, sample: Path) -> None:
    expected = expected_differences(sample)
    assert expected.height > 0
    if sample == OLIST_SHAPED:
        assert sorted(expected.rows()) == [
            ("os000000000000000000000000000003", 235),
            ("os000000000000000000000000000005", -2000),
        ]
    found = pl.DataFrame(
        query(
            olist,
            """
            select anomalies.order_id,
                   cast(round(anomalies.amount_at_stake * 100) as bigint),
                   cast(round(orders.sale_difference * 100) as bigint)
            from marts.reconciliation_anomalies as anomalies
            inner join marts.recon_order_settlement as orders
                on anomalies.order_id = orders.order_id
            where anomalies.anomaly_class = 'amount_mismatch' and anomalies.status = 'open'
        """,
        ),
        schema=["order_id", "at_stake_cents", "difference_cents"],
        orient="row",
    )
    assert sorted(found["order_id"]) == sorted(expected["order_id"])
    both = expected.join(found, on="order_id")
    assert (both["difference_cents"] == both["cents"]).all()
    assert (both["at_stake_cents"] == both["cents"].abs()).all()


def test_nothing_else_is_reported_and_every_other_order_reconciles(olist: Path, sample: Path) -> None:
    classes = dict(query(olist, "select anomaly_class, count(*) from marts.reconciliation_anomalies group by 1"))
    assert classes == {"amount_mismatch": expected_differences(sample).height}
    statuses = dict(query(olist, "select match_status, count(*) from marts.recon_order_settlement group by 1"))
    assert statuses.get("discrepancy") == expected_differences(sample).height
    assert set(statuses) <= {"matched", "discrepancy", "awaiting_settlement"}
    if sample == OLIST_SHAPED:  # ...01, ...02 (two payments), ...04 (shipped, paid) match; ...06 owes nothing
        assert statuses == {"matched": 3, "discrepancy": 2}


def test_brl_amounts_say_brl_and_are_not_labelled_cny_without_a_rate(olist: Path, sample: Path) -> None:
    # the mapping says BRL; seeds/fx_rates.csv has no BRL rate, so nothing is converted (never 1:1)
    assert query(olist, "select currency, count(*) from marts.recon_order_settlement group by 1") == [
        ("BRL", query(olist, "select count(*) from marts.recon_order_settlement")[0][0])
    ]
    rows = query(
        olist,
        """
        select currency, fx_rate_missing, count(*), count(amount_at_stake_cny), count(fx_rate), count(fx_rate_date)
        from marts.reconciliation_anomalies group by all
    """,
    )
    assert rows == [("BRL", True, expected_differences(sample).height, 0, 0, 0)]
    assert query(olist, "select distinct currency from marts.erp_journal") == [("BRL",)]


def test_a_rebuild_keeps_first_seen_and_counts_nothing_twice(olist: Path) -> None:
    before = query(olist, "select anomaly_id, first_seen, status from marts.reconciliation_anomalies order by 1")
    outcome = build(olist)
    assert outcome.success, outcome.summary()
    after = query(olist, "select anomaly_id, first_seen, status from marts.reconciliation_anomalies order by 1")
    assert after == before
    last_seen = query(olist, "select count(distinct last_seen) from marts.reconciliation_anomalies")[0][0]
    assert last_seen == 1
