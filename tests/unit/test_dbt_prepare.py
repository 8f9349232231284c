"""`prepare_dbt_project()` (pipelines/dbt_project.py) is the one way dbt is parsed, and it never shows
another process half a manifest: `omnistock run` parses at its start while other processes (a second
run, a daemon run, a test) load Dagster's definitions from dbt_project/target/manifest.json. Writing
it in place gave them "JSONDecodeError: unexpected content after document"."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import orjson

from pipelines.dbt_project import DBT_PROJECT, AtomicParsePreparer, prepare_dbt_project
from pipelines.settings import DBT_PROJECT_DIR, REPO_ROOT

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


def _scratch_left() -> list[str]:
    return [p.name for p in (DBT_PROJECT_DIR / "target").iterdir() if p.name.startswith(".parse-")]


def test_the_project_is_dagster_dbts_with_the_atomic_preparer() -> None:
    assert isinstance(DBT_PROJECT.preparer, AtomicParsePreparer)
    assert DBT_PROJECT.project_dir == DBT_PROJECT_DIR
    assert DBT_PROJECT.profiles_dir == DBT_PROJECT_DIR
    assert DBT_PROJECT.manifest_path == MANIFEST
    assert prepare_dbt_project() is DBT_PROJECT
    assert "model.omnistock.inventory_sales_layer" in orjson.loads(MANIFEST.read_bytes())["nodes"]


def test_a_manifest_read_during_a_parse_is_always_whole() -> None:
    prepare_dbt_project()  # a manifest to start from
    torn: list[str] = []
    reads = 0
    parsing = threading.Event()
    parsing.set()

    def read_while_parsing() -> None:
        nonlocal reads
        while parsing.is_set():
            try:
                orjson.loads(MANIFEST.read_bytes())
            except (orjson.JSONDecodeError, FileNotFoundError) as error:
                torn.append(str(error))
            reads += 1
            time.sleep(0.002)  # leave the parse a core

    reader = threading.Thread(target=read_while_parsing)
    reader.start()
    try:
        for _ in range(2):
            before = MANIFEST.stat().st_mtime_ns
            prepare_dbt_project()
            assert MANIFEST.stat().st_mtime_ns > before  # parsed again, not skipped
    finally:
        parsing.clear()
        reader.join()
    assert reads > 10
    assert torn == []
    assert _scratch_left() == []


def test_processes_preparing_at_once_all_succeed_and_leave_one_whole_manifest() -> None:
    """Tests in parallel, or a `dagster dev` reload while a run starts: each waits for the other
    (the second then finds the manifest fresh and does not parse again)."""
    code = "from pipelines.dbt_project import prepare_dbt_project; prepare_dbt_project()"
    started = [
        subprocess.Popen([sys.executable, "-c", code], cwd=REPO_ROOT, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    errors = [proc.communicate(timeout=600)[1] for proc in started]
    assert [proc.returncode for proc in started] == [0, 0, 0], errors
    assert "model.omnistock.inventory_sales_layer" in orjson.loads(MANIFEST.read_bytes())["nodes"]
    assert _scratch_left() == []
