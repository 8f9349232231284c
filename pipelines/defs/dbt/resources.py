"""The dbt resource: the one project (pipelines/dbt_project.py), dbt tied to the run's process."""

from __future__ import annotations

from functools import cache

from dagster_dbt import DbtCliResource, DbtProject

from pipelines.dbt_project import DBT_PROJECT, tied_dbt_executable


@cache
def dbt_project() -> DbtProject:
    """The project, parsed first (once) under `dagster dev`; elsewhere `prepare_dbt_project()` ran before."""
    DBT_PROJECT.prepare_if_dev()
    return DBT_PROJECT


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project(), dbt_executable=tied_dbt_executable())
