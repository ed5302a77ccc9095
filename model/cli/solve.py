"""`validate`, `solve` and `generate`: one scenario at a time.

The optimiser, pandas and the generator are imported inside the commands that use them, so that
`e2eopt --help` and a scenario's own errors come without loading the solver machinery.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.table import Table

from model.cli.common import (
    EXIT,
    MODE,
    JsonOption,
    QuietOption,
    RemoveOption,
    ScenarioFile,
    SetOption,
    SolverOption,
    app,
    check_out,
    check_out_file,
    emit_json,
    err,
    highs_options,
    load_extension,
    load_resolved,
    out,
    output_mode,
    refuse_options,
    say,
    styled,
    write_failed,
    written,
)
from model.cli.progress import Phases
from model.formatting import money, number, percent, plural

if TYPE_CHECKING:
    import pandas as pd

    from model.optimise import Outcome
    from model.scenario import Scenario
    from model.scenario.overrides import Resolved
    from model.solve import SolveOptions


@app.command(short_help="Check a scenario file: its problems, or a summary of what it holds.")
def validate(
    file: ScenarioFile,
    assignments: SetOption = None,
    removals: RemoveOption = None,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Check a scenario file; print every problem (exit 2) or a one-screen summary of what it holds.

    With --json: {"valid": true, ...what it holds, "lp": its size} or {"valid": false, "problems":
    [{file, line, column, path, message, hint}]}. With --quiet: only the problems; nothing when valid.
    """
    output_mode(json_output, quiet)
    resolved = load_resolved(file, assignments or (), removals or ())
    from model.scenario.overrides import overrides_applied
    from model.validity import lp_size, scenario_notes, stages_of, validity

    scenario = resolved.scenario
    overrides = overrides_applied(resolved.changes)
    stages = stages_of(scenario)
    if MODE["json"]:
        emit_json(validity(file, scenario, overrides, stages))  # its notes: those a solve prints first
        return
    for entry in overrides:
        out.print(
            f"Override {entry['override']}: {entry['value']} ({entry['origin']}) changed "
            f"{plural(entry['fields_changed'], 'field')}"
        )
    time_unit = scenario.scenario.time_unit
    out.print(
        styled(
            (str(file), "bold"),
            " is valid: scenario ",
            (scenario.name, "bold"),
            f", currency {scenario.currency}, time unit {time_unit}, "
            f"{plural(len(scenario.periods), 'period')} of {scenario.scenario.period_length:g} {time_unit}s "
            f"({', '.join(scenario.periods[:6])}{', ...' if len(scenario.periods) > 6 else ''})",
        )
    )
    table = Table("stage", "nodes", "of which staffed", "roles used", title="Value chain", title_justify="left")
    for stage in stages:
        table.add_row(stage["stage"], str(stage["nodes"]), str(stage["staffed_nodes"]), ", ".join(stage["roles"])[:60])
    out.print(table)
    out.print(
        f"{plural(len(scenario.roles), 'role')}, {plural(len(scenario.arcs), 'arc')}, "
        f"{plural(len(scenario.demands), 'demand')}"
    )
    _print_lp_size(lp_size(scenario))
    for note in scenario_notes(scenario):  # the notes a solve prints before it solves
        out.print(f"Note: {note}", markup=False)


def _print_lp_size(size: dict) -> None:
    """The LP's size: after the verdict, which needs none of this."""
    if size["infeasible_as_written"] is not None:
        out.print(styled(("No plan can meet it as written:", "yellow"), f" {size['infeasible_as_written']}."))
        return
    table = Table("family", "variables", title="LP it will build", title_justify="left")
    for name, count in size["families"].items():
        table.add_row(name, f"{count:,}")
    out.print(table)
    out.print(f"{size['kind']}: {plural(size['variables'], 'variable')}, {plural(size['constraints'], 'constraint')}")


