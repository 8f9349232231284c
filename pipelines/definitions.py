"""The Dagster code location: one Definitions merged from one package per domain, and the resources.

Nothing else belongs here. Serving (the copy readers read) comes last: it depends on every
asset the other domains define that writes the warehouse. The `settings` resource
(pipelines/defs/resources.py) is merged in once; every asset, check and sensor that needs a
setting takes it. dagster-dbt reads dbt_project/target/manifest.json when this loads:
`make prepare`, `omnistock run` and the tests parse it first, all with `prepare_dbt_project()`
(pipelines/dbt_project.py). What may import what: docs/architecture.md.
"""

import dagster as dg

from pipelines.defs import dbt, fulfillment, ingest, ops, publish, quality, reconciliation, serving
from pipelines.defs.resources import resources_defs

domains = dg.Definitions.merge(
    ingest.defs, dbt.defs, fulfillment.defs, reconciliation.defs, quality.defs, publish.defs, ops.defs
)
defs = dg.Definitions.merge(domains, serving.defs_after(domains), resources_defs)
