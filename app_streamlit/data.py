"""The dashboards' one data-access module: read-only queries against the DuckDB warehouse.

Every query takes the data folder as its first argument (so the caches are keyed by it)
and binds every user-supplied value as a parameter; nothing the user types is ever
formatted into SQL.

Connections. The dashboards read the copy of the warehouse the last successful build
published (`<data>/warehouse/published/omnistock.duckdb`, pipelines/warehouse.py), never
the file a build writes: DuckDB lets no other process open a file that one is writing, so
reading the live file would fail during every build (and hold builds out while a page reads
it). Each query opens a read-only, locked-down connection for as long as it runs, so a
page reads the newest copy once it is published; results are cached for a minute
(`st.cache_data(ttl=60)`), so a new build shows at most a minute after it is published.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from pipelines.settings import data_dir
from pipelines.warehouse import open_reader, published_path

MISSING_WAREHOUSE = (
    "No published warehouse yet at `{path}`: the dashboards read the copy each successful build publishes. "
    "Build it first: `make demo` (generate a brand and build everything), or `omnistock run` if the landing "
    "zone already holds files."
)


def data_folder() -> Path:
    """The data folder, from `$OMNISTOCK_DATA_DIR` (default: the repository's data/)."""
    return data_dir()


def warehouse_path() -> Path:
    """The published copy the dashboards read: `<data folder>/warehouse/published/omnistock.duckdb`."""
    return published_path(data_folder())


@dataclass(frozen=True)
class Warehouse:
    """A read-only handle on a data folder's published warehouse; `query` opens and closes its own connection."""

    data_dir: str

    def query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        # locked down as `omnistock sql` is: no file but the raw zone's Parquet (staging views) is read
        with open_reader(Path(self.data_dir)) as con:
            return con.execute(sql, list(params)).df()


@st.cache_resource
def warehouse(data: str) -> Warehouse:
    return Warehouse(data)


def _q(data: str, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    return warehouse(data).query(sql, params)


# --- Inventory layers ------------------------------------------------------------------


@st.cache_data(ttl=60, show_spinner=False)
def headline(data: str) -> dict[str, Any]:
    """as_of, units on hand, units available to sell (Σ channels), low-stock count, quarantined rows.

    Bundles are left out of the unit totals: their stock is their components' stock.
    """
    row = _q(
        data,
        """
        select
            (select max(as_of) from marts.inventory_sales_layer) as as_of,
            (select coalesce(sum(on_hand), 0)::bigint from marts.inventory_scheduling_layer
              where not coalesce(is_bundle, false)) as units_on_hand,
            (select coalesce(sum(available_to_sell), 0)::bigint from marts.inventory_sales_layer
              where not coalesce(is_bundle, false)) as units_available_to_sell,
            (select count(*) from marts.inventory_sales_layer where is_low_stock) as low_stock_rows,
            (select count(*) from ops.quarantine) as quarantined_rows
        """,
    ).iloc[0]
    return {
        "as_of": None if pd.isna(row["as_of"]) else pd.Timestamp(row["as_of"]).to_pydatetime(),
        "units_on_hand": int(row["units_on_hand"]),
        "units_available_to_sell": int(row["units_available_to_sell"]),
        "low_stock_rows": int(row["low_stock_rows"]),
        "quarantined_rows": int(row["quarantined_rows"]),
    }


@st.cache_data(ttl=60, show_spinner=False)
def channels(data: str) -> pd.DataFrame:
    """channel_id, platform, channel_kind of every channel in the sales layer."""
    return _q(
        data,
        """
        select distinct channel_id, platform, channel_kind
        from marts.inventory_sales_layer
        order by channel_id
        """,
    )


@st.cache_data(ttl=60, show_spinner=False)
def skus(data: str, search: str = "") -> pd.DataFrame:
    """sku and name of the SKUs whose code or name contains `search` (case-insensitive)."""
    return _q(
        data,
        """
        with layer as (select distinct sku, is_bundle from marts.inventory_sales_layer)
        select layer.sku, p.name, layer.is_bundle
        from layer
        left join staging.stg_products as p using (sku)
        where ? = ''
           or contains(lower(layer.sku), lower(?))
           or contains(lower(coalesce(p.name, '')), lower(?))
        order by layer.sku
        """,
        [search, search, search],
    )


@st.cache_data(ttl=60, show_spinner=False)
def sales_layer(data: str, channel_id: str, search: str = "") -> pd.DataFrame:
    """The sales layer of one channel (optionally only SKUs matching `search`), low stock first."""
    return _q(
        data,
        """
        select
            s.sku,
            p.name,
            s.is_bundle,
            s.supplying_locations,
            s.allocatable,
            s.presale,
            s.virtual,
            s.unpaid_held,
            s.pending_allocation,
            s.reserved,
            s.available_to_sell,
            s.low_stock_threshold,
            s.is_low_stock
        from marts.inventory_sales_layer as s
        left join staging.stg_products as p using (sku)
        where s.channel_id = ?
          and (? = '' or contains(lower(s.sku), lower(?)) or contains(lower(coalesce(p.name, '')), lower(?)))
        order by s.is_low_stock desc, s.available_to_sell, s.sku
        """,
        [channel_id, search, search, search],
    )


@st.cache_data(ttl=60, show_spinner=False)
def available_by_channel(data: str, sku: str) -> pd.DataFrame:
    """available_to_sell of one SKU on every channel."""
    return _q(
        data,
        """
        select channel_id, platform, available_to_sell, is_low_stock
        from marts.inventory_sales_layer
        where sku = ?
        order by channel_id
        """,
        [sku],
    )


@st.cache_data(ttl=60, show_spinner=False)
def scheduling_layer(data: str, sku: str) -> pd.DataFrame:
    """One SKU across locations: I, U, I−U, O, T, L, sales_available = I−U−O−T−L, then A and inbound."""
    return _q(
        data,
        """
        select
            location_id,
            location_type,
            physical_site,
            on_hand,
            unavailable,
            physical_available,
            order_occupied,
            transfer_occupied,
            locked,
            sales_available,
            oversold,
            transfer_in_air,
            inbound_in_transit
        from marts.inventory_scheduling_layer
        where sku = ?
        order by location_id
        """,
        [sku],
    )


@st.cache_data(ttl=60, show_spinner=False)
def lots(data: str, sku: str) -> pd.DataFrame:
    """The warehouse layer of one SKU: lots, bins and statuses, earliest expiry first."""
    return _q(
        data,
        """
        select
            location_id,
            owner,
            lot_no,
            production_date,
            expiry_date,
            shelf_life_days_left,
            status,
            bin,
            qty,
            stock_mode,
            observed_at
        from marts.inventory_warehouse_layer
        where sku = ?
        order by expiry_date nulls last, location_id, lot_no, bin
        """,
        [sku],
    )


# --- Ingestion and quarantine ----------------------------------------------------------


@st.cache_data(ttl=60, show_spinner=False)
def ingestion_by_source(data: str) -> pd.DataFrame:
    """Per source: files ingested (and how many not ok), rows read/loaded/replaced/quarantined."""
    return _q(
        data,
        """
        select
            source,
            count(*) as files,
            count(*) filter (where status <> 'ok') as files_not_ok,
            sum(rows_read)::bigint as rows_read,
            sum(rows_loaded)::bigint as rows_loaded,
            sum(rows_replaced)::bigint as rows_replaced,
            sum(rows_quarantined)::bigint as rows_quarantined,
            max(ingested_at) as last_ingested_at
        from ops.ingestion_log
        group by source
        order by source
        """,
    )


@st.cache_data(ttl=60, show_spinner=False)
def ingestion_files(data: str) -> pd.DataFrame:
    """The ingestion log, one row per file, problems first."""
    return _q(
        data,
        """
        select source, file, status, rows_read, rows_loaded, rows_replaced, rows_quarantined, message, ingested_at
        from ops.ingestion_log
        order by status = 'ok', rows_quarantined desc, source, file
        """,
    )


@st.cache_data(ttl=60, show_spinner=False)
def quarantine_sources(data: str) -> list[str]:
    return _q(data, "select distinct source from ops.quarantine order by source")["source"].tolist()


@st.cache_data(ttl=60, show_spinner=False)
def quarantine(data: str, sources: tuple[str, ...] = (), limit: int = 5000) -> pd.DataFrame:
    """Quarantined rows (of the given sources; all when empty), at most `limit` of them."""
    return _q(
        data,
        """
        select source, file, row_number, column_name, value, reason, ingested_at
        from ops.quarantine
        where len(?::varchar[]) = 0 or list_contains(?::varchar[], source)
        order by source, file, row_number
        limit ?
        """,
        [list(sources), list(sources), limit],
    )