@app.command(short_help="Solve a scenario: a run folder, and the plan's cost and service.")
def solve(
    file: ScenarioFile,
    out_dir: Annotated[Path, typer.Option("--out", metavar="DIR", help="Folder that receives the run folder.")] = Path(
        "runs"
    ),
    time_limit: Annotated[
        float | None,
        typer.Option(metavar="SECONDS", help="Time limit in seconds for the run: solve, diagnosis, sensitivity."),
    ] = None,
    mip_gap: Annotated[
        float | None, typer.Option(metavar="GAP", help="Relative MIP gap (integer staffing), e.g. 0.001.")
    ] = None,
    threads: Annotated[int | None, typer.Option(metavar="N", help="Solver threads.")] = None,
    integer_staff: Annotated[
        bool | None,
        typer.Option("--integer-staff/--no-integer-staff", help="Whole FTE (a MILP); default: the scenario's."),
    ] = None,
    algorithm: Annotated[
        str | None, typer.Option(metavar="auto|simplex|ipm", help="HiGHS's algorithm; default: the scenario's.")
    ] = None,
    solver_option: SolverOption = None,
    assignments: SetOption = None,
    removals: RemoveOption = None,
    extend: Annotated[
        str | None,
        typer.Option(
            "--extend",
            metavar="FILE.py:FUNCTION",
            help="Add to the LP before solving: FUNCTION(lp, parts) from a Python file or MODULE:FUNCTION, given the "
            "Pyomo model of record (docs/model.md); the solve then goes through Pyomo. data/extensions.py has "
            "examples.",
        ),
    ] = None,
    write_lp: Annotated[
        Path | None,
        typer.Option(
            "--write-lp",
            metavar="FILE",
            help="Also write the LP with readable names, for any other solver: LP format (.lp) or MPS (.mps).",
        ),
    ] = None,
    sensitivity: Annotated[
        bool,
        typer.Option(help="Write the sensitivity table and the tables' cost ranges (HiGHS's ranging)."),
    ] = True,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
    html_report: Annotated[
        bool, typer.Option("--report", help="Also write report.html into the run folder (`e2eopt report`).")
    ] = False,
) -> None:
    """Solve a scenario, write its run folder, and print the plan's cost and service levels.

    With --json: the run's summary.json, with `run_folder`, as one document. With --quiet: only the
    run folder's path (and errors). Progress goes to stderr (docs: README, "Screens, scripts and shells").
    """
    output_mode(json_output, quiet)
    started = time.perf_counter()
    passed = highs_options(solver_option)
    if write_lp is not None:
        refuse_lp_file(write_lp)
    check_out(out_dir)
    extension = load_extension(extend)
    resolved = load_resolved(file, assignments or (), removals or ())
    loaded = time.perf_counter() - started
    options, integer = _solver_options(
        resolved.scenario,
        time_limit=time_limit,
        mip_gap=mip_gap,
        threads=threads,
        algorithm=algorithm,
        integer_staff=integer_staff,
        highs_options=passed,
    )
    job = _Job(file, out_dir, resolved, options, integer, extension, write_lp, sensitivity, loaded)
    outcome, folder = _solve_and_write(job)
    _finish(outcome, folder, extend, html_report)


@dataclass(frozen=True)
class _Job:
    """One `e2eopt solve`, its input checked: what to solve, how, and where to write it."""

    file: Path
    out_dir: Path
    resolved: Resolved
    options: SolveOptions
    integer: bool
    extension: Callable | None
    write_lp: Path | None
    sensitivity: bool
    loaded: float
    """Seconds taken to read and check the input (the summary's `load` timing)."""


def _solver_options(scenario: Scenario, **overrides: object) -> tuple[SolveOptions, bool]:
    """The scenario's `solver:` section with the command line's options; a value it cannot hold exits 2.
    Imported here, once the input is valid: bad input exits 2 without loading the optimiser."""
    from pydantic import ValidationError

    from model.optimise import optimise_options

    try:
        return optimise_options(scenario, **overrides)
    except ValidationError as error:
        refuse_options(error)


def _solve_and_write(job: _Job) -> tuple[Outcome, Path]:
    """Solve, under the progress line, and write the run folder. Ctrl-C exits 130 and an extension that
    fails exits 2, nothing written either way; a write that fails prints the results and exits 6."""
    from model.errors import ExtensionError

    try:
        with Phases(f"Solving {job.resolved.scenario.name}", job.options.time_limit) as progress:
            if job.write_lp is not None:
                progress.phase(f"writing {job.write_lp}")
                _write_lp_file(job, job.write_lp)
            outcome = _optimise(job, progress.phase)
            progress.phase("write")
            folder = _write_run_folder(job, outcome)
        if isinstance(folder, OSError):  # after the progress line is gone: the results, then why and exit 6
            report(outcome)
            write_failed(
                folder, "the run folder", job.out_dir, f"The solve ended {outcome.status}; its results are above."
            )
    except KeyboardInterrupt:
        err.print("Interrupted: no run folder was written.")
        raise typer.Exit(EXIT["interrupted"]) from None
    except ExtensionError as error:
        err.print(f"{error}; nothing was written.")
        raise typer.Exit(EXIT["bad_input"]) from None
    return outcome, folder


