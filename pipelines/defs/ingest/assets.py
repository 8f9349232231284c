"""One Dagster asset per landing source: its deliveries -> raw/<source>/ (Parquet).

Master data is ingested before the sources that reference it, so an unknown channel,
location or SKU is quarantined with its file, row and value. Ingestion is incremental
by delivery (pipelines/ingest/load.py); `full_refresh` re-reads the landing zone as
it is now.
"""

from datetime import datetime

import dagster as dg
import polars as pl

from pipelines.contract import MASTER_SOURCES, SOURCES, Source
from pipelines.ingest.discover import source_deliveries
from pipelines.ingest.load import current_versions, ingest_source
from pipelines.ingest.raw_zone import RawZone
from pipelines.settings import paths


class IngestConfig(dg.Config):
    full_refresh: bool = False  # forget what was ingested and read every landing file again


def raw_key(source_name: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", source_name])


def known_values(source: Source) -> dict[str, pl.Series]:
    """Current master keys that referencing columns must match; a master source with no rows checks nothing."""
    known: dict[str, pl.Series] = {}
    for column, target in source.references.items():
        master_name, master_column = target.split(".")
        zone = RawZone(paths().raw, SOURCES[master_name])
        if not zone.folder.is_dir():
            continue
        values = current_versions(zone.source, zone.scan()).select(master_column).unique().collect().to_series()
        if values.len():
            known[column] = values
    return known


def _upstream(source: Source) -> list[dg.AssetKey]:
    masters = {target.split(".")[0] for target in source.references.values()}
    return [raw_key(m) for m in sorted(masters) if m != source.name]


def build_ingest_asset(source: Source) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_key(source.name),
        group_name="ingest",
        deps=_upstream(source),
        kinds={"polars", "parquet"},
        description=f"{source.description} Deliveries under landing/{source.name}/ (and platform formats or mapped exports "
        "that produce it), checked against the contract.",
    )
    def _ingest(context: dg.AssetExecutionContext, config: IngestConfig) -> dg.MaterializeResult:
        where = paths()
        report = ingest_source(
            source,
            source_deliveries(where, source.name),
            where.raw,
            datetime.now(),
            known_values(source),
            full_refresh=config.full_refresh,
        )
        for row in report.problems.iter_rows(named=True):
            context.log.warning(f"{source.name}: {row['file']} was {row['status']}: {row['message']}")
        quarantined = report.total("rows_quarantined", only_this_run=True)
        if quarantined:
            context.log.warning(
                f"{source.name}: {quarantined} row(s) quarantined this run; see ops.quarantine or raw/_quarantine/{source.name}/"
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


ingest_assets = [build_ingest_asset(SOURCES[name]) for name in (*MASTER_SOURCES, *(n for n in SOURCES if n not in MASTER_SOURCES))]
