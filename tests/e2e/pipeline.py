"""Helpers for end-to-end tests: build a data folder with the real pipeline and query it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from pipelines.runner import RunOutcome, materialize_everything


def build(data_dir: Path) -> RunOutcome:
    """Run the whole pipeline (Dagster + dbt) against data_dir, restoring the environment after."""
    saved = {k: os.environ.get(k) for k in ("OMNISTOCK_DATA_DIR", "OMNISTOCK_DAGSTER_STORAGE")}
    try:
        return materialize_everything(data_dir)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def copy_landing(src: Path, dst: Path, sources: list[str] | None = None) -> None:
    for folder in sorted(p for p in src.iterdir() if p.is_dir()):
        if sources is None or folder.name in sources:
            shutil.copytree(folder, dst / "landing" / folder.name)


def query(data_dir: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(data_dir / "warehouse" / "omnistock.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
