"""Every mart is documented for analysts: each column of each model under models/marts/ and of
each table Python writes into marts (source `marts`) has a description and a data_type, and the
models' contracts are enforced. The check itself is shown to fail on a manifest with a gap.
(That the yml lists every column of the built tables: tests/e2e/test_marts_documented.py.)"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from pipelines.dbt_docs import documented_marts, mart_doc_gaps, relation_column_gaps
from pipelines.settings import DBT_PROJECT_DIR

PYTHON_WRITTEN = {
    "marts.data_quality_alerts",
    "marts.fulfillment_kpis",
    "marts.fulfillment_plan",
    "marts.fulfillment_replay_plan",
    "marts.interception_list",
    "marts.publishable_sales_layer",
    "marts.wms_inbound_documents",
    "marts.wms_outbound_documents",
}


@pytest.fixture(scope="module")
def manifest() -> dict:
    from pipelines.dbt_project import prepare_dbt_project

    prepare_dbt_project()
    return json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())


def test_every_mart_column_has_a_description_and_a_type(manifest: dict) -> None:
    marts = documented_marts(manifest)
    models = {path.stem for path in (DBT_PROJECT_DIR / "models" / "marts").rglob("*.sql")}
    assert {node["name"] for node in marts.values() if node["resource_type"] == "model"} == models
    assert len(models) == 13
    assert {relation for relation, node in marts.items() if node["resource_type"] == "source"} == PYTHON_WRITTEN
    assert mart_doc_gaps(manifest) == []


def test_the_python_written_tables_are_declared_wherever_python_writes_into_marts() -> None:
    """Every `replace_table(con, "marts", "<table>", ...)` of the pipelines has its source table."""
    import re

    pipelines = Path(__file__).resolve().parents[2] / "pipelines"
    written = set()
    for path in pipelines.rglob("*.py"):
        text = path.read_text()
        written |= {f"marts.{t}" for t in re.findall(r'replace_table\(\s*con,\s*"marts",\s*"(\w+)"', text)}
        written |= {f"marts.{t}" for t in re.findall(r'SCHEMA, TABLE = "marts", "(\w+)"', text)}
    assert written == PYTHON_WRITTEN


def test_python_written_sources_have_the_keys_of_the_assets_that_write_them(manifest: dict) -> None:
    """dagster-dbt keys a source with the translator: the key must be the writing asset's, so that a
    model reading the table hangs below that asset, and no second asset of the same name appears."""
    from pipelines.definitions import defs
    from pipelines.defs.dbt.assets import translator

    keys = [key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()]
    assert len(keys) == len(set(keys))
    source_keys = {
        relation: translator.get_asset_key(node).to_user_string()
        for relation, node in documented_marts(manifest).items()
        if node["resource_type"] == "source"
    }
    assert source_keys["marts.publishable_sales_layer"] == "publish/sales_layer_ready"
    # the alerts are written by the quality checks and a run-failure sensor, not by an asset
    assert source_keys.pop("marts.data_quality_alerts") not in keys
    assert set(source_keys.values()) <= set(keys)
    assert not [k for k in keys if k in {"marts/publishable_sales_layer", "marts/data_quality_alerts"}]


def fake_manifest() -> dict:
    """The shape of manifest.json, cut down to what the check reads: one mart model, one source."""
    column = {"name": "available_to_sell", "description": "Units the channel may sell.", "data_type": "bigint"}
    return {
        "nodes": {
            "model.omnistock.inventory_sales_layer": {
                "resource_type": "model",
                "name": "inventory_sales_layer",
                "schema": "marts",
                "alias": "inventory_sales_layer",
                "original_file_path": "models/marts/inventory/inventory_sales_layer.sql",
                "description": "Channel x SKU.",
                "config": {"contract": {"enforced": True}},
                "columns": {"available_to_sell": dict(column)},
            },
            "model.omnistock.int_as_of": {  # not a mart: never checked
                "resource_type": "model",
                "name": "int_as_of",
                "schema": "intermediate",
                "alias": "int_as_of",
                "original_file_path": "models/intermediate/int_as_of.sql",
                "description": "",
                "config": {"contract": {"enforced": False}},
                "columns": {},
            },
        },
        "sources": {
            "source.omnistock.marts.fulfillment_plan": {
                "resource_type": "source",
                "source_name": "marts",
                "name": "fulfillment_plan",
                "schema": "marts",
                "identifier": "fulfillment_plan",
                "original_file_path": "models/marts/__python_written_sources.yml",
                "description": "Where each open order ships from.",
                "columns": {"qty": {"name": "qty", "description": "Units.", "data_type": "bigint"}},
            }
        },
    }


def test_a_complete_fake_manifest_has_no_gap() -> None:
    assert mart_doc_gaps(fake_manifest()) == []


def test_a_column_without_description_fails_naming_model_and_column() -> None:
    manifest = fake_manifest()
    manifest["nodes"]["model.omnistock.inventory_sales_layer"]["columns"]["available_to_sell"]["description"] = " "
    assert mart_doc_gaps(manifest) == [
        "model inventory_sales_layer (models/marts/inventory/inventory_sales_layer.sql), "
        "column available_to_sell: no description"
    ]


def test_missing_type_contract_and_source_description_are_gaps() -> None:
    manifest = fake_manifest()
    model = manifest["nodes"]["model.omnistock.inventory_sales_layer"]
    del model["columns"]["available_to_sell"]["data_type"]
    model["config"]["contract"]["enforced"] = False
    manifest["sources"]["source.omnistock.marts.fulfillment_plan"]["columns"]["qty"]["description"] = ""
    assert mart_doc_gaps(manifest) == [
        "source marts, table fulfillment_plan (models/marts/__python_written_sources.yml), column qty: no description",
        "model inventory_sales_layer (models/marts/inventory/inventory_sales_layer.sql): contract not enforced",
        "model inventory_sales_layer (models/marts/inventory/inventory_sales_layer.sql), "
        "column available_to_sell: no data_type",
    ]


def test_a_built_column_missing_from_the_yml_is_a_gap() -> None:
    built = {
        ("marts", "inventory_sales_layer"): [("available_to_sell", "BIGINT"), ("is_low_stock", "BOOLEAN")],
        ("marts", "fulfillment_plan"): [("qty", "INTEGER")],
    }
    gaps = relation_column_gaps(fake_manifest(), lambda schema, table: built.get((schema, table), []))
    assert gaps == [
        "source marts, table fulfillment_plan (models/marts/__python_written_sources.yml), column qty: "
        "the yml says bigint, marts.fulfillment_plan has INTEGER",
        "model inventory_sales_layer (models/marts/inventory/inventory_sales_layer.sql): "
        "column is_low_stock (BOOLEAN) is in marts.inventory_sales_layer but not in the yml",
    ]
    same = copy.deepcopy(built)
    same[("marts", "inventory_sales_layer")] = [("available_to_sell", "BIGINT")]
    same[("marts", "fulfillment_plan")] = [("qty", "BIGINT")]
    assert relation_column_gaps(fake_manifest(), lambda schema, table: same.get((schema, table), [])) == []
    # a column listed but not built, and a mart not built at all (skipped)
    gone = {("marts", "inventory_sales_layer"): [("is_low_stock", "BOOLEAN")]}
    assert relation_column_gaps(fake_manifest(), lambda schema, table: gone.get((schema, table), [])) == [
        "model inventory_sales_layer (models/marts/inventory/inventory_sales_layer.sql): "
        "column is_low_stock (BOOLEAN) is in marts.inventory_sales_layer but not in the yml",
        "model inventory_sales_layer (models/marts/inventory/inventory_sales_layer.sql), "
        "column available_to_sell: in the yml but not in marts.inventory_sales_layer",
    ]
