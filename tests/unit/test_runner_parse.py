"""`dbt parse` must never show another process half a manifest: `omnistock run` parses at its
start while other processes (a second run, a daemon run, a test) load Dagster's definitions
from dbt_project/target/manifest.json. Writing it in place gave them "JSONDecodeError:
unexpected content after document"."""

from __future__ import annotations

import threading

import orjson

from pipelines.runner import parse_dbt_project
from pipelines.settings import DBT_PROJECT_DIR

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


def test_a_manifest_read_during_a_parse_is_always_whole() -> None:
    parse_dbt_project()  # a manifest to start from
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

    reader = threading.Thread(target=read_while_parsing)
    reader.start()
    try:
        for _ in range(2):
            parse_dbt_project()
    finally:
        parsing.clear()
        reader.join()
    assert reads > 10
    assert torn == []
    assert not [p for p in (DBT_PROJECT_DIR / "target").iterdir() if p.name.startswith(".parse-")]
