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
        "raw.example",
        "raw/example",
        ("sku",),
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


def test_values_the_master_data_does_not_know_are_named(tmp_path: Path) -> None:
    from pipelines.contract import SOURCES
    from pipelines.quality.suites import raw_source_suite

    known = [f"SKU{n:05d}" for n in range(30_000)]  # a real brand's master: the check must not carry it in GE
    spec = raw_source_suite(SOURCES["order_lines"], {"sku": known})
    frame = pd.DataFrame(
        {
            "order_id": ["O1", "O1", "O2"],
            "line_no": [1, 2, 1],
            "sku": ["SKU00007", "NOPE-1", None],
            "qty": [1, 1, 1],
            "unit_price": [1.0, 1.0, 1.0],
            "discount": [0.0, 0.0, 0.0],
            "shipping_charge": [None, None, None],
            "_delivery_id": ["d", "d", "d"],
        }
    )
    (result,) = run_suites(tmp_path, [(spec, frame)], build_docs=False)
    failed = {f.label: (f.severity, f.detail) for f in result.failures}
    assert set(failed) == {"references:ColumnValuesToBeNull(unknown_sku)", "required:ColumnValuesToNotBeNull(sku)"}
    severity, detail = failed["references:ColumnValuesToBeNull(unknown_sku)"]
    assert severity is Severity.WARN and detail == "1 unexpected, e.g. ['NOPE-1']"
