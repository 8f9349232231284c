"""Shared test set-up: every test gets its own data folder; nothing touches data/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = REPO_ROOT / "tests" / "fixtures"
REALDATA = REPO_ROOT.parent / "shared" / "realdata"


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point OMNISTOCK_DATA_DIR away from the repository unless a test sets its own."""
    if (
        "OMNISTOCK_DATA_DIR" not in os.environ
        or Path(os.environ["OMNISTOCK_DATA_DIR"]).resolve() == (REPO_ROOT / "data").resolve()
    ):
        monkeypatch.setenv("OMNISTOCK_DATA_DIR", str(tmp_path_factory.mktemp("data")))
