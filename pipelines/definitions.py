"""The Dagster code location: one Definitions merged from one package per domain.

Nothing else belongs here. Serving (the copy readers read) comes last: it depends on every
asset the other domains define that writes the warehouse. dagster-dbt reads
dbt_project/target/manifest.json when this loads: `make prepare` (or `omnistock run`) runs
`dbt parse` first.
"""

import dagster as dg

from pipelines.defs import dbt, fulfillment, ingest, ops, publish, quality, reconciliation, serving

domains = dg.Definitions.merge(
    ingest.defs, dbt.defs, fulfillment.defs, reconciliation.defs, quality.defs, publish.defs, ops.defs
)
defs = dg.Definitions.merge(domains, serving.defs_after(domains))
