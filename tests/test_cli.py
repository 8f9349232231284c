"""The omnistock command: help everywhere, deterministic generation, read-only SQL."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.warehouse import publish_for_readers

runner = CliRunner()


@pytest.mark.parametrize("command", [[], ["generate"], ["run"], ["sql"], ["summary"]])
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_generate_twice_with_one_seed_gives_identical_files(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        seed = "5" if name != "c" else "6"
        result = runner.invoke(
            app, ["generate", "--out", str(tmp_path / name), "--scale", "small", "--seed", seed, "--days", "20"]
        )
        assert result.exit_code == 0, result.output
    first, second, other = (digest(tmp_path / n) for n in ("a", "b", "c"))
    assert len(first) > 15 and first == second
    assert first != other


def make_warehouse(data: Path) -> None:
    (data / "warehouse").mkdir(parents=True)
    with duckdb.connect(str(data / "warehouse" / "omnistock.duckdb")) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.inventory_sales_layer as select 'tmall' as channel_id, 'SKU1' as sku, 42 as "
            "available_to_sell"
        )
    publish_for_readers(data)  # what readers read, as a successful build leaves it


def test_sql_prints_a_table_read_only(tmp_path: Path) -> None:
    make_warehouse(tmp_path)
    env = {"OMNISTOCK_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    shown = runner.invoke(
        app, ["sql", "select channel_id, available_to_sell from marts.inventory_sales_layer"], env=env
    )
    assert shown.exit_code == 0 and "tmall" in shown.output and "42" in shown.output
    refused = runner.invoke(app, ["sql", "delete from marts.inventory_sales_layer"], env=env)
    assert refused.exit_code == 1 and "read-only" in refused.output.lower()
    with duckdb.connect(str(tmp_path / "warehouse" / "omnistock.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from marts.inventory_sales_layer").fetchone()[0] == 1


def test_sql_without_a_warehouse_says_what_to_do(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sql", "select 1"], env={"OMNISTOCK_DATA_DIR": str(tmp_path / "nothing")})
    assert result.exit_code != 0 and "omnistock run" in result.output
