"""Ground truth for tests and reconciliation: anomalies, true end stock, expected payouts, a summary."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import polars as pl

from pipelines.generate.anomalies import ANOMALY_RATES, TRUTH_SCHEMA

README = """# truth/ — the generator's ground truth (never read by the pipeline)

| file | what |
| --- | --- |
| `anomalies.csv` | every injected anomaly: anomaly_class, order_id, settlement_id, location_id, sku, business_date, amount (empty where not applicable) |
| `stock_end.parquet` | true stock at the end of the period per location_id, sku, status: qty (warehouses = their ledger; stores = their last count) |
| `expected_settlements.parquet` | per delivered order, the sale payout the platform owes by the fee schedule (gross, fees, subsidy, net, currency, expected settled_at, which may be after the end) |
| `summary.json` | scale, seed, period, as_of (the last moment simulated), rows per source, anomalies per class with their rates and denominators, open work at the end |

Anomaly classes (amount is the money or quantity at stake, in the row's currency):

| class | what was injected | ids | amount |
| --- | --- | --- | --- |
| missing_settlement | a delivered order's sale payout, due by the end, never sent | order_id; business_date = when it was due | expected net |
| duplicate_settlement | a sale payout sent twice under a new settlement id | order_id, settlement_id of the copy | net paid twice |
| amount_mismatch | net_amount lower than gross - fees + subsidy (fees themselves as contracted) | order_id, settlement_id | shortfall |
| fee_rate_out_of_range | commission charged 2-5 points above the contracted rate (row consistent with it) | order_id, settlement_id | extra commission |
| unknown_order_settlement | a payout for an order id the OMS never had | order_id (unknown), settlement_id | net |
| refund_without_return | a refund row for a delivered order that never came back | order_id, settlement_id of the refund | refunded net (positive) |
| shipped_after_cancel | cancelled in the OMS after allocation, shipped by the warehouse anyway (outbound movements exist; no payout) | order_id, location_id; business_date = ship date | order value |
| stock_count_drift | a warehouse count snapshot row differs from the ledger | location_id, sku, business_date | count minus ledger (signed units) |
"""


def anomalies_frame(parts: list[pl.DataFrame]) -> pl.DataFrame:
    frames = [
        p.select([pl.col(c).cast(t) if c in p.columns else pl.lit(None, t).alias(c) for c, t in TRUTH_SCHEMA.items()])
        for p in parts
    ]
    return pl.concat(frames).sort(
        "anomaly_class", "business_date", "order_id", "settlement_id", "location_id", "sku", nulls_last=True
    )


def open_work(
    orders: pl.DataFrame,
    timeouts: dict[str, int],
    transfers: pl.DataFrame,
    asns: pl.DataFrame,
    stock: pl.DataFrame,
    as_of: datetime,
) -> dict[str, int]:
    latest = orders.sort("updated_at").group_by("order_id").last()
    timeout = pl.col("channel_id").replace_strict(timeouts, return_dtype=pl.Int64)
    age = (pl.lit(as_of) - pl.col("created_at")).dt.total_minutes()
    tr = transfers.sort("updated_at").group_by("transfer_id").last() if transfers.height else transfers
    count = lambda frame, expr: int(frame.filter(expr).height)  # noqa: E731
    return {
        "orders_unpaid_held": count(latest, (pl.col("status") == "created") & (age < timeout)),
        "orders_unpaid_expired": count(latest, (pl.col("status") == "created") & (age >= timeout)),
        "orders_pending_allocation": count(latest, (pl.col("status") == "paid") & pl.col("location_id").is_null()),
        "orders_allocated_not_shipped": count(
            latest, pl.col("status").is_in(["paid", "allocated"]) & pl.col("location_id").is_not_null()
        ),
        "transfers_approved": count(tr, pl.col("status") == "approved") if tr.height else 0,
        "transfers_in_air": count(tr, pl.col("status") == "shipped") if tr.height else 0,
        "asn_lines_in_transit": count(asns, pl.col("status") == "in_transit"),
        "units_unavailable": int(stock.filter(pl.col("status") != "available")["qty"].sum()),
    }


def write_truth(
    folder: Path, anomalies: pl.DataFrame, stock: pl.DataFrame, expected: pl.DataFrame, summary: dict
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    anomalies.write_csv(folder / "anomalies.csv", date_format="%Y-%m-%d", null_value="")
    stock.write_parquet(folder / "stock_end.parquet")
    expected.write_parquet(folder / "expected_settlements.parquet")
    (folder / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True, default=str) + "\n")
    (folder / "README.md").write_text(README)


def rates_table() -> dict[str, dict[str, object]]:
    return {k: {"rate": v.rate, "denominator": v.denominator} for k, v in ANOMALY_RATES.items()}
