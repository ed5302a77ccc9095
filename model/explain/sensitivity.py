"""What each binding figure of a scenario costs: shadow prices in business words, with their ranges.

Every row or bound whose right-hand side comes from a scenario field is translated back to that
field: its shadow price in currency per unit of the field (a percentage point of quality, an hour of
response time, an FTE, a unit of capacity or volume), and the field's values between which that price
holds, from HiGHS's ranging (model.solve: `Solution.ranging`, `Solution.column_ranging`):

| family | field | row's right-hand side as a function of the field |
| --- | --- | --- |
| node_capacity_limit, arc_capacity_limit | `nodes.<n>.capacity`, `arcs[i].capacity` | cap |
| quality_target | `demands.<d>.min_quality` | (1 - Q) S, S the units served (below) |
| response_time_target | `demands.<d>.max_mean_response_time` | T S |
| final_backlog | `demands.<d>.final_backlog` | final backlog |
| final_stock | `nodes.<n>.stock.final_min` | final minimum |
| staff_balance (first period) | `nodes.<n>.staff.<r>.initial` | initial |
| work_balance (first period, storable) | `nodes.<n>.stock.initial` | ... - initial |
| staff_max, staff_min | `nodes.<n>.staff.<r>.max` / `.min` | the bound of s (its reduced cost is the price) |
| volume | `demands.<d>.volume` (`volume[i]` when given per period) | the bound of the column v[d,t] = V[d,t] |

A field entering one row maps that row's range linearly (rhs = a + b * field).

A target enters its row as the coefficient of the units served, S[d,t] = v + b[t-1] - b[t] - u
(model.md, rows 6 and 7), not as a constant: raising Q by dQ changes the row as its right-hand side
moving by -S dQ would, S at the optimum (the envelope theorem: d cost / d coefficient = -dual x the
column's value, summed over the columns of S). So the price of a target is the row's dual times
-S (quality) or S (response time), with S the units the plan serves in that period: the volume only
when nothing is carried or left unmet. A period that serves nothing prices its target at 0 (no row).
Where S can move (backlog or unmet units allowed) the range is the first-order one, S held at its
value: the price is exact at the value, the ends are estimates. The volume enters
several rows together; it is the column v[d,t] fixed at V[d,t] (model.md), so its price is that
column's reduced cost and its range HiGHS's ranging of the column's bound: all four rows move
together, as the volume moves them.

A range is where the optimal basis stays optimal: the price surely holds there, and may go on beyond
it. A degenerate optimum can give a range that ends at the current value on one side (the price
holds for a change in one direction only), or a single point.

Figures are per period: a field that applies to every period (a capacity, a target) has one price
per period, each for a change in that period alone.

For a MILP the duals are those of the LP with the integer variables fixed at their optimum
(`fixed_integer_lp`), labelled so in the `basis` column.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from model.lp import LinearModel
from model.network import position
from model.rules import UNITS, rule_sums
from model.scenario.schema import Scenario
from model.solution import group_sum, units_served
from model.solve import BASIC, NOT_IN_LP, Deadline, Solution, SolveOptions, solve

COLUMNS = [
    "basis",
    "family",
    "period",
    "subject",
    "field",
    "value",
    "shadow_price",
    "currency",
    "unit",
    "unit_step",
    "valid_from",
    "valid_to",
    "cost_at_from",
    "cost_at_to",
    "sentence",
]
"""`shadow_price`: change in total cost (under `objective: margin`, in cost - revenue, the margin's
negative) (currency) per `unit` of the field, i.e. per `unit_step` of its
value as written in the scenario (0.01 for a quality share, whose unit is a percentage point; 1
otherwise). `value`, `valid_from`, `valid_to` are in the field's own terms (a share for quality);
`cost_at_from`/`cost_at_to`: the total cost with the field at either end, other figures unchanged."""

LP_BASIS = "LP"
FIXED_BASIS = "LP with integer staff fixed"
FIXED_SITES = "LP with site decisions fixed"
FIXED_BOTH = "LP with integer staff and site decisions fixed"


def fixed_basis(model: LinearModel) -> str:
    """What the sensitivity table's LP fixed: integer staff, site decisions (docs/model.md, Sites), or both."""
    sites = bool(model.integer.any()) and any(
        bool(model.integer[grid[grid >= 0]].any()) for name, grid in model.columns.items() if name in ("open", "level")
    )
    if sites:
        return FIXED_BOTH if model.integer_staff else FIXED_SITES
    return FIXED_BASIS


RELATIVE_ZERO = 1e-9
"""A price smaller than this times the total cost (at least 1) is round-off, not a price."""

TIME_ABBREVIATION = {"minute": "min", "hour": "h", "day": "days", "week": "weeks"}

RULE_FIELD = {"<=": "at_most", ">=": "at_least", "==": "equal"}
SINGULAR = {"units": "unit", "hours": "hour"}
"""A business rule's comparison field, by the sense of its row."""


