"""The quality checks, the publish gate and the alert sensors are wired into the code location."""

from __future__ import annotations

import dagster as dg

from pipelines.contract import SOURCES
from pipelines.dbt_project import prepare_dbt_project


def _defs() -> dg.Definitions:
    prepare_dbt_project()
    from pipelines.definitions import defs

    return defs


def test_every_source_and_mart_has_a_blocking_quality_check_and_publish_waits_for_them() -> None:
    defs = _defs()
    graph = defs.resolve_asset_graph()
    specs = {spec.key: spec for checks in defs.asset_checks or [] for spec in checks.check_specs}  # type: ignore[union-attr]
    for name in SOURCES:
        assert specs[dg.AssetCheckKey(dg.AssetKey(["raw", name]), "contract")].blocking
    for mart in ("inventory_warehouse_layer", "inventory_scheduling_layer", "inventory_sales_layer"):
        assert specs[dg.AssetCheckKey(dg.AssetKey(["marts", mart]), "contract")].blocking
    assert specs[dg.AssetCheckKey(dg.AssetKey(["staging", "stg_orders"]), "order_volume")].blocking
    assert specs[dg.AssetCheckKey(dg.AssetKey(["staging", "stg_wms_snapshots"]), "freshness")].blocking
    publish = graph.get(dg.AssetKey(["publish", "sales_layer_ready"]))
    assert publish.group_name == "publish"
    assert {
        dg.AssetKey(["marts", "inventory_sales_layer"]),
        dg.AssetKey(["staging", "stg_orders"]),
        dg.AssetKey(["staging", "stg_wms_snapshots"]),
        dg.AssetKey(["marts", "inventory_warehouse_layer"]),
    } <= publish.parent_keys
    sensors = {s.name for s in defs.sensors or []}
    assert {"quality_run_failure_alert", "quality_run_success_resolves"} <= sensors


def test_dbt_tests_are_asset_checks_blocking_for_error_and_not_for_warn() -> None:
    graph = _defs().resolve_asset_graph()
    dbt_specs = {
        key.name: graph.get_check_spec(key)
        for key in graph.asset_check_keys
        if key.asset_key.path[0] in ("staging", "marts", "intermediate")
    }
    # error severity (the project default) -> blocking
    assert dbt_specs["unique_combination_inventory_sales_layer_channel_id__sku"].blocking
    # severity: warn in stg_supply_rules.yml (a ratio outside [0, 1] is flagged, not fatal) -> not blocking
    assert not dbt_specs["supply_rule_ratio_within_0_1"].blocking


def test_the_job_keeps_dbt_in_one_step() -> None:
    from dagster._core.execution.api import create_execution_plan

    plan = create_execution_plan(_defs().resolve_job_def("materialize_everything"))
    steps = [step.key for step in plan.get_all_steps_in_topo_order()]
    assert [s for s in steps if s.startswith("omnistock_dbt_assets")] == ["omnistock_dbt_assets"]
    assert steps.index("warehouse_quality_checks") < steps.index("publish__sales_layer_ready")
