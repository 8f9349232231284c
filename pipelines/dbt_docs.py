"""`omnistock docs`: dbt's documentation site for the warehouse, generated, then served on 127.0.0.1.

`dbt docs generate` reads the project (every model's and source's description, columns, tests
and lineage) and the built warehouse (the catalog: each table's columns, types and row counts)
into `<data>/dbt_docs/target/`. The site is three files, copied to `<data>/dbt_docs/site/`:
index.html with manifest.json and catalog.json beside it; `static_index.html` is the same site
in one file, to open without a server. Only that folder is served (compiled SQL, run results and
logs stay out of it), by the standard library's HTTP server bound to 127.0.0.1, never another
address.
"""

from __future__ import annotations

import functools
import shutil
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pipelines.settings import Paths

HOST = "127.0.0.1"
DEFAULT_PORT = 8080
SITE_FILES = ("index.html", "manifest.json", "catalog.json", "static_index.html")


def docs_folder(where: Paths) -> Path:
    return where.data_dir / "dbt_docs"


def generate_docs(where: Paths) -> Path:
    """Run `dbt docs generate` against the warehouse of `where` and return the site folder.

    dbt reads the warehouse named by OMNISTOCK_DATA_DIR (the caller sets it, as `omnistock run`
    does). Raises FileNotFoundError without a warehouse, RuntimeError when dbt fails (with its
    output: e.g. a build holding the warehouse)."""
    if not where.warehouse.exists():
        raise FileNotFoundError(f"No warehouse at {where.warehouse}: run `omnistock run` (or `make demo`) first.")
    from dagster_dbt.errors import DagsterDbtCliRuntimeError

    from pipelines.defs.dbt.resources import dbt_resource

    target = docs_folder(where) / "target"
    try:
        dbt_resource().cli(["docs", "generate", "--static"], target_path=target).wait()
    except DagsterDbtCliRuntimeError as exc:
        raise RuntimeError(
            f"dbt docs generate failed (if `omnistock run` is building {where.warehouse}, try again when it ends):"
            f"\n{exc}"
        ) from exc
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
