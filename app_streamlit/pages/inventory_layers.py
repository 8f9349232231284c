"""Inventory layers: the sales layer per channel, and one SKU down through scheduling and lots."""

import plotly.express as px
import streamlit as st

from app_streamlit import data, ui

st.title("Inventory layers")

with ui.warehouse_or_stop() as wh:
    head = data.headline(wh)
    cols = st.columns([1.5, 1, 1.3, 1.2, 1])
    cols[0].metric("As of", head["as_of"].strftime("%Y-%m-%d %H:%M") if head["as_of"] else "—")
    cols[1].metric(
        "Units on hand", f"{head['units_on_hand']:,}", help="Σ on_hand over locations (I), bundles excluded."
    )
    cols[2].metric(
        "Available to sell (Σ channels)",
        f"{head['units_available_to_sell']:,}",
        help=(
            "Σ available_to_sell over channels and SKUs, bundles excluded. Channels share stock, "
            "so this counts a unit once per channel it is published to."
        ),
    )
    cols[3].metric("Low-stock channel × SKU", f"{head['low_stock_rows']:,}")
    cols[4].metric("Quarantined rows", f"{head['quarantined_rows']:,}")

    channels = data.channels(wh)
    pick, search_col = st.columns([1, 2])
    channel = pick.selectbox(
        "Channel",
        channels["channel_id"].tolist(),
        format_func=lambda c: f"{c} · {channels.set_index('channel_id').at[c, 'platform']}",
        key="channel",
    )
    search = search_col.text_input("SKU search (code or name)", key="sku_search").strip()

    st.subheader(f"Sales layer · {channel}")
    st.caption(
        "available_to_sell = max(0, allocatable + presale + virtual − unpaid_held − pending_allocation − reserved); "
        "low-stock rows shaded."
    )
    sales = data.sales_layer(wh, channel, search) if channel else None
    if sales is None or sales.empty:
        st.info("No SKU matches on this channel.")
    else:
        st.dataframe(ui.highlight_low_stock(sales), hide_index=True, key="sales_table")

    matches = data.skus(wh, search)
    if matches.empty:
        st.stop()
    names = dict(zip(matches["sku"], matches["name"].fillna("")))
    sku = st.selectbox("SKU", list(names), format_func=lambda s: f"{s} · {names[s]}", key="sku")

    by_channel = data.available_by_channel(wh, sku)
    fig = px.bar(
        by_channel,
        x="channel_id",
        y="available_to_sell",
        color="is_low_stock",
        color_discrete_map={True: "#ff4b4b", False: "#1f77b4"},
        labels={"channel_id": "channel", "available_to_sell": "available to sell", "is_low_stock": "low stock"},
        title=f"Available to sell per channel · {sku}",
    )
    st.plotly_chart(fig, key="ats_chart")

    st.subheader(f"Scheduling layer · {sku}")
    st.caption(
        "I on_hand · U unavailable · I−U physical_available · O order_occupied · T transfer_occupied · L locked · "
        "sales_available = I−U−O−T−L · A transfer_in_air (in no location's on_hand) · inbound_in_transit"
    )
    st.dataframe(data.scheduling_layer(wh, sku), hide_index=True, key="scheduling_table")

    st.subheader(f"Warehouse layer · lots of {sku}")
    day = st.column_config.DateColumn(format="YYYY-MM-DD")
    st.dataframe(
        data.lots(wh, sku),
        hide_index=True,
        key="lots_table",
        column_config={"production_date": day, "expiry_date": day},
    )
