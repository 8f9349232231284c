"""The copy readers read (pipelines/warehouse.py): published whole or not at all, what the last
publish left, a clear error when there is none, `--live` for the build's own file, and the serving
asset downstream of every asset that writes the warehouse."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from typer.testing import CliRunner

from pipelines import warehouse
from pipelines.cli import app
from pipelines.defs.resources import OmnistockSettings
from pipelines.defs.serving.assets import PUBLISHED_WAREHOUSE, published_warehouse_asset, warehouse_writers
from pipelines.warehouse import NoWarehouse, open_reader, publish_for_readers, published_path

runner = CliRunner()


def build(data: Path, units: int) -> Path:
    """A live warehouse whose one table holds `units`."""
    live = data / "warehouse" / "omnistock.duckdb"
    live.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(live)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.stock as select 'SKU1' as sku, ?::bigint as units", [units])
    return live


def units(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select units from marts.stock").fetchone()[0]


def sql(data: Path, *args: str):
    return runner.invoke(app, ["sql", *args], env={"OMNISTOCK_DATA_DIR": str(data), "COLUMNS": "200"})


def test_publish_copies_the_warehouse_with_what_is_still_in_its_wal(tmp_path: Path) -> None:
    """A build that committed but never checkpointed (its process ended without closing) left its
    last change in the .wal only; the published copy has it, and no .wal of its own."""
    live = build(tmp_path, 1)
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys, duckdb; con = duckdb.connect(sys.argv[1]); "
            "con.execute(\"set checkpoint_threshold = '1GB'\"); "
            "con.execute('update marts.stock set units = 7'); os._exit(0)",
            str(live),
        ],
        check=True,
    )
    assert live.with_name(live.name + ".wal").stat().st_size > 0
    published = publish_for_readers(tmp_path)
    assert published.path == tmp_path / "warehouse" / "published" / "omnistock.duckdb"
    assert published.bytes == published.path.stat().st_size > 0
    assert not published.path.with_name(published.path.name + ".wal").exists()
    with open_reader(tmp_path) as con:
        assert units(con) == 7
    assert [p.name for p in published.path.parent.iterdir()] == ["omnistock.duckdb"]


def test_a_half_written_copy_is_never_under_the_final_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(tmp_path, 1)
    publish_for_readers(tmp_path)
    build(tmp_path, 2)
    seen_midway: list[int] = []

    def copy_in_two_halves(source, target, length=0):
        content = source.read()
        target.write(content[: len(content) // 2])
        target.flush()
        # half the new copy is on disk: the final name still holds the previous copy, whole
        with open_reader(tmp_path) as con:
            seen_midway.append(units(con))
        target.write(content[len(content) // 2 :])

    monkeypatch.setattr(warehouse.shutil, "copyfileobj", copy_in_two_halves)
    publish_for_readers(tmp_path)
    assert seen_midway == [1]
    with open_reader(tmp_path) as con:
        assert units(con) == 2


def test_a_publish_that_fails_midway_leaves_the_previous_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(tmp_path, 1)
    publish_for_readers(tmp_path)
    build(tmp_path, 2)

    def copy_half_then_fail(source, target, length=0):
        target.write(source.read(4096))
        raise OSError("No space left on device")

    monkeypatch.setattr(warehouse.shutil, "copyfileobj", copy_half_then_fail)
    with pytest.raises(OSError, match="No space"):
        publish_for_readers(tmp_path)
    with open_reader(tmp_path) as con:
        assert units(con) == 1
    assert [p.name for p in published_path(tmp_path).parent.iterdir()] == ["omnistock.duckdb"]
    monkeypatch.undo()
    publish_for_readers(tmp_path)  # the next publish goes through
    with open_reader(tmp_path) as con:
        assert units(con) == 2


def test_a_reader_with_the_old_copy_open_keeps_reading_it(tmp_path: Path) -> None:
    build(tmp_path, 1)
    publish_for_readers(tmp_path)
    with open_reader(tmp_path) as before:
        assert units(before) == 1
        build(tmp_path, 2)
        publish_for_readers(tmp_path)
        with open_reader(tmp_path) as after:
            assert units(after) == 2
        assert units(before) == 1  # its file is the previous copy, untouched by the rename
        assert before.execute("select count(*) from marts.stock").fetchone()[0] == 1


def test_a_leftover_of_a_killed_publish_is_cleared(tmp_path: Path) -> None:
    build(tmp_path, 3)
    leftover = tmp_path / "warehouse" / "published" / ".omnistock.duckdb.4242.partial"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half a file")
    publish_for_readers(tmp_path)
    assert not leftover.exists()


def test_no_published_copy_names_the_file_and_the_command(tmp_path: Path) -> None:
    with pytest.raises(NoWarehouse, match="omnistock run") as missing:
        open_reader(tmp_path)
    assert str(published_path(tmp_path)) in str(missing.value)
    for command in (["sql", "select 1"], ["summary"]):
        result = runner.invoke(app, command, env={"OMNISTOCK_DATA_DIR": str(tmp_path)})
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
        message = " ".join(result.output.split())
        assert f"No published warehouse at {published_path(tmp_path)}" in message and "omnistock run" in message


def test_a_live_warehouse_never_published_points_at_live(tmp_path: Path) -> None:
    """A warehouse built before publishing began: the message says the next run publishes it, and --live reads it."""
    build(tmp_path, 5)
    result = sql(tmp_path, "select units from marts.stock")
    assert result.exit_code == 1 and "--live" in " ".join(result.output.split())
    result = sql(tmp_path, "select units from marts.stock", "--live")
    assert result.exit_code == 0 and "5" in result.output


def test_live_reads_the_build_s_file_and_the_default_the_published_copy(tmp_path: Path) -> None:
    build(tmp_path, 1)
    publish_for_readers(tmp_path)
    build(tmp_path, 2)  # built, not (yet) published
    assert "│ 1 " in sql(tmp_path, "select units from marts.stock").output
    assert "│ 2 " in sql(tmp_path, "select units from marts.stock", "--live").output


def test_live_is_locked_down_too(tmp_path: Path) -> None:
    build(tmp_path, 1)
    (tmp_path.parent / "secret.txt").write_text("secret-line\n")
    result = sql(tmp_path, f"select * from read_text('{tmp_path.parent}/secret.txt')", "--live")
    assert result.exit_code == 1 and "secret-line" not in result.output
    with pytest.raises(duckdb.Error, match="locked"), open_reader(tmp_path, live=True) as con:
        con.execute("set enable_external_access = true")


def test_publish_without_a_warehouse_says_so(tmp_path: Path) -> None:
    with pytest.raises(NoWarehouse, match="to publish"):
        publish_for_readers(tmp_path)
    assert not published_path(tmp_path).exists()


def test_serving_depends_on_every_asset_in_the_warehouse_pool() -> None:
    @dg.asset(pool=warehouse.WAREHOUSE_POOL)
    def mart_a() -> None: ...

    @dg.multi_asset(specs=[dg.AssetSpec("mart_b"), dg.AssetSpec("mart_c")], pool=warehouse.WAREHOUSE_POOL)
    def marts_bc():
        return None

    @dg.asset
    def raw_file() -> None: ...  # not in the pool: writes no warehouse table

    domains = dg.Definitions(assets=[mart_a, marts_bc, raw_file])
    writers = warehouse_writers(domains)
    assert writers == [dg.AssetKey("mart_a"), dg.AssetKey("mart_b"), dg.AssetKey("mart_c")]

    served = published_warehouse_asset(writers)
    assert served.node_def.pool == warehouse.WAREHOUSE_POOL
    settings = dg.Definitions(resources={"settings": OmnistockSettings(data_dir="/nowhere")})
    graph = dg.Definitions.merge(domains, dg.Definitions(assets=[served]), settings).resolve_asset_graph()
    assert graph.get(PUBLISHED_WAREHOUSE).parent_keys == set(writers)


def test_the_serving_asset_publishes_the_warehouse_of_its_settings(tmp_path: Path) -> None:
    build(tmp_path, 9)
    served = published_warehouse_asset([])
    result = dg.materialize([served], resources={"settings": OmnistockSettings(data_dir=str(tmp_path))})
    assert result.success
    (materialization,) = result.asset_materializations_for_node(served.node_def.name)
    assert materialization.metadata["bytes"].value == published_path(tmp_path).stat().st_size
    with open_reader(tmp_path) as con:
        assert units(con) == 9
