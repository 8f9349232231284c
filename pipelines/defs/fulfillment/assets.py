"""Fulfillment planning as Dagster assets: the plan, WMS documents, interception list, KPIs.

Each asset reads dbt models from the warehouse, calls the pure rules in
pipelines/fulfillment/ and replaces one `marts` table (whole table, in the warehouse pool).
The planning assets read only the orders they plan (load.py) and first count their lines
against `max_plan_lines`: a step that would not fit in memory fails, saying so.
"""

from pathlib import Path

import dagster as dg
import polars as pl

from pipelines.defs.fulfillment.load import (
    INTERCEPTION_ITEMS_SQL,
    INTERCEPTION_ORDERS_SQL,
    INTERCEPTION_SHIPPED_SQL,
    PLANNING_DEPS,
    as_of,
    ledger_locations,
    planning_inputs,
    select_open_orders,
    select_replay_orders,
)
from pipelines.defs.resources import OmnistockSettings
from pipelines.defs.shared.keys import dbt_key, table_key
from pipelines.fulfillment.documents import (
    CANCELLED_STATUSES,
    fulfillment_kpis,
    inbound_documents,
    interception_list,
    outbound_documents,
)
from pipelines.fulfillment.membership import DEFAULT_RULES_FILE, load_rules
from pipelines.fulfillment.model import REGION_CENTROIDS_CSV, load_region_centroids
from pipelines.fulfillment.planning import DEFAULT_MAX_PLAN_LINES, check_plan_size, plan_open_orders, plan_replay
from pipelines.fulfillment.replay import DEFAULT_MAX_ORDERS
from pipelines.settings import Paths
from pipelines.warehouse import WAREHOUSE_POOL, connect, read_frame, replace_table

GROUP = "fulfillment"
PLAN = table_key("marts", "fulfillment_plan")
REPLAY_PLAN = table_key("marts", "fulfillment_replay_plan")


class PlanningConfig(dg.Config):
    membership_rules_file: str = str(DEFAULT_RULES_FILE)  # YAML of gift rules (membership rights)
    region_centroids_file: str = str(REGION_CENTROIDS_CSV)  # region -> lat, lon used for "nearest"
    max_plan_lines: int = DEFAULT_MAX_PLAN_LINES  # more order lines than this in one step: fail (about 2 KB a line)


class ReplayConfig(PlanningConfig):
    replay_days: int = 7  # orders paid in the last N days before as_of are replayed
    replay_max_orders: int = DEFAULT_MAX_ORDERS  # ... at most this many, the most recently paid


def interception_export_path(where: Paths) -> Path:
    """<data folder>/exports/interception_list.csv"""
    return where.exports / "interception_list.csv"


def _summary(frame: pl.DataFrame, table: str) -> dict:
    return {"table": dg.MetadataValue.text(table), "dagster/row_count": frame.height}


@dg.asset(
    key=PLAN,
    deps=PLANNING_DEPS,
    group_name=GROUP,
    pool=WAREHOUSE_POOL,
    kinds={"python", "duckdb"},
    description="Paid, unallocated order lines -> location, FEFO lots, successor substitutions, gift lines, "
    "with a reason for every decision and failure (docs/fulfillment.md).",
)
def fulfillment_plan(
    context: dg.AssetExecutionContext, config: PlanningConfig, settings: OmnistockSettings
) -> dg.MaterializeResult:
    rules = load_rules(Path(config.membership_rules_file))
    centroids = load_region_centroids(Path(config.region_centroids_file))
    with connect(where=settings.paths) as con:
        scope = select_open_orders(con, as_of(con))
        check_plan_size(scope, config.max_plan_lines)
        frame = plan_open_orders(planning_inputs(con), rules, centroids)
        replace_table(con, "marts", "fulfillment_plan", frame)
    by_reason = dict(frame.group_by("reason").len().sort("reason").iter_rows())
    context.log.info(f"planned {frame['order_id'].n_unique()} orders: {by_reason}")
    return dg.MaterializeResult(metadata={**_summary(frame, "marts.fulfillment_plan"), "lines_by_reason": by_reason})


@dg.asset(
    key=REPLAY_PLAN,
    deps=PLANNING_DEPS,
    group_name=GROUP,
    pool=WAREHOUSE_POOL,
    kinds={"python", "duckdb"},
    description="The same rules replayed over the orders paid in the last days (at most the most recent "
    "replay_max_orders), as if unallocated, against the stock they saw (pipelines/fulfillment/replay.py): the "
    "realistic measure of automatic routing.",
)
def fulfillment_replay_plan(
    context: dg.AssetExecutionContext, config: ReplayConfig, settings: OmnistockSettings
) -> dg.MaterializeResult:
    rules = load_rules(Path(config.membership_rules_file))
    centroids = load_region_centroids(Path(config.region_centroids_file))
    with connect(where=settings.paths) as con:
        scope = select_replay_orders(con, as_of(con), config.replay_days, config.replay_max_orders)
        check_plan_size(scope, config.max_plan_lines)
        context.log.info(f"replaying {scope.orders:,} orders ({scope.lines:,} lines): {scope.what}")
        frame = plan_replay(planning_inputs(con), config.replay_days, rules, centroids, config.replay_max_orders)
        replace_table(con, "marts", "fulfillment_replay_plan", frame)
    return dg.MaterializeResult(
        metadata={
            **_summary(frame, "marts.fulfillment_replay_plan"),
            "replay_days": config.replay_days,
            "replay_max_orders": config.replay_max_orders,
            "orders_replayed": scope.orders,
            "window_capped": scope.orders >= config.replay_max_orders,
        }
    )


