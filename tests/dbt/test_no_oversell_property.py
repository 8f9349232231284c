"""Property: channels that share nothing can never sell, together, more than is physically there.

Random locations, lots (any status, any expiry), claims, channels (any minimum shelf
life) and supply rules whose ratios at each location add up to at most 1 go through
the real compiled SQL of int_location_sku_stock, int_channel_location_supply and
inventory_sales_layer.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.dbt.compiled import compile_models, memory_warehouse

MODELS = ["int_location_sku_stock", "int_channel_location_supply", "inventory_sales_layer"]
STATUSES = ["available", "available", "available", "frozen", "defective", "quality_hold"]


@pytest.fixture(scope="module")
def sql(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return compile_models(tmp_path_factory.mktemp("compiled"), MODELS)


lots = st.lists(
    st.tuples(
        st.sampled_from(["L1", "L2", "L3"]),
        st.sampled_from(["A", "B"]),
        st.sampled_from(STATUSES),
        st.one_of(st.none(), st.integers(min_value=-30, max_value=800)),  # days of shelf life left
        st.integers(min_value=0, max_value=500),
    ),
    max_size=12,
)
claims = st.lists(
    st.tuples(
        st.sampled_from(["L1", "L2", "L3"]),
        st.sampled_from(["A", "B"]),
        st.integers(0, 200),
        st.integers(0, 100),
        st.integers(0, 100),
    ),
    max_size=4,
    unique_by=lambda c: (c[0], c[1]),
)
# for each location, a split of at most 100% across the three channels
splits = st.lists(st.integers(0, 100), min_size=3, max_size=3).map(lambda xs: [x / max(100, sum(xs)) for x in xs])
shelf_lives = st.lists(st.sampled_from([0, 30, 180, 365]), min_size=3, max_size=3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lots=lots, claims=claims, splits=st.lists(splits, min_size=3, max_size=3), shelf=shelf_lives)
def test_channels_that_share_nothing_never_oversell(sql, lots, claims, splits, shelf) -> None:
    con = memory_warehouse()
    con.execute("create table intermediate.int_as_of as select timestamp '2026-01-01 10:00:00' as as_of")
    con.execute(
        "create table intermediate.int_stock_lots (location_id varchar, owner varchar, sku varchar, lot_no varchar,"
        " production_date date, expiry_date date, bin varchar, status varchar, qty bigint, observed_at timestamp, "
        "stock_mode varchar)"
    )
    for i, (loc, sku, status, days_left, qty) in enumerate(lots):
        con.execute(
            "insert into intermediate.int_stock_lots values (?, 'brand', ?, ?, null,"
            " case when ? is null then null else date '2026-01-01' + cast(? as integer) end, ?, ?, ?, null, 'flow')",
            [loc, sku, f"lot{i}", days_left, days_left, f"bin{i}", status, qty],
        )
    con.execute(
        "create table intermediate.int_location_sku_claims (location_id varchar, sku varchar, order_occupied bigint,"
        " transfer_occupied bigint, locked bigint, transfer_in_air bigint, inbound_in_transit bigint)"
    )
    for claim in claims:
        con.execute("insert into intermediate.int_location_sku_claims values (?, ?, ?, ?, ?, 0, 0)", list(claim))
    channels = ["c0", "c1", "c2"]
    con.execute(
        "create table staging.stg_channels (channel_id varchar, platform varchar, kind varchar,"
        " payment_timeout_minutes bigint, min_shelf_life_days bigint, low_stock_threshold bigint)"
    )
    con.executemany(
        "insert into staging.stg_channels values (?, 'P', 'third_party', 30, ?, 0)", list(zip(channels, shelf))
    )
    con.execute(
        "create table staging.stg_supply_rules (channel_id varchar, location_id varchar, ship_method varchar, "
        "max_ratio decimal(9, 6))"
    )
    for loc, split in zip(["L1", "L2", "L3"], splits):
        for channel, ratio in zip(channels, split):
            con.execute(
                "insert into staging.stg_supply_rules values (?, ?, 'express', ?)", [channel, loc, round(ratio, 6)]
            )
    con.execute("create table staging.stg_products as select * from (values ('A'), ('B')) t(sku)")
    con.execute("create table staging.stg_bundle_components (bundle_sku varchar, component_sku varchar, qty bigint)")
    con.execute(
        "create table intermediate.int_channel_sku_claims (channel_id varchar, sku varchar, unpaid_held bigint,"
        " pending_allocation bigint, presale bigint, virtual bigint, reserved bigint)"
    )
    for model in MODELS:
        schema = "marts" if model.startswith("inventory") else "intermediate"
        con.execute(f"create table {schema}.{model} as {sql[model]}")

    for sku in ("A", "B"):
        physical = con.execute(
            "select coalesce(sum(qty), 0) from intermediate.int_stock_lots where sku = ? and status = 'available'",
            [sku],
        ).fetchone()[0]
        sellable = con.execute(
            "select coalesce(sum(sales_available), 0) from intermediate.int_location_sku_stock where sku = ?", [sku]
        ).fetchone()[0]
        total_ats = con.execute(
            "select sum(available_to_sell) from marts.inventory_sales_layer where sku = ?", [sku]
        ).fetchone()[0]
        assert 0 <= total_ats <= sellable <= physical
    assert (
        con.execute("select count(*) from marts.inventory_sales_layer where available_to_sell < 0").fetchone()[0] == 0
    )
    per_channel = con.execute(
        """
        select s.channel_id, s.sku, s.allocatable, coalesce(sum(l.sales_available), 0)
        from marts.inventory_sales_layer s
        left join staging.stg_supply_rules r on r.channel_id = s.channel_id
        left join intermediate.int_location_sku_stock l on l.location_id = r.location_id and l.sku = s.sku
        group by all
        """
    ).fetchall()
    for channel, sku, allocatable, supplying_sales_available in per_channel:
        assert allocatable <= supplying_sales_available, (channel, sku)
    con.close()
