"""`omnistock docs`: dbt's documentation site for the warehouse, generated, then served on 127.0.0.1.

`dbt docs generate` reads the project (every model's and source's description, columns, tests
and lineage) and the warehouse as the last successful build published it (the catalog: each
table's columns, types and row counts; the copy readers read, opened read-only through the dbt
target `published`, so it works while a build runs) into `<data>/dbt_docs/target/`. The site is
three files, copied to `<data>/dbt_docs/site/`: index.html with manifest.json and catalog.json
beside it; `static_index.html` is the same site in one file, to open without a server. Only that
folder is served (compiled SQL, run results and logs stay out of it), by the standard library's
HTTP server bound to 127.0.0.1, never another address.

`mart_doc_gaps` and `relation_column_gaps` say what an analyst would miss in those docs: a mart
(a model under models/marts/, or a table Python writes into marts, declared as source `marts`)
or a column without a description or a type, a mart whose contract is not enforced, a column of
the built table that its yml does not list (tests/dbt/test_mart_docs.py,
tests/e2e/test_marts_documented.py).
"""

from __future__ import annotations

import functools
import re
import shutil
from collections.abc import Callable, Mapping
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pipelines.settings import Paths

HOST = "127.0.0.1"
DEFAULT_PORT = 8080
SITE_FILES = ("index.html", "manifest.json", "catalog.json", "static_index.html")
MARTS_FOLDER = "models/marts/"
PYTHON_WRITTEN_SOURCE = "marts"  # models/marts/__python_written_sources.yml


def docs_folder(where: Paths) -> Path:
    return where.data_dir / "dbt_docs"


def generate_docs(where: Paths) -> Path:
    """Run `dbt docs generate` against the published copy of the warehouse of `where` (read-only)
    and return the site folder.

    dbt is told the data folder as the var `data_dir` (`dbt_vars`), as a build is. Raises
    `NoWarehouse` (a FileNotFoundError) when nothing was published yet, RuntimeError when dbt fails
    (with its output)."""
    from pipelines.warehouse import NoWarehouse, published_path

    published = published_path(where.data_dir)
    if not published.exists():
        raise NoWarehouse(
            f"No published warehouse at {published}: the docs describe the copy each successful build "
            "publishes. Build it with `omnistock run` (or `make demo` for a generated brand)."
        )
    from dagster_dbt.errors import DagsterDbtCliRuntimeError

    from pipelines.dbt_project import dbt_vars
    from pipelines.defs.dbt.resources import dbt_resource

    target = docs_folder(where) / "target"
    try:
        dbt_resource().cli(
            ["docs", "generate", "--static", "--target", "published", *dbt_vars(where)], target_path=target
        ).wait()
    except DagsterDbtCliRuntimeError as exc:
        raise RuntimeError(f"dbt docs generate failed on {published}:\n{exc}") from exc
    site = docs_folder(where) / "site"
    site.mkdir(parents=True, exist_ok=True)
    for name in SITE_FILES:
        shutil.copy2(target / name, site / name)
    return site


def docs_server(site: Path, port: int = DEFAULT_PORT) -> ThreadingHTTPServer:
    """An HTTP server for the files of `site`, bound to 127.0.0.1 (port 0: any free port)."""

    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # one line per request is noise here
            pass

    return ThreadingHTTPServer((HOST, port), functools.partial(QuietHandler, directory=str(site)))


def documented_marts(manifest: Mapping) -> dict[str, Mapping]:
    """The marts of a dbt manifest by relation ('marts.inventory_sales_layer', 'ops.quarantine'):
    every model under models/marts/ and every table of the source `marts`."""
    marts = {
        f"{node['schema']}.{node['alias']}": node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["original_file_path"].startswith(MARTS_FOLDER)
    }
    for source in manifest["sources"].values():
        if source["source_name"] == PYTHON_WRITTEN_SOURCE:
            marts[f"{source['schema']}.{source['identifier']}"] = source
    return dict(sorted(marts.items()))


def _label(node: Mapping) -> str:
    kind = "model" if node["resource_type"] == "model" else f"source {node['source_name']}, table"
    return f"{kind} {node['name']} ({node['original_file_path']})"


def mart_doc_gaps(manifest: Mapping) -> list[str]:
    """One line per gap, naming the mart and the column: no description, no data_type, no
    columns listed, or (models) a contract that is not enforced."""
    gaps = []
    for node in documented_marts(manifest).values():
        what = _label(node)
        if not (node.get("description") or "").strip():
            gaps.append(f"{what}: no description")
        if node["resource_type"] == "model" and not node["config"].get("contract", {}).get("enforced"):
            gaps.append(f"{what}: contract not enforced")
        if not node["columns"]:
            gaps.append(f"{what}: no columns listed")
        for column in node["columns"].values():
            if not (column.get("description") or "").strip():
                gaps.append(f"{what}, column {column['name']}: no description")
            if not (column.get("data_type") or "").strip():
                gaps.append(f"{what}, column {column['name']}: no data_type")
    return gaps


def _type(name: str) -> str:
    return re.sub(r"\s+", "", name).lower()


def relation_column_gaps(manifest: Mapping, built_columns: Callable[[str, str], list[tuple[str, str]]]) -> list[str]:
    """Compare each mart's yml with the built table: `built_columns(schema, table)` gives its
    (column, type) pairs in order, [] when it does not exist. One line per column missing from
    the yml, listed but not built, or of another type; a mart not built is skipped."""
    gaps = []
    for relation, node in documented_marts(manifest).items():
        built = built_columns(node["schema"], relation.split(".", 1)[1])
        if not built:
            continue
        declared = {c["name"]: c.get("data_type") or "" for c in node["columns"].values()}
        what = _label(node)
        for name, data_type in built:
            if name not in declared:
                gaps.append(f"{what}: column {name} ({data_type}) is in {relation} but not in the yml")
            elif declared[name] and _type(declared[name]) != _type(data_type):
                gaps.append(f"{what}, column {name}: the yml says {declared[name]}, {relation} has {data_type}")
        for name in declared.keys() - {name for name, _ in built}:
            gaps.append(f"{what}, column {name}: in the yml but not in {relation}")
    return gaps
