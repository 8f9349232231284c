"""The settings every asset reads, as one Dagster resource (`settings`).

Assets take `settings: OmnistockSettings` and use `settings.paths`; nothing inside a run reads
`OMNISTOCK_*` variables itself. Outside Dagster (the CLI, the dashboards) the same values come
from `pipelines.settings`.
"""

from __future__ import annotations

import os

import dagster as dg

from pipelines.settings import Paths, data_dir


class OmnistockSettings(dg.ConfigurableResource):
    """Where the data folder is (`OMNISTOCK_DATA_DIR`; default: the repository's `data/`)."""

    data_dir: str

    @property
    def paths(self) -> Paths:
        return Paths(data_dir(self.data_dir))


def settings_from_environment() -> OmnistockSettings:
    """The resource as the code location loads it: each value from its environment variable when
    set (shown as such in the Dagster UI), else its default."""
    if os.environ.get("OMNISTOCK_DATA_DIR"):
        return OmnistockSettings(data_dir=dg.EnvVar("OMNISTOCK_DATA_DIR"))
    return OmnistockSettings(data_dir=str(data_dir()))
