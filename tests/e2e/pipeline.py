"""Helpers for end-to-end tests: build a data folder with the real pipeline and query it."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from pipelines.runner import RunOutcome, materialize_everything


def build(data_dir: Path) -> RunOutcome:
    """Run the whole pipeline (Dagster + dbt) against data_dir (the runner leaves os.environ as it is)."""
    return materialize_everything(data_dir)


def copy_landing(src: Path, dst: Path, sources: list[str] | None = None) -> None:
    for folder in sorted(p for p in src.iterdir() if p.is_dir()):
        if sources is None or folder.name in sources:
            shutil.copytree(folder, dst / "landing" / folder.name)


def query(data_dir: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(data_dir / "warehouse" / "omnistock.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
