"""The dbt project, wired into Dagster once."""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from pipelines.settings import DBT_PROJECT_DIR


@cache
def dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    project.prepare_if_dev()
    return project


def dbt_executable() -> str:
    """The dbt beside this interpreter, so Dagster need not find it on PATH."""
    return str(Path(sys.executable).with_name("dbt"))


# What Dagster starts instead of dbt: it ties dbt to the process that starts it, so a run killed
# with SIGKILL takes its `dbt build` with it (dagster-dbt's Popen has no pre-exec hook).
DBT_WITH_PARENT = Path(__file__).with_name("dbt_with_parent.py")


def tied_dbt_executable() -> str:
    """An executable that runs dbt and dies with the process that starts it (it finds the real
    dbt in $OMNISTOCK_DBT_EXECUTABLE, set here unless already set)."""
    os.environ.setdefault("OMNISTOCK_DBT_EXECUTABLE", dbt_executable())
    return str(DBT_WITH_PARENT)


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project(), dbt_executable=tied_dbt_executable())
