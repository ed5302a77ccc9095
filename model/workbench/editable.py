"""The figures planners change most, as tables the page renders and edits.

Each cell carries the override path it sets (`set: {path: value}` in a what-if), its value in the
resolved scenario, and the least value allowed; a per-period cell (a volume) carries its period, and
an edit of it is sent as the whole list (`"demands.X.volume": "[700, 850, 900]"`). Five tables:
volumes (demand x period), wages (roles), targets (demands), capacities (nodes and arcs) and staff
bounds (node x role); and, where the scenario has them, three more: prices (demands, where some
demand has a price or the objective is margin), sites (the fixed cost and least volume of the nodes
that are decided, or have either figure or capacity levels) and rules (each rule's bound).

A node with capacity levels has no `capacity` cell: its capacity is its chosen level's (setting a
capacity beside levels is refused), and a level's figures are not offered here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from model.scenario.overrides import Resolved
    from model.scenario.schema import Scenario


def tables(resolved: Resolved) -> list[dict]:
    """The editable tables of a resolved scenario, in the order the page shows them."""
    scenario = resolved.scenario
    shown = [volumes(scenario), wages(scenario), targets(scenario), capacities(scenario), staff_bounds(scenario)]
    return shown + [table for table in (prices(scenario), sites(scenario), rules(scenario)) if table["rows"]]


def cell(path: str, value: object, minimum: float | None = 0, period: int | None = None) -> dict:
    """One editable figure: the override path it sets, its value (None: not given), the least allowed."""
    entry: dict = {"path": path, "value": value, "min": minimum}
    if period is not None:
        entry["period"] = period
    return entry


def volumes(scenario: Scenario) -> dict:
    """Volume per demand and period (a single figure in the file is shown in every period)."""
    periods = scenario.periods
    rows = [
        {
            "key": name,
            "cells": [
                cell(f"demands.{name}.volume", value, 0, period)
                for period, value in enumerate(demand.volumes(len(periods)))
            ],
        }
        for name, demand in scenario.demands.items()
        if demand.volume is not None  # volume_by_interval: edited in the YAML tab
    ]
    return {
        "name": "volumes",
        "title": "Volume per demand and period",
        "unit": "units per period",
        "columns": ["demand", *periods],
        "rows": rows,
    }


def wages(scenario: Scenario) -> dict:
    """Each role's cost per FTE and its overtime cost per hour (when it has overtime)."""
    currency, unit = scenario.currency, scenario.scenario.time_unit
    rows = []
    for name, role in scenario.roles.items():
        overtime = role.overtime.cost_per_hour if role.overtime is not None else None
        cells = [cell(f"roles.{name}.cost_per_fte", role.cost_per_fte)]
        cells.append(cell(f"roles.{name}.overtime.cost_per_hour", overtime))  # None: no overtime given
        rows.append({"key": name, "cells": cells})
    return {
        "name": "wages",
        "title": "Wages per role",
        "unit": currency,
        "columns": ["role", f"cost per FTE ({currency} per FTE per period)", f"overtime ({currency} per hour)"],
        "rows": rows,
        "time_unit": unit,
    }


def targets(scenario: Scenario) -> dict:
    """Each demand's quality and response-time targets (None: the demand has no such target)."""
    unit = scenario.scenario.time_unit
    rows = [
        {
            "key": name,
            "cells": [
                cell(f"demands.{name}.min_quality", demand.min_quality),
                cell(f"demands.{name}.max_mean_response_time", demand.max_mean_response_time),
            ],
        }
        for name, demand in scenario.demands.items()
    ]
    return {
        "name": "targets",
        "title": "Targets per demand",
        "unit": f"share (0 to 1); {unit}s",
        "columns": ["demand", "least quality (share, 0 to 1)", f"most mean response time ({unit}s)"],
        "rows": rows,
    }


