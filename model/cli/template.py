"""`template` and `import`: a scenario as an Excel workbook for planners, and the workbook back as a
scenario file (the work is model.scenario.excel's; openpyxl is imported only when a command runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from model.cli.common import (
    EXIT,
    JsonOption,
    QuietOption,
    app,
    check_out_file,
    emit_json,
    err,
    load_resolved,
    output_mode,
    refuse_scenario,
    written,
)
from model.errors import ScenarioError


@app.command(name="template", short_help="Write a scenario as an Excel workbook to edit.")
def template_command(
    scenario: Annotated[
        Path,
        typer.Argument(
            metavar="SCENARIO",
            help="Scenario YAML file, or a what-if file (extends:), written resolved.",
            show_default=False,
        ),
    ],
    xlsx: Annotated[
        Path,
        typer.Option(
            "--xlsx", metavar="BOOK.xlsx", help="The workbook to write (whole or not at all).", show_default=False
        ),
    ],
    json_document: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Write a scenario as an Excel workbook: one sheet per section (stages, roles, nodes, work, staff,
    stock, queues, arcs, demands, volumes per period, solver), units in the headers, drop-downs on every
    cell that names a node, role, stage or demand, ranges on numbers, and a notes sheet. Edit it, then
    read it back with `e2eopt import BOOK.xlsx --out SCENARIO.yaml`.

    With --quiet: only the workbook's path (and errors)."""
    output_mode(json_document, quiet)
    if xlsx.suffix.lower() != ".xlsx":
        err.print(f"error: --xlsx {xlsx}: the workbook's name must end in .xlsx; nothing was written.")
        raise typer.Exit(EXIT["bad_input"])
    check_out_file(xlsx, "--xlsx")  # exit 2 before any work, saying what is wrong with the place
    resolved = load_resolved(scenario)
    from model.cli.solve import _write_whole  # the one whole-or-nothing file writer of the command line
    from model.scenario.excel import write_template
    from model.scenario.schema import with_current_names

    data = with_current_names(resolved.data)
    _write_whole(lambda path: write_template(data, path, source_name=str(scenario)), xlsx, "--xlsx")
    if json_document:
        emit_json({"workbook": str(xlsx), "scenario": resolved.scenario.name, "source": str(scenario)})
    written("Workbook", xlsx)


@app.command(name="import", short_help="Read an Excel workbook back into a scenario file.")
def import_command(
    book: Annotated[
        Path,
        typer.Argument(
            metavar="BOOK.xlsx", help="A workbook written by `e2eopt template`, edited.", show_default=False
        ),
    ],
    out_file: Annotated[
        Path,
        typer.Option("--out", metavar="SCENARIO.yaml", help="The scenario file to write (whole or not at all)."),
    ],
    json_document: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Read a workbook (as `e2eopt template` writes it) back into a scenario YAML file, validated as
    `e2eopt validate` validates a file. Every problem names the sheet, row and column (and the field
    path, as a YAML file's problem would); then exit 2 and nothing is written.

    With --quiet: only the scenario file's path (and errors)."""
    from model.scenario.excel import read_workbook
    from model.scenario.loader import read_file

    output_mode(json_document, quiet)
    check_out_file(out_file)
    try:
        text = read_workbook(read_file(book, str(book)), str(book))
    except ScenarioError as error:
        refuse_scenario(error)
    from model.cli.solve import _write_whole

    def write(path: Path) -> None:
        path.write_bytes(text)

    _write_whole(write, out_file)
    if json_document:
        emit_json({"valid": True, "workbook": str(book), "scenario_file": str(out_file)})
    written("Scenario file", out_file)
