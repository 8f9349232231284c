"""One Dagster asset per landing source: landing/<source>/ -> raw/<source>/ (Parquet).

Master data is ingested before the sources that reference it, so an unknown channel,
location or SKU is quarantined with its file, row and value.
"""


from datetime import datetime

import dagster as dg
import polars as pl

from pipelines.contract import MASTER_SOURCES, SOURCES, Source
from pipelines.ingest.load import ingest_source, write_raw_zone
from pipelines.settings import paths


def raw_key(source_name: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", source_name])


def _known_values(source: Source) -> dict[str, pl.Series]:
    """Master keys that referencing columns must match; a master source with no rows checks nothing."""
    known: dict[str, pl.Series] = {}
    raw = paths().raw
    for column, target in source.references.items():
        master, master_column = target.split(".")
        folder = raw / master
        if not folder.is_dir():
            continue
        values = pl.scan_parquet(folder / "**/*.parquet").select(master_column).unique().collect().to_series()
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
        description=f"{source.description} Landing files under landing/{source.name}/, checked against the contract.",
    )
    def _ingest(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        where = paths()
        result = ingest_source(source, where.landing / source.name, datetime.now(), _known_values(source))
        target = write_raw_zone(result, source, where.raw, where.quarantine, where.ingestion_log)
        problems = result.log.filter(pl.col("status") != "ok")
        for row in problems.iter_rows(named=True):
            context.log.warning(f"{source.name}: {row['file']} was {row['status']}: {row['message']}")
        if result.total("rows_quarantined"):
            context.log.warning(
                f"{source.name}: {result.total('rows_quarantined')} row(s) quarantined; "
                "see ops.quarantine or raw/_quarantine/"
            )
        return dg.MaterializeResult(
            metadata={
                "files": result.files,
                "unreadable_or_rejected_files": problems.height,
                "rows_read": result.total("rows_read"),
                "rows_loaded": result.total("rows_loaded"),
                "rows_replaced": result.total("rows_replaced"),
                "rows_quarantined": result.total("rows_quarantined"),
                "dagster/row_count": result.rows.height,
                "path": dg.MetadataValue.path(str(target)),
            }
        )

    return _ingest


ingest_assets = [build_ingest_asset(SOURCES[name]) for name in (*MASTER_SOURCES, *(n for n in SOURCES if n not in MASTER_SOURCES))]
