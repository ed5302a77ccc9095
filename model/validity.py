"""`e2eopt validate --json`'s document for a valid scenario: what it holds, and the LP it will build.

Here, below the command line, so that the workbench's `POST /api/validate` answers with the same
document as the command.
"""

from __future__ import annotations

from pathlib import Path

from model.errors import InfeasibleRow
from model.lp import build
from model.network import index_sets, unskilled
from model.scenario.schema import Scenario


def stages_of(scenario: Scenario) -> list[dict]:
    """Each stage of the value chain: its nodes, how many are staffed, and the roles they use."""
    stages = []
    for stage in scenario.stages:
        nodes = [n for n in scenario.nodes.values() if n.stage == stage]
        roles = sorted({r for n in nodes for r in n.work})
        stages.append(
            {"stage": stage, "nodes": len(nodes), "staffed_nodes": sum(bool(n.work) for n in nodes), "roles": roles}
        )
    return stages


def validity(file: Path | str, scenario: Scenario, overrides: list[dict], stages: list[dict]) -> dict:
    """`validate --json`'s document for a valid scenario: what the screen shows, as data (`problems`
    empty, as the document of a file with problems has it; `lp`'s keys all there, null when not known)."""
    return {
        "valid": True,
        "problems": [],
        "file": str(file),
        "scenario": scenario.name,
        "currency": scenario.currency,
        "time_unit": scenario.scenario.time_unit,
        "period_length": scenario.scenario.period_length,
        "periods": list(scenario.periods),
        "overrides": overrides,
        "stages": stages,
        "counts": {
            "nodes": len(scenario.nodes),
            "roles": len(scenario.roles),
            "arcs": len(scenario.arcs),
            "demands": len(scenario.demands),
        },
        "lp": lp_size(scenario),
        "notes": scenario_notes(scenario),
    }


def lp_size(scenario: Scenario) -> dict:
    """The LP the solve will build, counted by building it: its kind, size and variables per family;
    or, when no plan can meet the scenario as written, why (`infeasible_as_written`)."""
    kind = "MILP (integer staff)" if scenario.solver.integer_staff else "LP"
    try:
        model = build(index_sets(scenario), integer_staff=scenario.solver.integer_staff)
    except InfeasibleRow as reason:  # valid, but no plan can meet it: `solve` says so (exit 3)
        unknown = dict.fromkeys(("variables", "constraints", "families"))
        return {"kind": kind, **unknown, "infeasible_as_written": f"{reason}"}
    families = {name: int(model.exists(name).sum()) for name in model.columns}
    return {
        "kind": kind,
        "variables": model.num_col,
        "constraints": model.num_row,
        "families": families,
        "infeasible_as_written": None,
    }


__all__ = ["lp_size", "stages_of", "validity"]


NO_PRICE_NOTE = "objective: margin but no demand has a price: the same plan as objective: cost"
"""The note of a run under `objective: margin` where no demand has a `price` (no revenue to weigh)."""


def scenario_notes(scenario: Scenario) -> list[str]:
    """What a reader should know of a scenario before any solve, said by `validate` and by the run:
    `objective: margin` with no price (NO_PRICE_NOTE), each demand whose origin or sink is closed
    (`open: never`), which no plan can serve through it, each sink a demand's skills keep it from, and
    each rostered role whose overtime does not apply there."""
    notes = []
    if scenario.scenario.objective == "margin" and all(d.price is None for d in scenario.demands.values()):
        notes.append(NO_PRICE_NOTE)
    for name, demand in scenario.demands.items():
        closed = [node for node in [demand.origin, *demand.sinks] if _never(scenario, node)]
        if not closed:
            continue
        ends = ", ".join(f"{'origin' if node == demand.origin else 'sink'} {node}" for node in closed)
        served = demand.origin in closed or len(closed) == len(demand.sinks)
        outcome = "so none of it can be served" if served else "so it can reach only its other sinks"
        notes.append(f"demand {name}'s {ends} {'is' if len(closed) == 1 else 'are'} open: never, {outcome}")
    return (
        notes + _skill_notes(scenario) + _rostered_overtime(scenario) + _free_losses(scenario) + _unrostered(scenario)
    )


def _skill_notes(scenario: Scenario) -> list[str]:
    """Each demand's sinks that no role there can serve for want of its skills (docs/model.md,
    Skills): the demand can end only at its other sinks (validation refuses a demand left with none)."""
    if not any(d.skills for d in scenario.demands.values()):
        return []
    without = unskilled(scenario)
    notes = []
    for name, demand in scenario.demands.items():
        off = [sink for sink in demand.sinks if sink in without[name]]
        if off:
            notes.append(
                f"demand {name} cannot end at {', '.join(off)}: no role there has its skills "
                f"({', '.join(demand.skills)}), so it can reach only its other sinks"
            )
    return notes


def _rostered_overtime(scenario: Scenario) -> list[str]:
    """A role with `overtime` that works shifts at a node: no overtime there (docs/model.md, Shifts)."""
    notes = []
    for node, spec in scenario.nodes.items():
        for role, work in spec.work.items():
            overtime = scenario.roles[role].overtime
            if work.rostered and overtime is not None and overtime.max_hours_per_fte > 0:
                notes.append(
                    f"{node}: {role} works shifts there, so its overtime does not apply there "
                    "(it does where the role is not rostered)"
                )
    return notes


def _never(scenario: Scenario, node: str) -> bool:
    found = scenario.nodes.get(node)
    return found is not None and found.open == "never"


def _free_losses(scenario: Scenario) -> list[str]:
    """An erlang_a or erlang_b queue without `overflow` loses units that count as unmet; for a demand
    without an `unmet_penalty` they cost nothing, so the plan may prefer a queue that loses them
    (docs/model.md, Abandonment and loss)."""
    unpriced = [name for name, d in scenario.demands.items() if d.unmet_penalty is None]
    if not unpriced:
        return []
    return [
        f"{node}: its {spec.queue.model} queue has no overflow, so the units it loses count as unmet; they cost "
        f"nothing for demands without an unmet_penalty ({', '.join(unpriced)}): give them one to price a lost unit"
        for node, spec in scenario.nodes.items()
        if spec.queue is not None and spec.queue.model != "erlang_c" and spec.queue.overflow is None
    ]


def _unrostered(scenario: Scenario) -> list[str]:
    """With intervals, a role without shifts is sized on the period's hours, not per interval: its work
    may be done at any time of the period, and at a queue it counts as on duty evenly in every
    interval (docs/model.md, Intervals and Queues per interval). Said once, naming them."""
    if scenario.intervals is None:
        return []
    free = [
        f"{node} ({role})"
        for node, spec in scenario.nodes.items()
        for role, work in spec.work.items()
        if not work.rostered
    ]
    if not free:
        return []
    return [
        f"roles without shifts are sized on the period's hours, not per interval: {', '.join(free)}; their work may "
        "be done at any time of the period (at a queue they count as on duty evenly in every interval); give them "
        "`shifts` to staff them interval by interval"
    ]
