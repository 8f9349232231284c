"""Asset keys, from one place.

- dbt models, seeds and snapshots: `dbt_key("stg_orders")`, as dagster-dbt's `get_asset_key_for_model`
  gives it (the manifest and the translator below, which `@dbt_assets` also uses), so a key names a
  model that exists: a renamed or removed model fails when the definitions load, not in a run.
- what ingestion writes, and dbt reads as its `raw` sources: `raw_key("orders")`.
- tables Python writes into the warehouse: `table_key("marts", "fulfillment_plan")`, shaped as
  dbt's keys are (<schema>/<table>).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings
from dagster_dbt.asset_utils import ASSET_RESOURCE_TYPES
from dagster_dbt.dbt_manifest import validate_manifest

from pipelines.dbt_project import DBT_PROJECT

RAW_SCHEMA = "raw"


class OmnistockTranslator(DagsterDbtTranslator):
    """Keys are <schema>/<model> (e.g. marts/inventory_sales_layer); sources are <source>/<table> (raw/orders)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)  # [source_name, table] unless meta names a key
        schema = dbt_resource_props["config"].get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "warehouse"


translator = OmnistockTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@cache
def _model_ids() -> dict[str, str]:
    manifest = validate_manifest(DBT_PROJECT.manifest_path)
    return {
        node["name"]: unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in ASSET_RESOURCE_TYPES
    }


def dbt_key(model: str) -> dg.AssetKey:
    """The asset key of a dbt model, seed or snapshot (what `get_asset_key_for_model` returns)."""
    ids = _model_ids()
    if model not in ids:
        raise KeyError(f"no dbt model, seed or snapshot named {model!r} in {DBT_PROJECT.manifest_path}")
    return translator.get_asset_spec(validate_manifest(DBT_PROJECT.manifest_path), ids[model], DBT_PROJECT).key


def raw_key(source: str) -> dg.AssetKey:
    """raw/<source>: a source's raw zone (ingestion's asset, dbt's source `raw.<source>`)."""
    return dg.AssetKey([RAW_SCHEMA, source])


def table_key(schema: str, table: str) -> dg.AssetKey:
    """<schema>/<table>: a table that Python (not dbt) writes into the warehouse."""
    return dg.AssetKey([schema, table])
