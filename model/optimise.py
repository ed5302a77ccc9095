"""One call from a validated scenario to checked result tables: the library's main entry point.

validated scenario -> index sets -> LP (model/lp) -> HiGHS -> independent check -> tables, through
the one pipeline every solve takes (model/resolver.py). With `extend`, the LP is the Pyomo model of
record with the caller's additions (model/lp/pyomo_model.py), solved and checked the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from model.outcome import Outcome
from model.resolver import Resolver, optimise_options
from model.scenario.loader import SourceMap
from model.scenario.schema import Scenario
from model.solve import SolveOptions

if TYPE_CHECKING:
    from model.lp.pyomo_model import Extension


def optimise(
    scenario: Scenario,
    options: SolveOptions | None = None,
    integer_staff: bool | None = None,
    source: SourceMap | None = None,
    sensitivity: bool = True,
    extend: Extension | None = None,
    warn: Callable[[str], None] | None = None,
    on_phase: Callable[[str], None] | None = None,
) -> Outcome:
    """Solve the scenario; the status says how it went (never raises for infeasible or failed solves).

    An infeasible scenario is diagnosed (`Outcome.diagnosis`); `source` (from `read_scenario`) lets
    the diagnosis name the YAML line of each field. `sensitivity=False` skips the sensitivity table
    and HiGHS's ranging (then the cost-range columns of the work and flows tables are empty).
    `options.time_limit` bounds the whole solve, sensitivity included.

    `extend(lp, parts)` adds constraints or cost terms (`parts.add_cost`) to the Pyomo model of
    record before it is solved (model/lp/pyomo_model.py; data/extensions.py has examples); such a
    solve goes through Pyomo (`outcome.solver["lp"]` says so) and is checked like any other, its
    added cost terms in `outcome.extension_costs` and in the costs table.

    When the LP's figures span more than about 1e9 (model/lp/numerics.py), a warning naming the
    fields behind them is in `outcome.notes`, and is given to `warn` before HiGHS runs.

    `on_phase(name)` is told as each step starts: build, HiGHS, then check, tables and sensitivity
    (diagnosis, for an infeasible scenario), so that a caller can show progress.
    """
    outcome = Resolver(
        scenario,
        options,
        integer_staff,
        sensitivity,
        source=source,
        extend=extend,
        once=True,
        warn=warn,
        on_phase=on_phase,
    ).base_outcome
    _price_what_was_dropped(outcome, options, integer_staff, extend)
    return outcome


def _price_what_was_dropped(
    outcome: Outcome, options: SolveOptions | None, integer_staff: bool | None, extend: Extension | None
) -> None:
    """Under `objective: margin`, when some demand was dropped: what serving every demand would have
    cost, from one more solve of the scenario with `objective: cost` (no sensitivity), kept in
    `outcome.profit["serving_all"]`: its status and, when optimal, its total cost, revenue and margin,
    and `extra_cost`, its total cost minus this plan's (model.md, Objective)."""
    if outcome.scenario.scenario.objective != "margin" or not outcome.profit.get("dropped"):
        return
    scenario = outcome.scenario
    as_cost = scenario.model_copy(update={"scenario": scenario.scenario.model_copy(update={"objective": "cost"})})
    served = Resolver(as_cost, options, integer_staff, False, extend=extend, once=True).base_outcome
    found: dict[str, object] = {"status": served.status}
    if served.ok:
        found.update({key: served.profit[key] for key in ("total_cost", "revenue", "margin")})
        found["extra_cost"] = float(served.profit["total_cost"]) - float(outcome.profit["total_cost"])  # type: ignore[arg-type]
    outcome.profit["serving_all"] = found


def write_lp(
    scenario: Scenario, path: str | Path, extend: Extension | None = None, integer_staff: bool | None = None
) -> Path:
    """Write the scenario's LP (with `extend` applied) to `path` with Pyomo's own writer and readable
    names: LP format for `.lp`, MPS for `.mps` (ValueError otherwise), for any other solver to take.
    A scenario with queues is written with every queue relaxed to agents >= load (the LP of the
    iterations' start)."""
    from model.lp.pyomo_model import build_pyomo, extend_pyomo
    from model.lp.pyomo_model import write_lp as write
    from model.network import index_sets

    _, integer = optimise_options(scenario, integer_staff=integer_staff)
    sets = index_sets(scenario)
    lp = build_pyomo(sets, integer_staff=integer)
    if extend is not None:
        extend_pyomo(lp, sets, extend)
    write(lp, path)
    return Path(path)


__all__ = ["Outcome", "optimise", "optimise_options", "write_lp"]
