"""`schema`: the JSON Schema of scenario files, or of what-if files, for editors (model/scenario/json_schema.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from model.cli.common import QuietOption, app, check_out_file, output_mode, print_stdout, written


@app.command(name="schema", short_help="Print the JSON Schema of scenario (or what-if) files.")
def schema_command(
    what_if: Annotated[
        bool,
        typer.Option("--what-if", help="The schema of what-if files (extends, set, remove) instead of scenario files."),
    ] = False,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", metavar="FILE", help="Write the schema to FILE (whole or not at all), not to stdout."),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Print the JSON Schema of scenario files (or, with --what-if, of what-if files) for an editor:
    field descriptions with units and ranges, misspelt fields and wrong types marked as you type."""
    from model.scenario.json_schema import json_schema

    output_mode(quiet=quiet)
    if out_file is not None:
        check_out_file(out_file)  # exit 2 before any work, saying what is wrong with the place
    text = schema_text(json_schema(what_if))
    if out_file is None:
        print_stdout(text)  # a reader that goes early (`| head`) ends it quietly, exit 0
        return
    from model.cli.solve import _write_whole  # the one whole-or-nothing file writer of the command line

    def write(path: Path) -> None:
        path.write_text(text, encoding="utf-8")

    _write_whole(write, out_file)
    written("Schema", out_file)


def schema_text(schema: dict) -> str:
    """The schema as the shipped files hold it (docs/schema/): two-space indents, keys in order, a final newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
