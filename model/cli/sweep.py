"""`sweep`: every combination of a grid of overrides, solved into one sweep folder.

model.sweep (the optimiser), pandas, pydantic and rich.progress are imported inside the functions
that use them, so that `e2eopt --help` does not load them.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.table import Column, Table

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
    refuse_options,
    refuse_scenario,
    say,
    written,
)
from model.errors import Problem, ScenarioError
from model.formatting import money, plural

if TYPE_CHECKING:
    from model.sweep import Axis, Engine, Plan, SweepResult


@app.command(short_help="Solve every combination of a grid of overrides into a sweep folder.")
def sweep(
    file: Annotated[
        Path | None,
        typer.Argument(
            metavar="FILE",
            help="Base scenario (with --grid), or a sweep file (base: and grid:).",
            show_default=False,
        ),
    ] = None,
    grid: Annotated[
        list[str] | None,
        typer.Option(
            metavar="PATH=VALUES",
            help="An axis of the grid; repeatable: every combination is solved. VALUES: START:STOP:STEP or "
            "V1,V2,..., each a number or a change (*1.1, +5%). E.g. 'demands.*.volume=*0.8:*1.4:0.1', "
            "'roles.x.cost_per_fte=*1,*1.1'.",
        ),
    ] = None,
    out_dir: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="Folder that receives the sweep folder.")
    ] = Path("runs"),
    workers: Annotated[
        int | None, typer.Option(min=1, metavar="N", help="Worker processes; default: the number of cores.")
    ] = None,
    engine: Annotated[
        str,
        typer.Option(metavar="process|dask", help="process (local worker processes) or dask (an existing cluster)."),
    ] = "process",
    scheduler: Annotated[
        str | None, typer.Option(metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786.")
    ] = None,
    connect_timeout: Annotated[
        float,
        typer.Option(min=0.1, metavar="SECONDS", help="Seconds to wait for the Dask scheduler before giving up."),
    ] = 10.0,
    resume: Annotated[
        Path | None,
        typer.Option(metavar="FOLDER", help="A sweep folder to finish: its finished points are kept."),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(metavar="SECONDS", help="Time limit per point, in seconds (its solve and what follows)."),
    ] = None,
    threads: Annotated[int | None, typer.Option(metavar="N", help="Solver threads per worker.")] = None,
    sensitivity: Annotated[bool, typer.Option(help="Also write each point's sensitivity table (slower).")] = False,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Solve every combination of the grid: a points table, and each point's run folder.

    Each worker builds the model once and re-solves it for each point from the base's basis, so
    results do not depend on the engine or the number of workers. Infeasible or failed points are
    recorded with their reason; an interrupted sweep keeps its finished points (--resume FOLDER).

    With --json: the sweep folder, the count of points by status and every point's row of
    points.csv, as one document. With --quiet: only the sweep folder's path (and errors).
    """
    from model.sweep import SweepError

    output_mode(json_output, quiet)
    previous = _on_sigterm(_terminated)  # a scheduler's stop: workers killed, the folder resumable
    made: list[Path] = []  # the sweep folder, once there is one
    try:
        options = (workers, engine, scheduler, connect_timeout, time_limit, threads, sensitivity)
        _sweep(file, grid or [], out_dir, resume, options, made)
    except KeyboardInterrupt:
        _stopped("Interrupted", made)
        raise typer.Exit(EXIT["interrupted"]) from None
    except Terminated:
        _stopped("Terminated (SIGTERM)", made)
        raise typer.Exit(EXIT["terminated"]) from None
    except SweepError as error:
        err.print(str(error), markup=False)
        raise typer.Exit(EXIT["bad_input"]) from None
    except OSError as error:  # a full disk, most often: what is finished is kept, and can be gone on with
        _write_failed(error, out_dir, made)
    finally:
        _on_sigterm(previous)


