"""The channel fee schedule, read from the dbt seed (one source of truth for generator and reconciliation)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

FEE_SCHEDULE = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "channel_fee_schedule.csv"
# fixed exchange rates used to price cross-border listings (CNY -> local currency)
FX_FROM_CNY = {"CNY": 1.0, "SGD": 0.19, "MYR": 0.65}


@dataclass(frozen=True)
class FeeSchedule:
    """Per channel (in the network's channel order)."""

    commission_rate: np.ndarray
    payment_fee_rate: np.ndarray
    shipping_fee: np.ndarray
    subsidy_rate: np.ndarray
    lag_days: np.ndarray
    currency: np.ndarray
    tolerance: np.ndarray
    fx: np.ndarray  # price multiplier from CNY list prices


def read_fee_schedule(channel_ids: np.ndarray, path: Path = FEE_SCHEDULE) -> FeeSchedule:
    frame = pl.read_csv(path, schema_overrides={"currency": pl.String, "channel_id": pl.String})
    missing = set(channel_ids) - set(frame["channel_id"])
    if missing:
        raise ValueError(f"{path} has no fee schedule for channel(s): {', '.join(sorted(missing))}")
    frame = pl.DataFrame({"channel_id": list(channel_ids)}).join(
        frame, on="channel_id", how="left", maintain_order="left"
    )
    currency = frame["currency"].to_numpy().astype(str)
    return FeeSchedule(
        commission_rate=frame["commission_rate"].to_numpy().astype(float),
        payment_fee_rate=frame["payment_fee_rate"].to_numpy().astype(float),
        shipping_fee=frame["shipping_fee_per_order"].to_numpy().astype(float),
        subsidy_rate=frame["subsidy_rate"].to_numpy().astype(float),
        lag_days=frame["settlement_lag_days"].to_numpy().astype(np.int64),
        currency=currency,
        tolerance=frame["amount_tolerance"].to_numpy().astype(float),
        fx=np.array([FX_FROM_CNY[c] for c in currency]),
    )
