"""Where things live. Every path comes from the data folder, never from the working directory.

`OMNISTOCK_DATA_DIR` sets the data folder (default: `data/` in the repository, the one default for
Python; dbt has none and is always told the folder). Inside Dagster the folder and the other
settings come from the `settings` resource (pipelines/defs/resources.py); `data_dir()` and `paths()`
are for the edges (CLI, dashboards). Nothing here writes to the environment: the runner computes the
environment of dbt and Dagster (pipelines/runner.py, `environment_for_dbt_and_dagster`).
Under the data folder:

    landing/<source>/   files as the channels and warehouses deliver them (any names, CSV/Parquet/JSONL)
    raw/<source>/       what ingestion accepted, as Parquet in the contract's types
    raw/_quarantine/    rows and files that broke the contract, with the reason
    raw/_manifest/      one row per ingested file: rows read = loaded + replaced + quarantined
    truth/              the generator's ground truth (never read by the pipeline)
    warehouse/omnistock.duckdb   the DuckDB warehouse dbt builds
    dagster/            the Dagster instance's storage (runs, events, schedules)
    exports/            files for other systems (exports/erp/: the ERP journal, CSV and Parquet)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


@dataclass(frozen=True)
class Paths:
    data_dir: Path

    @property
    def landing(self) -> Path:
        return self.data_dir / "landing"

    @property
    def raw(self) -> Path:
        return self.data_dir / "raw"

    @property
    def quarantine(self) -> Path:
        return self.raw / "_quarantine"

    @property
    def truth(self) -> Path:
        return self.data_dir / "truth"

    @property
    def warehouse_dir(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def warehouse(self) -> Path:
        return self.warehouse_dir / "omnistock.duckdb"

    @property
    def dagster_storage(self) -> Path:
        return self.data_dir / "dagster"

    @property
    def exports(self) -> Path:
        return self.data_dir / "exports"


def data_dir(configured: str | Path | None = None) -> Path:
    """The data folder: `configured`, else `$OMNISTOCK_DATA_DIR`, else `data/` in the repository
    (the one default; dbt has none and is always told the folder). The edges (CLI, dashboards,
    `make prepare`) call it; inside Dagster the `settings` resource holds the folder."""
    configured = configured or os.environ.get("OMNISTOCK_DATA_DIR")
    return Path(configured).expanduser().resolve() if configured else REPO_ROOT / "data"


def paths() -> Paths:
    """The paths of the configured data folder (the CLI and dashboards; assets use `settings.paths`)."""
    return Paths(data_dir())
