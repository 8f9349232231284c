"""Small helpers the pages share: the missing/busy warehouse messages and table styling."""

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
    """Yield the warehouse path; if there is none (or it is being rebuilt), say so and stop the page."""
    path = data.warehouse_path()
    if not path.exists():
        st.info(data.MISSING_WAREHOUSE.format(path=path), icon=":material/info:")
        st.stop()
    try:
        yield str(path)
    except data.WarehouseBusy as busy:
        st.warning(str(busy), icon=":material/hourglass_top:")
        st.stop()
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
