"""Ingestion & quarantine: what each source delivered, and the rows the contract refused."""

import streamlit as st

from app_streamlit import data, ui

st.title("Ingestion & quarantine")

with ui.warehouse_or_stop() as wh:
    by_source = data.ingestion_by_source(wh)
    cols = st.columns(4)
    cols[0].metric("Files ingested", f"{int(by_source['files'].sum()):,}")
    cols[1].metric("Rows read", f"{int(by_source['rows_read'].sum()):,}")
    cols[2].metric("Rows loaded", f"{int(by_source['rows_loaded'].sum()):,}")
    cols[3].metric("Rows quarantined", f"{int(by_source['rows_quarantined'].sum()):,}")

    st.subheader("Ingestion log per source")
    st.caption("rows_read = rows_loaded + rows_replaced + rows_quarantined")
    st.dataframe(by_source, hide_index=True, height="content", key="ingestion_by_source")
    with st.expander("Every file"):
        st.dataframe(data.ingestion_files(wh), hide_index=True, key="ingestion_files")

    st.subheader("Quarantine")
    sources = st.multiselect("Source", data.quarantine_sources(wh), key="quarantine_source", placeholder="All sources")
    rows = data.quarantine(wh, tuple(sources))
    st.caption(f"{len(rows):,} rows shown (at most 5,000)" if len(rows) else "Nothing quarantined.")
    st.dataframe(rows, hide_index=True, key="quarantine_table")
