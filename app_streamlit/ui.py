"""Small helpers the pages share: the missing-warehouse messages and table styling."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pandas as pd
import streamlit as st

from app_streamlit import data

LOW_STOCK_STYLE = "background-color: rgba(255, 75, 75, 0.18); font-weight: 600"


@contextmanager
def warehouse_or_stop() -> Iterator[str]:
    """Yield the data folder whose published warehouse the pages read; if none is published yet (or it
    lacks a table), say so and stop the page."""
    path = data.warehouse_path()
    if not path.exists():
        st.info(data.MISSING_WAREHOUSE.format(path=path), icon=":material/info:")
        st.stop()
    try:
        yield str(data.data_folder())
    except duckdb.CatalogException as error:
        st.info(
            f"The warehouse at `{path}` is incomplete ({str(error).splitlines()[0]}). "
            "Run `omnistock run` (or `make demo`) to build every table.",
            icon=":material/info:",
        )
        st.stop()


def highlight_low_stock(frame: pd.DataFrame) -> pd.io.formats.style.Styler:
    """Shade the rows flagged `is_low_stock`."""
    return frame.style.apply(lambda row: [LOW_STOCK_STYLE if row["is_low_stock"] else ""] * len(row), axis=1)
