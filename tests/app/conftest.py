"""Fixtures for the dashboard tests: a tiny warehouse (or none) in a temporary data folder."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st

from tests.app.tiny_warehouse import build_tiny_warehouse


def _clear_streamlit_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def tiny_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """OMNISTOCK_DATA_DIR points at a data folder holding the tiny warehouse."""
    data_dir = tmp_path / "data"
    warehouse = build_tiny_warehouse(data_dir)
    monkeypatch.setenv("OMNISTOCK_DATA_DIR", str(data_dir))
    _clear_streamlit_caches()
    yield warehouse
    _clear_streamlit_caches()


@pytest.fixture
def no_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """OMNISTOCK_DATA_DIR points at an empty data folder."""
    data_dir = tmp_path / "empty"
    data_dir.mkdir()
    monkeypatch.setenv("OMNISTOCK_DATA_DIR", str(data_dir))
    _clear_streamlit_caches()
    yield data_dir
    _clear_streamlit_caches()
