"""The ERP export: marts.erp_journal as CSV and Parquet under <data>/exports/erp/.

It reads the warehouse read-only in the WAREHOUSE_POOL pool, so it never opens the
DuckDB file while dbt (the single writer) holds it.
"""

import dagster as dg

from pipelines.defs.resources import OmnistockSettings
from pipelines.defs.shared.keys import dbt_key
from pipelines.reconciliation.erp_export import ERP_JOURNAL_SQL, write_erp_export
from pipelines.warehouse import WAREHOUSE_POOL, connect, read_frame

ERP_JOURNAL_MODEL = dbt_key("erp_journal")


@dg.asset(
    key=["exports", "erp_journal"],
    deps=[ERP_JOURNAL_MODEL],
    group_name="reconciliation",
    pool=WAREHOUSE_POOL,
    description="Verified, balanced ERP journal lines (marts.erp_journal) as CSV and Parquet in <data>/exports/erp/.",
    kinds={"csv", "parquet"},
)
def erp_journal_export(context: dg.AssetExecutionContext, settings: OmnistockSettings) -> dg.MaterializeResult:
    with connect(read_only=True, where=settings.paths) as con:
        journal = read_frame(con, ERP_JOURNAL_SQL)
    written = write_erp_export(journal, settings.paths.exports / "erp")
    context.log.info(f"ERP journal: {journal.height} line(s) written to {written.csv.parent}")
    return dg.MaterializeResult(
        metadata={
            "rows": journal.height,
            "days": written.days,
            "csv": dg.MetadataValue.path(str(written.csv)),
            "parquet": dg.MetadataValue.path(str(written.parquet)),
            "unbalanced_days": written.unbalanced_days,
        }
    )
