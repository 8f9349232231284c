"""Planning stays bounded in memory: the replay window is capped in orders, the warehouse reads only
the orders in scope (and gives the same answers as reading everything), and a step with more lines
than its budget fails before planning, saying what it found and what to do."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import numpy as np
import polars as pl
import pytest

from pipelines.defs.fulfillment.load import ORDERS_SQL, scope_size, select_open_orders, select_replay_orders
from pipelines.fulfillment.membership import GiftRule, gift_orders
from pipelines.fulfillment.planning import PlanScope, PlanTooLarge, check_plan_size, open_orders
from pipelines.fulfillment.replay import replay_orders

AS_OF = datetime(2026, 11, 11, 23, 59, 59)
STATUSES = ["created", "paid", "allocated", "shipped", "delivered", "returned", "cancelled", "refunded"]


def test_the_replay_window_keeps_only_the_most_recently_paid_orders() -> None:
    orders = pl.DataFrame(
        {
            "order_id": ["A", "B", "C", "D", "E", "OLD"],
            "status": ["delivered", "allocated", "shipped", "cancelled", "paid", "delivered"],
            "paid_at": [
                AS_OF - timedelta(hours=5),
                AS_OF - timedelta(hours=1),
                AS_OF - timedelta(hours=1),
                AS_OF - timedelta(hours=3),
                AS_OF - timedelta(hours=2),
                AS_OF - timedelta(days=9),
            ],
            "location_id": ["W", "W", "S", None, None, "W"],
        }
    )
    assert replay_orders(orders, AS_OF, days=7)["order_id"].to_list() == ["A", "B", "C", "D", "E"]
    # latest first, ties (B, C paid at the same instant) by order id, latest first: C, B, then E; input order kept
    assert replay_orders(orders, AS_OF, days=7, max_orders=3)["order_id"].to_list() == ["B", "C", "E"]
    assert replay_orders(orders, AS_OF, days=7, max_orders=1)["order_id"].to_list() == ["C"]
    assert replay_orders(orders, AS_OF, days=7, max_orders=0).height == 0
    assert replay_orders(orders, AS_OF, days=7, max_orders=10).height == 5


def history(n: int = 600, seed: int = 3) -> pl.DataFrame:
    """Orders over 10 days with repeat customers, paid_at ties, every status, some without location or customer."""
    rng = np.random.default_rng(seed)
    minutes = rng.integers(0, 10 * 24 * 60, n) // 30 * 30  # half-hour steps: many ties
    status = rng.choice(STATUSES, n)
    return pl.DataFrame(
        {
            "order_id": [f"O{i:04d}" for i in range(n)],
            "channel_id": "tmall",
            "customer_id": [None if i % 17 == 0 else f"C{c:03d}" for i, c in enumerate(rng.integers(0, 150, n))],
            "member_tier": rng.choice(["none", "silver", "gold", "vip"], n),
            "status": status,
            "created_at": [AS_OF - timedelta(days=10) + timedelta(minutes=int(m)) for m in minutes],
            "paid_at": [
                None if s == "created" else AS_OF - timedelta(days=10) + timedelta(minutes=int(m) + 5)
                for s, m in zip(status, minutes, strict=True)
            ],
            "updated_at": AS_OF,
            "ship_method": "express",
            "ship_region": "CN-SH",
            "location_id": [None if s in ("created", "paid") or rng.random() < 0.3 else "W" for s in status],
        }
    )


@pytest.fixture
def warehouse() -> tuple[duckdb.DuckDBPyConnection, pl.DataFrame]:
    orders = history()
    lines = pl.DataFrame(
        {
            "order_id": [o for o in orders["order_id"] for _ in range(2)],
            "line_no": [1, 2] * orders.height,
            "sku": "X",
            "qty": 1,
        }
    )
    con = duckdb.connect()
    con.execute("create schema staging")
    con.register("o", orders.to_arrow())
    con.register("l", lines.to_arrow())
    con.execute("create table staging.stg_orders as select * from o")
    con.execute("create table staging.stg_order_lines as select * from l")
    yield con, orders
    con.close()


def scoped_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    return sorted(r[0] for r in con.execute("select order_id from plan_scope").fetchall())


@pytest.mark.parametrize(("days", "max_orders"), [(1, 10), (3, 40), (7, 1_000_000), (30, 0)])
def test_the_replay_scope_in_sql_is_the_replay_window_of_the_frames(warehouse, days: int, max_orders: int) -> None:
    con, orders = warehouse
    scope = select_replay_orders(con, AS_OF, days, max_orders)
    expected = sorted(replay_orders(orders, AS_OF, days, max_orders)["order_id"])
    assert scoped_ids(con) == expected
    assert (scope.orders, scope.lines) == (len(expected), 2 * len(expected))
    if max_orders == 10:
        assert scope.orders == 10  # the cap applies (the day holds more)


def test_the_open_scope_in_sql_is_open_orders_of_the_frames(warehouse) -> None:
    con, orders = warehouse
    scope = select_open_orders(con, AS_OF)
    expected = sorted(open_orders(orders, AS_OF)["order_id"])
    assert expected and scoped_ids(con) == expected
    assert scope == PlanScope("open orders", len(expected), 2 * len(expected))


def test_reading_only_the_customers_of_the_scope_gives_the_same_gifts(warehouse) -> None:
    con, orders = warehouse
    rules = [GiftRule(name="second", gift_sku="G", window_days=3), GiftRule(name="third", gift_sku="H", nth_order=3)]
    select_replay_orders(con, AS_OF, 2, 60)
    scoped = con.sql(ORDERS_SQL).pl()
    assert scoped.height < orders.height  # not the whole history
    in_scope = pl.DataFrame({"order_id": scoped_ids(con)})
    from_scope = gift_orders(scoped, rules).join(in_scope, on="order_id", how="semi").sort("order_id")
    from_all = gift_orders(orders, rules).join(in_scope, on="order_id", how="semi").sort("order_id")
    assert from_all.height > 3 and from_scope.equals(from_all)


def test_a_step_over_its_line_budget_fails_before_planning_and_says_what_to_do(warehouse) -> None:
    con, _ = warehouse
    select_open_orders(con, AS_OF)
    scope = scope_size(con, "open orders")
    check_plan_size(scope, scope.lines)  # exactly the budget: fine
    with pytest.raises(PlanTooLarge) as err:
        check_plan_size(PlanScope("open orders", 1_234_567, 2_000_001), 1_500_000)
    message = str(err.value)
    assert "open orders: 1,234,567 orders with 2,000,001 lines to plan" in message
    assert "budget of 1,500,000 lines (max_plan_lines)" in message
    assert "about 3.7 GiB" in message and "nothing was planned or written" in message