# --- MILP: the LP with integers fixed --------------------------------------------------------------


def fixed_integer_lp(model: LinearModel, solution: Solution, options: SolveOptions | None = None) -> Solution:
    """The LP left when the integer variables (staff, with `integer_staff`) are fixed at their values in
    the MILP `solution`, rounded: same cost, with duals and ranging.

    `solver['fixed_integers']` of the result counts the variables fixed.
    """
    if not solution.has_values:
        raise ValueError(f"the solution has no values to fix ({solution.status}: {solution.message})")
    at = np.zeros(model.num_col)
    for name, grid in model.columns.items():
        exists = grid >= 0
        at[grid[exists]] = solution.values[name][exists]
    fixed = model.integer
    lower, upper = model.numbers.col_lower.copy(), model.numbers.col_upper.copy()
    lower[fixed] = upper[fixed] = np.round(at[fixed])
    numbers = replace(model.numbers, col_lower=lower, col_upper=upper, row_upper=_closing_rows_freed(model, at))
    relaxed = replace(model, numbers=numbers, integer=np.zeros(model.num_col, dtype=bool))
    found = solve(relaxed, options or SolveOptions())
    found.solver["fixed_integers"] = int(fixed.sum())
    return found


def _closing_rows_freed(model: LinearModel, at: np.ndarray) -> np.ndarray:
    """The row upper bounds with the closing row (`site_closed`) of every site fixed open whose M[n]
    is a volume (no `capacity`) made free: that M is no figure of the scenario, only a bound the MILP
    needs, which every plan meets (docs/model.md, Sites); binding at the plan's own throughput, it
    would price one more unit of volume at the next source's cost."""
    upper = model.numbers.row_upper.copy()
    block = model.blocks.get("site_closed")
    if block is None or not len(block) or "open" not in model.columns:
        return upper
    sets, labels = model.sets, model.labels("site_closed")
    column = model.columns["open"][
        pd.Index(sets.sites.node).get_indexer(labels.node), pd.Index(sets.periods).get_indexer(labels.period)
    ]
    opened = (column >= 0) & (at[np.maximum(column, 0)] > 0.5)
    volume_bound = ~np.isfinite(sets.nodes.set_index("node").capacity.reindex(labels.node).to_numpy(dtype=float))
    upper[block.at[opened & volume_bound]] = np.inf
    return upper


# --- the table -------------------------------------------------------------------------------------


def revenue_due(model: LinearModel) -> float:
    """Under `objective: margin`, the revenue of every unit due, sum_d p[d] sum_t V[d,t] (0 under
    cost): the LP minimises cost + revenue forgone = cost - revenue + this constant (model.md,
    Objective), so its objective less this is cost - revenue, and a volume's reduced cost less p[d]
    is d (cost - revenue) / dV."""
    price = model.sets.demands["forgone_price"].to_numpy(dtype=float)
    return float((price[:, None] * model.sets.volumes).sum())


@dataclass
class _Field:
    """How one family of rows (or bounds) reads as a scenario field, vectorised over its entries."""

    family: str
    period: np.ndarray
    subject: np.ndarray
    field: np.ndarray
    value: np.ndarray  # the field's value now
    shadow: np.ndarray  # d cost / d field, currency per field unit (not per unit_step)
    low: np.ndarray  # the field's range where the shadow price holds
    high: np.ndarray
    phrase: np.ndarray  # "One more unit of capacity at vendor in P1"
    unit: str  # "per unit of capacity" (currency is prefixed)
    unit_step: float = 1.0
    direction: float | np.ndarray = 1.0  # the phrase describes a change of direction * unit_step (per entry)
    noun: str = "units"  # for the range: "from 600 to 800 units"; "%" formats shares as percentages
    domain: tuple[np.ndarray | float, np.ndarray | float] = (0.0, np.inf)


