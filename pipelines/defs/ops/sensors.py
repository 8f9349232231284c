"""Start ingestion when new or changed files land."""

import hashlib

import dagster as dg

from pipelines.defs.ops.jobs import everything_job
from pipelines.defs.resources import OmnistockSettings
from pipelines.ingest.readers import landing_files
from pipelines.settings import Paths


def landing_fingerprint(where: Paths) -> tuple[str, int]:
    """A digest of every landing file's (and the data folder's own mappings') path, size and
    modification time, and the number of landing files."""
    digest = hashlib.sha256()
    files = landing_files(where.landing)
    for path in landing_files(where.data_dir / "mappings"):
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    for path in files:
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest(), len(files)


@dg.sensor(
    job=everything_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Runs materialize_everything when files in the landing zone (or the data folder's mappings) are "
    "added, changed or removed; ingestion then reads only the new and changed files.",
)
def landing_zone_sensor(
    context: dg.SensorEvaluationContext, settings: OmnistockSettings
) -> dg.SensorResult | dg.SkipReason:
    fingerprint, count = landing_fingerprint(settings.paths)
    if count == 0:
        return dg.SkipReason(f"no files under {settings.paths.landing}")
    if fingerprint == context.cursor:
        return dg.SkipReason(f"no change in the {count} landing file(s)")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=fingerprint, tags={"omnistock/landing_files": str(count)})],
        cursor=fingerprint,
    )
