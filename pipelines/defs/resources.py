"""The settings every asset, check and sensor reads, as one Dagster resource (`settings`).

Assets take `settings: OmnistockSettings` and use `settings.paths`, `settings.alerts`,
`settings.earliest` and `settings.quality_config_file()`; nothing inside a run reads `OMNISTOCK_*`
variables itself. The pure packages (ingest, quality, fulfillment, generate) take these values as
arguments. Outside Dagster (the CLI, the dashboards) the data folder comes from
`pipelines.settings.data_dir()`. docs/operations.md ("Settings") lists every setting.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import dagster as dg
from pydantic import Field

from pipelines.contract import earliest_date
from pipelines.quality.config import QualityConfig, load_config
from pipelines.quality.delivery import AlertSettings
from pipelines.settings import Paths, data_dir

# field -> the environment variable that sets it (`settings_from_environment`)
ENVIRONMENT = {
    "data_dir": "OMNISTOCK_DATA_DIR",
    "earliest_date": "OMNISTOCK_EARLIEST_DATE",
    "quality_config": "OMNISTOCK_QUALITY_CONFIG",
    "quality_now": "OMNISTOCK_QUALITY_NOW",
    "alert_webhook_url": "OMNISTOCK_ALERT_WEBHOOK_URL",
    "alert_smtp_host": "OMNISTOCK_ALERT_SMTP_HOST",
    "alert_smtp_port": "OMNISTOCK_ALERT_SMTP_PORT",
    "alert_smtp_user": "OMNISTOCK_ALERT_SMTP_USER",
    "alert_smtp_password": "OMNISTOCK_ALERT_SMTP_PASSWORD",
    "alert_smtp_security": "OMNISTOCK_ALERT_SMTP_SECURITY",
    "alert_email_from": "OMNISTOCK_ALERT_EMAIL_FROM",
    "alert_email_to": "OMNISTOCK_ALERT_EMAIL_TO",
    "alert_min_severity": "OMNISTOCK_ALERT_MIN_SEVERITY",
}
# secrets: only ever given as EnvVar (the Dagster UI then shows the variable's name, not its value),
# and left out of the resource's repr
SECRETS = ("alert_webhook_url", "alert_smtp_password")


class OmnistockSettings(dg.ConfigurableResource):
    """omnistock's settings. Each field has an `OMNISTOCK_*` environment variable (ENVIRONMENT)."""

    data_dir: str = Field(description="The data folder (OMNISTOCK_DATA_DIR; default: the repository's data/).")
    earliest_date: str = Field(
        default="", description="No date of any source lies before this day, YYYY-MM-DD (default 2000-01-01)."
    )
    quality_config: str = Field(
        default="",
        description="The quality configuration file (default: <data>/quality/cadences.yml, else the "
        "repository's pipelines/quality/cadences.yml).",
    )
    quality_now: str = Field(
        default="", description="The quality clock: data_as_of | wall_clock | a timestamp (overrides cadences.yml)."
    )
    alert_webhook_url: str = Field(
        default="", repr=False, description="Secret. Slack-compatible incoming-webhook URL for quality alerts."
    )
    alert_smtp_host: str = Field(default="", description="SMTP server for alert e-mail (with alert_email_to).")
    alert_smtp_port: str = Field(default="", description="SMTP port (default 25; 587 with starttls, 465 with ssl).")
    alert_smtp_user: str = Field(default="", description="SMTP login, if the server needs one.")
    alert_smtp_password: str = Field(default="", repr=False, description="Secret. SMTP password.")
    alert_smtp_security: str = Field(default="none", description="none | starttls | ssl.")
    alert_email_from: str = Field(default="omnistock@localhost", description="Sender of alert e-mail.")
    alert_email_to: str = Field(default="", description="Comma-separated recipients of alert e-mail.")
    alert_min_severity: str = Field(
        default="warn", description="Lowest severity delivered outside the log: info | warn | critical."
    )

    @property
    def paths(self) -> Paths:
        if not self.data_dir.strip():  # never the working directory
            raise ValueError("the setting data_dir is empty: set OMNISTOCK_DATA_DIR to the data folder")
        return Paths(Path(self.data_dir).expanduser().resolve())

    @property
    def earliest(self) -> date:
        return earliest_date(self.earliest_date)

    @property
    def alerts(self) -> AlertSettings:
        return AlertSettings(
            webhook_url=self.alert_webhook_url,
            smtp_host=self.alert_smtp_host,
            smtp_port=int(self.alert_smtp_port) if self.alert_smtp_port.strip() else None,
            smtp_user=self.alert_smtp_user,
            smtp_password=self.alert_smtp_password,
            smtp_security=self.alert_smtp_security,
            email_from=self.alert_email_from,
            email_to=self.alert_email_to,
            min_severity=self.alert_min_severity,
        )

    def quality_config_file(self) -> QualityConfig:
        """The data quality configuration (cadences.yml) these settings point at."""
        return load_config(self.paths.data_dir, self.quality_config or None)


def settings_from_environment(data_folder: Path | None = None) -> OmnistockSettings:
    """The resource as the code location loads it: each field from its environment variable when set
    (given as `dg.EnvVar`, so the Dagster UI names the variable, and a secret's value is never in
    the configuration), else its default. `data_folder` (e.g. `omnistock run --data-dir`) wins over
    OMNISTOCK_DATA_DIR."""
    values: dict[str, object] = {
        name: dg.EnvVar(variable) for name, variable in ENVIRONMENT.items() if os.environ.get(variable, "").strip()
    }
    if data_folder is not None:
        values["data_dir"] = str(data_folder.expanduser().resolve())
    elif "data_dir" not in values:
        values["data_dir"] = str(data_dir())
    return OmnistockSettings(**values)


def current_settings(data_folder: Path | None = None) -> OmnistockSettings:
    """The settings with every EnvVar read now: for code outside a Dagster run (the runner's alerts)."""
    return settings_from_environment(data_folder).process_config_and_initialize()


# the code location's resources: pipelines/definitions.py merges these in once
resources_defs = dg.Definitions(resources={"settings": settings_from_environment()})
