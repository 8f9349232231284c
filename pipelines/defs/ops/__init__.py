import dagster as dg

from pipelines.defs.ops.jobs import everything_job
from pipelines.defs.ops.sensors import landing_zone_sensor

defs = dg.Definitions(jobs=[everything_job], sensors=[landing_zone_sensor])
