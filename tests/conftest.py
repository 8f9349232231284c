"""Shared test set-up: every test gets its own data folder; nothing touches data/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = REPO_ROOT / "tests" / "fixtures"
# Real public data (../shared/realdata, never copied into the repository). OMNISTOCK_REALDATA_DIR points
# elsewhere, e.g. at an empty folder to check that only the real-data cases skip without it.
REALDATA = Path(os.environ.get("OMNISTOCK_REALDATA_DIR") or REPO_ROOT.parent / "shared" / "realdata")
OLIST = REALDATA / "olist_sample"
# the Olist sample's seven files and columns, a few hand-written rows (figures: tests/unit/test_olist_mapping.py)
OLIST_SHAPED = FIXTURES / "olist_shaped"

needs_olist = pytest.mark.skipif(
    not OLIST.is_dir(), reason=f"the Olist sample is not at {OLIST} (see ../shared/realdata/README.md)"
)
"""Mark a test (or a `pytest.param`) that reads the real Olist sample: it alone skips without it."""


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point OMNISTOCK_DATA_DIR away from the repository unless a test sets its own."""
    if (
        "OMNISTOCK_DATA_DIR" not in os.environ
        or Path(os.environ["OMNISTOCK_DATA_DIR"]).resolve() == (REPO_ROOT / "data").resolve()
    ):
        monkeypatch.setenv("OMNISTOCK_DATA_DIR", str(tmp_path_factory.mktemp("data")))
