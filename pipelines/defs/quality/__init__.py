import dagster as dg

from pipelines.defs.quality.checks import delivery_checks, raw_contract_checks, warehouse_quality_checks
from pipelines.defs.quality.sensors import run_failure_alert, run_success_resolves

defs = dg.Definitions(
    asset_checks=[*raw_contract_checks, warehouse_quality_checks, delivery_checks],
    sensors=[run_failure_alert, run_success_resolves],
)
