"""One call from a validated scenario to checked result tables: the library's main entry point.

validated scenario -> index sets -> LP (model/lp) -> HiGHS -> independent check -> tables, through
the one pipeline every solve takes (model/resolver.py). With `extend`, the LP is the Pyomo model of
record with the caller's additions (model/lp/pyomo_model.py), solved and checked the same way.
"""

from __future__ import annotations

from model.outcome import Outcome
from model.resolver import Resolver, optimise_options
from model.scenario.loader import SourceMap
from model.scenario.schema import Scenario
from model.solve import SolveOptions


def optimise(
    scenario: Scenario,
    options: SolveOptions | None = None,
    integer_staff: bool | None = None,
    source: SourceMap | None = None,
    sensitivity: bool = True,
) -> Outcome:
    """Solve the scenario; the status says how it went (never raises for infeasible or failed solves).

    An infeasible scenario is diagnosed (`Outcome.diagnosis`); `source` (from `read_scenario`) lets
    the diagnosis name the YAML line of each field. `sensitivity=False` skips the sensitivity table
    and HiGHS's ranging (then the cost-range columns of the work and flows tables are empty).
    `options.time_limit` bounds the whole solve, sensitivity included.
    """
    return Resolver(scenario, options, integer_staff, sensitivity, source=source).base_outcome


__all__ = ["Outcome", "optimise", "optimise_options"]