def sensitivity_table(
    model: LinearModel,
    solution: Solution,
    scenario: Scenario,
    deadline: Deadline | None = None,
    fixed: Solution | None = None,
) -> pd.DataFrame | None:
    """One row per binding constraint or bound with a non-zero price whose figure comes from the
    scenario, in business words (see the module's docstring); sorted by absolute price.

    Pass the solution of an optimal LP, or of a MILP (its integers are then fixed and the LP re-solved
    here, within what is left of `deadline`; or pass `fixed_integer_lp`'s result as `fixed` to avoid
    solving it twice).
    Empty without duals; None when the deadline cut it short.
    """
    fixed_label = fixed_basis(model)  # before the fix: the fixed LP has no integers left
    if solution.solver.get("mip") and solution.status == "optimal" and solution.has_values:
        options = SolveOptions() if deadline is None else deadline.options(SolveOptions())
        solution = fixed if fixed is not None else fixed_integer_lp(model, solution, options)
        if solution.status == "time_limit":
            return None
        if solution.model is not None:  # the LP with the integers fixed (Solver.solve always sets it)
            model = solution.model
    if solution.status != "optimal" or not solution.rows or solution.objective is None:
        return pd.DataFrame(columns=COLUMNS)
    if np.isnan(np.concatenate([r.dual for r in solution.rows.values()])).all():
        return pd.DataFrame(columns=COLUMNS)  # no duals (a MILP's own solution)
    basis = fixed_label if solution.solver.get("fixed_integers") else LP_BASIS
    figures = _Figures(model, solution, scenario)
    fields = [
        figures.capacity("node_capacity_limit"),
        figures.capacity("arc_capacity_limit"),
        figures.site("site_closed"),
        figures.site("site_level_capacity"),
        figures.site("site_min_volume"),
        figures.quality(),
        figures.response_time(),
        figures.final_backlog(),
        figures.final_stock(),
        figures.staff_initial(),
        figures.stock_initial(),
        *figures.staff_bounds(),
        figures.agents_needed(),
        figures.queue_agents_needed(),
        figures.pattern_costs(),
        figures.volume(),
        *figures.business_rules(),
    ]
    objective = solution.objective - revenue_due(model)  # cost - revenue under margin; the cost otherwise
    tolerance = RELATIVE_ZERO * max(1.0, abs(solution.objective))
    found = (_rows(f, basis, objective, scenario, tolerance) for f in fields if f is not None)
    parts = [p for p in found if p is not None]
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    order = np.argsort(-np.abs(np.concatenate([p["shadow_price"] for p in parts])), kind="stable")
    return pd.DataFrame({column: np.concatenate([p[column] for p in parts])[order] for column in COLUMNS})


def _rows(
    f: _Field, basis: str, objective: float, scenario: Scenario, tolerance: float
) -> dict[str, np.ndarray] | None:
    """The field's rows with a price, column by column (COLUMNS); None without one."""
    keep = np.isfinite(f.shadow) & (np.abs(f.shadow * f.unit_step) > tolerance)
    if not keep.any():
        return None
    count = int(keep.sum())
    lower_domain = np.broadcast_to(np.asarray(f.domain[0], dtype=float), f.value.shape)
    upper_domain = np.broadcast_to(np.asarray(f.domain[1], dtype=float), f.value.shape)
    low = np.maximum(f.low, lower_domain)
    high = np.minimum(f.high, upper_domain)
    # Round-off from the ratio tests: an end within 1e-9 of the current value or the domain is that.
    near = 1e-9 * (1 + np.abs(f.value))
    for end in (low, high):
        for anchor in (f.value, lower_domain, upper_domain):
            with np.errstate(invalid="ignore"):
                snap = np.isfinite(anchor) & (np.abs(end - anchor) <= near)
            end[snap] = np.broadcast_to(anchor, end.shape)[snap]
    with np.errstate(invalid="ignore"):
        cost_low = objective + f.shadow * (low - f.value)
        cost_high = objective + f.shadow * (high - f.value)
    for cost in (cost_low, cost_high):
        cost[np.abs(cost) <= tolerance] = 0.0
    price = f.shadow * f.unit_step
    currency = scenario.currency
    direction = np.broadcast_to(np.asarray(f.direction, dtype=float), f.value.shape)
    # Margin wording only when some demand has a price: without one the margin is not defined (the
    # same plan as objective: cost, model.validity.NO_PRICE_NOTE), and a change is a change in cost.
    margin = scenario.scenario.objective == "margin" and any(
        demand.price is not None for demand in scenario.demands.values()
    )
    sentences = [
        _sentence(phrase, price_k * d, currency, lo, hi, f.noun, margin)
        for phrase, price_k, d, lo, hi in zip(f.phrase[keep], price[keep], direction[keep], low[keep], high[keep])
    ]
    return {
        "basis": np.full(count, basis, dtype=object),
        "family": np.full(count, f.family, dtype=object),
        "period": f.period[keep],
        "subject": f.subject[keep],
        "field": f.field[keep],
        "value": np.asarray(f.value, dtype=float)[keep],
        "shadow_price": price[keep],
        "currency": np.full(count, currency, dtype=object),
        "unit": np.full(count, f"{currency} {f.unit}", dtype=object),
        "unit_step": np.full(count, f.unit_step, dtype=float),
        "valid_from": low[keep],
        "valid_to": high[keep],
        "cost_at_from": cost_low[keep],
        "cost_at_to": cost_high[keep],
        "sentence": np.array(sentences, dtype=object),
    }


def _number(x: float) -> str:
    if abs(x - round(x)) <= 1e-9 * max(1.0, abs(x)):
        return f"{round(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _amount(x: float, noun: str, with_noun: bool = True) -> str:
    if noun == "%":
        return f"{100 * x:.2f}".rstrip("0").rstrip(".") + "%"
    return f"{_number(x)} {noun}" if with_noun else _number(x)


