"""dbt's per-build artifacts stay in the data folder and do not pile up."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pipelines.defs.dbt.assets import dbt_run_folder, prune_dbt_runs
from pipelines.settings import Paths


def test_only_the_newest_builds_keep_their_dbt_artifacts(tmp_path: Path) -> None:
    where = Paths(tmp_path)
    folders = [dbt_run_folder(where, f"run-{n:02d}") for n in range(13)]
    assert folders[0] == tmp_path / "dagster" / "dbt_runs" / "run-00"
    for n, folder in enumerate(folders):
        folder.mkdir(parents=True)
        (folder / "run_results.json").write_text("{}")
        stamp = time.time() - 1000 + n  # run-12 is the newest
        os.utime(folder, (stamp, stamp))
    prune_dbt_runs(where, keep=10)
    kept = sorted(p.name for p in folders[0].parent.iterdir())
    assert kept == [f"run-{n:02d}" for n in range(3, 13)]
    prune_dbt_runs(where, keep=10)  # nothing more to do
    assert len(list(folders[0].parent.iterdir())) == 10
