"""Run dbt's compiled SQL for chosen models against tables a test provides, in memory.

This tests the real model SQL (not a Python copy of it) on many generated states.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from pipelines.settings import DBT_PROJECT_DIR


def compile_models(target: Path, models: list[str]) -> dict[str, str]:
    """Compile the project into `target` and return each model's SQL."""
    (target / "warehouse").mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "compile",
            "--quiet",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
            "--select",
            *models,
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "OMNISTOCK_DATA_DIR": str(target)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    compiled = target / "compiled" / "omnistock" / "models"
    return {m: next(compiled.rglob(f"{m}.sql")).read_text() for m in models}


def memory_warehouse() -> duckdb.DuckDBPyConnection:
    """An in-memory database named like the warehouse, so compiled references resolve."""
    con = duckdb.connect()
    con.execute("attach ':memory:' as omnistock")
    con.execute("use omnistock")
    for schema in ("staging", "intermediate", "marts"):
        con.execute(f"create schema {schema}")
    return con
