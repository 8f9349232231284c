"""From simulation arrays to the contract's frames: WMS movements and snapshots, transfers, ASNs, true end stock."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import polars as pl

from pipelines.contract import MOVEMENT_DOC_TYPES, STOCK_STATUSES
from pipelines.generate.brand import Brand
from pipelines.generate.demand import DAY
from pipelines.generate.lots import LotBook


def ts(seconds: np.ndarray, t0: datetime) -> np.ndarray:
    return np.datetime64(t0, "us") + np.asarray(seconds, np.int64).astype("timedelta64[s]")


def lot_table(brand: Brand, book: LotBook) -> pl.DataFrame:
    """One row per lot (index = lot number in the book) with its WMS attributes."""
    n = book.n
    return pl.DataFrame(
        {
            "location_id": brand.network.location_ids[book.loc[:n]],
            "owner": brand.network.owner[book.loc[:n]],
            "sku": brand.catalog.skus[book.sku[:n]],
            "lot_no": pl.Series(book.lot_no, dtype=pl.String),
            "production_date": book.prod[:n].astype("datetime64[D]"),
            "expiry_date": book.exp[:n].astype("datetime64[D]"),
            "bin": pl.Series(book.bin, dtype=pl.String),
        }
    )


def lot_columns(brand: Brand, book: LotBook, lot: np.ndarray) -> dict[str, pl.Series]:
    table = lot_table(brand, book)[lot]
    return {c: table[c] for c in table.columns}


def movements_frame(
    brand: Brand, book: LotBook, moves: dict[str, np.ndarray], doc_ids: dict[str, np.ndarray], t0: datetime
) -> pl.DataFrame:
    """Warehouse (flow-mode) movements, sorted by time, with sequential movement ids."""
    keep = ~brand.network.is_store[book.loc[moves["lot"]]]
    m = {k: v[keep] for k, v in moves.items()}
    order = np.lexsort((m["doc_ref"], m["qty"], m["status"], m["lot"], m["doc_type"], m["t"]))
    m = {k: v[order] for k, v in m.items()}
    doc_type = np.array(MOVEMENT_DOC_TYPES)[m["doc_type"]]
    doc_id = np.empty(order.size, dtype=object)
    for name in MOVEMENT_DOC_TYPES:
        sel = doc_type == name
        doc_id[sel] = (
            doc_ids[name][m["doc_ref"][sel]]
            if name in doc_ids
            else [f"{name[:3].upper()}{r:08d}" for r in m["doc_ref"][sel]]
        )
    return pl.DataFrame(
        {
            "movement_id": np.char.add("MV", (10**10 + np.arange(order.size)).astype(str)),
            "occurred_at": ts(m["t"], t0),
            **lot_columns(brand, book, m["lot"]),
            "status": np.array(STOCK_STATUSES)[m["status"]],
            "qty_delta": m["qty"],
            "doc_type": doc_type,
            "doc_id": doc_id.astype(str),
        }
    )


def snapshots_frame(brand: Brand, book: LotBook, snaps: dict[str, np.ndarray], t0: datetime) -> pl.DataFrame:
    order = np.lexsort((snaps["status"], snaps["lot"], book.loc[snaps["lot"]], snaps["t"]))
    s = {k: v[order] for k, v in snaps.items()}
    return pl.DataFrame(
        {
            "as_of": ts(s["t"], t0),
            **lot_columns(brand, book, s["lot"]),
            "status": np.array(STOCK_STATUSES)[s["status"]],
            "qty": s["qty"],
        }
    ).select("as_of", "location_id", "owner", "sku", "lot_no", "production_date", "expiry_date", "bin", "status", "qty")


def transfer_versions(brand: Brand, tr: dict[str, np.ndarray], end: int, t0: datetime) -> pl.DataFrame:
    """One row per status a transfer reached by the end (approved, then shipped/cancelled, then received)."""
    n = tr["sku"].size if tr else 0
    if n == 0:
        return pl.DataFrame(
            schema={
                "transfer_id": pl.String,
                "from_location": pl.String,
                "to_location": pl.String,
                "sku": pl.String,
                "qty": pl.Int64,
                "status": pl.String,
                "updated_at": pl.Datetime("us"),
            }
        )
    ids = transfer_ids(n)
    cancelled = tr["cancelled"] >= 0
    stages = [
        ("approved", tr["approved"], np.ones(n, bool)),
        ("cancelled", tr["cancelled"], cancelled),
        ("shipped", tr["shipped"], ~cancelled),
        ("received", tr["received"], ~cancelled),
    ]
    frames = []
    for status, t, mask in stages:
        sel = mask & (t >= 0) & (t <= end)
        frames.append(
            pl.DataFrame(
                {
                    "transfer_id": ids[sel],
                    "from_location": brand.network.location_ids[tr["src"][sel]],
                    "to_location": brand.network.location_ids[tr["dst"][sel]],
                    "sku": brand.catalog.skus[tr["sku"][sel]],
                    "qty": tr["qty"][sel],
                    "status": np.full(sel.sum(), status),
                    "updated_at": ts(t[sel], t0),
                }
            )
        )
    return pl.concat(frames).sort("updated_at", "transfer_id")


def transfer_ids(n: int) -> np.ndarray:
    return np.char.add("TR", (10**8 + np.arange(n)).astype(str))


def asn_frame(brand: Brand, asn: dict[str, np.ndarray], end: int, t0: datetime) -> tuple[pl.DataFrame, np.ndarray]:
    """ASN lines with their status at the end; also each line's asn_id (for the ledger's doc ids)."""
    if not asn:
        return pl.DataFrame(), np.zeros(0, str)
    day = asn["day"].astype("timedelta64[D]") + np.datetime64(t0.date(), "D")
    wh = brand.network.location_ids[asn["loc"]]
    asn_id = np.char.add(
        np.char.add("ASN-", np.char.replace(wh.astype(str), "WH-", "")),
        np.char.add("-", np.char.replace(day.astype(str), "-", "")),
    )
    status = np.where(asn["received"] <= end, "received", np.where(asn["shipped"] <= end, "in_transit", "created"))
    frame = pl.DataFrame(
        {
            "asn_id": asn_id,
            "location_id": wh,
            "sku": brand.catalog.skus[asn["sku"]],
            "qty": asn["qty"],
            "expected_at": ts(asn["expected"], t0),
            "status": status,
        }
    ).sort("asn_id", "sku")
    return frame, asn_id


def stock_end(brand: Brand, book: LotBook) -> pl.DataFrame:
    """True end stock per location, SKU and status (lots summed)."""
    n = book.n
    lot, status = np.nonzero(book.bal[:n] > 0)
    return (
        pl.DataFrame(
            {
                "location_id": brand.network.location_ids[book.loc[lot]],
                "sku": brand.catalog.skus[book.sku[lot]],
                "status": np.array(STOCK_STATUSES)[status],
                "qty": book.bal[lot, status],
            }
        )
        .group_by("location_id", "sku", "status")
        .agg(pl.col("qty").sum())
        .sort("location_id", "sku", "status")
    )


def business_date(seconds: np.ndarray | pl.Expr, t0: datetime):
    if isinstance(seconds, pl.Expr):
        return (pl.lit(t0.date()) + pl.duration(days=seconds // DAY)).cast(pl.Date)
    return np.datetime64(t0.date(), "D") + (np.asarray(seconds) // DAY).astype("timedelta64[D]")
