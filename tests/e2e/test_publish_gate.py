"""The publish gate on the worked examples: clean data is cleared (never more than available_to_sell);
an open critical alert keeps `publish/sales_layer_ready` from materializing even when run alone."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from pipelines.quality.alerts import CheckOutcome
from pipelines.quality.severity import Severity
from tests.conftest import FIXTURES
from tests.e2e.pipeline import build, copy_landing, query

pytestmark = pytest.mark.e2e

# The worked examples hold a sparse ledger and one day of snapshots: relax the cadences.
CONFIG = """\
now: data_as_of
freshness:
  wms_movements: {column: occurred_at, every: 60d, grace: 1d, severity: critical, required: false}
  wms_snapshots: {column: as_of, every: 1d, grace: 6h, severity: critical, required: false, by: location_id}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("publish_gate")
    copy_landing(FIXTURES / "worked_examples" / "landing", data)
    (data / "quality").mkdir()
    (data / "quality" / "cadences.yml").write_text(CONFIG)
    outcome = build(data)
    assert outcome.success, outcome.summary()
    assert "publish/sales_layer_ready" in outcome.materialized
    return data


def test_clean_data_is_cleared_for_publishing(built: Path) -> None:
    rows = query(
        built,
        "select p.channel_id, p.sku, p.publishable_qty, s.available_to_sell from marts.publishable_sales_layer p "
        "join marts.inventory_sales_layer s using (channel_id, sku)",
    )
    assert rows and all(0 <= qty <= max(ats, 0) for _, _, qty, ats in rows)
    cleared = {(c, s): q for c, s, q, _ in rows}
    assert cleared[("tmall_ex1", "SKU1")] == 120 and cleared[("jd_ex2", "SKU2")] == 40  # worked examples 1 and 2
    assert query(
        built, "select count(*) from marts.data_quality_alerts where status = 'open' and severity = 'critical'"
    ) == [(0,)]
    assert (built / "quality" / "data_docs" / "index.html").is_file()
    assert any((built / "quality" / "gx" / "uncommitted" / "validations").iterdir())


def test_an_open_critical_alert_blocks_the_gate_run_alone(built: Path) -> None:
    from pipelines.dbt_project import prepare_dbt_project
    from pipelines.defs.resources import OmnistockSettings
    from pipelines.quality.delivery import AlertSettings
    from pipelines.quality.store import record_outcomes
    from pipelines.settings import Paths

    prepare_dbt_project(built)
    before = query(built, "select max(cleared_at) from marts.publishable_sales_layer")
    record_outcomes(
        [CheckOutcome("contract", "marts/inventory_sales_layer", False, Severity.CRITICAL, "injected")],
        [],
        "test",
        dg.get_dagster_logger(),
        Paths(built),
        AlertSettings(),
    )
    from pipelines.definitions import defs

    job = dg.Definitions.merge(
        defs,
        dg.Definitions(
            jobs=[dg.define_asset_job("gate_only", selection=[dg.AssetKey(["publish", "sales_layer_ready"])])]
        ),
    ).resolve_job_def("gate_only")
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance, raise_on_error=False, resources={"settings": OmnistockSettings(data_dir=str(built))}
        )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "open critical data quality alert" in failure.step_failure_data.error.message
    assert not any(e.event_type_value == "ASSET_MATERIALIZATION" for e in result.all_events)
    assert query(built, "select max(cleared_at) from marts.publishable_sales_layer") == before