def _write_lp_file(job: _Job, path: Path) -> None:
    """--write-lp: the LP with readable names, before the solve; a place that fails exits 2."""
    from model.optimise import write_lp

    try:
        lp_file = write_lp(job.resolved.scenario, path, extend=job.extension, integer_staff=job.integer)
    except OSError as error:
        err.print(f"--write-lp {path}: {error.strerror or error}; nothing was written.")
        raise typer.Exit(EXIT["bad_input"]) from None
    say(f"LP written to {lp_file}")


def _optimise(job: _Job, on_phase: Callable[[str], None]) -> Outcome:
    """The optimiser's outcome, warnings said on stderr, the input's reading counted in its timings."""
    from model.optimise import optimise

    outcome = optimise(
        job.resolved.scenario,
        job.options,
        integer_staff=job.integer,
        source=job.resolved.source,
        sensitivity=job.sensitivity,
        extend=job.extension,
        warn=lambda text: say(f"Warning: {text}"),
        on_phase=on_phase,
    )
    outcome.timings = {"load": job.loaded, **outcome.timings}
    return outcome


def _write_run_folder(job: _Job, outcome: Outcome) -> Path | OSError:
    """The run folder written; or, when it could not be (a full disk, most often), why: the caller
    prints the results first, then says so."""
    from model.runs import write_run

    try:
        return write_run(
            outcome,
            job.file,
            job.out_dir,
            command=["e2eopt", *sys.argv[1:]],
            scenario_bytes=job.resolved.text,
            changes=job.resolved.changes,
            inputs=job.resolved.inputs,
        )
    except OSError as error:
        return error


def _finish(outcome: Outcome, folder: Path, extend: str | None, html_report: bool) -> NoReturn:
    """What the solve found, on stdout (or its --json document), the run folder's path, the report
    if asked for; then exit with the status's code."""
    if MODE["json"]:
        emit_json(_summary_document(folder))
    report(outcome)
    if extend is not None:
        costs = outcome.extension_costs.items()
        added = ", ".join(f"{name} {money(amount, outcome.currency)}" for name, amount in costs)
        out.print(
            f"Extension {extend}: the LP was built through the Pyomo model of record"
            + (f"; its cost terms: {added}" if added else ""),
        )
    written("Run folder", folder)
    if html_report:
        from model.cli.report import report_after_solve  # here: importing it first would reorder `--help`

        report_after_solve(folder)
    raise typer.Exit(exit_code(outcome))


def _summary_document(folder: Path) -> dict:
    """`solve --json`'s document: the run's summary.json as written, with every key it may hold (null
    when the run has no such figure: an infeasible run's `total_cost`), and where the run folder is."""
    from model.run_folder import read_summary
    from model.runs import complete_summary

    return {**complete_summary(read_summary(folder)), "run_folder": str(folder)}


def exit_code(outcome: Outcome) -> int:
    """The status's exit code; an optimal solution whose run the time limit cut short (its sensitivity
    table or ranging skipped) exits as a time limit, 5: the run did not do all it was asked to."""
    if outcome.status == "optimal" and outcome.time_limited:
        return EXIT["time_limit"]
    return EXIT.get(outcome.status, EXIT["error"])


def refuse_lp_file(path: Path) -> None:
    """Exit 2, before any work, if `path` cannot be the LP file: another suffix, a folder, or a place
    that does not exist or cannot be written to."""
    problem = None
    if path.suffix.lower() not in (".lp", ".mps"):
        problem = "the file must end in .lp (LP format) or .mps (MPS)"
    elif path.is_dir():
        problem = "that is a folder; give a file name ending in .lp or .mps"
    elif not path.parent.is_dir():
        problem = f"{path.parent} is not a folder" if path.parent.exists() else f"there is no folder {path.parent}"
    elif not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        problem = f"{path if path.exists() else path.parent} cannot be written to"
    if problem is not None:
        err.print(f"error: --write-lp {path}: {problem}; nothing was written.")
        raise typer.Exit(EXIT["bad_input"])


