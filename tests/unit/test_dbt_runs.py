"""dbt's per-build artifacts stay in the data folder and do not pile up."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pipelines.defs.dbt.assets import dbt_run_folder, prune_dbt_runs


def test_only_the_newest_builds_keep_their_dbt_artifacts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNISTOCK_DATA_DIR", str(tmp_path))
    folders = [dbt_run_folder(f"run-{n:02d}") for n in range(13)]
    for n, folder in enumerate(folders):
        folder.mkdir(parents=True)
        (folder / "run_results.json").write_text("{}")
        stamp = time.time() - 1000 + n  # run-12 is the newest
        os.utime(folder, (stamp, stamp))
    prune_dbt_runs(keep=10)
    kept = sorted(p.name for p in folders[0].parent.iterdir())
    assert kept == [f"run-{n:02d}" for n in range(3, 13)]
    prune_dbt_runs(keep=10)  # nothing more to do
    assert len(list(folders[0].parent.iterdir())) == 10
