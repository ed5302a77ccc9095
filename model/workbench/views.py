"""What the page shows, as JSON: a solve's document, the report's sections, the bridge from the base.

Nothing here computes a figure of its own: the document is what `e2eopt solve --json` prints (the
run's summary.json, `model.runs.summary_of`), the sections are the run report's
(model/report/run.py's builders on a run made in memory from the Outcome, its tables conformed as a
run folder holds them), and the bridge is `e2eopt compare`'s (model.compare.compare_runs on the two
runs in memory) with the comparison report's waterfall.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.formatting import plain_json
from model.scenario.overrides import overrides_applied
from model.scenario.schema import with_current_names

if TYPE_CHECKING:
    import pandas as pd

    from model.optimise import Outcome
    from model.report.page import Section
    from model.scenario.overrides import Resolved
    from model.workbench.session import Base, Solved, Workbench


def command_of(path: str, values: Mapping[str, Any], removals: Sequence[str]) -> list[str]:
    """The `e2eopt solve` command that solves the same scenario (what a run's summary records)."""
    command = ["e2eopt", "solve", path]
    for field, value in values.items():
        command += ["--set", f"{field}={value}"]
    for removal in removals:
        command += ["--remove", removal]
    return command


def summary_document(outcome: Outcome, resolved: Resolved, command: list[str]) -> dict:
    """solve --json's document for an outcome (`run_folder` null: nothing was written): the summary
    write_run would write, with every key a summary may hold."""
    from model.runs import complete_summary, run_label, scenario_digest, summary_of

    first = next(iter(resolved.inputs.values()), None)
    summary = summary_of(outcome, resolved.text, resolved.file, command, file_bytes=first)
    if resolved.changes and not resolved.text:  # its YAML not made (Workbench.variant): the data's digest
        summary["input"]["scenario_sha256"] = scenario_digest(resolved.data)
    if resolved.changes or len(resolved.inputs) > 1:
        summary["overrides"] = overrides_applied(resolved.changes)
    summary["label"] = run_label(resolved.file, resolved.changes, resolved.inputs)
    return {**complete_summary(summary), "run_folder": None}


def solve_document(solved: Solved, values: Mapping[str, Any], removals: Sequence[str]) -> dict:
    """POST /api/solve's document without the views: solve --json's, how it was solved, what changed."""
    outcome = solved.outcome
    document = summary_document(outcome, solved.resolved, command_of(solved.base.path, values, removals))
    timings = outcome.timings
    document["resolve"] = {
        "how": solved.how,
        "why": str(outcome.solver.get("lp", "")),
        "seconds": round(solved.seconds, 6),
        "highs_seconds": round(float(timings.get("solve", 0.0)), 6),
        "reused": solved.reused,  # the same request's answer a moment ago: not solved again
    }
    changes = solved.resolved.changes
    if solved.base.alone:  # the base is the request's variant: its changes are the request's
        document["changes"] = overrides_applied([c for c in changes if c.origin in ("--set", "--remove")])
    else:
        document["changes"] = overrides_applied(changes[len(solved.base.resolved.changes) :])
    base = solved.base_outcome
    document["base_objective"] = base.objective if base is not None else None
    # Under objective: margin an objective is cost + revenue forgone: the page compares total costs.
    document["base_total_cost"] = base.profit.get("total_cost") if base is not None else None
    document["base_is_margin"] = base is not None and base.scenario.scenario.objective == "margin"
    document["diagnosis"] = outcome.diagnosis.to_dict(orient="records") if outcome.diagnosis is not None else None
    return document


# ---- the report's sections, in memory ---------------------------------------------------------


def conformed(outcome: Outcome, names: Collection[str], kept: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The outcome's tables among `names`, conformed as write_run writes them (declared columns and
    types: what the report and the comparison read from a run folder), each conformed once into
    `kept`, which the report's run and the comparison's share."""
    from model.tables import TABLES, conform

    for name in names:
        if name not in kept and name in outcome.tables and name in TABLES:
            kept[name] = conform(outcome.tables[name], name)
    return {name: kept[name] for name in names if name in kept}


def report_run(outcome: Outcome, summary: dict, name: str, kept: dict[str, pd.DataFrame]) -> Any:
    """The run report's `Run` for an outcome, without a folder (the report reads a run folder's
    tables; these are the same frames)."""
    from model.report.run import TABLES_USED, Run

    return Run(Path(name), summary, conformed(outcome, TABLES_USED, kept), list(outcome.scenario.stages))


def sections(outcome: Outcome, summary: dict, name: str, kept: dict[str, pd.DataFrame] | None = None) -> dict:
    """The report's headline and sections for an outcome, figures as plotly JSON: the run report's
    sections in its order (those a run has: profit by segment, rework, sites and business rules
    only where the run has them)."""
    from model.report.run import headline_lines, run_sections

    run = report_run(outcome, summary, name, {} if kept is None else kept)
    built: list[Section] = []
    if outcome.diagnosis is not None:
        built.append(diagnosis_section(outcome.diagnosis))
    built.extend(run_sections(run))
    return {"headline": with_profit_lines(headline_lines(run), summary), "sections": [section_json(s) for s in built]}


def with_profit_lines(lines: list[str], summary: dict) -> list[str]:
    """The report's headline lines with profit_and_milp_lines after the total cost's."""
    at = next((i + 1 for i, line in enumerate(lines) if line.startswith("Total cost:")), len(lines))
    return [*lines[:at], *profit_and_milp_lines(summary), *lines[at:]]


def profit_and_milp_lines(summary: dict) -> list[str]:
    """The headline's lines after the total cost: revenue and margin where some demand has a price,
    and a MILP's gap and HiGHS's bound (under margin, as the command line gives it: no plan earns a
    margin above the revenue at full service less the bound on cost + revenue forgone)."""
    from model.formatting import money, percent, plural

    currency = str(summary.get("currency", ""))
    profit = summary.get("profit") or {}
    lines = []
    if profit.get("revenue") is not None:
        kind = " (objective: margin)" if profit.get("objective") == "margin" else ""
        lines.append(
            f"Revenue: {money(profit['revenue'], currency)}, margin: {money(profit['margin'], currency)}{kind}"
        )
    solver = summary.get("solver") or {}
    if solver.get("mip") and solver.get("mip_gap") is not None:
        bound = money(float(solver.get("mip_dual_bound", float("nan"))), currency)
        what = (  # the command line's words (model/cli/solve.py's _print_mip): one plan, one bound
            f"HiGHS's bound: no plan earns a margin above {money(profit['margin_bound'], currency)} "
            f"({money(profit['revenue_at_full_service'], currency)} of revenue at full service - the bound "
            f"{bound} on cost + revenue forgone)"
            if profit.get("margin_bound") is not None
            else f"HiGHS's bound {bound} (no plan costs less)"
        )
        nodes = plural(int(solver.get("mip_nodes", 0)), "branch-and-bound node")
        lines.append(f"MILP: gap {percent(float(solver['mip_gap']), decimals=2)}, {what}, {nodes}")
    return lines


def diagnosis_section(diagnosis: pd.DataFrame) -> Section:
    """The report's diagnosis section, from the outcome's diagnosis (the report reads diagnosis.csv,
    the same table conformed, as text)."""
    from model.report.run import diagnosis_of
    from model.tables import conform

    frame = conform(diagnosis, "diagnosis")
    return diagnosis_of(frame.astype(object).where(frame.notna(), "").astype(str))


def section_json(section: Section) -> dict:
    """A report section as the page takes it: figures as plotly's JSON, tables as columns and rows."""
    return {
        "title": section.title,
        "intro": list(section.intro),
        "figures": [json.loads(figure.to_json()) for figure in section.figures],
        "tables": [table_json(caption, frame) for caption, frame in section.tables],
    }