def report(outcome: Outcome) -> None:
    """Status, total cost, cost by stage, and each demand's quality and response time against target."""
    scenario, currency = outcome.scenario, outcome.currency
    time_unit = scenario.scenario.time_unit
    colour = "green" if outcome.ok else "red"
    out.print(styled("Status: ", (outcome.status, f"bold {colour}"), f" ({outcome.message})"))
    for violation in outcome.violations[:10]:
        out.print(f"  failed check: {violation}")
    for note in outcome.notes:
        out.print(f"Note: {note}")
    if outcome.diagnosis is not None and len(outcome.diagnosis):
        _print_diagnosis(outcome.diagnosis)
    if not outcome.tables:
        return
    costs = outcome.tables["costs"]
    total = costs.amount.sum()
    out.print(
        styled("Total cost: ", (money(total, currency), "bold"), f" over {plural(len(scenario.periods), 'period')}")
    )
    by_stage = Table("stage", f"cost ({currency})", "share", title="Cost by stage", title_justify="left")
    stage_costs = costs.groupby("stage").amount.sum()
    for stage in scenario.stages:
        amount = float(stage_costs.get(stage, 0.0))
        share = (amount / total) or 0.0  # a stage of 0 under a negative total: 0.0%, not -0.0%
        by_stage.add_row(stage, money(amount), percent(share, decimals=1) if total else "-")
    out.print(by_stage)
    if "rework" in outcome.tables:
        rework = outcome.tables["rework"]
        out.print(
            f"Rework cost (the cost of poor quality the scenario prices): {money(float(rework.cost.sum()), currency)} "
            f"of rework for {number(float(rework.units.sum()))} units done wrong and done again (rework.csv); "
            "the second passes' processing, hand-offs and staff are in their own categories"
        )
    _print_mip(outcome.solver, outcome.profit, currency)
    _print_sites(outcome.tables.get("sites"), currency)
    _print_profit(outcome.profit, currency)
    out.print(_demand_table(outcome.tables["demand_kpis"], currency, time_unit))
    _print_queues(outcome, time_unit)
    _print_sensitivity(outcome.tables.get("sensitivity"))
    seconds = sum(outcome.timings.values())
    columns, rows = int(outcome.solver.get("columns", 0)), int(outcome.solver.get("rows", 0))  # type: ignore[call-overload]
    out.print(
        f"Solved in {seconds:.2f} s (HiGHS {outcome.timings.get('solve', 0):.2f} s, "
        f"{plural(columns, 'variable')}, {plural(rows, 'constraint')})"
    )


def _print_mip(solver: dict, profit: dict, currency: str) -> None:
    """A MILP's gap and HiGHS's dual bound (no plan costs less), so the optimum's proof is visible.
    Under `objective: margin` with prices the LP's objective is cost + revenue forgone, so the bound
    is given as a margin (model.outcome._bound_as_margin), not as a cost."""
    if not solver.get("mip") or "mip_gap" not in solver:
        return
    gap, bound = float(solver["mip_gap"]), float(solver.get("mip_dual_bound", float("nan")))
    nodes = plural(int(solver.get("mip_nodes", 0)), "branch-and-bound node")
    if profit.get("margin_bound") is not None:
        out.print(
            f"MILP: gap {percent(gap, decimals=2)}, HiGHS's bound: no plan earns a margin above "
            f"{money(profit['margin_bound'], currency)} ({money(profit['revenue_at_full_service'], currency)} "
            f"of revenue at full service - the bound {money(bound, currency)} on cost + revenue forgone), {nodes}"
        )
        return
    out.print(
        f"MILP: gap {percent(gap, decimals=2)}, HiGHS's bound {money(bound, currency)} (no plan costs less), {nodes}"
    )


def _print_sites(sites: pd.DataFrame | None, currency: str, limit: int = 20) -> None:
    """Which sites are open in which periods, at what level, and their fixed and capacity costs."""
    if sites is None or not len(sites):
        return
    table = Table(
        "period",
        "node",
        "open",
        "level",
        "capacity (units per period)",
        f"fixed ({currency})",
        f"capacity cost ({currency})",
        "units",
        title="Sites",
        title_justify="left",
    )
    for row in sites.head(limit).itertuples(index=False):
        capacity = "-" if row.capacity != row.capacity else f"{row.capacity:,.0f}"  # NaN: no capacity
        table.add_row(
            str(row.period),
            str(row.node),
            "yes" if row.open else "no",
            str(row.level or "-"),
            capacity,
            money(row.fixed_cost),
            money(row.capacity_cost),
            f"{row.units:,.1f}",
        )
    out.print(table)


