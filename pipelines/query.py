"""Read-only SQL against the warehouse, printed as readable tables (or exported with `--out`).

It reads the copy of the warehouse the last successful build published, which no build
locks (`--live`: the file builds write, which fails while one runs; pipelines/warehouse.py).
Read-only means the query touches nothing but the warehouse. The file is opened
read-only, and then, before any user SQL runs, DuckDB's access to the file system is
switched off (`enable_external_access = false`) except for reading the data folder's
raw zone (`allowed_directories`: the staging views read raw/<source>/**/*.parquet),
and the configuration is locked (`lock_configuration`), so no query can switch it back.
So `read_csv('/etc/passwd')`, `read_text(...)`, `ATTACH`, `INSTALL` and `COPY ... TO`
anywhere outside raw/ fail with DuckDB's "file system operations are disabled". Only
statements that read run (SELECT, SHOW, DESCRIBE, SUMMARIZE, EXPLAIN, PRAGMA, CALL): a
`COPY ... TO` into raw/ or an `EXPORT DATABASE` is refused before DuckDB sees it.
Exporting a result is the explicit `--out FILE.csv|FILE.parquet`, written by omnistock.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from pipelines.settings import data_dir
from pipelines.warehouse import NoWarehouse, WarehouseBusy, open_reader

console = Console()

READING_STATEMENTS = frozenset(
    {
        duckdb.StatementType.SELECT,  # also SHOW, DESCRIBE, SUMMARIZE, FROM-first, VALUES
        duckdb.StatementType.EXPLAIN,
        duckdb.StatementType.PRAGMA,  # pragmas that change settings fail: the configuration is locked
        duckdb.StatementType.CALL,  # table functions
        duckdb.StatementType.MULTI,  # PIVOT
    }
)
EXPORT_SUFFIXES = (".csv", ".parquet")
# folders of the data folder the pipeline owns: an export must not overwrite what it reads or writes
OWNED_FOLDERS = ("landing", "raw", "warehouse", "dagster", "exports", "quality", "truth")


class NotReadOnly(duckdb.Error):
    """A statement that would change something; omnistock sql only reads."""


def connect(data: Path | None = None, live: bool = False) -> duckdb.DuckDBPyConnection:
    """The published copy of the warehouse (`live`: the live file), read-only and locked down
    (pipelines/warehouse.py); a missing or busy warehouse ends the command with what to do."""
    try:
        return open_reader(data, live=live)
    except (NoWarehouse, WarehouseBusy) as exc:
        raise SystemExit(str(exc)) from exc


def check_read_only(con: duckdb.DuckDBPyConnection, query: str) -> int:
    """Refuse a query with any statement that is not a read; returns the number of statements."""
    statements = con.extract_statements(query)
    for statement in statements:
        kind = _refused_kind(con, statement)
        if kind:
            hint = (
                " (to save a result, use: omnistock sql QUERY --out FILE.csv|FILE.parquet)"
                if kind in ("copy", "export")
                else ""
            )
            raise NotReadOnly(f"omnistock sql is read-only: {kind.upper()} statements are refused{hint}")
    return len(statements)


_EXPLAIN = re.compile(r"^\s*explain(\s+analy[sz]e)?\b", re.IGNORECASE)


def _refused_kind(con: duckdb.DuckDBPyConnection, statement: duckdb.Statement) -> str | None:
    """The kind of a statement that is not a read, else None. `EXPLAIN ANALYZE` runs the statement it
    explains (an `EXPLAIN ANALYZE COPY ... TO` writes the file), so that one is judged instead."""
    if statement.type not in READING_STATEMENTS:
        return statement.type.name.lower()
    if statement.type == duckdb.StatementType.EXPLAIN:
        inner = _EXPLAIN.sub("", statement.query, count=1)
        for explained in con.extract_statements(inner) if inner.strip() else []:
            kind = _refused_kind(con, explained)
            if kind:
                return kind
    return None


def render(con: duckdb.DuckDBPyConnection, query: str, max_rows: int) -> Table:
    check_read_only(con, query)
    cursor = con.execute(query)
    columns = [d[0] for d in cursor.description] if cursor.description else []
    rows = cursor.fetchmany(max_rows + 1)
    table = Table(*columns, show_lines=False, header_style="bold")
    for row in rows[:max_rows]:
        table.add_row(*("∅" if v is None else str(v) for v in row))
    if len(rows) > max_rows:
        table.caption = f"first {max_rows} rows shown (--max-rows to see more)"
    return table


def export_target(out: Path, data: Path | None = None) -> Path:
    """Where `--out` writes: a .csv or .parquet file outside the folders the pipeline owns."""
    target = out.expanduser().resolve()
    if target.suffix.lower() not in EXPORT_SUFFIXES:
        raise ValueError(f"--out {out}: name a .csv or .parquet file")
    data_folder = (data or data_dir()).expanduser().resolve()
    for name in OWNED_FOLDERS:
        if target.is_relative_to(data_folder / name):
            raise ValueError(f"--out {out}: {data_folder / name} belongs to the pipeline; write the result elsewhere")
    if target.is_dir():
        raise ValueError(f"--out {out} is a folder; name a file")
    return target


def export_query(con: duckdb.DuckDBPyConnection, query: str, target: Path, batch_rows: int = 100_000) -> int:
    """Write one query's result to `target` (CSV with a header, or Parquet), streamed; returns the rows.

    The file appears whole or not at all: it is written beside the target and renamed."""
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pa_parquet

    if check_read_only(con, query) != 1:
        raise NotReadOnly("--out takes exactly one query")
    reader = con.sql(query).to_arrow_reader(batch_rows)
    temporary = target.with_name(f".{target.name}.partial")
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    try:
        if target.suffix.lower() == ".parquet":
            writer = pa_parquet.ParquetWriter(temporary, reader.schema)
        else:
            writer = pa_csv.CSVWriter(
                temporary, reader.schema, write_options=pa_csv.WriteOptions(quoting_style="needed")
            )
        with writer:
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)
    return rows


def print_query(query: str, data: Path | None, max_rows: int, out: Path | None = None, live: bool = False) -> int:
    try:
        target = export_target(out, data) if out else None
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        return 2
    with connect(data, live) as con:
        try:
            if target:
                rows = export_query(con, query, target)
                console.print(f"Wrote {rows:,} row(s) to {target}")
            else:
                console.print(render(con, query, max_rows))
        except duckdb.Error as exc:
            console.print(f"[red]{exc}[/red]")
            return 1
    return 0


def interactive(data: Path | None, max_rows: int, live: bool = False) -> None:
    console.print("omnistock SQL (read-only). End a query with ';'. Try: show all tables; Ctrl-D quits.")
    with connect(data, live) as con:
        buffer: list[str] = []
        while True:
            try:
                line = console.input("[bold]sql> [/bold]" if not buffer else "...> ")
            except (EOFError, KeyboardInterrupt):
                console.print()
                return
            buffer.append(line)
            if line.rstrip().endswith(";"):
                query = "\n".join(buffer)
                buffer.clear()
                try:
                    console.print(render(con, query, max_rows))
                except duckdb.Error as exc:
                    console.print(f"[red]{exc}[/red]")


def table_counts(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = ("marts", "ops")) -> list[tuple[str, int]]:
    """Exact row counts of every table in the given schemas."""
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where list_contains(?, schema_name) order by 1, 2",
        [list(schemas)],
    ).fetchall()
    return [
        (f"{schema}.{table}", con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0])
        for schema, table in tables
    ]


def print_summary(data: Path | None, live: bool = False) -> None:
    with connect(data, live) as con:
        counts = Table("table", "rows", header_style="bold")
        for name, rows in table_counts(con):
            counts.add_row(name, f"{rows:,}")
        console.print(counts)
        console.print(
            render(
                con,
                """
                select channel_id, count(*) as skus,
                       sum(available_to_sell) as available_to_sell,
                       count(*) filter (where is_low_stock) as low_stock_skus
                from marts.inventory_sales_layer group by channel_id order by channel_id
                """,
                100,
            )
        )
        console.print(
            render(
                con,
                """
                select source,
                       count(*) filter (where status not in ('unrecognised', 'skipped')) as files,
                       sum(rows_read) as read, sum(rows_loaded) as loaded,
                       sum(rows_replaced) as replaced, sum(rows_quarantined) as quarantined,
                       count(*) filter (where status in ('unrecognised', 'skipped')) as not_read
                from ops.ingestion_log group by source order by source nulls last
                """,
                100,
            )
        )
