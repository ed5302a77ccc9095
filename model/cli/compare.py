"""`compare`: two run folders side by side, on screen and as CSV (the figures come from model.compare).

model.compare, model.solution and pandas are imported inside the functions that use them, so that
`e2eopt --help` does not load them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from model.cli.common import (
    EXIT,
    MODE,
    JsonOption,
    QuietOption,
    app,
    check_out,
    emit_json,
    err,
    out,
    output_mode,
    write_failed,
    written,
)
from model.formatting import money, number, percent, plural

if TYPE_CHECKING:
    import pandas as pd

    from model.compare import Comparison

RunA = Annotated[
    Path, typer.Argument(metavar="RUN_A", help="Run folder written by `e2eopt solve`: the base.", show_default=False)
]
RunB = Annotated[
    Path, typer.Argument(metavar="RUN_B", help="Run folder to compare with it: the change.", show_default=False)
]
SHOWN = 30
"""Most rows of the input and KPI tables printed; the CSVs hold them all."""


@app.command(name="compare", short_help="Compare two runs: inputs, costs and a bridge of the change.")
def compare_command(
    run_a: RunA,
    run_b: RunB,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Folder that receives the CSVs (replaced if it holds an earlier comparison). "
            "Default: RUN_B/compare-NAME, NAME being RUN_A's folder name.",
            show_default=False,
        ),
    ] = None,
    top: Annotated[
        int, typer.Option(min=1, metavar="N", help="Routing shifts and staffing changes to show and keep.")
    ] = 20,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Compare run B with run A: changed inputs; cost by stage and category and a bridge of the change
    into volume, rate, mix and routing; FTE; routing shifts; each demand's KPIs.

    With --json: the two runs, the currency, the bridge (cost by stage, the change split into volume,
    rate, mix and routing) and the comparison folder, as one document. With --quiet: only the
    comparison folder's path (and errors).
    """
    from model.compare import CompareError, compare, default_folder, write_comparison

    output_mode(json_output, quiet)
    target = out_dir if out_dir is not None else default_folder(run_a, run_b)
    check_out(target.parent, "--out" if out_dir is not None else "the comparison's folder (--out)", given=target)
    try:
        comparison = compare(run_a, run_b, top=top)
    except CompareError as error:
        err.print(f"error: {error}")
        raise typer.Exit(EXIT["bad_input"]) from None
    except OSError as error:  # a run folder that cannot be read: say which, not a traceback
        err.print(f"error: could not read the runs: {error}")
        raise typer.Exit(EXIT["bad_input"]) from None
    try:
        folder = write_comparison(comparison, target)
    except CompareError as error:
        err.print(f"error: {error}")
        raise typer.Exit(EXIT["bad_input"]) from None
    except OSError as error:  # a full disk, or the folder became read-only: the comparison goes to the screen
        report(comparison, top)
        write_failed(error, "the comparison", target.parent, "The comparison is above.")
    if MODE["json"]:
        emit_json(_document(comparison, folder))
    report(comparison, top)
    written("Comparison tables (CSV, units in comparison.json)", folder)


def _document(comparison: Comparison, folder: Path) -> dict:
    """`compare --json`'s document: comparison.json's (the runs, their statuses, currency, units, notes),
    the bridge (its rows as bridge.csv's) and the comparison folder."""
    return {
        **comparison.as_dict(),
        "bridge": comparison.bridge.to_dict("records") if comparison.has_results else [],
        "comparison_folder": str(folder),
    }


def report(comparison: Comparison, top: int) -> None:
    """Everything the comparison found, in the order a reader asks: what changed, what it cost, why."""
    out.print(f"A: {comparison.run_a} ({comparison.status_a})")
    out.print(f"B: {comparison.run_b} ({comparison.status_b})")
    for note in comparison.notes:
        out.print(f"Note: {note}")
    _print_inputs(comparison.inputs)
    if not comparison.has_results:
        out.print("Results: missing for at least one run, so only the inputs are compared.")
        return
    currency = comparison.currency
    _print_bridge(comparison.bridge, currency)
    _print_categories(comparison.totals, currency)
    _print_staffing(comparison.staffing, currency, top)
    _print_routing(comparison.routing)
    _print_kpis(comparison.demand_kpis, currency, comparison.time_unit)