def _print_profit(profit: dict, currency: str) -> None:
    """Revenue and margin when some demand has a price; under `objective: margin`, the demands
    dropped (units, revenue forgone) and what serving every demand would have cost."""
    if profit.get("revenue") is None:
        return
    objective = "maximised" if profit.get("objective") == "margin" else "at least cost (objective: cost)"
    out.print(
        f"Revenue: {money(profit['revenue'], currency)}; margin (revenue - total cost): "
        f"{money(profit['margin'], currency)}, {objective}"
    )
    dropped = profit.get("dropped")
    if dropped is None:
        return
    if not dropped:
        out.print("Every demand with a price pays: none was dropped.")
        return
    table = Table("demand", "segment", "units dropped", "of volume", f"revenue forgone ({currency})")
    table.title = (
        "Demands dropped: not served in full, where serving them would cost more than they bring or break a target"
    )
    table.title_justify = "left"
    for row in dropped:
        share = row["share_dropped"]
        table.add_row(
            str(row["demand"]),
            str(row["segment"] or "-"),
            number(row["units_dropped"], 1),
            percent(share) if share is not None else "-",
            money(row["revenue_forgone"]),
        )
    out.print(table)
    served = profit.get("serving_all", {})
    if served.get("status") == "optimal":
        out.print(
            f"Serving every demand (objective: cost) would cost {money(served['total_cost'], currency)}, "
            f"{money(served['extra_cost'], currency)} more, for a margin of {money(served['margin'], currency)}."
        )
    elif served:
        out.print(f"Serving every demand (objective: cost) is {served['status']}.")


def _print_diagnosis(diagnosis: pd.DataFrame, limit: int = 15) -> None:
    relaxations = diagnosis[diagnosis.kind == "relaxation"]
    conflicts = diagnosis[diagnosis.kind == "conflict"]
    if len(relaxations):
        out.print("What would make it feasible (the smallest relaxation, weighted by solver.relaxation_weights):")
        for sentence in relaxations.sentence.head(limit):
            out.print(f"  - {sentence}")
    if len(conflicts):
        out.print("What conflicts (an irreducible infeasible set, from HiGHS):")
        for sentence in conflicts.sentence.head(limit):
            out.print(f"  - {sentence}")
    out.print("All of it is in the run folder's diagnosis.csv.")


def _print_queues(outcome: Outcome, time_unit: str, limit: int = 12) -> None:
    """The tangent iterations' course, each lane's service as staffed, and a warning per target missed."""
    if "queues" not in outcome.tables:
        return
    log, queues = outcome.tables["queue_iterations"], outcome.tables["queues"]
    iterations = log[log.iteration > 0]
    course = " -> ".join(money(cost) for cost in iterations.cost)
    converged = ("converged", "") if outcome.solver.get("queue_converged") else ("did not converge", "red")
    out.print(
        styled(
            "Queue staffing ",
            converged,
            f" in {plural(len(iterations), 'tangent iteration')}; cost ({outcome.currency}): {course}",
        )
    )
    # Erlang A and B lanes lose a share of their callers (abandoned, blocked): shown where any lane may.
    lossy = "lost_share" in queues and bool((queues.lost_share.fillna(0) > 0).any())
    table = Table(
        "period",
        "node",
        "lane",
        "target",
        "load (Erlang)",
        "agents",
        "service level",
        "avg wait",
        *(["lost"] if lossy else []),
        "met",
        title=f"Queues as staffed (exact Erlang C, A or B, each queue's model; waits in {time_unit}s)",
        title_justify="left",
    )
    for row in queues.head(limit).itertuples():
        table.add_row(
            str(row.period),
            str(row.node),
            f"{row.lane} {row.interval}" if getattr(row, "interval", "") else str(row.lane),
            str(row.target),
            number(row.load),
            number(row.agents),
            percent(row.service_level),
            number(row.average_wait),
            *([percent(row.lost_share)] if lossy else []),
            "yes" if row.met else styled(("NO", "red")),
        )
    if len(queues) > limit:
        table.caption = f"first {limit} of {len(queues)} rows; all in queues.csv"
    out.print(table)
    for row in queues[~queues.met].itertuples():
        say(
            styled(
                ("Warning:", "yellow"),
                f" queue {row.node}/{row.lane} in {row.period} misses its target "
                f"({row.target}): service level {percent(row.service_level)}, average wait "
                f"{number(row.average_wait)} {time_unit}s, counted in response times as "
                f"{number(row.wait_counted)}",
            )
        )


