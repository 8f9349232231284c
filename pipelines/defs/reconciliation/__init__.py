import dagster as dg

from pipelines.defs.reconciliation.assets import erp_journal_export

defs = dg.Definitions(assets=[erp_journal_export])
