"""Great Expectations results: kept per suite, newest first, with data docs that link only what is kept."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from pipelines.quality.ge_runner import data_docs_dir, quality_dir, run_suites
from pipelines.quality.severity import Severity
from pipelines.quality.suites import ExpectationSpec, SuiteSpec


def test_each_suite_keeps_only_its_newest_validation_results(tmp_path: Path) -> None:
    spec = SuiteSpec(
        "raw.example", "raw/example", ("sku",),
        (ExpectationSpec("ExpectColumnValuesToNotBeNull", {"column": "sku"}, "required", Severity.CRITICAL),),
    )
    for run in range(4):
        (result,) = run_suites(tmp_path, [(spec, pd.DataFrame({"sku": ["A", None if run == 3 else "B"]}))], keep=2)
    assert not result.success  # the latest run is the one that failed
    stored = sorted((quality_dir(tmp_path) / "gx" / "uncommitted" / "validations").rglob("*.json"))
    pages = sorted((data_docs_dir(tmp_path) / "validations").rglob("*.html"))
    assert len(stored) == len(pages) == 2
    # the two kept are the newest: run 2 (passed) and run 3 (failed)
    by_time = sorted(stored, key=lambda result: result.parent.name)
    assert [json.loads(result.read_text())["success"] for result in by_time] == [True, False]
    index = (data_docs_dir(tmp_path) / "index.html").read_text()
    linked = set(re.findall(r"validations/raw/example/__none__/([0-9T.]+Z)/", index))
    assert linked == {page.parent.name for page in pages}
