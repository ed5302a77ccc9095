"""Example extensions of the LP, for data/tiny.yaml: templates for your own.

An extension is a function `fn(lp, parts)` that adds to the Pyomo model of record
(model/lp/pyomo_model.py) before it is solved, after PyPSA's `extra_functionality`:

- `lp` is the Pyomo model: add variables, constraints and expressions to it as to any Pyomo model;
- `parts.variables` holds the variable families of docs/model.md by name, each indexed by its index
  table's keys and the period, e.g. `parts.variables["y"][demand, node, mode, period]` (units of a
  demand processed at a node in a mode) or `parts.variables["s"][node, role, period]` (FTE);
- `parts.sets` holds the index tables, which say which indices exist (`parts.sets.demand_modes`
  has a row per (demand, node, mode)), and `parts.periods` the periods;
- `parts.constraints` holds the constraint families by name, and `parts.add_cost(name, expression)`
  adds a named cost term (in the scenario's currency) to the objective.

To solve with one:

    from model.lp.pyomo_model import build_pyomo, extend_pyomo, to_linear_model
    from model.network import index_sets
    from model.scenario import load_scenario
    from model.solve import solve

    sets = index_sets(load_scenario("data/tiny.yaml"))
    lp = build_pyomo(sets)
    extend_pyomo(lp, sets, vendor_at_most_500)
    solution = solve(to_linear_model(lp, sets))  # 53,857.14 EUR: the vendor takes 500 repairs, not 600
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from model.lp.pyomo_model import Parts

VENDOR = "vendor"


def processed_at(parts: Parts, node: str, period: str) -> Any:
    """The units processed at `node` in `period`, all demands and modes together: the sum of
    y[demand, node, mode, period] over the rows of the demand_modes table at that node."""
    modes = parts.sets.demand_modes
    here = modes[modes.node == node]
    if here.empty:
        raise ValueError(f"no demand can be processed at a node named {node!r} in this scenario")
    y = parts.variables["y"]
    return pyo.quicksum(y[demand, node, mode, period] for demand, mode in zip(here["demand"], here["mode"]))


def vendor_at_most_500(lp: pyo.ConcreteModel, parts: Parts) -> None:
    """A contract limit: the vendor takes at most 500 repairs a period, whatever else is cheaper.

    Adds the constraint `vendor_limit[t]`: units processed at the vendor in period t <= 500."""
    lp.vendor_limit = pyo.Constraint(parts.periods, rule=lambda lp, t: processed_at(parts, VENDOR, t) <= 500)


def vendor_fee(lp: pyo.ConcreteModel, parts: Parts) -> None:
    """A new fee: the vendor charges 10 EUR more per unit it processes.

    Adds the cost term "vendor_fee" to the objective: 10 EUR x units processed at the vendor, summed
    over the periods."""
    parts.add_cost("vendor_fee", pyo.quicksum(10.0 * processed_at(parts, VENDOR, t) for t in parts.periods))
