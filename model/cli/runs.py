"""`runs list|show|rm|query`: the catalogue of run folders (the figures come from model.catalogue).

model.catalogue (and through it DuckDB and pyarrow) is imported inside the commands, so that
`e2eopt --help` does not load it.
"""

from __future__ import annotations

import csv
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Column, Table
from rich.text import Text

from model.cli.common import EXIT, app, emit_json, err, out, print_stdout
from model.formatting import is_missing, money, plural

if TYPE_CHECKING:
    from model.catalogue import Answer, Catalogue, Entry

runs_app = typer.Typer(
    no_args_is_help=True,
    help="The catalogue of run folders: list them, show one, remove some, or query all their tables with SQL.",
    short_help="The catalogue of run folders: list, show, remove, query with SQL.",
)
app.add_typer(runs_app, name="runs")

RunsOption = Annotated[
    Path,
    typer.Option("--runs", metavar="DIR", help="The folder the runs were written to (solve's --out)."),
]
SHOWN = 200
"""Most rows `runs query` prints as a table; --format csv or json gives them all."""


def _catalogue(runs: Path) -> Catalogue:
    """The runs folder's catalogue, or exit 2 saying why it cannot be read."""
    from model.catalogue import CatalogueError, scan

    try:
        return scan(runs)
    except CatalogueError as error:
        err.print(f"error: {error}")
        raise typer.Exit(EXIT["bad_input"]) from None


@runs_app.command(name="list")
def list_command(
    runs: RunsOption = Path("runs"),
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON document on stdout: a list of runs, every field.")
    ] = False,
) -> None:
    """List the runs, sweeps and frontiers under DIR, oldest first.

    Each with its time, status, total cost, input and overrides; damaged folders with what is wrong."""
    catalogue = _catalogue(runs)
    if as_json:
        emit_json([entry.as_dict() for entry in catalogue.entries])
        return
    if not catalogue.entries:
        out.print(f"No runs in {runs}.", soft_wrap=True)
    else:
        out.print(_list_table(catalogue))
    if catalogue.skipped:
        names = ", ".join(p.name for p in catalogue.skipped[:5]) + (", ..." if len(catalogue.skipped) > 5 else "")
        err.print(f"Not runs, left out: {plural(len(catalogue.skipped), 'folder')} ({names}).")


def _list_table(catalogue: Catalogue) -> Table:
    table = Table(
        Column("name", overflow="fold"),  # whole, to be copied: folded, never cut
        Column("created (UTC)", no_wrap=True),
        Column("kind", no_wrap=True),
        "status",
        Column("total cost", justify="right", no_wrap=True),
        "input",
        Column("overrides", overflow="fold"),
        title=Text(f"{plural(len(catalogue.entries), 'folder')} in {catalogue.root}"),
        title_justify="left",
        caption="input: the first 8 hex digits of the SHA-256 of the scenario solved (the base's for a sweep)",
    )
    for entry in catalogue.entries:
        table.add_row(
            *(
                Text(cell)
                for cell in (
                    entry.name,
                    _time(entry.created),
                    _kind(entry),
                    (entry.problem if entry.kind == "damaged" else entry.status) or "-",
                    money(entry.total_cost, entry.currency or ""),
                    (entry.scenario_sha256 or entry.file_sha256 or "-")[:8],
                    _short(", ".join(entry.overrides) or entry.label or "-"),
                )
            )
        )
    return table


def _kind(entry: Entry) -> str:
    if entry.points is not None:
        return f"{entry.kind} ({plural(entry.points, 'point')})"
    return entry.kind


def _time(created: str) -> str:
    """'2026-12-05 14:41' from ISO 8601 UTC; '-' when unknown."""
    try:
        return datetime.fromisoformat(created).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return "-"


def _short(text: str, width: int = 120) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