def _print_inputs(inputs: pd.DataFrame) -> None:
    if not len(inputs):
        out.print("Inputs: the two scenarios are the same.")
        return
    table = Table(
        "field",
        "change",
        "A",
        "B",
        title=f"What changed in the inputs ({plural(len(inputs), 'field')})",
        title_justify="left",
    )
    for row in inputs.head(SHOWN).itertuples():
        table.add_row(row.path, row.change, row.old or "-", row.new or "-")
    if len(inputs) > SHOWN:
        table.caption = f"first {SHOWN} of {len(inputs)}; all in inputs.csv"
    out.print(table)


def _print_bridge(bridge: pd.DataFrame, currency: str) -> None:
    from model.compare import TOTAL

    columns = ["cost_a", "cost_b", "change", "volume", "rate", "mix", "routing"]
    table = Table(
        "stage",
        f"A ({currency})",
        f"B ({currency})",
        f"change ({currency})",
        "volume",
        "rate",
        "mix",
        "routing",
        title=f"Cost by stage, and the change split into effects ({currency})",
        title_justify="left",
    )
    for row in bridge.itertuples():
        cells = [money(getattr(row, column)) for column in columns]
        style = "bold" if row.stage == TOTAL else None
        table.add_row(str(row.stage), *cells, style=style)
    table.caption = (
        "volume: all demands at the overall growth; rate: B's plan at B's minus A's prices; "
        "mix: demands growing faster or slower; routing: the rest (where work went, how it was staffed)"
    )
    out.print(table)


def _print_categories(totals: pd.DataFrame, currency: str) -> None:
    from model.lp.objective import CATEGORIES

    by_category = totals.groupby("category")[["cost_a", "cost_b", "change"]].sum()
    by_category = by_category.reindex([c for c in CATEGORIES if c in by_category.index])
    table = Table(
        "category",
        f"A ({currency})",
        f"B ({currency})",
        f"change ({currency})",
        title="Cost by category, all stages (by stage in totals.csv)",
        title_justify="left",
    )
    for category, row in by_category.iterrows():
        table.add_row(str(category), money(row.cost_a), money(row.cost_b), money(row.change))
    out.print(table)


def _print_staffing(staffing: pd.DataFrame, currency: str, top: int) -> None:
    changed = staffing[staffing.fte_change.abs() > 1e-6]
    if not len(changed):
        out.print("Staffing: the same FTE at every node, role and period.")
        return
    changed = changed.reindex(changed.fte_change.abs().sort_values(ascending=False, kind="stable").index).head(top)
    table = Table(
        "node",
        "role",
        "period",
        "FTE A",
        "FTE B",
        "change (FTE)",
        f"cost change ({currency})",
        title=f"Largest staffing changes (top {len(changed)}; every row in staffing.csv)",
        title_justify="left",
    )
    for row in changed.itertuples():
        table.add_row(
            row.node,
            row.role,
            str(row.period),
            number(row.fte_a, 2),
            number(row.fte_b, 2),
            number(row.fte_change, 2),
            money(row.cost_change),
        )
    out.print(table)


def _print_routing(routing: pd.DataFrame) -> None:
    if not len(routing):
        out.print("Routing: every demand is worked and handed over where it was.")
        return
    table = Table(
        "demand",
        "kind",
        "where",
        "units A",
        "units B",
        "change (units)",
        title="Biggest routing shifts (units over the horizon)",
        title_justify="left",
    )
    for row in routing.itertuples():
        table.add_row(
            row.demand, row.kind, row.where, number(row.units_a, 1), number(row.units_b, 1), number(row.change, 1)
        )
    out.print(table)


def _print_kpis(kpis: pd.DataFrame, currency: str, time_unit: str) -> None:
    table = Table(
        "demand",
        "period",
        "served A -> B (units)",
        "quality A -> B",
        f"response A -> B ({time_unit}s)",
        f"cost/unit A -> B ({currency})",
        title="Demands, A -> B (response: the mean time over the units served)",
        title_justify="left",
    )
    for row in kpis.head(SHOWN).itertuples():
        table.add_row(
            str(row.demand),
            str(row.period),
            f"{number(row.served_a, 1)} -> {number(row.served_b, 1)}",
            f"{percent(row.quality_a)} -> {percent(row.quality_b)}",
            f"{number(row.mean_response_time_a, 2)} -> {number(row.mean_response_time_b, 2)}",
            f"{money(row.cost_per_unit_a)} -> {money(row.cost_per_unit_b)}",
        )
    if len(kpis) > SHOWN:
        table.caption = f"first {SHOWN} of {len(kpis)} rows; all in demand_kpis.csv"
    out.print(table)