def _print_sensitivity(table: pd.DataFrame | None, limit: int = 10) -> None:
    if table is None or not len(table):
        return
    basis = table.basis.iloc[0]
    out.print(
        f"What binds, and what it is worth (top {min(limit, len(table))} of {len(table)}; "
        f"all in sensitivity.csv{'; ' + basis if basis != 'LP' else ''}):"
    )
    for sentence in table.sentence.head(limit):
        out.print(f"  - {sentence}")


def _demand_table(kpis: pd.DataFrame, currency: str, time_unit: str, limit: int = 30) -> Table:
    """Each demand and period against its targets. Response times are means over the units served
    (model.md, row 7), shown beside the target on that mean; `met` is every unit due served in the
    period and no target missed ("-" for a target with nothing served: neither met nor missed)."""
    table = Table(
        "period",
        "demand",
        "served",
        "quality",
        "min quality",
        "mean response",
        "limit on mean",
        "cost/unit",
        "met",
        title=(
            f"Demands against their targets (served in units, mean response time in {time_unit}s, "
            f"cost per unit in {currency})"
        ),
        title_justify="left",
    )
    for row in kpis.head(limit).itertuples():
        table.add_row(
            str(row.period),
            str(row.demand),
            number(row.served, 1),
            percent(row.quality),
            percent(row.min_quality),
            number(row.mean_response_time),
            number(row.max_mean_response_time),
            number(row.cost_per_unit),
            "yes" if row.met else styled(("NO", "red")),
        )
    if len(kpis) > limit:
        table.caption = f"first {limit} of {len(kpis)} rows; all in demand_kpis.csv"
    return table


@app.command(name="generate", short_help="Write a synthetic scenario of a chosen size.")
def generate_command(
    nodes_per_stage: Annotated[int, typer.Option(min=1, metavar="N", help="Nodes in each of the six stages.")] = 4,
    demands: Annotated[int, typer.Option(min=1, metavar="N", help="Number of demands.")] = 20,
    periods: Annotated[int, typer.Option(min=1, metavar="N", help="Number of periods.")] = 1,
    seed: Annotated[int, typer.Option(metavar="N", help="Random seed; the same seed gives the same file.")] = 0,
    out_file: Annotated[Path, typer.Option("--out", metavar="FILE", help="YAML file to write.")] = Path(
        "synthetic.yaml"
    ),
    quiet: QuietOption = False,
) -> None:
    """Write a valid synthetic scenario of a chosen size, for tests and for measuring scale.

    With --quiet: only the file's path (and errors)."""
    from model.generate import Size, generate, write_scenario

    output_mode(quiet=quiet)
    check_out_file(out_file)
    data = generate(Size(nodes_per_stage, demands, periods, seed))
    _write_whole(lambda path: write_scenario(data, path), out_file)
    out.print(
        f"Generated {plural(len(data['nodes']), 'node')}, {plural(len(data['arcs']), 'arc')}, "
        f"{plural(len(data['demands']), 'demand')}, {plural(periods, 'period')}"
    )
    written("Scenario file", out_file)


def _write_whole(write: Callable[[Path], None], target: Path, option: str = "--out") -> None:
    """`write` into a hidden file beside `target`, renamed onto it when complete: a failure leaves no
    part of the file. A place that cannot take it exits 2; a full disk or an I/O error exits 6.
    `option` names the option that gave `target` in the message."""
    import errno

    from model.staging import describe, staged_file

    try:
        with staged_file(target) as draft:
            write(draft)
    except OSError as error:
        full = error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)
        err.print(f"error: {option} {target}: cannot be written: {describe(error)}; nothing was written.")
        raise typer.Exit(EXIT["write_error" if full else "bad_input"]) from None
