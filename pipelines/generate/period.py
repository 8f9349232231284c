"""Generate a brand over a period: demand, stock simulation, OMS/WMS/platform files and the truth."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.generate import anomalies as anom
from pipelines.generate import frames, truth
from pipelines.generate.brand import build_brand
from pipelines.generate.controls import channel_controls, stock_locks
from pipelines.generate.demand import DAY, generate_demand
from pipelines.generate.lots import AVAILABLE
from pipelines.generate.orders import build_order_book, order_frames
from pipelines.generate.progress import Progress
from pipelines.generate.promotions import build_calendar
from pipelines.generate.rand import stream
from pipelines.generate.scales import Scale
from pipelines.generate.settlements import expected_sales, settlement_rows, with_ids
from pipelines.generate.sim_state import SimState
from pipelines.generate.simulate import simulate
from pipelines.generate.writers import write_source


def generate_period(
    out_dir: Path, sc: Scale, seed: int, start: date, days: int, progress: Progress
) -> tuple[dict[str, int], dict[str, int]]:
    t0 = datetime(start.year, start.month, start.day)
    end = days * DAY - 1
    as_of = t0 + timedelta(seconds=end)
    brand = build_brand(sc, seed)
    net, cat = brand.network, brand.catalog
    cal = build_calendar(start, days, stream(seed, "calendar"))
    demand = generate_demand(brand, sc, cal, stream(seed, "demand"))
    sim = SimState(brand, demand, sc, days, (start - date(1970, 1, 1)).days, stream(seed, "stock"))
    result = simulate(sim, progress.days(days))
    progress.step("orders and settlements")
    book, times = build_order_book(brand, demand, result, end)
    is_wh = ~net.is_store
    sac = anom.shipped_after_cancel(demand, result, book, times, is_wh, stream(seed, "anomaly.cancel"))
    orders, lines = order_frames(brand, demand, result, book, times, t0, stream(seed, "versions"))
    expected = expected_sales(brand, demand, result, book, stream(seed, "settle"))
    third_party = [
        (
            c,
            p,
            float(brand.fees.commission_rate[i]),
            float(brand.fees.payment_fee_rate[i]),
            float(brand.fees.shipping_fee[i]),
        )
        for i, (c, p) in enumerate(zip(net.channel_ids, ["TM", "JD", "DY", "XHS", "SHP", "LZD", "WX", "POS"]))
        if brand.fees.currency[i] == "CNY" and net.channels["kind"][i] == "third_party"
    ]
    rows, missing = anom.inject_settlements(
        settlement_rows(expected, end), end, stream(seed, "anomaly.settle"), third_party
    )
    settlements = with_ids(rows, t0)

    progress.step("stock ledger and counts")
    order_ids = np.full(demand.n, "", dtype=object)
    order_ids[book.idx] = book.order_id
    asns, asn_ids = frames.asn_frame(brand, result.asns, end, t0)
    doc_ids = {
        "outbound": order_ids,
        "return": order_ids,
        "inbound": asn_ids,
        "transfer_out": frames.transfer_ids(result.transfers["sku"].size if result.transfers else 0),
        "opening": np.full(result.book.n, f"OPENING-{start:%Y%m%d}", dtype=object),
    }
    doc_ids["transfer_in"] = doc_ids["transfer_out"]
    movements = frames.movements_frame(brand, result.book, result.movements, doc_ids, t0)
    snaps, drift_rows, drift = anom.stock_count_drift(
        result.snapshots, result.book.loc, is_wh, stream(seed, "anomaly.drift")
    )
    snapshots = frames.snapshots_frame(brand, result.book, snaps, t0)
    transfers = frames.transfer_versions(brand, result.transfers, end, t0)
    stock = frames.stock_end(brand, result.book)
    free_end = result.book.totals(len(net.location_ids), AVAILABLE) - sim.occ
    master = brand.master_frames()
    master["stock_locks"] = stock_locks(brand, free_end, as_of, stream(seed, "locks"))
    master["channel_controls"] = channel_controls(brand, as_of, stream(seed, "controls"))

    progress.step("writing landing files")
    landing = out_dir / "landing"
    rows_written = {name: write_source(frame, landing, name, "csv") for name, frame in master.items()}
    rows_written["orders"] = write_source(orders, landing, "orders", "csv", "created_at")
    rows_written["order_lines"] = write_source(lines, landing, "order_lines", "csv", "created_at")
    rows_written["wms_movements"] = write_source(movements, landing, "wms_movements", "parquet", "occurred_at")
    rows_written["wms_snapshots"] = write_source(snapshots, landing, "wms_snapshots", "parquet", "as_of")
    rows_written["transfers"] = write_source(transfers, landing, "transfers", "jsonl", "updated_at")
    rows_written["inbound_asn"] = write_source(asns, landing, "inbound_asn", "csv")
    rows_written["settlements"] = write_source(
        settlements, landing, "settlements", "csv", "settled_at", split="channel_id"
    )

    progress.step("ground truth")
    lot = result.snapshots["lot"][drift_rows]
    parts = [
        pl.DataFrame(
            {
                "anomaly_class": "shipped_after_cancel",
                "order_id": book.order_id[sac],
                "location_id": net.location_ids[result.loc[book.idx[sac]]],
                "business_date": frames.business_date(result.ship_t[book.idx[sac]], t0),
                "amount": book.gross[sac],
            }
        ),
        settlements.filter(pl.col("anomaly").is_not_null()).select(
            pl.col("anomaly").alias("anomaly_class"),
            "order_id",
            "settlement_id",
            pl.col("settled_at").dt.date().alias("business_date"),
            pl.col("anomaly_amount").alias("amount"),
        ),
        missing.select(
            "anomaly_class", "order_id", frames.business_date(pl.col("settled_s"), t0).alias("business_date"), "amount"
        ),
        pl.DataFrame(
            {
                "anomaly_class": "stock_count_drift",
                "location_id": net.location_ids[result.book.loc[lot]],
                "sku": cat.skus[result.book.sku[lot]],
                "business_date": frames.business_date(result.snapshots["t"][drift_rows], t0),
                "amount": drift.astype(float),
            }
        ),
    ]
    anomalies = truth.anomalies_frame(parts)
    counts = {k: int(anomalies.filter(pl.col("anomaly_class") == k).height) for k in anom.ANOMALY_RATES}
    timeouts = dict(zip(net.channel_ids.tolist(), net.timeout_minutes.tolist()))
    summary = {
        "scale": sc.name,
        "seed": seed,
        "start": start,
        "days": days,
        "as_of": as_of,
        "rows": rows_written,
        "anomalies": counts,
        "anomaly_rates": truth.rates_table(),
        "open_work": truth.open_work(orders, timeouts, transfers, asns, stock, as_of),
    }
    exp = expected.with_columns(
        (pl.lit(t0) + pl.duration(seconds=pl.col("settled_s"))).alias("expected_settled_at")
    ).drop("order_pos", "settled_s", "returned_s", "tolerance")
    truth.write_truth(out_dir / "truth", anomalies, stock, exp, summary)
    return rows_written, counts
