"""Platform-native exports and API payloads as ingestion deliveries.

Landing convention: `landing/<format name>/<channel_id>/<any files>`. The sub-folder
names the channel; a file directly under `landing/<format name>/` belongs to the
channel named after the platform (lower case). Each file becomes one `Delivery` per
contract source its format produces; its `read()` converts the file (or raises
`UnreadableFile`), and validation does the rest.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines.contract import SOURCES
from pipelines.ingest.delivery import Delivery
from pipelines.ingest.formats import amazon, shopee, shopee_escrow, shopify, tmall
from pipelines.ingest.formats.base import PlatformFormat
from pipelines.ingest.readers import UnreadableFile, landing_files
from pipelines.ingest.validate import ROW

FORMATS: dict[str, PlatformFormat] = {
    f.name: f for f in (shopify.FORMAT, shopee.ORDERS, tmall.FORMAT, shopee_escrow.FORMAT, amazon.FORMAT)
}

__all__ = ["FORMATS", "PlatformFormat", "channel_of", "platform_deliveries", "read_source"]


def channel_of(fmt: PlatformFormat, format_dir: Path, path: Path) -> str:
    parts = path.relative_to(format_dir).parts
    return parts[0] if len(parts) > 1 else fmt.platform.lower()


def read_source(fmt: PlatformFormat, path: Path, channel_id: str, source_name: str) -> pl.DataFrame:
    """One source's rows from one file; an empty typed frame if the file has none of it."""
    if path.stat().st_size == 0:
        raise UnreadableFile("the file is empty (0 bytes)")
    frames = fmt.read(path, channel_id)
    if source_name in frames:
        return frames[source_name]
    return pl.DataFrame(schema={**{c: pl.String for c in SOURCES[source_name].columns}, ROW: pl.Int64})


def platform_deliveries(landing_root: Path, source_name: str) -> list[Delivery]:
    """A delivery per file of every format producing `source_name`, in a stable order."""
    deliveries: list[Delivery] = []
    for fmt in FORMATS.values():
        if source_name not in fmt.produces:
            continue
        format_dir = landing_root / fmt.name
        for path in landing_files(format_dir, landing_root):  # links leaving the landing zone are not read
            if source_name not in fmt.file_sources(path):
                continue
            channel_id = channel_of(fmt, format_dir, path)
            name = f"{landing_root.name}/{path.relative_to(landing_root).as_posix()} [{fmt.name}]"
            deliveries.append(
                Delivery(
                    name,
                    lambda fmt=fmt, path=path, channel_id=channel_id: read_source(fmt, path, channel_id, source_name),
                    files=(path,),
                )
            )
    return deliveries