@dg.asset(
    key=table_key("marts", "wms_outbound_documents"),
    deps=[PLAN],
    group_name=GROUP,
    pool=WAREHOUSE_POOL,
    kinds={"python", "duckdb"},
    description="Outbound documents for the WMS: one per order and shipping location "
    "of the plan, one line per SKU and lot.",
)
def wms_outbound_documents(settings: OmnistockSettings) -> dg.MaterializeResult:
    with connect(where=settings.paths) as con:
        frame = outbound_documents(read_frame(con, "select * from marts.fulfillment_plan"), as_of(con))
        replace_table(con, "marts", "wms_outbound_documents", frame)
    return dg.MaterializeResult(
        metadata={**_summary(frame, "marts.wms_outbound_documents"), "documents": frame["document_id"].n_unique()}
    )


@dg.asset(
    key=table_key("marts", "wms_inbound_documents"),
    deps=[dbt_key("stg_inbound_asn"), dbt_key("stg_transfers")],
    group_name=GROUP,
    pool=WAREHOUSE_POOL,
    kinds={"python", "duckdb"},
    description="Inbound documents for the WMS: supplier ASNs and incoming transfers still expected.",
)
def wms_inbound_documents(settings: OmnistockSettings) -> dg.MaterializeResult:
    with connect(where=settings.paths) as con:
        frame = inbound_documents(
            read_frame(con, "select asn_id, location_id, sku, qty, expected_at, status from staging.stg_inbound_asn"),
            read_frame(
                con,
                "select transfer_id, from_location, to_location, sku, qty, status, updated_at from "
                "staging.stg_transfers",
            ),
        )
        replace_table(con, "marts", "wms_inbound_documents", frame)
    return dg.MaterializeResult(metadata=_summary(frame, "marts.wms_inbound_documents"))


@dg.asset(
    key=table_key("marts", "interception_list"),
    deps=[
        dbt_key("stg_orders"),
        dbt_key("int_order_lines_exploded"),
        dbt_key("stg_wms_movements"),
        dbt_key("inventory_scheduling_layer"),
    ],
    group_name=GROUP,
    pool=WAREHOUSE_POOL,
    kinds={"python", "duckdb", "csv"},
    description="Orders cancelled or refunded after release to the WMS and not shipped, for warehouse and "
    "carrier; also exported to <data>/exports/interception_list.csv.",
)
def interception_list_asset(settings: OmnistockSettings) -> dg.MaterializeResult:
    with connect(where=settings.paths) as con:
        # only the cancelled / refunded orders that have a location are read (not the whole history)
        cancelled = {"statuses": list(CANCELLED_STATUSES)}
        frame = interception_list(
            read_frame(con, INTERCEPTION_ORDERS_SQL, cancelled),
            read_frame(con, INTERCEPTION_ITEMS_SQL, cancelled),
            read_frame(con, INTERCEPTION_SHIPPED_SQL, {**cancelled, "doc_type": "outbound"})["doc_id"],
            ledger_locations(con),
            as_of(con),
        )
        replace_table(con, "marts", "interception_list", frame)
    export = interception_export_path(settings.paths)
    export.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(export)
    return dg.MaterializeResult(
        metadata={**_summary(frame, "marts.interception_list"), "export": dg.MetadataValue.path(str(export))}
    )


@dg.asset(
    key=table_key("marts", "fulfillment_kpis"),
    deps=[PLAN, REPLAY_PLAN],
    group_name=GROUP,
    pool=WAREHOUSE_POOL,
    kinds={"python", "duckdb"},
    description="Share of orders routed automatically and counts by reason, for the "
    "open orders (scope open_orders) and the replay of the last days (scope replay).",
)
def fulfillment_kpis_asset(settings: OmnistockSettings) -> dg.MaterializeResult:
    with connect(where=settings.paths) as con:
        frame = pl.concat(
            [
                fulfillment_kpis(read_frame(con, "select * from marts.fulfillment_plan"), "open_orders"),
                fulfillment_kpis(read_frame(con, "select * from marts.fulfillment_replay_plan"), "replay"),
            ]
        )
        replace_table(con, "marts", "fulfillment_kpis", frame)
    shares = {
        scope: value
        for scope, value in frame.filter(pl.col("metric") == "share_routed_automatically")
        .select("scope", "value")
        .iter_rows()
    }
    return dg.MaterializeResult(
        metadata={
            **_summary(frame, "marts.fulfillment_kpis"),
            **{f"share_routed_automatically_{k}": v for k, v in shares.items() if v is not None},
        }
    )


fulfillment_assets = [
    fulfillment_plan,
    fulfillment_replay_plan,
    wms_outbound_documents,
    wms_inbound_documents,
    interception_list_asset,
    fulfillment_kpis_asset,
]
