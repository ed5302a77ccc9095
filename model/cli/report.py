"""`report`: report.html, one self-contained page of charts and sentences about a run, sweep,
frontier or comparison folder, that opens offline (the page is made by model.report).

model.report (plotly, pandas) is imported inside the functions, so that `e2eopt --help` does not load it.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer

from model.cli.common import (
    EXIT,
    MODE,
    QuietOption,
    app,
    check_out,
    check_out_file,
    err,
    output_mode,
    rerun_command,
    written,
)


@app.command(name="report", short_help="Write report.html: charts and sentences of a folder, offline.")
def report_command(
    path: Annotated[
        Path,
        typer.Argument(
            metavar="PATH",
            help="A folder that `e2eopt solve`, `sweep`, `frontier` or `compare` wrote.",
            show_default=False,
        ),
    ],
    base: Annotated[
        Path | None,
        typer.Option(
            "--base",
            metavar="RUN",
            help="A run folder to compare a run with: the total and each stage, difference and %.",
            show_default=False,
        ),
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", metavar="FILE", help="The page to write. Default: PATH/report.html.", show_default=False),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Write report.html: a folder's charts and sentences in one page that opens offline.

    With --quiet: only the page's path (and errors)."""
    from model.report import ReportError, folder_kind, report_target

    output_mode(quiet=quiet)
    try:
        folder_kind(path)
        if out_file is not None:
            check_out_file(out_file)
        target = report_target(path, out_file)
    except ReportError as error:
        err.print(f"error: {error}; nothing was written.")
        raise typer.Exit(EXIT["bad_input"]) from None
    check_out(target.parent, "--out" if out_file is not None else "the folder", given=target)
    written("Report", write_page(path, base, target, rerun_command()))


def write_page(folder: Path, base: Path | None, target: Path, again: str) -> Path:
    """Write the report; a folder that cannot be reported exits 2, a write that fails (a full disk) 6,
    saying the command that writes it (`again`). Either way nothing is left half-written."""
    from model.report import ReportError, write_report
    from model.staging import describe

    try:
        return write_report(folder, base, target)
    except ReportError as error:
        err.print(f"error: {error}; nothing was written.")
        raise typer.Exit(EXIT["bad_input"]) from None
    except OSError as error:
        err.print(
            f"error: {target} could not be written: {describe(error)}; nothing was written. "
            f"Free some space or choose another --out, then run again: {again}",
        )
        raise typer.Exit(EXIT["write_error"]) from None


def report_after_solve(folder: Path) -> None:
    """`e2eopt solve --report`: report.html in the run folder just written. The run folder is
    complete whatever happens here: a report that cannot be written exits 6, saying how to make it.
    With --quiet the run folder's path, printed before, is all (the page is in it: `folder/report.html`),
    so that `folder=$(e2eopt solve x.yaml -q --report)` still holds the run folder."""
    page = write_page(folder, None, folder / "report.html", f"e2eopt report {shlex.quote(str(folder))}")
    if not MODE["quiet"]:
        written("Report", page)
