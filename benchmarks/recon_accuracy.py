"""Reconciliation accuracy: the anomalies the warehouse found against the generator's truth.

    python benchmarks/recon_accuracy.py <data folder>     # a folder built by `omnistock run`

A detected anomaly matches a truth row of the same class on its order id (settlement
classes and shipped_after_cancel), or on location, SKU and business date
(stock_count_drift). Both sides are de-duplicated on that key first, so one order with
two findings of one class counts once. Only open anomalies count as detected.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

from pipelines.warehouse import open_reader

INJECTED_CLASSES = (
    "missing_settlement",
    "duplicate_settlement",
    "amount_mismatch",
    "fee_rate_out_of_range",
    "refund_without_return",
    "unknown_order_settlement",
    "shipped_after_cancel",
    "stock_count_drift",
)
_KEY = (
    pl.when(pl.col("anomaly_class") == "stock_count_drift")
    .then(pl.concat_str(["location_id", "sku", pl.col("business_date").cast(pl.String)], separator="|"))
    .otherwise(pl.col("order_id"))
    .alias("match_key")
)


def truth_keys(data_dir: Path) -> pl.DataFrame:
    truth = pl.read_csv(
        data_dir / "truth" / "anomalies.csv", schema_overrides={"business_date": pl.Date}, infer_schema_length=0
    )
    return truth.with_columns(pl.col("business_date").cast(pl.Date)).select("anomaly_class", _KEY).unique()


def detected_keys(data_dir: Path) -> pl.DataFrame:
    with open_reader(data_dir) as con:  # the copy `omnistock run` published
        frame = con.sql(
            "select anomaly_class, order_id, location_id, sku, business_date "
            "from marts.reconciliation_anomalies where status = ?",
            params=["open"],
        ).pl()
    return frame.with_columns(pl.col("business_date").cast(pl.Date)).select("anomaly_class", _KEY).unique()


def accuracy(data_dir: Path) -> pl.DataFrame:
    """Per injected class: truth, detected, matched, precision, recall."""
    truth, found = truth_keys(data_dir), detected_keys(data_dir)
    rows = []
    for cls in INJECTED_CLASSES:
        t = truth.filter(pl.col("anomaly_class") == cls)
        d = found.filter(pl.col("anomaly_class") == cls)
        hit = t.join(d, on=["anomaly_class", "match_key"], how="inner").height
        rows.append(
            {
                "anomaly_class": cls,
                "truth": t.height,
                "detected": d.height,
                "matched": hit,
                "precision": hit / d.height if d.height else (1.0 if t.height == 0 else 0.0),
                "recall": hit / t.height if t.height else 1.0,
            }
        )
    return pl.DataFrame(rows)


def markdown(table: pl.DataFrame) -> str:
    lines = ["| class | injected | detected | matched | precision | recall |", "| --- | --- | --- | --- | --- | --- |"]
    for r in table.iter_rows(named=True):
        lines.append(
            f"| {r['anomaly_class']} | {r['truth']:,} | {r['detected']:,} | {r['matched']:,} | "
            f"{r['precision']:.3f} | {r['recall']:.3f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(accuracy(Path(sys.argv[1]))))
