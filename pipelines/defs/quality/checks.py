"""Data quality as Dagster asset checks (docs/data_quality.md).

- `raw_contract_checks`: one Great Expectations suite per source on its raw zone, check
  `contract` on `raw/<source>` (one check each). Critical failures block dbt, so nothing downstream is
  rebuilt (or published) from data that broke the contract.
- `warehouse_quality_checks`, after dbt: `freshness` on `staging/stg_<source>` for the
  event sources, `order_volume` on `staging/stg_orders`, and a GE suite `contract` on each
  inventory mart. Critical failures block `publish/sales_layer_ready`.
Every check is declared blocking; the result's severity decides: critical -> ERROR (blocks),
warn/info -> WARN (does not). Each step folds its outcomes into `marts.data_quality_alerts`
and delivers new alerts (pipelines/quality/store.py).
"""

from datetime import datetime

import dagster as dg
import polars as pl

from pipelines.contract import SOURCES
from pipelines.defs.quality import readers
from pipelines.defs.resources import OmnistockSettings
from pipelines.defs.shared.checks import DELIVERY_SPECS, MARTS, WAREHOUSE_SPECS, staging_key
from pipelines.defs.shared.keys import dbt_key, raw_key
from pipelines.ingest.load import known_values
from pipelines.quality.alerts import CheckOutcome
from pipelines.quality.config import resolve_now
from pipelines.quality.freshness import assess_freshness
from pipelines.quality.severity import Severity, worst
from pipelines.quality.store import record_outcomes
from pipelines.quality.suites import mart_suites, raw_source_suite
from pipelines.quality.volume import detect_volume_anomalies
from pipelines.warehouse import WAREHOUSE_POOL, connect


def _dagster_severity(severity: Severity) -> dg.AssetCheckSeverity:
    return dg.AssetCheckSeverity.ERROR if severity is Severity.CRITICAL else dg.AssetCheckSeverity.WARN


def _result(key: dg.AssetCheckKey, findings: list[CheckOutcome], metadata: dict) -> dg.AssetCheckResult:
    """Passed unless a finding is warn or worse; severity ERROR (blocking) only for critical."""
    failing = [f for f in findings if not f.passed]
    level = worst([f.severity for f in failing]) or Severity.INFO
    return dg.AssetCheckResult(
        asset_key=key.asset_key,
        check_name=key.name,
        passed=level.rank < Severity.WARN.rank,
        severity=_dagster_severity(level),
        metadata={"quality_severity": level.value if failing else "ok", **metadata},
        description="; ".join(f.message for f in failing)[:2000] or None,
    )


def _record(
    context: dg.AssetCheckExecutionContext,
    settings: OmnistockSettings,
    outcomes: list[CheckOutcome],
    scope: list[tuple[str, str]],
) -> dict:
    update, report = record_outcomes(outcomes, scope, context.run.run_id, context.log, settings.paths, settings.alerts)
    return {
        "alerts_new_or_reopened": len(update.notify),
        "alerts_resolved": len(update.resolved),
        "alerts_delivered_webhook": report.webhook,
        "alerts_delivered_email": report.email,
    }


def build_raw_contract_check(name: str) -> dg.AssetChecksDefinition:
    """One check per source (not one multi-check): a blocking check on a master source gates the
    ingestion of the sources that reference it, so one step over all sources would form a cycle."""
    source = SOURCES[name]

    @dg.asset_check(
        asset=raw_key(name),
        name="contract",
        blocking=True,
        pool=WAREHOUSE_POOL,
        description=f"Great Expectations suite raw.{name}, generated from pipelines/contract.py: columns, keys, "
        "required values, allowed values, ranges, references to the master data, row count.",
    )
    def _contract(context: dg.AssetCheckExecutionContext, settings: OmnistockSettings) -> dg.AssetCheckResult:
        from pipelines.quality.ge_runner import CHUNK_ROWS, Chunked, data_docs_dir, run_suites

        where = settings.paths
        config = settings.quality_config_file()
        references = {column: values.to_list() for column, values in known_values(source, where.raw).items()}
        suite = raw_source_suite(source, references, config.min_rows.get(name, 0))
        # a large raw zone is validated in chunks of whole deliveries (memory holds one chunk at a time)
        rows, chunks = readers.raw_chunks(
            where.raw, source, suite.columns, config.raw_lookback_days, CHUNK_ROWS, suite.unique_key
        )
        frame = next(chunks).to_pandas() if rows <= CHUNK_ROWS else Chunked(rows, (c.to_pandas() for c in chunks))
        (result,) = run_suites(where.data_dir, [(suite, frame)])
        outcome = CheckOutcome("contract", suite.asset, result.success, result.severity, result.message())
        alert_meta = _record(context, settings, [outcome], [("contract", suite.asset)])
        return _result(
            dg.AssetCheckKey(raw_key(name), "contract"),
            [outcome],
            {
                "rows_validated": result.rows,
                "expectations": result.evaluated,
                "failed_expectations": dg.MetadataValue.md(
                    "\n".join(f"- `{f.label}` **{f.severity.value}**: {f.detail}" for f in result.failures) or "none"
                ),
                "data_docs": dg.MetadataValue.path(str(data_docs_dir(where.data_dir) / "index.html")),
                **alert_meta,
            },
        )

    return _contract


raw_contract_checks = [build_raw_contract_check(name) for name in SOURCES]