def table_json(caption: str, frame: pd.DataFrame) -> dict:
    """A small table as the page takes it: its caption, column names, and rows of plain values."""
    return {
        "caption": caption,
        "columns": [str(c) for c in frame.columns],
        "rows": plain_json(frame.astype(object).where(frame.notna(), None).values.tolist()),
    }


def solve_views(solved: Solved, document: dict, base_view: bool, changed: bool) -> dict:
    """The views POST /api/solve adds: the what-if's sections, the base's (when asked), the bridge."""
    kept: dict[str, pd.DataFrame] = {}  # the what-if's tables, conformed once for its sections and its bridge
    added: dict[str, Any] = {"view": sections(solved.outcome, document, solved.base.path, kept)}
    base = solved.base_outcome
    base_document = None
    if base is not None and (base_view or changed):
        base_document = remembered(
            solved.base,
            base,
            "document",
            lambda: summary_document(base, solved.base.resolved, command_of(solved.base.path, {}, ())),
        )
    if base_view:
        added["base_view"] = (
            None if base is None or base_document is None else sections(base, base_document, solved.base.path)
        )
    added["bridge"] = bridge(solved, document, base_document, kept) if changed and base_document is not None else None
    return added


def remembered(base: Base, outcome: Outcome, name: str, make: Callable[[], Any]) -> Any:
    """What `make` gives for the base's outcome, made once while that outcome stands (the base's
    document, view and comparison run are the same for every what-if against it)."""
    kept = base.memo.get(name)
    if kept is not None and kept[0] is outcome:
        return kept[1]
    value = make()
    base.memo[name] = (outcome, value)
    return value


