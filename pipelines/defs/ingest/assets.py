"""One Dagster asset per landing source: its deliveries -> raw/<source>/ (Parquet).

`raw/_landing_scan` runs first: it lists what no source reads (files under no source,
platform format or mapped export, links leaving the landing zone) as warnings and as
rows of `ops.ingestion_log`, so nothing landed is ignored without a word.

Master data is ingested before the sources that reference it, so an unknown channel,
location or SKU is quarantined with its file, row and value. Ingestion is incremental
by delivery (pipelines/ingest/load.py); `full_refresh` re-reads the landing zone as
it is now.
"""

from datetime import datetime

import dagster as dg
import polars as pl

from pipelines.contract import MASTER_SOURCES, SOURCES, Source
from pipelines.defs.resources import OmnistockSettings
from pipelines.defs.shared.keys import raw_key
from pipelines.ingest.discover import LANDING_LOG, landing_log, landing_report, source_deliveries
from pipelines.ingest.load import ingest_source, known_values
from pipelines.ingest.raw_zone import MANIFEST_SCHEMA


class IngestConfig(dg.Config):
    full_refresh: bool = False  # forget what was ingested and read every landing file again


LANDING_SCAN_KEY = raw_key("_landing_scan")
_LISTED = 50  # files named in the materialization's metadata (all are in ops.ingestion_log)


@dg.asset(
    key=LANDING_SCAN_KEY,
    group_name="ingest",
    kinds={"parquet"},
    description="What no source reads in the landing zone: files under no contract source, platform format or "
    "mapped export (or matched by no mapping), links leaving the landing zone, special files. Each is a warning "
    "and a row of ops.ingestion_log (status unrecognised or skipped) naming where it would be read.",
)
def landing_scan(context: dg.AssetExecutionContext, settings: OmnistockSettings) -> dg.MaterializeResult:
    where = settings.paths
    entries = landing_report(where)
    target = where.raw / "_manifest" / f"{LANDING_LOG}.parquet"
    previous = (
        pl.read_parquet(target).cast(dict(MANIFEST_SCHEMA)) if target.exists() else pl.DataFrame(schema=MANIFEST_SCHEMA)
    )
    log = landing_log(entries, previous, datetime.now())
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp")
    log.write_parquet(temporary)
    temporary.replace(target)
    for entry in entries:
        context.log.warning(f"{entry.file} was {entry.status}: {entry.message}")
    listing = "\n".join(f"- `{e.file}` ({e.status}): {e.message}" for e in entries[:_LISTED])
    if len(entries) > _LISTED:
        listing += f"\n- ... and {len(entries) - _LISTED} more (ops.ingestion_log)"
    return dg.MaterializeResult(
        metadata={
            "unrecognised_files": sum(e.status == "unrecognised" for e in entries),
            "skipped": sum(e.status == "skipped" for e in entries),
            "files": dg.MetadataValue.md(listing or "every landing file is read by a source"),
            "path": dg.MetadataValue.path(str(target)),
        }
    )


def _upstream(source: Source) -> list[dg.AssetKey]:
    masters = {target.split(".")[0] for target in (*source.references.values(), *source.parents.values())}
    return [raw_key(m) for m in sorted(masters) if m != source.name]


def build_ingest_asset(source: Source) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_key(source.name),
        group_name="ingest",
        deps=[LANDING_SCAN_KEY, *_upstream(source)],  # the landing scan's warnings come first
        kinds={"polars", "parquet"},
        description=f"{source.description} Deliveries under landing/{source.name}/ "
        "(and platform formats or mapped exports that produce it), checked against the contract.",
    )
    def _ingest(
        context: dg.AssetExecutionContext, config: IngestConfig, settings: OmnistockSettings
    ) -> dg.MaterializeResult:
        where = settings.paths
        report = ingest_source(
            source,
            source_deliveries(where, source.name),
            where.raw,
            datetime.now(),
            known_values(source, where.raw),
            full_refresh=config.full_refresh,
            min_share=settings.quality_config_file().redelivery_min_share,
            earliest=settings.earliest,
        )
        for row in report.problems.iter_rows(named=True):
            context.log.warning(f"{source.name}: {row['file']} was {row['status']}: {row['message']}")
        quarantined = report.total("rows_quarantined", only_this_run=True)
        if quarantined:
            context.log.warning(
                f"{source.name}: {quarantined} row(s) quarantined this run; see ops.quarantine or "
                f"raw/_quarantine/{source.name}/"
            )
        return dg.MaterializeResult(
            metadata={
                "deliveries": report.log.height,
                "deliveries_read": len(report.checked),
                "deliveries_unchanged": report.unchanged,
                "unreadable_or_rejected": report.problems.height,
                "rows_read": report.total("rows_read"),
                "rows_loaded": report.total("rows_loaded"),
                "rows_replaced": report.total("rows_replaced"),
                "rows_quarantined": report.total("rows_quarantined"),
                "rows_read_this_run": report.total("rows_read", only_this_run=True),
                "rows_quarantined_this_run": quarantined,
                "days_written": dg.MetadataValue.text(_days(report.days_written)),
                "dagster/row_count": report.current_rows,
                "path": dg.MetadataValue.path(str(where.raw / source.name)),
            }
        )

    return _ingest


def _days(days: list[str]) -> str:
    if len(days) <= 6:
        return ", ".join(days) or "none"
    return f"{len(days)} days, {days[0]} .. {days[-1]}"


ingest_assets = [
    build_ingest_asset(SOURCES[name]) for name in (*MASTER_SOURCES, *(n for n in SOURCES if n not in MASTER_SOURCES))
]