def _freshness(con, config, now: datetime, source: str) -> list[CheckOutcome]:
    rule = config.freshness.get(source)
    asset = staging_key(source).to_user_string()
    if rule is None:
        return [CheckOutcome("freshness", asset, True, Severity.INFO, f"{source}: no cadence configured")]
    latest = readers.latest_events(con, source, rule.column, rule.by)
    platforms = readers.channel_platforms(con) if rule.by == "channel_id" else {}
    if not latest:
        latest = {"": None}
    outcomes = []
    for subject, moment in sorted(latest.items()):
        cadence = rule.cadence_for(platforms.get(subject))
        verdict = assess_freshness(f"{source}{'/' + subject if subject else ''}", moment, now, cadence)
        outcomes.append(
            CheckOutcome("freshness", asset, not verdict.late, verdict.severity, verdict.message(), subject)
        )
    return outcomes


@dg.multi_asset_check(specs=WAREHOUSE_SPECS, can_subset=True, pool=WAREHOUSE_POOL, name="warehouse_quality_checks")
def warehouse_quality_checks(context: dg.AssetCheckExecutionContext, settings: OmnistockSettings):
    from pipelines.quality.ge_runner import data_docs_dir, run_suites

    where = settings.paths
    config = settings.quality_config_file()
    selected = context.selected_asset_check_keys
    findings: dict[dg.AssetCheckKey, list[CheckOutcome]] = {}
    metadata: dict[dg.AssetCheckKey, dict] = {}
    with connect(read_only=True, where=where) as con:
        now = resolve_now(config.now, readers.data_as_of(con), datetime.now(), settings.quality_now)
        context.log.info(f"quality clock: {now:%Y-%m-%d %H:%M:%S} (setting {config.now!r})")
        for key in selected:
            if key.name == "freshness":
                findings[key] = _freshness(con, config, now, key.asset_key.path[-1].removeprefix("stg_"))
        volume_key = dg.AssetCheckKey(staging_key("orders"), "order_volume")
        if volume_key in selected:
            counts, first = readers.hourly_orders(
                con, readers.lookback_start(now, config.volume.weeks, config.volume.window_hours)
            )
            volume = detect_volume_anomalies(counts, first, now, config.volume)
            asset = staging_key("orders").to_user_string()
            findings[volume_key] = [
                CheckOutcome("order_volume", asset, not v.anomalous, v.severity, v.message(), v.channel_id)
                for v in volume
            ]
            metadata[volume_key] = {
                "channels": dg.MetadataValue.md("\n".join(f"- {v.message()}" for v in volume) or "none")
            }
        suites = mart_suites(
            readers.staged_values(con, "stg_channels", "channel_id"),
            readers.staged_values(con, "stg_locations", "location_id"),
            readers.staged_values(con, "stg_products", "sku"),
        )
        batches = []
        for mart in MARTS:
            key = dg.AssetCheckKey(dbt_key(mart), "contract")
            if key in selected:
                frame = readers.mart_frame(con, mart)
                if frame is None:
                    findings[key] = [
                        CheckOutcome(
                            "contract",
                            key.asset_key.to_user_string(),
                            False,
                            Severity.CRITICAL,
                            f"marts.{mart} does not exist",
                        )
                    ]
                else:
                    batches.append((key, suites[mart], frame.to_pandas()))
    for (key, suite, _), result in zip(
        batches, run_suites(where.data_dir, [(s, f) for _, s, f in batches]), strict=True
    ):
        findings[key] = [CheckOutcome("contract", suite.asset, result.success, result.severity, result.message())]
        metadata[key] = {
            "rows_validated": result.rows,
            "expectations": result.evaluated,
            "failed_expectations": dg.MetadataValue.md(
                "\n".join(f"- `{f.label}` **{f.severity.value}**: {f.detail}" for f in result.failures) or "none"
            ),
            "data_docs": dg.MetadataValue.path(str(data_docs_dir(where.data_dir) / "index.html")),
        }
    outcomes = [o for group in findings.values() for o in group]
    alert_meta = _record(context, settings, outcomes, [(k.name, k.asset_key.to_user_string()) for k in findings])
    for key in sorted(findings, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        yield _result(
            key, findings[key], {"quality_now": now.isoformat(sep=" "), **metadata.get(key, {}), **alert_meta}
        )


@dg.multi_asset_check(specs=DELIVERY_SPECS, can_subset=True, pool=WAREHOUSE_POOL, name="delivery_checks")
def delivery_checks(context: dg.AssetCheckExecutionContext, settings: OmnistockSettings):
    """Held re-deliveries (raw/_quarantine/*/*.held.parquet) and expected sources that are empty (staging)."""
    from pipelines.ingest.raw_zone import held_deliveries
    from pipelines.quality.deliveries import CHECK, expected_source_outcomes, held_outcomes

    where = settings.paths
    config = settings.quality_config_file()
    selected = {key.asset_key.path[-1].removeprefix("stg_") for key in context.selected_asset_check_keys}
    asset_of = lambda source: staging_key(source).to_user_string()  # noqa: E731
    outcomes = held_outcomes(held_deliveries(where.raw).filter(pl.col("source").is_in(sorted(selected))), asset_of)
    with connect(read_only=True, where=where) as con:
        now = resolve_now(config.now, readers.data_as_of(con), datetime.now(), settings.quality_now)
        rules = [rule for rule in config.expected_sources if rule.source in selected]
        outcomes += expected_source_outcomes(con, rules, now, asset_of)
    alert_meta = _record(context, settings, outcomes, [(CHECK, asset_of(name)) for name in sorted(selected)])
    for name in sorted(selected):
        found = [o for o in outcomes if o.asset == asset_of(name)]
        yield _result(
            dg.AssetCheckKey(staging_key(name), CHECK), found, {"quality_now": now.isoformat(sep=" "), **alert_meta}
        )
