"""The `deliveries` check: an expected source that is empty (issue 12, fault 7) and a held
re-delivery (fault 2) are critical alerts that name it."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import polars as pl
import pytest

from pipelines.quality.config import DEFAULT_CONFIG, ExpectedSource, load_config, parse_config
from pipelines.quality.deliveries import empty_source_outcome, expected_source_outcomes, held_outcomes
from pipelines.quality.severity import Severity

NOW = datetime(2026, 1, 1, 10)


def asset_of(source: str) -> str:
    return f"staging/stg_{source}"


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema staging")
    con.execute(
        "create table staging.stg_orders (order_id varchar, status varchar, updated_at timestamp, channel_id varchar)"
    )
    con.execute("create table staging.stg_settlements (settlement_id varchar)")
    con.execute("create table staging.stg_channels (channel_id varchar, platform varchar, kind varchar)")
    con.execute(
        "insert into staging.stg_channels values ('tmall', 'Tmall', 'third_party'), ('pos', 'Offline POS', "
        "'self_operated'), "
        "('wholesale', 'B2B', 'third_party')"
    )
    return con


def orders(con: duckdb.DuckDBPyConnection, rows: list[tuple], channel: str = "tmall") -> None:
    con.executemany(
        "insert into staging.stg_orders values (?, ?, ?, ?)", [(*r, channel) if len(r) == 3 else r for r in rows]
    )


def test_the_shipped_configuration_expects_settlements_once_delivered_orders_are_due() -> None:
    config = load_config(DEFAULT_CONFIG.parent / "nowhere")
    (rule,) = config.expected_sources
    assert rule == ExpectedSource(
        "settlements",
        "orders",
        ("delivered", "returned"),
        "updated_at",
        timedelta(days=14),
        except_channel_kinds=("self_operated",),
    )
    assert config.redelivery_min_share == 0.5


def test_settlements_empty_while_delivered_orders_are_owed_a_payout_is_critical(con: duckdb.DuckDBPyConnection) -> None:
    (rule,) = load_config(DEFAULT_CONFIG.parent / "nowhere").expected_sources
    orders(
        con,
        [
            ("O1", "delivered", NOW - timedelta(days=30)),
            ("O2", "returned", NOW - timedelta(days=20)),
            ("O3", "delivered", NOW - timedelta(days=2)),
            ("O4", "paid", NOW - timedelta(days=40)),
        ],
    )
    (outcome,) = expected_source_outcomes(con, [rule], NOW, asset_of)
    assert (outcome.check, outcome.asset, outcome.subject, outcome.passed, outcome.severity) == (
        "deliveries",
        "staging/stg_settlements",
        "",
        False,
        Severity.CRITICAL,
    )
    assert outcome.message.startswith(
        "settlements: the source is EMPTY (no rows at all) while 2 row(s) of orders delivered or returned, "
        "updated_at 14 day(s) or more before now, except channels of kind self_operated need it"
    )
    # one settlement is enough: the source is there (reconciliation names what is missing)
    con.execute("insert into staging.stg_settlements values ('S1')")
    assert expected_source_outcomes(con, [rule], NOW, asset_of)[0].passed


def test_an_empty_source_nothing_needs_yet_is_not_an_alert(con: duckdb.DuckDBPyConnection) -> None:
    (rule,) = load_config(DEFAULT_CONFIG.parent / "nowhere").expected_sources
    orders(con, [("O1", "delivered", NOW - timedelta(days=2)), ("O2", "allocated", NOW - timedelta(days=60))])
    (outcome,) = expected_source_outcomes(con, [rule], NOW, asset_of)
    assert outcome.passed and outcome.severity is Severity.INFO
    # a partial data folder without orders (or without their staging table) expects nothing either
    assert expected_source_outcomes(duckdb.connect(), [rule], NOW, asset_of)[0].passed


def test_a_source_expected_always_or_when_any_row_needs_it() -> None:
    config = parse_config({"expected_sources": {"products": None, "order_lines": {"when": "orders"}}})
    products, lines = config.expected_sources
    assert products == ExpectedSource("products") and lines == ExpectedSource("order_lines", "orders")
    assert not empty_source_outcome(products, 0, None, "staging/stg_products").passed
    assert empty_source_outcome(lines, 0, 0, "staging/stg_order_lines").passed
    assert "3 row(s) of orders need it" in empty_source_outcome(lines, 0, 3, "staging/stg_order_lines").message
    with pytest.raises(ValueError, match="min_share"):
        parse_config({"redelivery": {"min_share": 2}})


def test_each_held_redelivery_is_a_critical_alert_naming_its_file() -> None:
    held = pl.DataFrame(
        {
            "source": ["wms_movements"],
            "file": ["landing/wms_movements/part-3.parquet"],
            "value": [
                "before: 10104 valid of 10104 rows (ingested 2026-12-01 10:00); now: 4003 valid of 4003 rows (ok)"
            ],
            "reason": [
                "re-delivery held, the version loaded is kept: it shrank to 4003 valid row(s), fewer than 0.5 of the "
                "10104 loaded"
            ],
        }
    )
    (outcome,) = held_outcomes(held, asset_of)
    assert (outcome.check, outcome.asset, outcome.subject, outcome.passed, outcome.severity) == (
        "deliveries",
        "staging/stg_wms_movements",
        "landing/wms_movements/part-3.parquet",
        False,
        Severity.CRITICAL,
    )
    assert "fewer than 0.5 of the 10104 loaded" in outcome.message and "now: 4003 valid" in outcome.message


def test_the_deliveries_check_is_wired_before_publishing() -> None:
    import dagster as dg

    from pipelines.defs.quality.checks import delivery_checks
    from pipelines.defs.shared.checks import DELIVERY_SPECS, GATED_ASSETS

    keys = {spec.key for spec in delivery_checks.check_specs}
    assert dg.AssetCheckKey(dg.AssetKey(["staging", "stg_settlements"]), "deliveries") in keys
    assert all(spec.blocking for spec in DELIVERY_SPECS)
    assert {spec.asset_key for spec in DELIVERY_SPECS} <= set(GATED_ASSETS)  # publish/sales_layer_ready waits for them


def test_orders_of_channels_no_platform_settles_need_no_settlement(con: duckdb.DuckDBPyConnection) -> None:
    """A brand selling only in its own stores (POS) never gets a settlement: that must not block publishing."""
    (shipped,) = load_config(DEFAULT_CONFIG.parent / "nowhere").expected_sources
    due = NOW - timedelta(days=30)
    orders(con, [("P1", "delivered", due), ("P2", "returned", due)], channel="pos")
    (outcome,) = expected_source_outcomes(con, [shipped], NOW, asset_of)
    assert outcome.passed and outcome.severity is Severity.INFO  # self_operated channels are excepted by default
    # without the exception the same orders block publishing
    strict_config = {"expected_sources": {"settlements": {"when": {"source": "orders", "status": ["delivered"]}}}}
    (strict,) = parse_config(strict_config).expected_sources
    assert not expected_source_outcomes(con, [strict], NOW, asset_of)[0].passed
    # a channel named in except_channels is left out too; a platform channel still counts
    (rule,) = parse_config(
        {
            "expected_sources": {
                "settlements": {
                    "when": {"source": "orders", "status": ["delivered"], "column": "updated_at", "older_than": "14d"},
                    "except_channel_kinds": ["self_operated"],
                    "except_channels": ["wholesale"],
                }
            }
        }
    ).expected_sources
    assert rule.except_channels == ("wholesale",) and rule.except_channel_kinds == ("self_operated",)
    orders(con, [("W1", "delivered", due)], channel="wholesale")
    assert expected_source_outcomes(con, [rule], NOW, asset_of)[0].passed
    orders(con, [("T1", "delivered", due), ("T2", "delivered", due)], channel="tmall")
    (outcome,) = expected_source_outcomes(con, [rule], NOW, asset_of)
    assert not outcome.passed and outcome.severity is Severity.CRITICAL
    assert (
        "while 2 row(s) of orders delivered, updated_at 14 day(s) or more before now, except channels of kind "
        "self_operated and channel(s) wholesale need it" in outcome.message
    )


def test_the_quality_checks_share_one_name_check_and_table_lookup() -> None:
    from pipelines.defs.quality import readers
    from pipelines.quality import deliveries, tables

    assert deliveries.table_exists is tables.table_exists is readers.table_exists
    assert deliveries.ident is tables.ident is readers.ident
    assert not hasattr(deliveries, "_exists") and not hasattr(deliveries, "_column")
    with pytest.raises(ValueError, match="not a plain column or table name in the quality configuration: 'Orders'"):
        deliveries.staged_rows(duckdb.connect(), "Orders")
