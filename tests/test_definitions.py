"""The Dagster code location loads, with every source, model and dbt test wired in."""

from __future__ import annotations

import dagster as dg

from pipelines.contract import SOURCES
from pipelines.dbt_project import prepare_dbt_project


def test_definitions_load_with_every_asset() -> None:
    prepare_dbt_project()
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {f"raw/{name}" for name in SOURCES} <= keys
    assert {
        "marts/inventory_warehouse_layer",
        "marts/inventory_scheduling_layer",
        "marts/inventory_sales_layer",
    } <= keys
    # dbt staging reads what ingestion writes: the lineage is one graph
    # (the large event sources pass through an incremental current-version table first)
    assert graph.get(dg.AssetKey(["staging", "stg_orders"])).parent_keys == {dg.AssetKey(["staging", "base_orders"])}
    assert dg.AssetKey(["raw", "orders"]) in graph.get(dg.AssetKey(["staging", "base_orders"])).parent_keys
    assert dg.AssetKey(["raw", "products"]) in graph.get(dg.AssetKey(["staging", "stg_products"])).parent_keys
    checks = {key.name for key in graph.asset_check_keys}
    assert "unique_combination_inventory_sales_layer_channel_id__sku" in checks
    job = defs.resolve_job_def("materialize_everything")
    # readers' copy: published last, after every asset that writes the warehouse, by `omnistock run`'s job
    served = dg.AssetKey(["serving", "published_warehouse"])
    assert served in job.asset_layer.asset_graph.get_all_asset_keys()
    writers = graph.get(served).parent_keys
    assert {
        dg.AssetKey(["marts", "inventory_sales_layer"]),
        dg.AssetKey(["marts", "fulfillment_plan"]),
        dg.AssetKey(["publish", "sales_layer_ready"]),
        dg.AssetKey(["exports", "erp_journal"]),
    } <= writers
    assert dg.AssetKey(["raw", "orders"]) not in writers and not graph.get(served).child_keys
