"""The publish gate: what may be cleared for publishing to the channels."""

from __future__ import annotations

import polars as pl

PUBLISHABLE_COLUMNS = ("channel_id", "sku", "available_to_sell", "publishable_qty", "is_low_stock", "as_of")


def clear_for_publishing(sales_layer: pl.DataFrame) -> pl.DataFrame:
    """One row per channel and SKU with `publishable_qty` = max(0, available_to_sell), a whole number.

    Never more than available_to_sell; a missing available_to_sell publishes 0 (never a guess)."""
    return (
        sales_layer.group_by("channel_id", "sku")  # a duplicated row (a failed check) counts at its lowest
        .agg(
            pl.col("available_to_sell").cast(pl.Int64).min(),
            pl.col("available_to_sell").cast(pl.Int64).fill_null(0).min().clip(lower_bound=0).alias("publishable_qty"),
            pl.col("is_low_stock").max(),
            pl.col("as_of").max(),
        )
        .sort("channel_id", "sku")
    )
