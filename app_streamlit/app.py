"""omnistock dashboards: `streamlit run app_streamlit/app.py` (or `make dashboard`)."""

import sys
from pathlib import Path

import streamlit as st

# `streamlit run` puts this folder, not the repository, on sys.path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

st.set_page_config(page_title="omnistock", page_icon=":material/inventory_2:", layout="wide")

here = Path(__file__).parent
page = st.navigation(
    [
        st.Page(
            here / "pages" / "inventory_layers.py",
            title="Inventory layers",
            icon=":material/inventory_2:",
            default=True,
        ),
        st.Page(here / "pages" / "data_quality.py", title="Ingestion & quarantine", icon=":material/fact_check:"),
    ]
)
page.run()
