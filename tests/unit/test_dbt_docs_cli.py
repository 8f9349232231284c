"""`omnistock docs`: dbt docs generated against the published copy of the data folder's warehouse (read-only,
so it works while a build holds the live file), served on 127.0.0.1 only; no variable of the environment is set."""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.dbt_docs import SITE_FILES, docs_server
from pipelines.warehouse import publish_for_readers

runner = CliRunner()


def test_docs_has_help() -> None:
    result = runner.invoke(app, ["docs", "--help"])
    assert result.exit_code == 0 and "--no-serve" in result.output and "127.0.0.1" in result.output


def test_docs_no_serve_generates_the_site_with_the_warehouse_catalog(tmp_path: Path) -> None:
    (tmp_path / "warehouse").mkdir()
    live = tmp_path / "warehouse" / "omnistock.duckdb"
    with duckdb.connect(str(live)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fulfillment_plan (order_id varchar, qty bigint)")
    published = publish_for_readers(tmp_path)
    before = (published.path.stat().st_mtime_ns, published.path.read_bytes())
    environment = dict(os.environ)

    # a build holds the live file (and has changed it since it was published): the docs read the copy
    with duckdb.connect(str(live)) as building:
        building.execute("create table marts.half_built (x int)")
        result = runner.invoke(app, ["docs", "--no-serve", "--data-dir", str(tmp_path)])

    assert result.exit_code == 0, result.output
    # no setting exported (only the real dbt for dbt_with_parent.py, pipelines/dbt_project.py)
    assert {k: v for k, v in os.environ.items() if k != "OMNISTOCK_DBT_EXECUTABLE"} == {
        k: v for k, v in environment.items() if k != "OMNISTOCK_DBT_EXECUTABLE"
    }
    assert (published.path.stat().st_mtime_ns, published.path.read_bytes()) == before  # opened read-only
    site = tmp_path / "dbt_docs" / "site"
    assert str(site) in result.output and "Serving" not in result.output
    assert sorted(p.name for p in site.iterdir()) == sorted(SITE_FILES)
    assert "<html" in (site / "index.html").read_text()[:2000].lower()
    catalog = json.loads((site / "catalog.json").read_text())
    # the catalog is what the warehouse holds: the one table there, with its types
    plan = catalog["sources"]["source.omnistock.marts.fulfillment_plan"]
    assert {name: column["type"] for name, column in plan["columns"].items()} == {
        "order_id": "VARCHAR",
        "qty": "BIGINT",
    }
    assert "model.omnistock.inventory_sales_layer" not in catalog["nodes"]
    assert not any("half_built" in key for key in [*catalog["nodes"], *catalog["sources"]])
    # the manifest carries the yml's descriptions
    manifest = json.loads((site / "manifest.json").read_text())
    column = manifest["nodes"]["model.omnistock.inventory_sales_layer"]["columns"]["available_to_sell"]
    assert column["description"].startswith("Units the channel may sell now") and column["data_type"] == "bigint"


def test_docs_without_a_warehouse_says_what_to_do(tmp_path: Path) -> None:
    result = runner.invoke(app, ["docs", "--no-serve", "--data-dir", str(tmp_path / "nothing")])
    assert result.exit_code == 1 and "omnistock run" in result.output and "published" in result.output
    assert not (tmp_path / "nothing" / "dbt_docs").exists()


def test_the_server_binds_127_0_0_1_and_serves_the_site_folder_only(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html>omnistock docs</html>")
    (tmp_path / "run_results.json").write_text("{}")  # beside the site, never served
    server = docs_server(site, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert response.status == 200 and b"omnistock docs" in response.read()
        with pytest.raises(urllib.error.HTTPError) as outside:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/../run_results.json", timeout=10)
        assert outside.value.code == 404
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
