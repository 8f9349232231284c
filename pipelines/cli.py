"""The `omnistock` command: generate a brand, run the pipeline, query the warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="omnistock: an open analytics lakehouse for omni-channel 'one inventory' retail.",
    no_args_is_help=True,
    add_completion=False,
)

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data folder (default: $OMNISTOCK_DATA_DIR, else data/)."),
]
LiveOption = Annotated[
    bool,
    typer.Option(
        "--live",
        help="Read the warehouse file builds write, not the copy the last successful build published "
        "(fails while a build runs).",
    ),
]


@app.command()
def generate(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Data folder to write landing/ and truth/ into (default: the configured data folder)."
        ),
    ] = None,
    scale: Annotated[str, typer.Option(help="small | default | double11")] = "default",
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same bytes.")] = 7,
    start: Annotated[
        str | None, typer.Option(help="First simulated day, YYYY-MM-DD (default depends on the scale).")
    ] = None,
    days: Annotated[int | None, typer.Option(help="Number of simulated days (default depends on the scale).")] = None,
) -> None:
    """Write a simulated beauty brand's landing files, and its ground truth under truth/."""
    from pipelines.generate import generate as run_generator
    from pipelines.settings import data_dir

    target = (out or data_dir()).expanduser().resolve()
    summary = run_generator(
        target,
        scale=scale,
        seed=seed,
        start=date.fromisoformat(start) if start else None,
        days=days,
        show_progress=True,
    )
    typer.echo(f"Wrote {sum(summary.rows.values()):,} rows to {target / 'landing'}")
    for source, rows in sorted(summary.rows.items()):
        typer.echo(f"  {source:<20} {rows:>12,}")
    typer.echo(f"Ground truth (never read by the pipeline): {target / 'truth'}")


@app.command()
def run(
    data_dir: DataDirOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show every Dagster and dbt event.")] = False,
    full_refresh: Annotated[
        bool,
        typer.Option(
            "--full-refresh",
            help="Forget what was ingested and read every landing file again (files archived away are dropped).",
        ),
    ] = False,
) -> None:
    """Materialize every asset once: ingest what landed since the last run, then build the warehouse with dbt."""
    from rich.console import Console

    from pipelines.run_owner import stoppable_by_sigterm
    from pipelines.runner import materialize_everything

    stoppable_by_sigterm()
    with Console(stderr=True).status("Ingesting the landing zone and building the warehouse with dbt ..."):
        outcome = materialize_everything(data_dir, verbose=verbose, full_refresh=full_refresh)
    typer.echo(outcome.summary())
    if not outcome.success:
        raise typer.Exit(code=1)


@app.command()
def sql(
    query: Annotated[str | None, typer.Argument(help="One SQL query; omit it for an interactive prompt.")] = None,
    data_dir: DataDirOption = None,
    max_rows: Annotated[int, typer.Option(help="Rows to print at most.")] = 50,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write the query's whole result to this .csv or .parquet file instead of printing it."
        ),
    ] = None,
    live: LiveOption = False,
) -> None:
    """Query the warehouse read-only, e.g. omnistock sql "select * from marts.inventory_sales_layer limit 5".

    It reads the copy of the warehouse the last successful build published, so it works while a
    build runs. The query reads the warehouse and nothing else: no file is read or written by SQL
    (COPY, read_csv, ATTACH and the like are refused); --out exports a result."""
    from pipelines.query import interactive, print_query

    if query:
        raise typer.Exit(code=print_query(query, data_dir, max_rows, out, live))
    if out:
        typer.echo('--out needs a query: omnistock sql "select ..." --out FILE.csv', err=True)
        raise typer.Exit(code=2)
    interactive(data_dir, max_rows, live)


@app.command()
def summary(data_dir: DataDirOption = None, live: LiveOption = False) -> None:
    """Print what the warehouse holds (as the last successful build published it): row counts of the marts
    and the ingestion totals."""
    from pipelines.query import print_summary

    print_summary(data_dir, live)


@app.command()
def docs(
    data_dir: DataDirOption = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 to serve the docs on.")] = 8080,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the docs after generating them.")] = True,
) -> None:
    """Generate dbt's documentation of the warehouse (every mart, column, test and lineage) and serve it on 127.0.0.1.

    It reads the copy of the warehouse the last successful build published, so it works while a build
    runs. The site is written to <data>/dbt_docs/site/ (static_index.html there opens without a server)."""
    from pipelines.dbt_docs import docs_server, generate_docs
    from pipelines.settings import Paths
    from pipelines.settings import data_dir as configured_data_dir

    where = Paths(configured_data_dir(data_dir))
    try:
        site = generate_docs(where)
    except (FileNotFoundError, RuntimeError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=1) from exc
    typer.echo(f"dbt docs written to {site} (one file: {site / 'static_index.html'})")
    if not serve:
        return
    server = docs_server(site, port)
    typer.echo(f"Serving on http://{server.server_address[0]}:{server.server_address[1]}/ (Ctrl+C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@app.command("accept-delivery")
def accept_delivery(
    file: Annotated[
        str, typer.Argument(help="The held file, as named in its alert or in ops.quarantine (e.g. orders/2026-11.csv).")
    ],
    data_dir: DataDirOption = None,
) -> None:
    """Accept a held re-delivery (a loaded file that came back unreadable, empty or much smaller).

    The next run loads it as it is now.
    """
    from pipelines.ingest.discover import source_deliveries
    from pipelines.ingest.load import accept_held_delivery
    from pipelines.settings import Paths, paths

    where = Paths(data_dir.expanduser().resolve()) if data_dir else paths()
    try:
        source, name = accept_held_delivery(where.raw, file, lambda source: source_deliveries(where, source))
    except LookupError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=1) from exc
    typer.echo(
        f"Accepted {name} ({source}): the next `omnistock run` replaces the version loaded with it as it is now "
        "and resolves its alert. If the file changes again first, it is judged again."
    )


if __name__ == "__main__":
    app()
