"""The dbt project, defined once, and the one way it is prepared (parsed) for Dagster.

dagster-dbt reads `dbt_project/target/manifest.json` when the definitions load, so the project is
parsed first: by `make prepare` (`dagster-dbt project prepare-and-package --file pipelines/dbt_project.py`),
by `omnistock run`, by `dagster dev` (`prepare_if_dev`) and by the tests, all through
`DBT_PROJECT.preparer`. Code calls `prepare_dbt_project()`; nothing else starts `dbt parse`.

Several processes may parse at once (a run, a daemon run, tests in parallel) while others load the
definitions. dbt writes its manifest in place, so a reader could see half of it ("JSONDecodeError:
unexpected content after document"): the preparer parses into a scratch folder beside the target
and renames each output into place, the manifest last.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from dagster._utils import run_with_concurrent_update_guard
from dagster_dbt import DagsterDbtProjectPreparer, DbtCliResource, DbtProject
from dagster_shared.record import replace

from pipelines.settings import DBT_PROJECT_DIR, Paths, data_dir

# What `dbt parse` leaves in the target folder that others read: the partial-parse state (dagster-dbt
# copies it into each build's own target folder) and the manifest (Dagster's definitions), last.
PARSE_OUTPUTS = ("partial_parse.msgpack", "semantic_manifest.json", "manifest.json")
# A parse on two busy cores with no partial-parse state to start from can take a minute or more.
PARSE_WAIT_SECONDS = 600


def dbt_vars(where: Paths) -> list[str]:
    """`--vars` telling dbt the data folder (profiles.yml and models/staging/__sources.yml read the var
    `data_dir`, else OMNISTOCK_DATA_DIR). `dbt parse` and `dbt build` pass the same, so the build
    keeps the parse's partial-parse state (dbt parses again from scratch when the vars change)."""
    return ["--vars", json.dumps({"data_dir": str(where.data_dir)})]


def dbt_executable() -> str:
    """The dbt beside this interpreter, so Dagster need not find it on PATH."""
    return str(Path(sys.executable).with_name("dbt"))


# What Dagster starts instead of dbt: it ties dbt to the process that starts it, so a run killed
# with SIGKILL takes its `dbt build` (or `dbt parse`) with it (dagster-dbt's Popen has no pre-exec hook).
DBT_WITH_PARENT = Path(__file__).with_name("dbt_with_parent.py")


def tied_dbt_executable() -> str:
    """An executable that runs dbt and dies with the process that starts it (it finds the real
    dbt in $OMNISTOCK_DBT_EXECUTABLE, set here unless already set)."""
    os.environ.setdefault("OMNISTOCK_DBT_EXECUTABLE", dbt_executable())
    return str(DBT_WITH_PARENT)


class AtomicParsePreparer(DagsterDbtProjectPreparer):
    """dagster-dbt's preparer (`dbt deps` when the project has packages, then `dbt parse`, one
    process at a time under a file lock, skipped when another process parsed meanwhile), except
    that `dbt parse` writes into a scratch folder whose outputs then replace the shared ones in
    single renames, dbt dies with the process that started it, and dbt is told the data folder
    (`dbt_vars`, as the build is): `data_folder`, else the configured one (`make prepare` and
    `dagster dev` run with OMNISTOCK_DATA_DIR set)."""

    def __init__(self, data_folder: Path | None = None) -> None:
        super().__init__()
        self._data_folder = data_folder

    def parse_args(self) -> list[str]:
        """`dbt parse`, told the data folder as the build is (`dbt_vars`)."""
        return ["parse", "--quiet", *dbt_vars(Paths(data_dir(self._data_folder)))]

    def prepare(self, project: DbtProject) -> None:
        target = project.project_dir / project.target_path
        target.mkdir(parents=True, exist_ok=True)  # the lock file lives there
        run_with_concurrent_update_guard(
            project.manifest_path, self._prepare_manifest, guard_timeout_seconds=PARSE_WAIT_SECONDS, project=project
        )

    def _prepare_manifest(self, project: DbtProject) -> None:
        target = project.project_dir / project.target_path
        scratch = Path(tempfile.mkdtemp(prefix=".parse-", dir=target))  # same file system: os.replace is atomic
        try:
            if (target / "partial_parse.msgpack").exists():  # keep parsing incremental
                shutil.copy2(target / "partial_parse.msgpack", scratch / "partial_parse.msgpack")
            in_scratch = replace(project, target_path=scratch, manifest_path=scratch / "manifest.json")
            DbtCliResource(project_dir=project, dbt_executable=tied_dbt_executable()).cli(
                self.parse_args(), target_path=scratch
            ).wait()
            self._invalidate_seeds_in_partial_parse(in_scratch)  # as dagster-dbt does, before anyone reads it
            for name in PARSE_OUTPUTS:
                if (scratch / name).exists():
                    os.replace(scratch / name, target / name)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


DBT_PROJECT = replace(
    DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR), preparer=AtomicParsePreparer()
)


def prepare_dbt_project(data_folder: Path | None = None) -> DbtProject:
    """Parse the dbt project into dbt_project/target/manifest.json (what `make prepare` does) for
    the data folder `data_folder` (default: the configured one); returns the project."""
    preparer = DBT_PROJECT.preparer if data_folder is None else AtomicParsePreparer(data_folder)
    preparer.prepare(DBT_PROJECT)
    return DBT_PROJECT
