"""Run expectation suites with Great Expectations 1.x, in a file context inside the data folder.

    <data>/quality/gx/                  the GE project: suites, validation definitions, and
                                        validation results (gx/uncommitted/validations/)
    <data>/quality/data_docs/index.html GE's HTML data docs

Each suite keeps its newest `RESULTS_KEPT` validation results and their data docs pages;
older ones are deleted after every run (a run per hour would otherwise add ~500 a day).

GE takes seconds to import: it is imported here, inside the functions, so loading the
Dagster definitions stays fast. Frames are pandas (GE has no polars backend).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.quality.severity import Severity, worst
from pipelines.quality.suites import ExpectationSpec, SuiteSpec, unknown_column

if TYPE_CHECKING:
    import pandas as pd

DATASOURCE = "omnistock"
RESULTS_KEPT = 30


@dataclass(frozen=True)
class Failure:
    label: str
    group: str
    severity: Severity
    detail: str


@dataclass(frozen=True)
class SuiteResult:
    suite: str
    asset: str
    evaluated: int
    failures: tuple[Failure, ...]
    rows: int

    @property
    def success(self) -> bool:
        return not self.failures

    @property
    def severity(self) -> Severity:
        return worst([f.severity for f in self.failures]) or Severity.INFO

    def message(self) -> str:
        if self.success:
            return f"{self.suite}: all {self.evaluated} expectations met on {self.rows} rows"
        shown = "; ".join(f"{f.label} [{f.severity.value}] {f.detail}" for f in self.failures[:8])
        more = f" (+{len(self.failures) - 8} more)" if len(self.failures) > 8 else ""
        return f"{self.suite}: {len(self.failures)} of {self.evaluated} expectations failed on {self.rows} rows: {shown}{more}"


def quality_dir(data_dir: Path) -> Path:
    return data_dir / "quality"


def data_docs_dir(data_dir: Path) -> Path:
    return quality_dir(data_dir) / "data_docs"


@cache
def _context(root: str) -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="file", project_root_dir=root)
    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(Path(root) / "data_docs")},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    if context.variables.data_docs_sites != {"omnistock": site}:
        context.variables.data_docs_sites = {"omnistock": site}
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        context.variables.save()
        context = gx.get_context(mode="file", project_root_dir=root)
    return context


def _expectation(spec: ExpectationSpec) -> Any:
    import great_expectations.expectations as gxe

    meta = {"group": spec.group, "severity": spec.severity.value, "label": spec.label}
    return getattr(gxe, spec.type)(**dict(spec.kwargs), meta=meta)


def _detail(result: dict) -> str:
    if result.get("unexpected_count") is not None:
        sample = result.get("partial_unexpected_list") or []
        return f"{result['unexpected_count']} unexpected, e.g. {sample[:3]!r}"
    if "observed_value" in result:
        return f"observed {result['observed_value']!r}"
    return "failed"


def prune_results(data_dir: Path, keep: int = RESULTS_KEPT) -> int:
    """Delete all but each suite's `keep` newest validation results and their data docs pages.

    Results are stored as validations/<suite path>/<run name>/<run time>/<batch>.json, and their
    pages under the same path in data_docs/; run times (20261130T015114.046138Z) sort in time
    order. Returns how many results were deleted."""
    results = quality_dir(data_dir) / "gx" / "uncommitted" / "validations"
    pages = data_docs_dir(data_dir) / "validations"
    by_suite: dict[Path, list[Path]] = {}
    for result in results.rglob("*.json") if results.is_dir() else []:
        by_suite.setdefault(result.parent.parent.parent, []).append(result)
    deleted = 0
    for found in by_suite.values():
        for old in sorted(found, key=lambda r: r.parent.name)[:-keep]:
            relative = old.relative_to(results)
            old.unlink()
            (pages / relative.with_suffix(".html")).unlink(missing_ok=True)
            for root, folder in ((results, old.parent), (pages, (pages / relative).parent)):
                while folder != root and folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
                    folder = folder.parent
            deleted += 1
    return deleted


def with_unknown_references(frame: pd.DataFrame, spec: SuiteSpec) -> pd.DataFrame:
    """The frame with `unknown_<column>` for each reference of the suite: the value where the master
    data does not know it, else null."""
    if not spec.references:
        return frame
    frame = frame.copy(deep=False)
    for column, known in spec.references:
        values = frame[column]
        frame[unknown_column(column)] = values.where(values.notna() & ~values.isin(known))
    return frame


def run_suites(
    data_dir: Path, batches: list[tuple[SuiteSpec, pd.DataFrame]], build_docs: bool = True, keep: int = RESULTS_KEPT
) -> list[SuiteResult]:
    """Validate each frame against its suite, keep the results (each suite's newest `keep`) in the GE
    project and update the data docs."""
    import great_expectations as gx

    context = _context(str(quality_dir(data_dir)))
    source = context.data_sources.add_or_update_pandas(DATASOURCE)
    known_assets = {asset.name for asset in source.assets}
    before = set(context.validation_results_store.list_keys()) if build_docs else set()
    results: list[SuiteResult] = []
    for spec, frame in batches:
        asset = source.get_asset(spec.name) if spec.name in known_assets else source.add_dataframe_asset(spec.name)
        try:
            batch = asset.get_batch_definition("whole")
        except Exception:  # noqa: BLE001 — not created yet
            batch = asset.add_batch_definition_whole_dataframe("whole")
        suite = context.suites.add_or_update(
            gx.ExpectationSuite(name=spec.name, expectations=[_expectation(e) for e in spec.expectations])
        )
        validation = context.validation_definitions.add_or_update(gx.ValidationDefinition(name=spec.name, data=batch, suite=suite))
        outcome = validation.run(batch_parameters={"dataframe": with_unknown_references(frame, spec)}, result_format="SUMMARY")
        failures = []
        for item in outcome.results:
            if item.success:
                continue
            meta = item.expectation_config.meta or {}
            detail = _detail(item.result) if not item.exception_info.get("raised_exception") else "error: " + str(
                item.exception_info.get("exception_message"))[:200]
            failures.append(Failure(meta.get("label", item.expectation_config.type), meta.get("group", "?"),
                                    Severity.parse(meta.get("severity", "critical")), detail))
        results.append(SuiteResult(spec.name, spec.asset, len(outcome.results), tuple(failures), len(frame)))
    prune_results(data_dir, keep)
    if build_docs and batches:
        new = [key for key in context.validation_results_store.list_keys() if key not in before]
        # the index lists the results still in the store (GE also drops pages whose result is gone)
        context.build_data_docs(resource_identifiers=new or None)
    return results
