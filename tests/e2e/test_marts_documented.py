"""The yml of every mart lists exactly the columns of the built table, with their types: the
dbt models (whose contracts already fail the build on a drift) and the tables Python writes into
marts (declared as source `marts`, which no contract guards: a column added to a frame must be
documented too). On the shared small brand."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from pipelines.dbt_docs import documented_marts, relation_column_gaps
from pipelines.settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.e2e


def test_every_built_mart_column_is_in_its_yml(small_brand: Path) -> None:
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())  # parsed by the build
    with duckdb.connect(str(small_brand / "warehouse" / "omnistock.duckdb"), read_only=True) as con:

        def built_columns(schema: str, table: str) -> list[tuple[str, str]]:
            return con.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()

        built = {relation for relation in documented_marts(manifest) if built_columns(*relation.split("."))}
        gaps = relation_column_gaps(manifest, built_columns)
    # the small brand builds every mart, the Python-written ones included (data_quality_alerts: an empty table)
    assert built == set(documented_marts(manifest)) and len(built) == 21
    assert gaps == []