@runs_app.command(name="show")
def show_command(
    run: Annotated[
        str, typer.Argument(metavar="RUN", help="A run folder: its path, or its name under --runs.", show_default=False)
    ],
    runs: RunsOption = Path("runs"),
) -> None:
    """Show one run in words.

    Its status, cost, input, command, overrides, and its tables with their rows."""
    from model.catalogue import CatalogueError, find, table_rows

    try:
        entry = find(runs, run)
    except CatalogueError as error:
        err.print(f"error: {error}")
        raise typer.Exit(EXIT["bad_input"]) from None
    for line in _described(entry):
        out.print(line, soft_wrap=True)
    if entry.kind == "damaged":
        raise typer.Exit(EXIT["bad_input"])
    rows = table_rows(entry)
    if rows:
        listed = ", ".join(f"{name} {count:,}" for name, count in rows.items())
        out.print(f"Tables (rows): {listed}", soft_wrap=True)


def _described(entry: Entry) -> list[str]:
    """What the catalogue knows of the entry, one fact a line."""
    lines = [f"{entry.kind.capitalize()} {entry.name} ({entry.path})"]
    if entry.kind == "damaged":
        return [*lines, f"Damaged: {entry.problem}. `e2eopt runs rm` removes it."]
    lines.append(f"Scenario: {entry.scenario or '-'}, written {_time(entry.created)} UTC")
    lines.append(f"Status: {entry.status or '-'}")
    if entry.kind in ("run", "point"):
        message = entry.summary.get("message")
        if entry.total_cost is not None:
            periods = entry.summary.get("periods")
            count = len(periods) if isinstance(periods, list) else periods
            over = f" over {plural(count, 'period')}" if isinstance(count, int) else ""
            lines.append(f"Total cost: {money(entry.total_cost, entry.currency or '')}{over}")
        if isinstance(message, str) and message:
            lines.append(f"Solver: {message}")
        for sentence in entry.summary.get("diagnosis") or []:
            lines.append(f"Diagnosis: {sentence}")
    if entry.points is not None:
        lines.append(f"Points: {entry.points:,}")
    lines.append(f"Input: {entry.file or '-'}")
    for what, digest in (("file", entry.file_sha256), ("scenario", entry.scenario_sha256)):
        if digest:
            lines.append(f"  {what} SHA-256: {digest}")
    command = entry.summary.get("command")
    if isinstance(command, list):
        import shlex

        lines.append(f"Command: {shlex.join(str(part) for part in command)}")
    lines.extend(_overrides(entry))
    return lines


def _overrides(entry: Entry) -> list[str]:
    """Each override the run applied, where it was written and how many fields it changed."""
    applied = [o for o in entry.summary.get("overrides") or [] if isinstance(o, dict)]
    if entry.kind == "sweep":
        return [f"Axis: {axis}" for axis in entry.overrides]
    if entry.kind == "frontier":
        return [f"Varied: {entry.overrides[0]}"] if entry.overrides else []
    if not applied:
        return [f"Overrides: none (solved again from a run labelled {entry.label})"] if entry.label else []
    lines = [f"Overrides ({len(applied)}):"]
    for item in applied:
        value = "removed" if item.get("value") == "removed" else f"= {item.get('value')}"
        changed = item.get("fields_changed")
        count = f"; {plural(changed, 'field')} changed" if isinstance(changed, int) else ""
        lines.append(f"  {item.get('override')} {value} ({item.get('origin')}{count})")
    return lines


@runs_app.command(name="rm")
def rm_command(
    run: Annotated[
        list[str],
        typer.Argument(metavar="RUN", help="Run folders to remove: paths, or names under --runs.", show_default=False),
    ],
    runs: RunsOption = Path("runs"),
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Remove without asking.")] = False,
) -> None:
    """Remove run, sweep and frontier folders (asks first).

    Only folders e2eopt wrote are removed; a sweep's point goes only with its sweep."""
    from model.catalogue import CatalogueError, find, refusal, remove

    try:
        entries = [find(runs, name) for name in dict.fromkeys(run)]
        for entry in entries:
            refused = refusal(entry)
            if refused is not None:
                raise CatalogueError(f"{entry.name}: {refused}")
    except CatalogueError as error:
        err.print(f"error: {error}; nothing was removed.")
        raise typer.Exit(EXIT["bad_input"]) from None
    for entry in entries:
        out.print(f"  {entry.path} ({_kind(entry)}, {_time(entry.created)} UTC)", soft_wrap=True)
    if not yes:
        _confirm(len(entries))
    for entry in entries:
        try:
            remove(entry)
        except (CatalogueError, OSError) as error:
            err.print(f"error: {entry.path}: {error}; the folders after it were not removed.")
            raise typer.Exit(EXIT["bad_input"] if isinstance(error, CatalogueError) else EXIT["write_error"]) from None
        out.print(f"Removed {entry.path}", soft_wrap=True)


