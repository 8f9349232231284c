"""The dbt project builds on an empty data folder and its unit tests (the worked examples of docs/) pass."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipelines.contract import SOURCES
from pipelines.settings import DBT_PROJECT_DIR

DBT = str(Path(sys.executable).with_name("dbt"))


def dbt(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            DBT,
            *args,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(data_dir / "dbt_target"),
        ],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "OMNISTOCK_DATA_DIR": str(data_dir)},
        check=False,
    )


def test_sources_yml_lists_every_contract_column() -> None:
    spec = yaml.safe_load((DBT_PROJECT_DIR / "models" / "staging" / "__sources.yml").read_text())
    raw = next(s for s in spec["sources"] if s["name"] == "raw")
    declared = {t["name"]: [c["name"] for c in t["columns"]] for t in raw["tables"]}
    assert declared == {name: list(source.columns) for name, source in SOURCES.items()}
    for name in SOURCES:
        assert (DBT_PROJECT_DIR / "models" / "staging" / f"stg_{name}.sql").exists()


@pytest.fixture(scope="module")
def empty_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every source present but empty, as ingestion leaves it when nothing has landed."""
    from datetime import datetime

    from pipelines.ingest.load import ingest_source

    data = tmp_path_factory.mktemp("empty")
    for source in SOURCES.values():
        ingest_source(source, [], data / "raw", datetime(2026, 1, 1))
    (data / "warehouse").mkdir()
    done = dbt("build", "--exclude", "test_type:unit", data_dir=data)
    assert done.returncode == 0, done.stdout[-3000:]
    return data


def test_unit_tests_pass_including_every_worked_example(empty_build: Path) -> None:
    done = dbt("test", "--select", "test_type:unit", data_dir=empty_build)
    assert done.returncode == 0, done.stdout[-3000:]
    results = json.loads((empty_build / "dbt_target" / "run_results.json").read_text())
    passed = {r["unique_id"].split(".")[-1] for r in results["results"] if r["status"] == "pass"}
    for n in range(1, 6):
        assert any(name.startswith(f"worked_example_{n}") for name in passed), f"worked example {n} missing"
    assert len(passed) == len(results["results"]) >= 15


def test_empty_sources_build_empty_layers(empty_build: Path) -> None:
    import duckdb

    with duckdb.connect(str(empty_build / "warehouse" / "omnistock.duckdb"), read_only=True) as con:
        for layer in ("warehouse", "scheduling", "sales"):
            assert con.execute(f"select count(*) from marts.inventory_{layer}_layer").fetchone()[0] == 0
