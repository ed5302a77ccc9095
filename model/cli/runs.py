"""`runs list|show|rm|query`: the catalogue of run folders (the figures come from model.catalogue).

model.catalogue (and through it DuckDB and pyarrow) is imported inside the commands, so that
`e2eopt --help` does not load it.
"""

from __future__ import annotations

import csv
import sys
import textwrap
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Column, Table
from rich.text import Text

from model.cli.common import EXIT, app, emit_json, err, out, print_stdout
from model.formatting import is_missing, money, number, plural

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

    On a terminal: each name whole, then its time, kind, status, total cost and input, and its
    overrides. Piped: one tab-separated line a run, with a header (for grep, cut, awk)."""
    catalogue = _catalogue(runs)
    if as_json:
        emit_json([entry.as_dict() for entry in catalogue.entries])
    elif not out.file.isatty():
        print_stdout(_list_tsv(catalogue))
        if not catalogue.entries:
            err.print(f"No runs in {runs}.")
    elif not catalogue.entries:
        out.print(f"No runs in {runs}.", soft_wrap=True)
    else:
        for line, style in _list_lines(catalogue, out.width):
            out.print(Text(line, style=style), soft_wrap=True)
    if catalogue.skipped:
        names = ", ".join(p.name for p in catalogue.skipped[:5]) + (", ..." if len(catalogue.skipped) > 5 else "")
        err.print(f"Not runs, left out: {plural(len(catalogue.skipped), 'folder')} ({names}).")


LIST_HEADERS = ("written (UTC)", "kind", "status", "total cost", "input")
"""The columns of `runs list` on a terminal, after the name (status wraps at words: it is the one
that can be long, a damaged folder's problem)."""
GAP = "  "
INDENT = "  "
TSV_HEADERS = (
    "name",
    "created_utc",
    "kind",
    "status",
    "total_cost",
    "currency",
    "scenario_sha256",
    "overrides",
    "revenue",
    "margin",
    "rework_cost",
)
"""The columns of `runs list` piped: one line a run, tab-separated (README, The catalogue of runs)."""


def _list_lines(catalogue: Catalogue, width: int) -> list[tuple[str, str]]:
    """`runs list` on a terminal `width` columns wide, as (line, style) pairs. A run's name is never
    wrapped nor cut: when the names do not fit beside the other columns, each name has a line of its
    own and its figures follow on the next, indented; the overrides, if any, on a line below."""
    entries = catalogue.entries
    headers, cells = LIST_HEADERS, [_list_cells(entry) for entry in entries]
    widths = [max(len(header), *(len(row[i]) for row in cells)) for i, header in enumerate(headers)]
    others = sum(widths) - widths[2] + len(GAP) * (len(widths) - 1)
    name_width = max(len("name"), *(len(entry.name) for entry in entries))
    one_line = name_width + len(GAP) + others + widths[2] <= width
    if len(INDENT) + others + min(widths[2], 10) > width:  # a narrow terminal: the input goes (runs show has it)
        headers, cells = (*headers[:4], ""), [(*row[:4], "") for row in cells]
        others, widths[4] = others - widths[4] - len(GAP), 0
    lead = name_width + len(GAP) if one_line else len(INDENT)
    widths[2] = max(min(widths[2], 10), min(widths[2], width - lead - others))
    header = _aligned(headers, widths)
    lines = [(_title(catalogue), "bold")]
    if one_line:
        lines.append(("name".ljust(name_width) + GAP + header[0], "bold"))
    else:
        lines += [("name", "bold"), (INDENT + header[0], "bold")]
    for entry, row in zip(entries, cells):
        figures = _aligned(row, widths)
        if one_line:
            lines.append((entry.name.ljust(name_width) + GAP + figures[0], ""))
            lines += [(" " * lead + line, "") for line in figures[1:]]
        else:
            lines.append((entry.name, "bold"))
            lines += [(INDENT + line, "") for line in figures]
        earned = _earned(entry)
        if earned:
            lines += [(line, "") for line in _wrapped(earned, width, INDENT)]
        shown = _overrides_shown(entry)
        if shown:
            lines += [(line, "") for line in _wrapped(f"overrides: {shown}", width, INDENT)]
    note = "input: the scenario's SHA-256, its first 8 hex digits (a sweep's: of its base)."
    return [*lines, *((line, "dim") for line in _wrapped(note, width, "") if headers[4])]


def _title(catalogue: Catalogue) -> str:
    return f"{plural(len(catalogue.entries), 'folder')} in {catalogue.root}, oldest first"


def _list_cells(entry: Entry) -> tuple[str, str, str, str, str]:
    """An entry's cells on a terminal, in the order of LIST_HEADERS."""
    status = (entry.problem if entry.kind == "damaged" else entry.status) or "-"
    digest = (entry.scenario_sha256 or entry.file_sha256 or "-")[:8]
    return _time(entry.created), entry.kind, status, money(entry.total_cost, entry.currency or ""), digest


def _aligned(cells: Sequence[str], widths: Sequence[int]) -> list[str]:
    """One row's cells in columns of `widths` (the status, third, wrapped at words; the total cost,
    fourth, to the right), as one line or more; no trailing spaces."""
    status = textwrap.wrap(cells[2], widths[2], break_on_hyphens=False) or [""]
    lines = []
    for index, part in enumerate(status):
        row = list(cells) if index == 0 else ["", "", part, "", ""]
        row[2] = part
        padded = [cell.rjust(w) if column == 3 else cell.ljust(w) for column, (cell, w) in enumerate(zip(row, widths))]
        lines.append(GAP.join(padded).rstrip())
    return lines


def _wrapped(text: str, width: int, indent: str) -> list[str]:
    """`text` in lines of at most `width`, indented; the lines after the first indented twice as much."""
    return textwrap.wrap(
        text, width, initial_indent=indent, subsequent_indent=indent * 2 or INDENT, break_on_hyphens=False
    )


def _earned(entry: Entry) -> str:
    """A run's revenue and margin (some demand has a price) and its rework cost (it reworks), in
    short, for the line below its figures in `runs list`; '' when it has none of them."""
    currency = entry.currency or ""
    parts = []
    if entry.revenue is not None and entry.margin is not None:
        parts.append(f"revenue {money(entry.revenue, currency)}, margin {money(entry.margin, currency)}")
    if entry.rework_cost is not None:
        parts.append(f"rework cost {money(entry.rework_cost, currency)}")
    return "; ".join(parts)


def _overrides_shown(entry: Entry) -> str:
    """What the run changed, in short: the overrides it recorded (a what-if file by its stem, `--set`
    as typed, a sweep's axes); for a run solved again from a what-if's folder, which records none of
    its own, the label it kept from that run (summary.json `label`, in its folder's name too)."""
    if entry.overrides:
        return ", ".join(entry.overrides)
    return f"{entry.label} (label)" if entry.label else ""


def _list_tsv(catalogue: Catalogue) -> str:
    """`runs list` for programs: a header, then one line a run, tab-separated, nothing wrapped or cut;
    an empty cell where there is nothing (a sweep's total cost); money at full precision."""
    lines = ["\t".join(TSV_HEADERS)]
    for entry in catalogue.entries:
        cells = (
            entry.name,
            entry.created,
            entry.kind,
            (entry.problem if entry.kind == "damaged" else entry.status) or "",
            "" if entry.total_cost is None else repr(entry.total_cost),
            entry.currency or "",
            entry.scenario_sha256 or entry.file_sha256 or "",
            _overrides_shown(entry),
            *("" if figure is None else repr(figure) for figure in (entry.revenue, entry.margin, entry.rework_cost)),
        )
        lines.append("\t".join(" ".join(cell.split()) for cell in cells))  # no tab or newline inside a cell
    return "\n".join(lines) + "\n"


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
        lines.extend(_profit_lines(entry))
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
    command = _command(entry)
    if command:
        lines.append(f"Command{' (solves this sweep point again)' if entry.kind == 'point' else ''}: {command}")
    lines.extend(_overrides(entry))
    return lines


def _profit_lines(entry: Entry) -> list[str]:
    """`runs show`'s revenue and margin (when some demand has a price; under `objective: margin` the
    LP's objective is cost + revenue forgone) and the rework cost (when the run reworks)."""
    currency, lines = entry.currency or "", []
    if entry.revenue is not None and entry.margin is not None:
        profit = _mapping_of(entry.summary.get("profit"))
        how = ", maximised (objective: margin)" if profit.get("objective") == "margin" else ""
        lines.append(
            f"Revenue: {money(entry.revenue, currency)}; margin (revenue - total cost): "
            f"{money(entry.margin, currency)}{how}"
        )
    if entry.rework_cost is not None:
        poor = _mapping_of(entry.summary.get("cost_of_poor_quality"))
        units = poor.get("units_reworked")
        reworked = f" for {number(float(units))} units reworked" if isinstance(units, (int, float)) else ""
        lines.append(
            f"Rework cost (the cost of poor quality the scenario prices): {money(entry.rework_cost, currency)}"
            f"{reworked}; the second passes' processing, hand-offs and staff are in their own categories"
        )
    return lines


def _mapping_of(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _command(entry: Entry) -> str | None:
    """The command that solves the entry again. A sweep's point records how the sweep ran it
    (`e2eopt sweep 'point 0002'`, which no shell can run): its folder holds the point's scenario
    (point.yaml), so `e2eopt solve <the point's folder>` solves it again. Others: as recorded."""
    import shlex

    if entry.kind == "point":
        return f"e2eopt solve {shlex.quote(str(entry.path))}"
    command = entry.summary.get("command")
    return shlex.join(str(part) for part in command) if isinstance(command, list) else None


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
        emit_json({"columns": answer.columns, "units": answer.units, "units_differ": answer.differing, "rows": rows})
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
    for line in _differing(answer):
        out.print(line, markup=False, soft_wrap=True)


def _differing(answer: Answer) -> list[str]:
    """Why a column read from the tables has no unit in the header: the tables read give it several."""
    lines = []
    for column, units in answer.differing.items():
        given = "; ".join(f"{unit or 'none'} in {', '.join(tables)}" for unit, tables in units.items())
        lines.append(f"No unit for {column}: the tables read give it different ones ({given}).")
    return lines


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