def _confirm(count: int) -> None:
    """Ask y/N on a terminal; refuse (exit 2) when nobody can answer: stdin is no terminal."""
    if not sys.stdin.isatty():
        err.print("error: not removing without --yes: stdin is not a terminal to ask on.")
        raise typer.Exit(EXIT["bad_input"])
    print_stdout(f"Remove {plural(count, 'folder')}? [y/N]: ")
    answer = sys.stdin.readline()  # '' at the end of input: no; Ctrl-C ends the command (130) as anywhere
    if answer.strip().lower() not in ("y", "yes"):
        out.print("Nothing was removed.", soft_wrap=True)
        raise typer.Exit(EXIT["error"])


@runs_app.command(name="query")
def query_command(
    sql: Annotated[
        str,
        typer.Argument(
            metavar="SQL",
            help="SQL (DuckDB) over the views: runs, points, frontier, and each result table "
            "(costs, staffing, demand_kpis, ...) across every run, with a leading run column.",
            show_default=False,
        ),
    ],
    runs: RunsOption = Path("runs"),
    output: Annotated[
        str,
        typer.Option(
            "--format", metavar="table|csv|json", help="table (units in the header), csv, or one JSON document."
        ),
    ] = "table",
) -> None:
    """Query every run's tables with SQL (DuckDB).

    For example: "select run, sum(amount) as amount from costs group by run"."""
    from model.catalogue import CatalogueError, query

    if output not in ("table", "csv", "json"):
        err.print(f"error: --format {output!r}: expected table, csv or json.")
        raise typer.Exit(EXIT["bad_input"])
    catalogue = _catalogue(runs)
    try:
        answer = query(catalogue, sql)
    except CatalogueError as error:
        err.print(f"error: the query failed: {error}")
        raise typer.Exit(EXIT["bad_input"]) from None
    damaged = [e.name for e in [*catalogue.entries, *catalogue.points] if e.kind == "damaged"]
    if damaged:
        err.print(f"Left out, damaged: {', '.join(damaged)} (`e2eopt runs list` says why).")
    if output == "csv":
        _write_csv(answer)
    elif output == "json":
        rows = [dict(zip(answer.columns, row)) for row in answer.rows]
        emit_json({"columns": answer.columns, "units": answer.units, "rows": rows})
    else:
        _print_answer(answer)


def _write_csv(answer: Answer) -> None:
    """The rows as CSV on stdout, header first; a null is an empty cell. Through the pipe-safe stdout:
    a reader that goes early (`| head -1`) ends the output quietly, not the command with an error."""
    stream = out.file
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(answer.columns)
    writer.writerows(["" if value is None else value for value in row] for row in answer.rows)
    stream.flush()


def _print_answer(answer: Answer) -> None:
    """The rows as a table, each header with its unit when known; money with two decimals."""
    if not answer.columns:
        out.print("Done (the statement returns no rows).", soft_wrap=True)
        return
    headers = [f"{c} ({answer.units[c]})" if c in answer.units else c for c in answer.columns]
    table = Table(*(Column(header=Text(h)) for h in headers), title_justify="left")  # Text: never read as markup
    for row in answer.rows[:SHOWN]:
        table.add_row(*(Text(_cell(value, c in answer.money)) for c, value in zip(answer.columns, row)))
    shown = min(len(answer.rows), SHOWN)
    table.caption = Text(
        plural(len(answer.rows), "row")
        + (f", the first {shown:,} shown (--format csv for all)" if shown < len(answer.rows) else "")
    )
    out.print(table)


def _cell(value: object, is_money: bool) -> str:
    """A value as a reader takes it: money with 2 decimals and thousands separators, other floats with
    up to 10 significant digits (no float noise), nulls, NaN and infinities as '-'."""
    if value is None:
        return "-"
    if isinstance(value, float):
        if is_missing(value):
            return "-"
        return money(value) if is_money else f"{value:.10g}"
    return str(value)
