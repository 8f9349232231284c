"""Run expectation suites with Great Expectations 1.x, in a file context inside the data folder.

    <data>/quality/gx/                  the GE project: suites, validation definitions, and
                                        validation results (gx/uncommitted/validations/)
    <data>/quality/data_docs/index.html GE's HTML data docs

Each suite keeps its newest `RESULTS_KEPT` validation results and their data docs pages;
older ones are deleted after every run (a run per hour would otherwise add ~500 a day).

GE takes seconds to import: it is imported here, inside the functions, so loading the
Dagster definitions stays fast. Frames are pandas (GE has no polars backend).

A frame of more than `CHUNK_ROWS` rows is validated in chunks (`Chunked`): GE's pandas
engine holds the whole frame as Python objects, 20 M orders took 10 GiB. The reader splits
the rows by a hash of the suite's unique key, so every row sharing a key with another lands
in the same chunk and uniqueness checked chunk by chunk is uniqueness overall; the other
row checks add up (unexpected counts are summed, samples taken from the first chunks), and
the row count is checked once against the total. Each chunk's result is kept in the GE
project like any validation result.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.quality.severity import Severity, worst
from pipelines.quality.suites import ExpectationSpec, SuiteSpec, unknown_column

if TYPE_CHECKING:
    import pandas as pd

DATASOURCE = "omnistock"
RESULTS_KEPT = 30
CHUNK_ROWS = 1_000_000  # rows GE validates at once: about 1 GiB of pandas for a 15-column source
ROW_COUNT = "ExpectTableRowCountToBeBetween"  # the one table-level check that cannot be evaluated per chunk


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
        failed = f"{len(self.failures)} of {self.evaluated} expectations failed on {self.rows} rows"
        return f"{self.suite}: {failed}: {shown}{more}"


@dataclass(frozen=True)
class Outcome:
    """One expectation's result on one frame (or merged over chunks)."""

    label: str
    group: str
    severity: Severity
    success: bool
    unexpected_count: int | None = None
    sample: tuple = ()
    observed: Any = None
    has_observed: bool = False
    error: str | None = None

    def detail(self) -> str:
        if self.error is not None:
            return "error: " + self.error[:200]
        if self.unexpected_count is not None:
            return f"{self.unexpected_count} unexpected, e.g. {list(self.sample)[:3]!r}"
        if self.has_observed:
            return f"observed {self.observed!r}"
        return "failed"


@dataclass(frozen=True)
class Chunked:
    """A frame validated chunk by chunk: `rows` rows in total, `chunks` yields them as pandas frames,
    each chunk holding every row that shares the suite's unique key with one of its rows."""

    rows: int
    chunks: Iterable[pd.DataFrame]


def merge_outcomes(per_chunk: Sequence[Sequence[Outcome]]) -> list[Outcome]:
    """The outcome over all chunks: met when met in every chunk; unexpected counts summed; the
    sample from the first chunks; the observed value and error of the first chunk that failed.
    Expectations are matched by label and occurrence (each chunk runs the same suite)."""
    merged: dict[tuple[str, int], Outcome] = {}
    for outcomes in per_chunk:
        seen: dict[str, int] = {}
        for o in outcomes:
            key = (o.label, seen.setdefault(o.label, 0))
            seen[o.label] += 1
            before = merged.get(key)
            if before is None:
                merged[key] = o
                continue
            counts = [c for c in (before.unexpected_count, o.unexpected_count) if c is not None]
            first_failure = before if not before.success else o
            merged[key] = replace(
                before,
                success=before.success and o.success,
                unexpected_count=sum(counts) if counts else None,
                sample=(before.sample + o.sample)[:20],
                observed=first_failure.observed,
                has_observed=first_failure.has_observed,
                error=before.error if before.error is not None else o.error,
            )
    return list(merged.values())


def row_count_outcomes(spec: SuiteSpec, rows: int) -> list[Outcome]:
    """The suite's row count expectations evaluated on `rows` (what GE does: min <= rows <= max)."""
    out = []
    for e in spec.expectations:
        if e.type != ROW_COUNT:
            continue
        low, high = e.kwargs.get("min_value"), e.kwargs.get("max_value")
        ok = (low is None or rows >= low) and (high is None or rows <= high)
        out.append(Outcome(e.label, e.group, e.severity, ok, observed=rows, has_observed=True))
    return out


def without_row_count(spec: SuiteSpec) -> SuiteSpec:
    return replace(spec, expectations=tuple(e for e in spec.expectations if e.type != ROW_COUNT))


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


def _outcomes(validation_result: Any) -> list[Outcome]:
    """Outcomes of a GE suite validation result, one per expectation."""
    out = []
    for item in validation_result.results:
        meta = item.expectation_config.meta or {}
        result = item.result or {}
        raised = item.exception_info.get("raised_exception")
        out.append(
            Outcome(
                label=meta.get("label", item.expectation_config.type),
                group=meta.get("group", "?"),
                severity=Severity.parse(meta.get("severity", "critical")),
                success=bool(item.success),
                unexpected_count=result.get("unexpected_count"),
                sample=tuple(result.get("partial_unexpected_list") or ()),
                observed=result.get("observed_value"),
                has_observed="observed_value" in result,
                error=str(item.exception_info.get("exception_message")) if raised else None,
            )
        )
    return out


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
    data_dir: Path,
    batches: list[tuple[SuiteSpec, pd.DataFrame | Chunked]],
    build_docs: bool = True,
    keep: int = RESULTS_KEPT,
) -> list[SuiteResult]:
    """Validate each frame (or each chunk of a `Chunked` one) against its suite, keep the results
    (each suite's newest `keep`) in the GE project and update the data docs."""
    import great_expectations as gx

    context = _context(str(quality_dir(data_dir)))
    source = context.data_sources.add_or_update_pandas(DATASOURCE)
    known_assets = {asset.name for asset in source.assets}
    before = set(context.validation_results_store.list_keys()) if build_docs else set()
    results: list[SuiteResult] = []
    for spec, frame in batches:
        chunked = isinstance(frame, Chunked)
        checked = without_row_count(spec) if chunked else spec
        asset = source.get_asset(spec.name) if spec.name in known_assets else source.add_dataframe_asset(spec.name)
        try:
            batch = asset.get_batch_definition("whole")
        except Exception:  # noqa: BLE001 — not created yet
            batch = asset.add_batch_definition_whole_dataframe("whole")
        suite = context.suites.add_or_update(
            gx.ExpectationSuite(name=spec.name, expectations=[_expectation(e) for e in checked.expectations])
        )
        validation = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=spec.name, data=batch, suite=suite)
        )

        def validate(data: pd.DataFrame, validation=validation, spec=spec) -> list[Outcome]:
            return _outcomes(
                validation.run(
                    batch_parameters={"dataframe": with_unknown_references(data, spec)}, result_format="SUMMARY"
                )
            )

        if chunked:
            outcomes = merge_outcomes([validate(chunk) for chunk in frame.chunks]) + row_count_outcomes(
                spec, frame.rows
            )
            rows = frame.rows
        else:
            outcomes, rows = validate(frame), len(frame)
        failures = tuple(Failure(o.label, o.group, o.severity, o.detail()) for o in outcomes if not o.success)
        results.append(SuiteResult(spec.name, spec.asset, len(outcomes), failures, rows))
    prune_results(data_dir, keep)
    if build_docs and batches:
        new = [key for key in context.validation_results_store.list_keys() if key not in before]
        # the index lists the results still in the store (GE also drops pages whose result is gone)
        context.build_data_docs(resource_identifiers=new or None)
    return results
