"""Read-only SQL against the warehouse, printed as readable tables."""

from __future__ import annotations

from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from pipelines.settings import Paths, data_dir

console = Console()


def connect(data: Path | None = None) -> duckdb.DuckDBPyConnection:
    warehouse = Paths((data or data_dir()).expanduser().resolve()).warehouse
    if not warehouse.exists():
        raise SystemExit(f"No warehouse at {warehouse}: run `omnistock run` (or `make demo`) first.")
    return duckdb.connect(str(warehouse), read_only=True)


def render(con: duckdb.DuckDBPyConnection, query: str, max_rows: int) -> Table:
    cursor = con.execute(query)
    columns = [d[0] for d in cursor.description] if cursor.description else []
    rows = cursor.fetchmany(max_rows + 1)
    table = Table(*columns, show_lines=False, header_style="bold")
    for row in rows[:max_rows]:
        table.add_row(*("∅" if v is None else str(v) for v in row))
    if len(rows) > max_rows:
        table.caption = f"first {max_rows} rows shown (--max-rows to see more)"
    return table


def print_query(query: str, data: Path | None, max_rows: int) -> int:
    with connect(data) as con:
        try:
            console.print(render(con, query, max_rows))
        except duckdb.Error as exc:
            console.print(f"[red]{exc}[/red]")
            return 1
    return 0


def interactive(data: Path | None, max_rows: int) -> None:
    console.print("omnistock SQL (read-only). End a query with ';'. Try: show all tables; Ctrl-D quits.")
    with connect(data) as con:
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


def print_summary(data: Path | None) -> None:
    with connect(data) as con:
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
                select source, count(*) as files, sum(rows_read) as read, sum(rows_loaded) as loaded,
                       sum(rows_replaced) as replaced, sum(rows_quarantined) as quarantined
                from ops.ingestion_log group by source order by source
                """,
                100,
            )
        )
