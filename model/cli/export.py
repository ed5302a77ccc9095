"""`export`: a run folder's tables as a workbook for finance, rounded CSV files, or the exact Parquet
tables (the work is model.export's; pandas and openpyxl are imported only when the command runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from model.cli.common import EXIT, QuietOption, app, check_out, err, output_mode, write_failed, written

FORMATS = ("xlsx", "csv", "parquet")
"""--format's values (model.export.FORMATS, named here so that `--help` does not import pandas)."""


def _formats(incomplete: str) -> list[str]:
    """Shell completion of --format."""
    return [name for name in FORMATS if name.startswith(incomplete)]


@app.command(name="export", short_help="A run's tables for finance: xlsx workbook, CSV or Parquet.")
def export_command(
    run: Annotated[
        Path, typer.Argument(metavar="RUN", help="Run folder written by `e2eopt solve`.", show_default=False)
    ],
    format_: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="xlsx|csv|parquet",
            autocompletion=_formats,
            help="xlsx: a workbook with units, money rounded to cents that add up; csv: the same rounded "
            "tables as CSV files; parquet: the exact tables. csv and parquet come with columns.csv (the units).",
        ),
    ] = "xlsx",
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE",
            help="Where: a .xlsx file; for csv and parquet a folder, or a .zip file. "
            "Default: RUN/<run>.xlsx, RUN/<run>-csv/ or RUN/<run>-parquet/.",
            show_default=False,
        ),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Export a run's tables for finance: an xlsx workbook (a `run` sheet, then one sheet per table
    with units and number formats), rounded CSV files, or the exact Parquet tables.

    With --quiet: only the path of what was written (and errors)."""
    from model.export import ExportError, check_target, default_target, read_run_tables, write_export

    output_mode(quiet=quiet)
    if format_ not in FORMATS:  # checked here: click's refusal of a choice reads as Python's
        err.print(f"error: --format {format_}: not allowed; choose xlsx, csv or parquet; nothing was written.")
        raise typer.Exit(EXIT["bad_input"])
    try:
        tables = read_run_tables(run)
        target = out_path if out_path is not None else default_target(run, format_)
        check_target(target, format_)
    except ExportError as error:
        err.print(f"error: {error}; nothing was written.")
        raise typer.Exit(EXIT["bad_input"]) from None
    except OSError as error:  # the run folder cannot be read: say which, not a traceback
        err.print(f"error: could not read the run {run}: {error}; nothing was written.")
        raise typer.Exit(EXIT["bad_input"]) from None
    check_out(target.parent, "--out" if out_path is not None else "the run folder (--out)", given=target)
    try:
        path = write_export(tables, format_, target)
    except ExportError as error:  # found before anything is written (a table too long for a worksheet)
        err.print(f"error: {error}; nothing was written.")
        raise typer.Exit(EXIT["bad_input"]) from None
    except OSError as error:  # a full disk, or the place became read-only: nothing is left half-written
        write_failed(error, "the export", target.parent, "")
    written(f"Exported ({format_})", path)
