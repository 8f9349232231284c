"""One generated brand, built once per test session and shared by every end-to-end test.

Tests must treat it as read-only (query it with `tests.e2e.pipeline.query`); a test
that needs to change landing files copies them into its own folder first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.generate import generate
from tests.e2e.pipeline import build

SMALL_BRAND_SEED = 11


@pytest.fixture(scope="session")
def small_brand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small-scale brand (seed 11), generated and built with the whole pipeline."""
    data = tmp_path_factory.mktemp("small_brand")
    generate(data, scale="small", seed=SMALL_BRAND_SEED)
    outcome = build(data)
    assert outcome.success, outcome.summary()
    return data