def _write_failed(error: OSError, out_dir: Path, made: list[Path]) -> NoReturn:
    """The sweep could not write (its folder, a point, its table): say why and how to go on; exit 6."""
    from model.staging import describe

    where = made[0] if made else out_dir
    then = (
        f"Finished points are kept; free some space, then go on with `e2eopt sweep --resume {made[0]}`."
        if made
        else "Nothing was written; free some space or choose another --out, then run again."
    )
    err.print(f"error: the sweep could not be written under {where}: {describe(error)}. {then}", markup=False)
    raise typer.Exit(EXIT["write_error"])


class Terminated(BaseException):
    """SIGTERM, raised where the sweep is, so that it stops as on Ctrl-C: workers killed, folder resumable.
    A BaseException: no `except Exception` on the way records it as a point's failure."""


def _terminated(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one is enough: the second must not cut the clean-up short
    raise Terminated


def _on_sigterm(handler: Any) -> Any:
    """Install `handler` for SIGTERM, returning the one before; nothing outside the main thread (where
    Python cannot set handlers, e.g. a test calling the command from a thread)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, handler) if handler is not None else None


def _stopped(how: str, made: list[Path]) -> None:
    """Where the sweep stopped: its folder and how to go on, or that nothing was written."""
    if not made:
        err.print(f"{how}: nothing was written.")
        return
    folder = made[0]
    err.print(f"{how}: finished points are kept in {folder}; go on with `e2eopt sweep --resume {folder}`.")


def _sweep(
    file: Path | None,
    grid: list[str],
    out_dir: Path,
    resume: Path | None,
    options: tuple[int | None, str, str | None, float, float | None, int | None, bool],
    made: list[Path],
) -> None:
    """The sweep: options and plan checked, the Dask scheduler reached, and only then the folder made
    (a failure before leaves nothing behind; `made` receives it); the sweep run and reported."""
    from pydantic import ValidationError

    from model.sweep import check_engine, connect, default_workers, locked, new_sweep_folder

    workers, engine, scheduler, connect_timeout, time_limit, threads, sensitivity = options
    if resume is None:
        check_out(out_dir)
    kind = check_engine(engine, scheduler)
    try:
        plan = _plan(file, grid, resume, sensitivity, time_limit=time_limit, threads=threads)
    except ScenarioError as error:
        refuse_scenario(error)
    except ValidationError as error:
        refuse_options(error)
    for axis in plan.axes:
        if changes_only(axis):
            err.print(
                f"Note: every value of --grid {axis.path} starts with '-', so each lowers the field by that much "
                f"(a change); to set negative values (a rebate) write them after '=': ={axis.values[0]},...",
                markup=False,
            )
    client = connect(str(scheduler), connect_timeout) if kind == "dask" else None
    try:
        folder = resume if resume is not None else new_sweep_folder(plan, out_dir)
        made.append(folder)
        with locked(folder):  # a second run or resume is refused before it shows anything
            say(
                f"Sweep of {plan.scenario['name']}: {plural(len(plan.points), 'point')} over "
                f"{plural(len(plan.axes), 'axis', 'axes')} -> {folder}"
            )
            result = _run(plan, folder, workers or default_workers(), kind, client)
    finally:
        if client is not None:
            client.close()
    _report(result, plan)


def _plan(file: Path | None, grid: list[str], resume: Path | None, sensitivity: bool, **solver: object) -> Plan:
    from model.sweep import parse_axis, plan_sweep, read_plan, read_sweep_file

    if resume is not None:
        if file is not None or grid:
            raise ScenarioError(
                [
                    Problem(
                        str(resume),
                        None,
                        None,
                        "",
                        "--resume takes the sweep folder only",
                        "The folder holds its base and grid; give no FILE or --grid.",
                    )
                ]
            )
        return read_plan(resume)
    if file is None:
        raise ScenarioError(
            [Problem("sweep", None, None, "", "give a scenario FILE with --grid, a sweep file, or --resume FOLDER")]
        )
    if grid:
        axes = [parse_axis(text) for text in grid]
    else:
        file, axes = read_sweep_file(file)
    return plan_sweep(file, axes, sensitivity, **solver)


def _run(plan: Plan, folder: Path, workers: int, engine: Engine, client: object) -> SweepResult:
    from model.cli.progress import Points
    from model.sweep import finished_points, run_sweep

    with Points(f"Sweep of {plan.scenario['name']}", len(plan.points), len(finished_points(folder))) as progress:

        def advance(number: int, status: str) -> None:
            progress.advance()

        return run_sweep(plan, folder, workers, engine, on_point=advance, client=client)


def _document(result: SweepResult) -> dict:
    """`sweep --json`'s document: where the sweep is, its points by status, and every point's row."""
    return {
        "sweep_folder": str(result.folder),
        "statuses": result.statuses,
        "solved_now": result.solved,
        "missing": result.missing,
        "points": result.points.to_dict("records"),
    }


AXIS_HEADER = 24  # characters of an axis's header on the screen; the whole path is in points.csv


def _axis_column(path: str) -> Column:
    """An axis's header, cut at the front when long (`…capacity_levels.2.cost`): the tail tells two axes
    over the fields of one node apart, where rich's cut at the end showed the same prefix twice."""
    header = path if len(path) <= AXIS_HEADER else "…" + path[-(AXIS_HEADER - 1) :].lstrip(".")
    return Column(header, min_width=len(header))


def _axis_cell(record: dict, path: str) -> str:
    """An axis's value as written, and the value its field took when that differs: '-5 (= -9)'."""
    from model.sweep import USED

    written, used = str(record[path]), str(record.get(USED + path) or "")
    if not used or used.lower() == written.lstrip("=").strip().lower() or len(used) > 40:  # a flag: true, True
        return written
    return f"{written} (= {used})"


def changes_only(axis: Axis) -> bool:
    """Whether every value of the axis starts with '-': each a change (lower by), none a negative number."""
    return all(value.startswith("-") for value in axis.values)


def _report(result: SweepResult, plan: Plan) -> None:
    from model.sweep import USED

    if MODE["json"]:
        emit_json(_document(result))
    points, currency = result.points, plan.scenario["currency"]
    counts = ", ".join(f"{n} {status}" for status, n in sorted(result.statuses.items()))
    out.print(f"Points: {len(points)} ({counts}); solved now: {result.solved}")
    earns = "margin" in points.columns and bool(points.margin.notna().any())  # some demand has a price
    table = Table(
        "point",
        *[_axis_column(a.path) for a in plan.axes],
        "status",
        f"total cost ({currency})",
        *([f"revenue ({currency})", f"margin ({currency})"] if earns else []),
        title="Points (all in points.csv)",
        title_justify="left",
    )
    axes = list(dict.fromkeys(a.path for a in plan.axes))
    columns = ["point", *axes, *(USED + a for a in axes), "status", "total_cost", "revenue", "margin", "message"]
    points = points[[column for column in columns if column in points.columns]]  # not each demand's figures
    for record in points.head(40).to_dict("records"):
        cost = record.get("total_cost")
        table.add_row(
            str(record["point"]),
            *[_axis_cell(record, a.path) for a in plan.axes],
            str(record["status"]),
            money(cost),
            *([money(record.get("revenue")), money(record.get("margin"))] if earns else []),
        )
    out.print(table)
    failed = points[points.status != "optimal"]
    for row in failed.head(10).itertuples(index=False):
        out.print(f"  point {row.point}: {row.status}: {str(row.message)[:200]}", markup=False)
    written("Sweep folder", result.folder)
    if result.missing:
        shown = ", ".join(f"{n:04d}" for n in result.missing[:20]) + (", ..." if len(result.missing) > 20 else "")
        err.print(
            f"{plural(len(result.missing), 'point')} {'was' if len(result.missing) == 1 else 'were'} not solved "
            "because a worker died "
            f"({'; '.join(result.failures)[:300]}): {shown}. `e2eopt sweep --resume {result.folder}` "
            f"retries them.",
            markup=False,
        )
        raise typer.Exit(EXIT["error"])
