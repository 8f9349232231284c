"""Settings reach Dagster as one resource, `settings`: read from the environment through EnvVar,
secrets never shown, the data folder of the resource is where assets write, and nothing writes
the settings into os.environ."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

import pipelines.settings
from pipelines.defs.resources import (
    ENVIRONMENT,
    SECRETS,
    OmnistockSettings,
    current_settings,
    settings_from_environment,
)
from pipelines.runner import environment_for_dbt_and_dagster
from pipelines.settings import DBT_PROJECT_DIR, REPO_ROOT, Paths

WEBHOOK = "https://hooks.example.test/services/T0/B0/SECRET-TOKEN-42"
PASSWORD = "hunter2-smtp-secret"


def test_the_resource_reads_each_setting_from_its_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMNISTOCK_DATA_DIR", str(tmp_path / "brand"))
    monkeypatch.setenv("OMNISTOCK_EARLIEST_DATE", "2019-03-01")
    monkeypatch.setenv("OMNISTOCK_QUALITY_NOW", "2025-11-11 00:00:00")
    monkeypatch.setenv("OMNISTOCK_ALERT_WEBHOOK_URL", WEBHOOK)
    monkeypatch.setenv("OMNISTOCK_ALERT_SMTP_HOST", "smtp.example.test")
    monkeypatch.setenv("OMNISTOCK_ALERT_SMTP_PORT", "2525")
    monkeypatch.setenv("OMNISTOCK_ALERT_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("OMNISTOCK_ALERT_EMAIL_TO", "ops@example.test, buyer@example.test")
    monkeypatch.delenv("OMNISTOCK_ALERT_MIN_SEVERITY", raising=False)

    settings = current_settings()
    assert settings.paths == Paths(tmp_path / "brand")
    assert settings.paths.warehouse == tmp_path / "brand" / "warehouse" / "omnistock.duckdb"
    assert settings.earliest == date(2019, 3, 1)
    assert settings.quality_now == "2025-11-11 00:00:00"
    alerts = settings.alerts
    assert (alerts.webhook_url, alerts.smtp_host, alerts.smtp_port) == (WEBHOOK, "smtp.example.test", 2525)
    assert alerts.smtp_password == PASSWORD
    assert alerts.recipients == ["ops@example.test", "buyer@example.test"]
    assert alerts.min_severity == "warn"  # unset: its default

    # the unresolved resource (what the code location registers) holds EnvVars, read at run time
    declared = settings_from_environment()
    assert declared.get_resource_definition().config_schema.default_provided
    shown = json.loads(declared.get_resource_definition().config_schema.default_value_as_json_str)
    assert shown["data_dir"] == {"env": "OMNISTOCK_DATA_DIR"}
    assert shown["alert_smtp_port"] == {"env": "OMNISTOCK_ALERT_SMTP_PORT"}
    assert "alert_min_severity" not in shown  # unset variable: the field keeps its default


def test_every_environment_variable_is_a_field_and_the_data_folder_defaults_to_the_repository(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert set(ENVIRONMENT) == set(OmnistockSettings.model_fields)
    assert all(variable.startswith("OMNISTOCK_") for variable in ENVIRONMENT.values())
    for variable in ENVIRONMENT.values():
        monkeypatch.delenv(variable, raising=False)
    settings = current_settings()
    assert settings.paths.data_dir == REPO_ROOT / "data"  # the one default
    assert settings.earliest == date(2000, 1, 1)
    assert settings.alerts.webhook_url == "" and settings.alerts.smtp_port is None
    # an explicit folder (omnistock run --data-dir) wins over the environment
    monkeypatch.setenv("OMNISTOCK_DATA_DIR", "/elsewhere")
    assert current_settings(Path("/tmp/chosen")).paths.data_dir == Path("/tmp/chosen").resolve()
    with pytest.raises(ValueError, match="data_dir is empty"):
        _ = OmnistockSettings(data_dir=" ").paths  # never the working directory


def test_secrets_are_not_in_the_repr_nor_in_the_configuration_dagster_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(SECRETS) == {"alert_webhook_url", "alert_smtp_password"}
    monkeypatch.setenv("OMNISTOCK_ALERT_WEBHOOK_URL", WEBHOOK)
    monkeypatch.setenv("OMNISTOCK_ALERT_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("OMNISTOCK_ALERT_SMTP_USER", "ops")
    declared = settings_from_environment()
    resolved = declared.process_config_and_initialize()
    assert resolved.alert_webhook_url == WEBHOOK  # the value is there for the code that delivers alerts ...
    for shown in (repr(declared), repr(resolved), str(resolved), repr(resolved.alerts)):
        assert "SECRET-TOKEN-42" not in shown and PASSWORD not in shown  # ... and nowhere it could be displayed
    assert "alert_smtp_user='ops'" in repr(resolved)  # not a secret: shown
    # the Dagster UI shows a resource's configured values from this JSON: secrets as the variable's name
    configured = json.loads(declared.get_resource_definition().config_schema.default_value_as_json_str)
    assert configured["alert_webhook_url"] == {"env": "OMNISTOCK_ALERT_WEBHOOK_URL"}
    assert configured["alert_smtp_password"] == {"env": "OMNISTOCK_ALERT_SMTP_PASSWORD"}
    assert "SECRET-TOKEN-42" not in json.dumps(configured) and PASSWORD not in json.dumps(configured)


def test_an_asset_writes_under_the_data_folder_of_its_settings(tmp_path: Path) -> None:
    from pipelines.defs.ingest.assets import landing_scan

    chosen, configured = tmp_path / "chosen", Path(os.environ["OMNISTOCK_DATA_DIR"])
    (chosen / "landing" / "stray").mkdir(parents=True)
    (chosen / "landing" / "stray" / "notes.csv").write_text("a\n1\n")
    before = dict(os.environ)
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            [landing_scan], instance=instance, resources={"settings": OmnistockSettings(data_dir=str(chosen))}
        )
    assert result.success
    (materialization,) = result.asset_materializations_for_node("raw___landing_scan")
    assert materialization.metadata["unrecognised_files"].value == 1  # the file in `chosen` was seen
    assert materialization.metadata["path"].value == str(chosen / "raw" / "_manifest" / "_landing.parquet")
    assert (chosen / "raw" / "_manifest" / "_landing.parquet").is_file()
    assert not (configured / "raw").exists()  # nothing went to the folder of the environment
    assert dict(os.environ) == before


def test_nothing_writes_the_settings_into_the_environment(tmp_path: Path) -> None:
    assert not hasattr(pipelines.settings, "export_environment")
    importlib.import_module("pipelines.defs.dbt")  # its import hands dbt_with_parent.py the real dbt, see below

    before = dict(os.environ)
    env = environment_for_dbt_and_dagster(tmp_path / "brand")
    assert dict(os.environ) == before and env is not os.environ
    assert env["OMNISTOCK_DATA_DIR"] == str((tmp_path / "brand").resolve())
    assert env["OMNISTOCK_DAGSTER_STORAGE"] == str((tmp_path / "brand" / "dagster").resolve())
    assert env["DAGSTER_HOME"] == os.environ.get("DAGSTER_HOME", str(REPO_ROOT))
    assert Path(env["OMNISTOCK_DBT_EXECUTABLE"]).name == "dbt"
    # The one variable this process sets for its own children is not a setting: dagster-dbt starts
    # dbt_with_parent.py with a copy of os.environ (it takes no env), which finds the real dbt in
    # OMNISTOCK_DBT_EXECUTABLE. No setting and no path of the data folder is ever written there.
    written = {k for k in os.environ if k.startswith("OMNISTOCK_")} - {"OMNISTOCK_DBT_EXECUTABLE"}
    # the conftest's own (set with monkeypatch) and the Makefile's (make test exports both)
    assert written <= {"OMNISTOCK_DATA_DIR", "OMNISTOCK_DAGSTER_STORAGE"}
    assert os.environ["OMNISTOCK_DATA_DIR"] != env["OMNISTOCK_DATA_DIR"]
    assert os.environ.get("OMNISTOCK_DAGSTER_STORAGE") != env["OMNISTOCK_DAGSTER_STORAGE"]


def test_dbt_has_no_relative_default_for_the_data_folder(tmp_path: Path) -> None:
    from pipelines.dbt_project import dbt_vars

    for yml in [DBT_PROJECT_DIR / "profiles.yml", *DBT_PROJECT_DIR.glob("models/**/*.yml")]:
        assert "../data" not in yml.read_text(), yml
    assert dbt_vars(Paths(tmp_path)) == ["--vars", json.dumps({"data_dir": str(tmp_path)})]
    # the var that Dagster's dbt assets pass is enough: no OMNISTOCK_DATA_DIR in dbt's environment
    env = {k: v for k, v in os.environ.items() if k != "OMNISTOCK_DATA_DIR"}
    target = tmp_path / "target"
    command = [str(Path(sys.executable).with_name("dbt")), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR)]
    command += ["--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target)]
    done = subprocess.run([*command, *dbt_vars(Paths(tmp_path))], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    manifest = (target / "manifest.json").read_text()
    assert f"read_parquet('{tmp_path}/raw/_manifest/*.parquet'" in manifest
    # and without either, dbt stops naming the variable instead of guessing a folder
    done = subprocess.run([*command, "--no-partial-parse"], env=env, capture_output=True, text=True)
    assert done.returncode != 0 and "OMNISTOCK_DATA_DIR" in done.stdout + done.stderr


def test_the_preparer_tells_dbt_the_data_folder_as_the_build_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.dbt_project import DBT_PROJECT, AtomicParsePreparer, dbt_vars

    # omnistock run and the tests: the folder given
    assert AtomicParsePreparer(tmp_path).parse_args() == ["parse", "--quiet", *dbt_vars(Paths(tmp_path))]
    # make prepare (dagster-dbt project prepare-and-package) and dagster dev: the configured folder
    monkeypatch.setenv("OMNISTOCK_DATA_DIR", str(tmp_path / "configured"))
    assert isinstance(DBT_PROJECT.preparer, AtomicParsePreparer)
    assert DBT_PROJECT.preparer.parse_args()[2:] == dbt_vars(Paths(tmp_path / "configured"))


def test_the_code_location_registers_settings_once_and_every_asset_and_sensor_takes_it() -> None:
    from pipelines.dbt_project import prepare_dbt_project

    prepare_dbt_project()
    from pipelines.definitions import defs

    assert isinstance(defs.resources["settings"], OmnistockSettings)
    repository = defs.get_repository_def()
    needing = {
        key.to_user_string()
        for assets in repository.assets_defs_by_key.values()
        if "settings" in assets.required_resource_keys
        for key in assets.keys
    }
    assert {"raw/_landing_scan", "raw/orders", "marts/inventory_sales_layer", "publish/sales_layer_ready"} <= needing
    assert {"exports/erp_journal", "marts/fulfillment_plan"} <= needing
    for sensor in repository.sensor_defs:
        assert "settings" in sensor.required_resource_keys, sensor.name
