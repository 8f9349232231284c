"""The fulfillment assets load, hang off real dbt models and write in the warehouse pool."""

from __future__ import annotations

import dagster as dg

from pipelines.dbt_project import prepare_dbt_project
from pipelines.warehouse import WAREHOUSE_POOL

FULFILLMENT_KEYS = {
    "marts/fulfillment_plan",
    "marts/fulfillment_replay_plan",
    "marts/wms_outbound_documents",
    "marts/wms_inbound_documents",
    "marts/interception_list",
    "marts/fulfillment_kpis",
}


def test_fulfillment_assets_depend_on_existing_dbt_models() -> None:
    prepare_dbt_project()
    from pipelines.definitions import defs
    from pipelines.defs.fulfillment.assets import fulfillment_assets

    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert FULFILLMENT_KEYS <= keys
    materializable = {key for key in graph.get_all_asset_keys() if graph.get(key).is_materializable}
    for key in FULFILLMENT_KEYS:
        parents = graph.get(dg.AssetKey.from_user_string(key)).parent_keys
        assert parents and parents <= materializable, key
    assert (
        dg.AssetKey(["marts", "inventory_scheduling_layer"])
        in graph.get(dg.AssetKey(["marts", "fulfillment_plan"])).parent_keys
    )
    assert all(asset.op.pool == WAREHOUSE_POOL for asset in fulfillment_assets)
