import dagster as dg

from pipelines.defs.ops.jobs import everything_job

defs = dg.Definitions(jobs=[everything_job])
