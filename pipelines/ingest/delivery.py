"""A delivery: one landed file (or export) as rows of one contract source.

Contract files, platform-native files and mapped exports are all deliveries. A
delivery is named by its path under the landing zone; its id is a digest of that
name (so the raw zone survives moving the data folder) and its fingerprint is a
digest of the size and modification time of every file it is read from (the data
file, and for a mapped export the mapping and its lookup files too). A delivery whose
fingerprint has not changed since it was ingested is not read again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl


@dataclass(frozen=True)
class Delivery:
    """`read` returns the contract's columns (any types) plus ROW, or raises UnreadableFile."""

    name: str
    read: Callable[[], pl.DataFrame]
    files: tuple[Path, ...] = ()

    @property
    def delivery_id(self) -> str:
        return hashlib.sha1(self.name.encode()).hexdigest()[:16]

    def fingerprint(self) -> str:
        digest = hashlib.sha1()
        for path in sorted(self.files):
            try:
                stat = path.stat()
                digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
            except FileNotFoundError:
                digest.update(f"{path.name}\0missing\n".encode())
        return digest.hexdigest()[:20] if self.files else self.delivery_id
