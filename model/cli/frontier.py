"""`frontier`: the cost of a quality or response-time target over a series of values (model.frontier).

model.frontier (the optimiser) and pandas are imported inside the functions that use them, so that
`e2eopt --help` does not load them.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.table import Table

from model.cli.common import (
    EXIT,
    QuietOption,
    ScenarioFile,
    app,
    check_out,
    err,
    load_resolved,
    out,
    output_mode,
    styled,
    write_failed,
    written,
)
from model.formatting import money

if TYPE_CHECKING:
    import pandas as pd


def plot_available() -> bool:
    """model.frontier.plot_available, looked up here (tests replace it) without importing model.frontier at start."""
    from model.frontier import plot_available as available

    return available()


@app.command(name="frontier", short_help="The cost of a quality or response-time target, point by point.")
def frontier_command(
    file: ScenarioFile,
    vary: Annotated[
        str,
        typer.Option(
            "--vary",
            metavar="FIELD=VALUES",
            show_default=False,
            help="FIELD=START:STOP:STEP (stop included) or FIELD=V1,V2,...; FIELD is min_quality or "
            "max_mean_response_time, e.g. 'min_quality=0.90:0.99:0.01'.",
        ),
    ],
    demand: Annotated[
        list[str] | None,
        typer.Option(
            "--demand",
            metavar="NAME",
            help="Demand whose target is varied (repeat for several); it must have that target.",
        ),
    ] = None,
    all_demands: Annotated[
        bool, typer.Option("--all-demands", help="Set every demand's target to each value (the whole chain).")
    ] = False,
    out_dir: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="Folder that receives the frontier folder.")
    ] = Path("runs"),
    plot: Annotated[bool, typer.Option("--plot", help="Also save frontier.png and frontier.svg (matplotlib).")] = False,
    quiet: QuietOption = False,
) -> None:
    """Solve the scenario for each value of a target and write the cost-versus-target table, with the
    marginal cost at each point from the duals, cross-checked against the slopes between neighbours.

    Exit 0 when every point was solved (infeasible targets are part of a frontier), 1 when a point
    ended in a solver error or a failed check, 2 for bad input (nothing is written). With --quiet:
    only the frontier folder's path (and errors).
    """
    from model.cli.progress import Points
    from model.frontier import frontier, parse_vary, write_frontier

    output_mode(quiet=quiet)
    if bool(demand) == all_demands:
        _bad_input("give --demand D (one or more) or --all-demands, not both and not neither")
    if plot and not plot_available():
        _bad_input("--plot needs matplotlib: pip install -e '.[plot]'")
    check_out(out_dir)
    resolved = load_resolved(file)
    scenario, raw = resolved.scenario, resolved.text
    given = next(iter(resolved.inputs.values()), None)
    try:
        try:
            field, values = parse_vary(vary)
            with Points(f"Frontier of {field} for {scenario.name}", len(values)) as progress:
                table = frontier(
                    scenario,
                    field,
                    values,
                    None if all_demands else demand,
                    on_point=lambda done, total: progress.advance(),
                )
        except ValueError as error:
            _bad_input(str(error))
        command = ["e2eopt", *sys.argv[1:]]
        try:
            folder = write_frontier(table, scenario, raw, str(file), out_dir, command, plot, file_bytes=given)
        except OSError as error:  # a full disk, most often: the curve goes to the screen, then exit 6
            out.print(_table(table, scenario.scenario.time_unit, scenario.scenario.objective))
            write_failed(error, "the frontier folder", out_dir, "The curve is above.")
    except KeyboardInterrupt:
        err.print("Interrupted: nothing was written.")
        raise typer.Exit(EXIT["interrupted"]) from None
    out.print(_table(table, scenario.scenario.time_unit, scenario.scenario.objective))
    _print_checks(table)
    written("Frontier folder", folder)
    raise typer.Exit(EXIT["error"] if table.status.eq("error").any() else EXIT["optimal"])


def _bad_input(message: str) -> NoReturn:
    err.print(message)
    raise typer.Exit(EXIT["bad_input"])


def _table(table: pd.DataFrame, time_unit: str, objective: str = "cost") -> Table:
    """The curve, one row per point; money per step in short units (EUR/pt, EUR/h) the caption spells out.
    Under `objective: margin` (some demand priced) also the margin and the LP's objective, cost + revenue
    forgone, which the marginal costs and slopes are of; the total cost is the true cost."""
    from model.explain.sensitivity import TIME_ABBREVIATION
    from model.frontier import shown_target

    field, currency = str(table.field.iat[0]), str(table.currency.iat[0])
    quality = field == "min_quality"
    short = TIME_ABBREVIATION[time_unit]
    per = f"{currency}/pt" if quality else f"{currency}/{short}"
    meaning = (
        f"{currency} per percentage point: the cost of raising min_quality by one point"
        if quality
        else f"{currency} per {time_unit}: the cost of tightening max_mean_response_time by one {time_unit}"
    )
    target_unit = "%" if quality else short
    margin = objective == "margin" and bool(table.margin.notna().any())
    money_columns = [f"total cost ({currency})"]
    if margin:
        money_columns += [f"margin ({currency})", f"cost + revenue forgone ({currency})"]
    view = Table(
        f"target ({target_unit})",
        "status",
        *money_columns,
        f"marginal ({per})",
        f"left ({per})",
        f"right ({per})",
        f"basis ({target_unit})",
        "check",
        title=f"Cost of {field} for {table.demands.iat[0]}",
        title_justify="left",
        caption=f"{per} = {meaning}"
        + (", in cost + revenue forgone (the margin's negative)" if margin else "")
        + ". Marginal: from the duals; left, right: finite-difference slopes to "
        "the neighbouring points; basis: the targets over which the point's optimal basis holds.",
        caption_justify="left",
    )
    targets, scale = shown_target(table), 100.0 if quality else 1.0
    for i, row in enumerate(table.itertuples()):
        view.add_row(
            f"{targets[i]:g}",
            row.status,
            money(row.total_cost),
            *([money(row.margin), money(row.objective)] if margin else []),
            money(row.marginal_cost),
            money(row.slope_left),
            money(row.slope_right),
            _range(row.basis_from * scale, row.basis_to * scale),
            row.dual_check or "-",
        )
    return view


def _range(low: float, high: float) -> str:
    import pandas as pd

    if pd.isna(low) or pd.isna(high):
        return "-"
    return f"{low:,.4g} to {high:,.4g}" if math.isfinite(high) else f"{low:,.4g} upwards"


def _print_checks(table: pd.DataFrame) -> None:
    """One line on the cross-check: how many marginal costs equal or are bounded by the slopes."""
    checks = table.dual_check[table.dual_check != ""].value_counts()
    if not len(checks):
        return
    out.print(
        "Marginal cost against the slopes to the neighbours: "
        + ", ".join(f"{count} {name}" for name, count in checks.items())
        + " (equal: a neighbour lies where the point's basis holds; between: a kink lies between them"
        + (
            "; backlog/unmet: the target also scales backlog or unmet units there, so neither test applies"
            if "backlog/unmet" in checks
            else ""
        )
        + ")."
    )
    if checks.get("mismatch", 0):
        out.print(styled(("A mismatch means a marginal cost the slopes contradict: please report it.", "red")))
