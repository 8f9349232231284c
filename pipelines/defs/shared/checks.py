"""The warehouse quality checks as declared: which asset each guards (pipelines/defs/quality/checks.py
runs them; publishing waits for everything they guard, pipelines/defs/publish/assets.py)."""

from __future__ import annotations

import dagster as dg

from pipelines.contract import SOURCES
from pipelines.defs.shared.keys import dbt_key

MARTS = ("inventory_warehouse_layer", "inventory_scheduling_layer", "inventory_sales_layer")
FRESHNESS_SOURCES = tuple(name for name, source in SOURCES.items() if source.event_time)


def staging_key(source: str) -> dg.AssetKey:
    """The staging model of a source (staging/stg_<source>)."""
    return dbt_key(f"stg_{source}")


WAREHOUSE_SPECS = [
    *(
        dg.AssetCheckSpec(
            "freshness",
            asset=staging_key(name),
            blocking=True,
            description=f"The latest {name} event is no older than its cadence allows "
            "(pipelines/quality/cadences.yml).",
        )
        for name in FRESHNESS_SOURCES
    ),
    dg.AssetCheckSpec(
        "order_volume",
        asset=staging_key("orders"),
        blocking=True,
        description="Orders per channel in the last hours against the same hours of earlier weeks (median, MAD); "
        "a silent channel is critical.",
    ),
    *(
        dg.AssetCheckSpec(
            "contract",
            asset=dbt_key(mart),
            blocking=True,
            description=f"Great Expectations suite marts.{mart}: columns, keys, non-negative stock, invariants, "
            "references, row count.",
        )
        for mart in MARTS
    ),
]
# A held re-delivery or an expected source left empty (pipelines/quality/deliveries.py), per source, after dbt.
DELIVERY_SPECS = [
    dg.AssetCheckSpec(
        "deliveries",
        asset=staging_key(name),
        blocking=True,
        description=f"No {name} re-delivery is held back (a loaded file that came back unreadable, empty or much "
        "smaller), and the source is not empty while it is expected (cadences.yml expected_sources).",
    )
    for name in SOURCES
]
# Everything a warehouse check guards: publishing waits for (and is blocked by) these checks.
GATED_ASSETS = sorted(
    {spec.asset_key for spec in [*WAREHOUSE_SPECS, *DELIVERY_SPECS]}, key=lambda k: k.to_user_string()
)
