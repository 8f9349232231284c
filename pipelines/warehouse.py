"""The DuckDB warehouse: the one module that opens it, for writers and for readers.

Writers. DuckDB takes one writer per file. Every Dagster asset that writes the warehouse
(dbt included) runs in the `WAREHOUSE_POOL` concurrency pool, limited to one step at a time
in dagster.yaml, and opens `<data>/warehouse/omnistock.duckdb` with `connect`. Python assets
sit downstream of dbt (never between two dbt models) and write whole tables with
`replace_table`, so re-running an asset replaces its output, never adds to it.

Readers. A process that writes a DuckDB file keeps every other process out of it, even
read-only ("Could not set lock on file ... Conflicting lock is held"). So readers
(`omnistock sql`, `omnistock summary`, the dashboards) open a copy no build ever locks:
after each successful build `serving/published_warehouse` calls `publish_for_readers`,
which checkpoints the warehouse and copies it to `<data>/warehouse/published/omnistock.duckdb`
in one rename. A reader sees the last completed build, never a half-built one; a reader
that has the previous copy open keeps reading it (the rename leaves its file intact).
`open_reader` opens the copy (or, `live=True`, the build's own file) read-only and
locked down: no file system access but reading the raw zone (the staging views' Parquet),
settings locked.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines.settings import Paths, paths

WAREHOUSE_POOL = "duckdb_warehouse"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
BUILD_IT = "Build it with `omnistock run` (or `make demo` for a generated brand)."


class NoWarehouse(FileNotFoundError):
    """There is no warehouse (or no published copy of it) to read yet."""


class WarehouseBusy(duckdb.IOException):
    """`live=True` and a build holds the live file for writing."""


def _where(data: Path | None) -> Paths:
    return Paths(data.expanduser().resolve()) if data else paths()


def warehouse_path(data: Path | None = None) -> Path:
    """The live warehouse, which builds write: `<data>/warehouse/omnistock.duckdb`."""
    return _where(data).warehouse


def published_path(data: Path | None = None) -> Path:
    """The copy readers read: `<data>/warehouse/published/omnistock.duckdb`."""
    where = _where(data)
    return where.warehouse_dir / "published" / where.warehouse.name


@contextmanager
def connect(read_only: bool = False, where: Paths | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The live warehouse of `where`, for the pipeline's own steps (in the warehouse pool); closed on
    exit. Code inside Dagster passes `settings.paths`; only the edges leave it to the configured folder."""
    path = (where or paths()).warehouse
    if read_only and not path.exists():
        raise NoWarehouse(f"No warehouse at {path}. {BUILD_IT}")
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


# --- Readers ---------------------------------------------------------------------------


def lock_down(con: duckdb.DuckDBPyConnection, raw: Path) -> None:
    """No file system access but reading `raw` (the staging views' Parquet), settings locked."""
    con.execute("set allowed_directories = $directories", {"directories": [f"{raw}{os.sep}"]})
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")


def open_reader(data: Path | None = None, *, live: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only, locked-down connection to the published copy (`live`: to the live file).

    Raises `NoWarehouse` (naming the file and how to build it) when there is none, and, with
    `live`, `WarehouseBusy` while a build holds the live file."""
    where = _where(data)
    path = where.warehouse if live else published_path(data)
    if not path.exists():
        raise NoWarehouse(_missing(path, where, live))
    # A fresh in-memory database that attaches the file, not `duckdb.connect(path)`: within one process
    # DuckDB shares one database per path among its open connections, so a reader opened while another
    # is open would get the copy that one opened (and its locked settings) instead of the newest.
    con = duckdb.connect(":memory:", config={"temp_directory": f"{path}.tmp"})  # where connect(path) spills
    try:
        con.execute(f"attach '{_quoted(path)}' as {_identifier(path.stem)} (read_only)")
        con.execute(f"use {path.stem}")
        lock_down(con, where.raw)
    except duckdb.IOException as error:
        con.close()
        if live and "lock" in str(error).lower():
            raise WarehouseBusy(
                f"{path} is being written by a build ({str(error).splitlines()[0]}). "
                "Read the last published build instead (leave out --live), or wait for the build to end."
            ) from error
        raise
    except BaseException:
        con.close()
        raise
    return con


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def _missing(path: Path, where: Paths, live: bool) -> str:
    if live:
        return f"No warehouse at {path}. {BUILD_IT}"
    message = f"No published warehouse at {path}: readers read the copy each successful build publishes. {BUILD_IT}"
    if where.warehouse.exists():
        message += (
            f" (The live warehouse {where.warehouse} exists but was built before publishing began or by a build "
            "that failed: the next successful `omnistock run` publishes it; `--live` reads it while no build runs.)"
        )
    return message


# --- Publishing ------------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    path: Path
    bytes: int
    seconds: float


def publish_for_readers(data: Path | None = None) -> Published:
    """Checkpoint the live warehouse and copy it, whole, to `published_path`.

    The copy is written to a hidden file beside the target, flushed to disk, then renamed over
    the target (`os.replace`, atomic on one file system), so a reader opens either the previous
    copy or this one, never a part-written file. The live file stays open (locked) while it is
    copied, so no other process writes it meanwhile; call it from the warehouse pool."""
    started = time.monotonic()
    source = warehouse_path(data)
    if not source.exists():
        raise NoWarehouse(f"No warehouse at {source} to publish. {BUILD_IT}")
    target = published_path(data)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    con = duckdb.connect(str(source))
    try:
        for leftover in target.parent.glob(f".{target.name}.*.partial"):  # of a publish that was killed
            leftover.unlink(missing_ok=True)
        con.execute("checkpoint")  # everything in the main file, nothing left in the .wal
        with open(source, "rb") as reading, open(partial, "wb") as writing:
            shutil.copyfileobj(reading, writing, length=16 * 1024 * 1024)
            writing.flush()
            os.fsync(writing.fileno())
        os.replace(partial, target)
    finally:
        con.close()
        partial.unlink(missing_ok=True)
    _fsync_folder(target.parent)
    return Published(target, target.stat().st_size, time.monotonic() - started)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- Writing and reading frames ------------------------------------------------------------


def _identifier(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain lower-case SQL identifier: {name!r}")
    return name


def replace_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, frame: pl.DataFrame) -> int:
    """Replace `schema.table` with `frame` in one transaction; returns the row count."""
    schema, table = _identifier(schema), _identifier(table)
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {schema}")
        con.register("__omnistock_frame", frame.to_arrow())
        con.execute(f"create or replace table {schema}.{table} as select * from __omnistock_frame")
        con.unregister("__omnistock_frame")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return frame.height


def read_frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None) -> pl.DataFrame:
    """Run a query (parameters bound, never formatted in) and return a Polars frame.

    (duckdb 2.0: the result of `execute` has no `.pl()`; a relation from `sql` has.)"""
    return con.sql(sql, params=params or None).pl()