def _sentence(
    phrase: str, impact: float, currency: str, low: float, high: float, noun: str, margin: bool = False
) -> str:
    """The finding in words; under `objective: margin` an impact is on the margin (revenue - cost):
    a positive one (cost - revenue rises) lowers it."""
    if margin:
        verb = "would lower the margin by" if impact > 0 else "would raise the margin by"
    else:
        verb = "costs" if impact > 0 else "would save"
    if math.isnan(low) or math.isnan(high):
        holds = "range unknown"
    elif not (math.isfinite(low) or math.isfinite(high)):
        holds = "holds for any value"
    elif not math.isfinite(high):
        holds = f"holds from {_amount(low, noun)} upwards"
    elif not math.isfinite(low):
        holds = f"holds up to {_amount(high, noun)}"
    elif high - low <= 1e-9 * max(1.0, abs(high)):
        holds = f"holds only at {_amount(low, noun)}: any change alters the price"
    else:
        holds = f"holds from {_amount(low, noun, with_noun=False)} to {_amount(high, noun)}"
    return f"{phrase} {verb} {abs(impact):,.2f} {currency} ({holds})."


def possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


class _Figures:
    """Reads each family's rows and bounds of a solved model as scenario fields."""

    def __init__(self, model: LinearModel, solution: Solution, scenario: Scenario) -> None:
        self.model, self.solution, self.scenario = model, solution, scenario
        self.sets = model.sets
        self.periods = pd.Index(self.sets.periods)
        self.demands = pd.Index(self.sets.demands.demand)
        self.time_unit = scenario.scenario.time_unit

    # Rows whose right-hand side is a + slope * field: a range of the rhs maps to a range of the field.
    def _row_field(
        self,
        block: str,
        select: np.ndarray,
        slope: np.ndarray,
        value: np.ndarray,
        **field: Any,  # _Field's other fields
    ) -> _Field | None:
        if block not in self.solution.rows or not select.any():
            return None
        rows = self.solution.rows[block]
        ranging = self.solution.ranging.get(block)
        if ranging is None:  # no basis to range on: prices without ranges
            nan = np.full(len(rows.dual), np.nan)
            low, high, status = nan, nan, np.full(len(rows.dual), NOT_IN_LP, dtype=np.int8)
        else:
            low, high, status = ranging.lower, ranging.upper, ranging.status
        labels = self.model.labels(block)
        rhs = np.where(np.isfinite(rows.upper), rows.upper, rows.lower)[select]
        with np.errstate(invalid="ignore", divide="ignore"):
            ends = np.stack([value + (low[select] - rhs) / slope, value + (high[select] - rhs) / slope])
            shadow = np.where(slope != 0, rows.dual[select] * slope, np.nan)
        ends[:, status[select] == NOT_IN_LP] = np.nan
        return _Field(
            family=block,
            period=labels.period.to_numpy()[select],
            subject=labels.subject.to_numpy()[select],
            value=value,
            shadow=shadow,
            low=np.fmin(ends[0], ends[1]),
            high=np.fmax(ends[0], ends[1]),
            **field,
        )

    def _labels(self, block: str) -> pd.DataFrame:
        return self.model.labels(block)

    def _priced(self, block: str) -> bool:
        """Whether any of the family's rows has a dual other than 0: without one it adds no row to the
        table, and its fields and sentences need not be made."""
        rows = self.solution.rows.get(block)
        return rows is not None and bool(np.any(rows.dual != 0.0))

    def _served(self, demands: pd.Series, periods: pd.Series) -> np.ndarray:
        """Units served per target row at the optimum, S = V + b[t-1] - b[t] - u (model.md, Derived
        expressions): the coefficient a target multiplies in its row, hence what its price scales with."""
        served = units_served(self.sets.volumes, self.solution.values)
        return served[self.demands.get_indexer(demands), self.periods.get_indexer(periods)]

    def capacity(self, block: str) -> _Field | None:
        if not self._priced(block):
            return None
        labels = self._labels(block)
        select = np.ones(len(labels), dtype=bool)
        if block == "node_capacity_limit":
            owners = labels.node.to_numpy()
            capacity = self.sets.nodes.set_index("node").capacity
            fields = [f"nodes.{n}.capacity" for n in owners]
            phrases = [f"One more unit of capacity at {n} in {p}" for n, p in zip(owners, labels.period)]
        else:
            owners = labels.arc.to_numpy()
            capacity = self.sets.arcs.set_index("arc").capacity
            where = {a.key: i for i, a in enumerate(self.scenario.arcs)}
            fields = [f"arcs[{where[a]}].capacity" for a in owners]
            phrases = [
                f"One more unit of capacity on the hand-off {a.replace('->', ' -> ')} in {p}"
                for a, p in zip(owners, labels.period)
            ]
        return self._row_field(
            block,
            select,
            np.ones(len(labels)),
            capacity.reindex(owners).to_numpy(dtype=float),
            field=np.array(fields, dtype=object),
            phrase=np.array(phrases, dtype=object),
            unit="per unit of capacity",
        )

    def site(self, block: str) -> _Field | None:
        """A site's capacity (its closing row, where M is its `capacity`), its chosen level's capacity,
        or its minimum volume (docs/model.md, Sites), at the sites open in the fixed LP: there the row
        is sum y - figure x 1 against 0, so its bound moves as the figure does (slope 1)."""
        if not self._priced(block):
            return None
        labels, sets = self._labels(block), self.sets
        at = pd.Index(sets.sites.node).get_indexer(labels.node)
        t = self.periods.get_indexer(labels.period)
        opened = np.nan_to_num(self.solution.values["open"][at, t], nan=0.0) > 0.5
        nodes, periods = labels.node.to_numpy(), labels.period.to_numpy()
        if block == "site_level_capacity":
            levels = sets.site_levels
            chosen = np.nan_to_num(self.solution.values["level"], nan=0.0) > 0.5
            capacity = group_sum(
                sets.position("sites", ["node"], "site_levels"),
                levels.capacity.to_numpy(dtype=float)[:, None] * chosen,
                len(sets.sites),
            )[at, t]
            value, what, unit = capacity, "capacity_levels", "per unit of capacity"
            phrases = [f"One more unit of capacity at {n}'s chosen level in {p}" for n, p in zip(nodes, periods)]
        elif block == "site_min_volume":
            value, what, unit = (
                sets.sites.min_volume.to_numpy(dtype=float)[at],
                "min_volume",
                "per unit of minimum volume",
            )
            phrases = [f"One more unit of {possessive(n)} minimum volume in {p}" for n, p in zip(nodes, periods)]
        else:  # the closing row binds as the capacity row would: M is the capacity
            value = sets.nodes.set_index("node").capacity.reindex(nodes).to_numpy(dtype=float)
            opened &= np.isfinite(value)
            what, unit = "capacity", "per unit of capacity"
            phrases = [f"One more unit of capacity at {n} in {p}" for n, p in zip(nodes, periods)]
        return self._row_field(
            block,
            opened,
            np.ones(int(opened.sum())),
            np.asarray(value, dtype=float)[opened],
            field=np.array([f"nodes.{n}.{what}" for n in nodes[opened]], dtype=object),
            phrase=np.array(phrases, dtype=object)[opened],
            unit=unit,
        )

    def quality(self) -> _Field | None:
        if not self._priced("quality_target"):
            return None
        labels = self._labels("quality_target")
        served = self._served(labels.demand, labels.period)
        target = self.sets.demands.set_index("demand").min_quality.reindex(labels.demand).to_numpy(dtype=float)
        select = served > 0  # nothing served: the target moves nothing, its price is 0
        return self._row_field(
            "quality_target",
            select,
            -served[select],
            target[select],
            field=np.array([f"demands.{d}.min_quality" for d in labels.demand[select]], dtype=object),
            phrase=np.array(
                [
                    f"Raising {possessive(d)} minimum quality by 1 percentage point in {p}"
                    for d, p in zip(labels.demand[select], labels.period[select])
                ],
                dtype=object,
            ),
            unit="per percentage point of quality",
            unit_step=0.01,
            noun="%",
            domain=(0.0, 1.0),
        )

    def response_time(self) -> _Field | None:
        if not self._priced("response_time_target"):
            return None
        labels = self._labels("response_time_target")
        served = self._served(labels.demand, labels.period)
        target = (
            self.sets.demands.set_index("demand").max_mean_response_time.reindex(labels.demand).to_numpy(dtype=float)
        )
        select = served > 0
        unit = self.time_unit
        return self._row_field(
            "response_time_target",
            select,
            served[select],
            target[select],
            field=np.array([f"demands.{d}.max_mean_response_time" for d in labels.demand[select]], dtype=object),
            phrase=np.array(
                [
                    f"Tightening {possessive(d)} response-time target by 1 {unit} in {p}"
                    for d, p in zip(labels.demand[select], labels.period[select])
                ],
                dtype=object,
            ),
            unit=f"per {unit} of response time",
            direction=-1.0,
            noun=TIME_ABBREVIATION[unit],
        )

    def final_backlog(self) -> _Field | None:
        if not self._priced("final_backlog"):
            return None
        labels = self._labels("final_backlog")
        allowed = self.sets.demands.set_index("demand").final_backlog.reindex(labels.demand).to_numpy(dtype=float)
        return self._row_field(
            "final_backlog",
            np.ones(len(labels), dtype=bool),
            np.ones(len(labels)),
            allowed,
            field=np.array([f"demands.{d}.final_backlog" for d in labels.demand], dtype=object),
            phrase=np.array(
                [
                    f"Allowing one more unit of {d} in backlog at the end of {p}"
                    for d, p in zip(labels.demand, labels.period)
                ],
                dtype=object,
            ),
            unit="per unit of final backlog",
        )

    def business_rules(self) -> list[_Field]:
        """A rule's number: its bound (rhs = bound, slope 1) or, with `of`, its share, the coefficient
        of the `of` sum: moving it by ds moves the row as its bound moving by ds x of would, the `of`
        sum at the optimum (slope = of; first order where the `of` sum can move). Share rules are
        priced per percentage point."""
        if not self._priced("business_rule"):
            return []
        labels = self._labels("business_rule")
        spec = self.sets.rules.set_index("rule").reindex(labels.rule)
        of_sums = rule_sums(self.sets, self.solution.values)[1]
        at = (pd.Index(self.sets.rules.rule).get_indexer(labels.rule), self.periods.get_indexer(labels.period))
        has_of = spec.of_quantity.notna().to_numpy()
        slope = np.where(has_of, of_sums[at], 1.0)
        currency = self.scenario.currency
        units = np.array([UNITS[q].replace("currency", currency) for q in spec.quantity], dtype=object)
        found = []
        for share, unit in [(True, "%"), *((False, u) for u in dict.fromkeys(units[~has_of]))]:
            select = (has_of == share) & (slope > 0) & (share | (units == unit))
            if not select.any():
                continue
            sense = spec.sense.to_numpy()[select]
            names = labels.rule.to_numpy()[select]
            step = "1 percentage point" if share else f"1 {SINGULAR.get(unit, unit)}"
            steps = [step] * int(select.sum())
            found.append(
                self._row_field(
                    "business_rule",
                    select,
                    slope[select],
                    spec.value.to_numpy(dtype=float)[select],
                    field=np.array([f"rules.{r}.{RULE_FIELD[s]}" for r, s in zip(names, sense)], dtype=object),
                    phrase=np.array(
                        [
                            f"{'Raising' if s == '==' else 'Relaxing'} the rule {r} by {step} in {p}"
                            for r, s, step, p in zip(names, sense, steps, labels.period.to_numpy()[select])
                        ],
                        dtype=object,
                    ),
                    unit="per percentage point of the rule's share" if share else "per unit of the rule's bound",
                    unit_step=0.01 if share else 1.0,
                    direction=np.where(sense == ">=", -1.0, 1.0),
                    noun=unit,
                    domain=(0.0, np.inf) if share else (-np.inf, np.inf),
                )
            )
        return [f for f in found if f is not None]

    def _stock_field(self, node: str, demand: str, name: str) -> str:
        figure = getattr(self.scenario.nodes[node].stock, name)
        return f"nodes.{node}.stock.{name}" + (f".{demand}" if isinstance(figure, dict) else "")

    def final_stock(self) -> _Field | None:
        if not self._priced("final_stock"):
            return None
        labels = self._labels("final_stock")
        stocks = self.sets.stocks.set_index(["demand", "node"])
        keys = pd.MultiIndex.from_frame(labels[["demand", "node"]])
        return self._row_field(
            "final_stock",
            np.ones(len(labels), dtype=bool),
            np.ones(len(labels)),
            stocks.final_min.reindex(keys).to_numpy(dtype=float),
            field=np.array(
                [self._stock_field(n, d, "final_min") for d, n in zip(labels.demand, labels.node)], dtype=object
            ),
            phrase=np.array(
                [
                    f"Requiring one more unit of {d} in stock at {n} at the end of {p}"
                    for d, n, p in zip(labels.demand, labels.node, labels.period)
                ],
                dtype=object,
            ),
            unit="per unit of final stock",
        )

    def staff_initial(self) -> _Field | None:
        if not self._priced("staff_balance"):
            return None
        labels = self._labels("staff_balance")
        staff = self.sets.staff.set_index(["node", "role"])
        keys = pd.MultiIndex.from_frame(labels[["node", "role"]])
        initial = staff.initial.reindex(keys).to_numpy(dtype=float)
        select = (labels.period.to_numpy() == self.sets.periods[0]) & np.isfinite(initial)
        return self._row_field(
            "staff_balance",
            select,
            np.ones(int(select.sum())),
            initial[select],
            field=np.array(
                [f"nodes.{n}.staff.{r}.initial" for n, r in zip(labels.node[select], labels.role[select])], dtype=object
            ),
            phrase=np.array(
                [
                    f"One more {r} FTE on staff at {n} before {p}"
                    for n, r, p in zip(labels.node[select], labels.role[select], labels.period[select])
                ],
                dtype=object,
            ),
            unit="per FTE",
            noun="FTE",
            domain=(
                staff["min"].reindex(keys).to_numpy(dtype=float)[select],
                staff["max"].reindex(keys).to_numpy(dtype=float)[select],
            ),
        )

    def stock_initial(self) -> _Field | None:
        if not self._priced("work_balance"):
            return None
        labels = self._labels("work_balance")
        stocks = self.sets.stocks.set_index(["demand", "node"])
        keys = pd.MultiIndex.from_frame(labels[["demand", "node"]])
        initial = stocks.initial.reindex(keys).to_numpy(dtype=float)
        select = (labels.period.to_numpy() == self.sets.periods[0]) & np.isfinite(initial)
        return self._row_field(
            "work_balance",
            select,
            -np.ones(int(select.sum())),
            initial[select],
            field=np.array(
                [self._stock_field(n, d, "initial") for d, n in zip(labels.demand[select], labels.node[select])],
                dtype=object,
            ),
            phrase=np.array(
                [
                    f"One more unit of {d} in stock at {n} before {p}"
                    for d, n, p in zip(labels.demand[select], labels.node[select], labels.period[select])
                ],
                dtype=object,
            ),
            unit="per unit of initial stock",
        )

    def staff_bounds(self) -> list[_Field]:
        """staff max and min: bounds of s, priced by its reduced cost where s sits at them."""
        solution = self.solution
        if "s" not in solution.column_ranging:
            return []
        ranging, reduced = solution.column_ranging["s"], solution.reduced_costs["s"]
        staff, periods = self.sets.staff, np.asarray(self.sets.periods, dtype=object)
        T = len(periods)
        value = solution.values["s"]
        node = np.repeat(staff.node.to_numpy(dtype=object)[:, None], T, axis=1)
        role = np.repeat(staff.role.to_numpy(dtype=object)[:, None], T, axis=1)
        period = np.broadcast_to(periods[None, :], value.shape)
        low_bound = np.repeat(staff["min"].to_numpy(dtype=float)[:, None], T, axis=1)
        high_bound = np.repeat(staff["max"].to_numpy(dtype=float)[:, None], T, axis=1)
        nonbasic = (ranging.status != BASIC) & (ranging.status != NOT_IN_LP)
        near = 1e-7 * (1 + np.abs(value))
        fields = []
        for name, bound, sign, text in (("max", high_bound, -1, "allowed"), ("min", low_bound, 1, "required")):
            with np.errstate(invalid="ignore"):
                at = nonbasic & np.isfinite(bound) & (np.abs(value - bound) <= near) & (sign * reduced > 0)
            if name == "min":
                at &= bound > 0  # a minimum of 0 is just "no negative staff"
            if not at.any():
                continue
            subject = np.array([f"node={n} role={r}" for n, r in zip(node[at], role[at])], dtype=object)
            fields.append(
                _Field(
                    family=f"staff_{name}",
                    period=period[at],
                    subject=subject,
                    field=np.array([f"nodes.{n}.staff.{r}.{name}" for n, r in zip(node[at], role[at])], dtype=object),
                    value=bound[at],
                    shadow=reduced[at],
                    low=ranging.bound_lower[at],
                    high=ranging.bound_upper[at],
                    phrase=np.array(
                        [f"One more {r} FTE {text} at {n} in {p}" for n, r, p in zip(node[at], role[at], period[at])],
                        dtype=object,
                    ),
                    unit="per FTE",
                    noun="FTE",
                    domain=(low_bound[at], np.inf) if name == "max" else (0.0, high_bound[at]),
                )
            )
        return fields

    def agents_needed(self) -> _Field | None:
        """One more agent needed in an interval of a rostered role (docs/model.md, Shifts): its row 17
        less rho h[i] on the right (the hours one agent on duty gives there), priced at the row's dual
        x rho h[i]; the range is of agents given on top of the roster (0 now; negative: needed)."""
        block = "roster_labour"
        if not self._priced(block):
            return None
        labels = self._labels(block)
        rosters = self.sets.rosters
        at = position(rosters, ["node", "role", "interval"], labels)
        slope = (rosters.max_utilisation * rosters.hours).to_numpy(dtype=float)[at]
        node, role, interval = (labels[key].to_numpy(dtype=object) for key in ("node", "role", "interval"))
        return self._row_field(
            block,
            np.ones(len(labels), dtype=bool),
            slope,
            np.zeros(len(labels)),
            field=np.array([f"nodes.{n}.work.{r}.shifts" for n, r in zip(node, role)], dtype=object),
            phrase=np.array(
                [
                    f"One more agent on duty needed at {n} ({r}) in interval {i} of {p}"
                    for n, r, i, p in zip(node, role, interval, labels.period)
                ],
                dtype=object,
            ),
            unit="per agent on duty in the interval",
            noun="agents",
            direction=-1.0,
            domain=(-np.inf, np.inf),
        )

    def queue_agents_needed(self) -> _Field | None:
        """One more agent on duty needed at a queued node in an interval (a period without intervals)
        beyond what its lanes' requirements ask: its duty row (11) less h[i] on the right (the hours
        one agent on duty gives there), priced at the row's dual x h[i] (docs/model.md, Queues per
        interval); the range is of agents given on top of the requirement (0 now)."""
        block = "queue_duty"
        if not self._priced(block):
            return None
        labels = self._labels(block)
        nodes = self.sets.queue_nodes
        keys = ["node", "interval"] if "interval" in labels else ["node"]
        at = position(nodes, keys, labels)
        hours = nodes["hours"].to_numpy(dtype=float)[at]
        node = labels["node"].to_numpy(dtype=object)
        interval = labels["interval"].to_numpy(dtype=object) if "interval" in labels else np.full(len(labels), "")
        return self._row_field(
            block,
            np.ones(len(labels), dtype=bool),
            hours,
            np.zeros(len(labels)),
            field=np.array([f"nodes.{n}.queue" for n in node], dtype=object),
            phrase=np.array(
                [
                    f"One more agent on duty needed at the queue of {n}"
                    + (f" in interval {i}" if i else "")
                    + f" of {p}"
                    for n, i, p in zip(node, interval, labels.period)
                ],
                dtype=object,
            ),
            unit="per agent on duty",
            noun="agents",
            direction=-1.0,
            domain=(-np.inf, np.inf),
        )

    def pattern_costs(self) -> _Field | None:
        """A shift pattern's cost c[p] (per head per occurrence of the intervals): d cost / d c[p] =
        weight x e[n,r,p,t], the heads on it, over HiGHS's cost ranging of e (its LP cost is weight x
        c[p]); patterns with heads only (the others' cost moves nothing while the plan stands)."""
        solution = self.solution
        if "e" not in solution.column_ranging or not len(self.sets.patterns):
            return None
        ranging, patterns = solution.column_ranging["e"], self.sets.patterns
        weight, T = self.sets.interval_weight, self.sets.period_count
        heads = np.nan_to_num(solution.values["e"], nan=0.0)
        periods = np.broadcast_to(np.asarray(self.sets.periods, dtype=object)[None, :], heads.shape)
        keys = [np.repeat(patterns[k].to_numpy(dtype=object)[:, None], T, axis=1) for k in ("node", "role", "pattern")]
        fields = []
        for n, r, p in zip(*(k[:, 0] for k in keys)):
            work = self.scenario.nodes[n].work[r]
            listed = work.shifts is not None and p in work.shifts
            fields.append(f"nodes.{n}.work.{r}.shifts.{p}.cost" if listed else f"nodes.{n}.work.{r}.days_on")
        field = np.repeat(np.array(fields, dtype=object)[:, None], T, axis=1)
        node, role, pattern = keys
        return _Field(
            family="pattern_cost",
            period=periods.reshape(-1),
            subject=np.array(
                [f"node={n} role={r} pattern={p}" for n, r, p in zip(node.ravel(), role.ravel(), pattern.ravel())],
                dtype=object,
            ),
            field=field.reshape(-1),
            value=np.repeat(patterns.cost.to_numpy(dtype=float)[:, None] / weight, T, axis=1).reshape(-1),
            shadow=(weight * heads).reshape(-1),
            low=(ranging.cost_lower / weight).reshape(-1),
            high=(ranging.cost_upper / weight).reshape(-1),
            phrase=np.array(
                [
                    f"One more {self.scenario.currency} on the cost of pattern {p} ({r} at {n}) in {t}"
                    for n, r, p, t in zip(node.ravel(), role.ravel(), pattern.ravel(), periods.ravel())
                ],
                dtype=object,
            ),
            unit="per currency unit of the pattern's cost",
            noun=self.scenario.currency,
        )

    def volume(self) -> _Field | None:
        """V[d,t]: the column v[d,t] fixed at V[d,t]. Its reduced cost is d cost / d V (the volume
        enters the origin's balances and the target rows together, model.md, Duals), and HiGHS's
        ranging of its bound is the range of V over which that holds."""
        if "v" not in self.solution.column_ranging:
            return None
        sets, demands = self.sets, self.sets.demands
        T = sets.period_count
        ranging = self.solution.column_ranging["v"]
        value = sets.volumes.reshape(-1).astype(float)
        forgone = demands["forgone_price"].to_numpy(dtype=float)  # margin: the price comes off, see revenue_due
        demand = np.repeat(demands.demand.to_numpy(dtype=object), T)
        period = np.tile(np.asarray(sets.periods, dtype=object), len(demands))
        # A volume given per period is a list: its field is that period's entry.
        listed = {d for d, spec in self.scenario.demands.items() if isinstance(spec.volume, list)}
        field = [
            f"demands.{d}.volume[{t}]" if d in listed else f"demands.{d}.volume"
            for d, t in zip(demand, np.tile(np.arange(T), len(demands)))
        ]
        return _Field(
            family="volume",
            period=period,
            subject=np.array([f"demand={d}" for d in demand], dtype=object),
            field=np.array(field, dtype=object),
            value=value,
            shadow=(self.solution.reduced_costs["v"] - forgone[:, None]).reshape(-1),
            low=ranging.bound_lower.reshape(-1),
            high=ranging.bound_upper.reshape(-1),
            phrase=np.array([f"One more unit of {d} in {p}" for d, p in zip(demand, period)], dtype=object),
            unit="per unit of volume",
        )