def capacities(scenario: Scenario) -> dict:
    """Node and arc capacities (None: unlimited)."""
    rows = [
        {"key": f"nodes.{name}", "cells": [cell(f"nodes.{name}.capacity", node.capacity)]}
        for name, node in scenario.nodes.items()
        if node.capacity_levels is None  # its capacity is its chosen level's
    ]
    rows += [
        {
            "key": f"arcs.{arc.source}->{arc.target}",
            "cells": [cell(f"arcs.{arc.source}->{arc.target}.capacity", arc.capacity)],
        }
        for arc in scenario.arcs
    ]
    return {
        "name": "capacities",
        "title": "Capacities of nodes and arcs (empty: unlimited)",
        "unit": "units per period",
        "columns": ["node or arc", "capacity (units per period)"],
        "rows": rows,
    }


def staff_bounds(scenario: Scenario) -> dict:
    """Each staffed node's least and most FTE per role (most None: unbounded)."""
    rows = [
        {
            "key": f"{name}.{role}",
            "cells": [
                cell(f"nodes.{name}.staff.{role}.min", bounds.min),
                cell(f"nodes.{name}.staff.{role}.max", bounds.max),
            ],
        }
        for name, node in scenario.nodes.items()
        for role, bounds in node.staff.items()
    ]
    return {
        "name": "staff_bounds",
        "title": "Staff bounds per node and role (FTE)",
        "unit": "FTE",
        "columns": ["node.role", "least (FTE)", "most (FTE)"],
        "rows": rows,
    }


def prices(scenario: Scenario) -> dict:
    """Each demand's price per unit served (None: no price), where some demand has one or the
    objective is margin (rows: none otherwise)."""
    currency = scenario.currency
    priced = scenario.scenario.objective == "margin" or any(d.price is not None for d in scenario.demands.values())
    rows = [
        {"key": name, "cells": [cell(f"demands.{name}.price", demand.price)]}
        for name, demand in scenario.demands.items()
        if priced
    ]
    return {
        "name": "prices",
        "title": "Price per demand (empty: no price)",
        "unit": f"{currency} per unit",
        "columns": ["demand", f"price ({currency} per unit)"],
        "rows": rows,
    }


def sites(scenario: Scenario) -> dict:
    """The fixed cost and least volume of each node that is decided, or gives either figure or
    capacity levels (rows: none when no node does)."""
    currency = scenario.currency
    rows = [
        {
            "key": f"nodes.{name}",
            "cells": [
                cell(f"nodes.{name}.fixed_cost", node.fixed_cost),
                cell(f"nodes.{name}.min_volume", node.min_volume),
            ],
        }
        for name, node in scenario.nodes.items()
        if node.open == "decide" or node.fixed_cost or node.min_volume or node.capacity_levels is not None
    ]
    return {
        "name": "sites",
        "title": "Sites: fixed cost and least volume while open",
        "unit": f"{currency} per period; units per period",
        "columns": ["node", f"fixed cost ({currency} per period)", "least volume while open (units per period)"],
        "rows": rows,
    }


RULE_COLUMNS = {"at_most": "at most", "at_least": "at least", "equal": "equal to"}
"""The column of each comparison of a rule (a rule gives one: its row has one cell)."""


def rules(scenario: Scenario) -> dict:
    """Each business rule's bound, in the column of the comparison it gives, with its unit: a share
    (0 to 1, not negative) with `of`, else its quantity's unit (no least value: a bound may be negative)."""
    from model.scenario.rulespec import UNITS

    rows = []
    for name, rule in scenario.rules.items():
        field, value = rule.comparison
        unit = "share (0 to 1)" if rule.of is not None else UNITS[rule.sum].replace("currency", scenario.currency)
        entry = cell(f"rules.{name}.{field}", value, 0 if rule.of is not None else None)
        rows.append({"key": name, "cells": [{**entry, "column": RULE_COLUMNS[field], "unit": unit}]})
    return {
        "name": "rules",
        "title": "Business rules: each rule's bound",
        "unit": "each rule's unit",
        "columns": ["rule", *RULE_COLUMNS.values()],
        "rows": rows,
    }


__all__ = ["tables"]
