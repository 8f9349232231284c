"""Every delivery of one source in the landing zone, whatever shape it came in.

    landing/<source>/...                  contract files (CSV, Parquet, JSON Lines)
    landing/<format>/<channel_id>/...     platform-native files (pipelines/ingest/formats)
    landing/<export>/...                  any export with a YAML mapping folder named <export>:
                                          <data>/mappings/<export>/*.yml, else the shipped
                                          mappings/<export>/*.yml (e.g. mappings/olist)

A mapping file that cannot be used is reported as an unreadable delivery of the
source it names, so the other sources (and the other mappings) still load.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl
import yaml

from pipelines.contract import SOURCES
from pipelines.ingest.delivery import Delivery
from pipelines.ingest.formats import FORMATS, platform_deliveries
from pipelines.ingest.mapping import MappingError, mapping_deliveries
from pipelines.ingest.readers import UnreadableFile, landing_files, read_landing_file
from pipelines.settings import REPO_ROOT, Paths

SHIPPED_MAPPINGS = REPO_ROOT / "mappings"


def mapping_folders(where: Paths) -> dict[str, Path]:
    """Export name -> its folder of YAML mappings; the data folder's own override the shipped ones."""
    found: dict[str, Path] = {}
    for root in (SHIPPED_MAPPINGS, where.data_dir / "mappings"):
        if root.is_dir():
            for folder in sorted(p for p in root.iterdir() if p.is_dir()):
                if any(folder.glob("*.yml")) or any(folder.glob("*.yaml")):
                    found[folder.name] = folder
    reserved = set(SOURCES) | set(FORMATS)
    return {name: folder for name, folder in found.items() if name not in reserved}


def folder_deliveries(
    folder: Path, landing: Path | None = None, types: Mapping[str, pl.DataType] | None = None
) -> list[Delivery]:
    """The contract files of one folder, named by their path under `landing` (default: the folder's parent).

    `types` (the source's contract columns) lets a clean CSV be read typed; the result is the same."""
    root = landing or folder.parent
    return [
        Delivery(
            f"{root.name}/{path.relative_to(root).as_posix()}",
            lambda path=path: read_landing_file(path, types),
            files=(path,),
        )
        for path in landing_files(folder)
    ]


def contract_deliveries(where: Paths, source_name: str) -> list[Delivery]:
    return folder_deliveries(where.landing / source_name, where.landing, SOURCES[source_name].columns)


def _broken_mapping(mapping_file: Path, error: Exception) -> Delivery:
    def fail() -> None:
        raise UnreadableFile(f"the mapping cannot be used: {error}")

    return Delivery(f"{mapping_file.parent.name}/{mapping_file.name} [mapping]", fail, files=(mapping_file,))


def _declared_source(mapping_file: Path) -> str | None:
    try:
        spec = yaml.safe_load(mapping_file.read_text())
    except (OSError, yaml.YAMLError):
        return None
    return spec.get("source") if isinstance(spec, dict) else None


def mapped_deliveries(where: Paths, source_name: str) -> list[Delivery]:
    deliveries: list[Delivery] = []
    for export, folder in mapping_folders(where).items():
        base = where.landing / export
        if not base.is_dir():
            continue
        for mapping_file in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
            try:
                deliveries += mapping_deliveries(mapping_file, base).get(source_name, [])
            except MappingError as exc:
                if _declared_source(mapping_file) == source_name:
                    deliveries.append(_broken_mapping(mapping_file, exc))
    return deliveries


def source_deliveries(where: Paths, source_name: str) -> list[Delivery]:
    """Contract files first, then platform formats, then mapped exports, each in path order."""
    return [
        *contract_deliveries(where, source_name),
        *platform_deliveries(where.landing, source_name),
        *mapped_deliveries(where, source_name),
    ]