def bridge(
    solved: Solved, document: dict, base_document: dict | None, kept: dict[str, pd.DataFrame] | None = None
) -> dict | None:
    """`e2eopt compare`'s bridge from the base to the what-if (null when either has no results), with
    the comparison report's waterfall."""
    from model.compare import compare_runs
    from model.report.comparison import Compared, waterfall

    base = solved.base_outcome
    if base is None or base_document is None:
        return None
    a = remembered(
        solved.base, base, "compare", lambda: compare_run(base, base_document, solved.base.resolved, "base", {})
    )
    b = compare_run(solved.outcome, document, solved.resolved, "what-if", {} if kept is None else kept)
    if not (a.has_results and b.has_results):
        return None
    comparison = compare_runs(a, b, tables=("totals", "bridge"))  # what the page shows of it
    compared = Compared(
        Path("what-if"),
        "base",
        "what-if",
        comparison.status_a,
        comparison.status_b,
        comparison.currency,
        comparison.time_unit,
        comparison.notes,
        comparison.tables(),
    )
    units = comparison.units()
    return {
        "rows": plain_json(comparison.bridge.to_dict("records")),  # as `e2eopt compare --json` gives them
        "totals": plain_json(comparison.totals.to_dict("records")),
        "inputs": table_json("The scenario's fields that differ from the base", comparison.inputs),
        "units": {name: units[name] for name in ("bridge", "totals", "inputs")},
        "figure": json.loads(waterfall(compared).to_json()),
        "notes": comparison.notes,
    }


def compare_run(outcome: Outcome, summary: dict, resolved: Resolved, name: str, kept: dict[str, pd.DataFrame]) -> Any:
    """model.compare's `Run` for an outcome in memory: its tables as a run folder holds them."""
    from model.compare import RESULTS_NEEDED, Run

    tables = conformed(outcome, RESULTS_NEEDED, kept)
    return Run(Path(name), summary, tables, with_current_names(resolved.data), outcome.scenario)


def scenario_document(bench: Workbench, path: str) -> dict:
    """GET /api/scenario's document: the file's text, its resolved data, its overrides, the editable
    tables and validate's document."""
    from model.validity import stages_of, validity

    target = bench.locate(path)
    base = bench.base(path, None)
    resolved = base.resolved
    first = base.chain.files[0]
    data = first.data if isinstance(first.data, dict) else {}
    scenario = resolved.scenario
    return {
        "path": base.path,
        "yaml": target.read_text(encoding="utf-8"),
        "resolved": with_current_names(resolved.data),
        "extends": data.get("extends"),
        "set": dict(data.get("set") or {}) if "extends" in data else {},
        "remove": list(data.get("remove") or []) if "extends" in data else [],
        "editable": editable(resolved),
        "summary": validity(base.path, scenario, overrides_applied(resolved.changes), stages_of(scenario)),
    }


def editable(resolved: Resolved) -> dict:
    """The figures planners change most, as tables whose cells carry the override path they set."""
    from model.workbench.editable import tables

    return {"tables": tables(resolved)}


__all__ = ["scenario_document", "solve_document", "solve_views", "summary_document"]
