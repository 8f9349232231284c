"""Asset keys come from pipelines/defs/shared/keys.py: `dbt_key` gives what dagster-dbt's
`get_asset_key_for_model` gives, `raw_key` what dbt's `raw` sources become, and no module under
pipelines/ spells a key of the warehouse's schemas by hand."""

from __future__ import annotations

import re

import pytest
from dagster_dbt import get_asset_key_for_model
from dagster_dbt.dbt_manifest import validate_manifest

from pipelines.dbt_project import prepare_dbt_project
from pipelines.settings import REPO_ROOT


@pytest.fixture(scope="module")
def manifest() -> dict:
    return validate_manifest(prepare_dbt_project().manifest_path)


def test_dbt_key_is_get_asset_key_for_model_for_every_model(manifest: dict) -> None:
    from pipelines.defs.dbt.assets import omnistock_dbt_assets
    from pipelines.defs.shared.keys import dbt_key

    models = sorted(
        n["name"] for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed", "snapshot")
    )
    assert len(models) > 40
    for model in models:
        assert dbt_key(model) == get_asset_key_for_model([omnistock_dbt_assets], model), model
    assert dbt_key("inventory_sales_layer").path == ["marts", "inventory_sales_layer"]
    assert dbt_key("stg_orders").path == ["staging", "stg_orders"]
    with pytest.raises(KeyError, match="no_such_model"):
        dbt_key("no_such_model")


def test_raw_key_is_the_key_of_dbts_raw_sources(manifest: dict) -> None:
    from pipelines.contract import SOURCES
    from pipelines.defs.shared.keys import raw_key, translator

    sources = {
        s["name"]: translator.get_asset_key(s) for s in manifest["sources"].values() if s["source_name"] == "raw"
    }
    assert set(sources) == set(SOURCES)
    assert all(key == raw_key(name) for name, key in sources.items())


def test_no_key_of_a_warehouse_schema_is_spelled_by_hand() -> None:
    literal = re.compile(r"AssetKey\(\s*\[\s*[\"'](raw|staging|intermediate|marts)[\"']")
    found = [
        str(path.relative_to(REPO_ROOT))
        for path in (REPO_ROOT / "pipelines").rglob("*.py")
        if literal.search(path.read_text())
    ]
    assert found == []
