"""What each binding figure of a scenario costs: shadow prices in business words, with their ranges.

Every row or bound whose right-hand side comes from a scenario field is translated back to that
field: its shadow price in currency per unit of the field (a percentage point of quality, an hour of
response time, an FTE, a unit of capacity or volume), and the field's values between which that price
holds, from HiGHS's ranging (model.solve: `Solution.ranging`, `Solution.column_ranging`):

| family | field | row's right-hand side as a function of the field |
| --- | --- | --- |
| node_capacity_limit, arc_capacity_limit | `nodes.<n>.capacity`, `arcs[i].capacity` | cap |
| quality_target | `demands.<d>.min_quality` | (1 - Q) V |
| response_time_target | `demands.<d>.max_response_time` | (T - origin time) V |
| final_backlog | `demands.<d>.final_backlog` | final backlog |
| final_stock | `nodes.<n>.stock.final_min` | final minimum |
| staff_balance (first period) | `nodes.<n>.staff.<r>.initial` | initial |
| work_balance (first period, storable) | `nodes.<n>.stock.initial` | ... - initial |
| staff_max, staff_min | `nodes.<n>.staff.<r>.max` / `.min` | the bound of s (its reduced cost is the price) |
| volume | `demands.<d>.volume` (`volume[i]` when given per period) | V enters four rows at once (model.md, "Duals") |

A field entering one row maps that row's range linearly (rhs = a + b * field). The volume enters
several rows together, which HiGHS's one-row ranging cannot answer; its range comes from the same
ratio test on the optimal basis, with all four right-hand sides moving together (checked against
HiGHS's ranging row by row in the tests).

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
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from model.lp import LinearModel, volume_weights
from model.scenario.schema import Scenario
from model.solve import BASIS_STATUS, NOT_IN_LP, RowRanging, Solution, SolveOptions, solve_form

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
"""`shadow_price`: change in total cost (currency) per `unit` of the field, i.e. per `unit_step` of its
value as written in the scenario (0.01 for a quality share, whose unit is a percentage point; 1
otherwise). `value`, `valid_from`, `valid_to` are in the field's own terms (a share for quality);
`cost_at_from`/`cost_at_to`: the total cost with the field at either end, other figures unchanged."""

LP_BASIS = "LP"
FIXED_BASIS = "LP with integer staff fixed"

BASIC = BASIS_STATUS.index("basic")
RELATIVE_ZERO = 1e-9
"""A price smaller than this times the total cost (at least 1) is round-off, not a price."""

TIME_ABBREVIATION = {"minute": "min", "hour": "h", "day": "days", "week": "weeks"}


# --- MILP: the LP with integers fixed --------------------------------------------------------------


def fixed_integer_lp(model: LinearModel, solution: Solution, options: SolveOptions = SolveOptions()) -> Solution:
    """The LP left when the integer variables (staff, with `integer_staff`) are fixed at their values in
    the MILP `solution`: same cost, with duals and ranging.

    `solver['fixed_integers']` of the result counts the variables fixed.
    """
    if not solution.has_values or solution.form is None:
        raise ValueError(f"the solution has no values to fix ({solution.status}: {solution.message})")
    form = solution.form
    column_values = np.zeros(form.num_col)
    for name, grid in model.variables.items():
        at = form.column_at[name]
        column_values[at[at >= 0]] = solution.values[name][grid.exists][at >= 0]
    fixed = solve_form(model, form.with_integers_fixed(column_values), options)
    fixed.solver["fixed_integers"] = int(form.integer.sum())
    return fixed


# --- the table -------------------------------------------------------------------------------------


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
    direction: float = 1.0  # the phrase describes a change of direction * unit_step
    noun: str = "units"  # for the range: "from 600 to 800 units"; "%" formats shares as percentages
    domain: tuple[np.ndarray | float, np.ndarray | float] = (0.0, np.inf)


def sensitivity_table(model: LinearModel, solution: Solution, scenario: Scenario) -> pd.DataFrame:
    """One row per binding constraint or bound with a non-zero price whose figure comes from the
    scenario, in business words (see the module's docstring); sorted by absolute price.

    Pass the solution of an optimal LP, or of a MILP (its integers are then fixed and the LP re-solved
    here; pass `fixed_integer_lp`'s result to avoid solving twice). Empty without duals.
    """
    if solution.solver.get("mip") and solution.status == "optimal" and solution.has_values:
        solution = fixed_integer_lp(model, solution)
    if solution.status != "optimal" or not solution.rows or solution.objective is None:
        return pd.DataFrame(columns=COLUMNS)
    if np.isnan(np.concatenate([r.dual for r in solution.rows.values()])).all():
        return pd.DataFrame(columns=COLUMNS)  # no duals (a MILP's own solution)
    basis = FIXED_BASIS if solution.solver.get("fixed_integers") else LP_BASIS
    figures = _Figures(model, solution, scenario)
    fields = [
        figures.capacity("node_capacity_limit"),
        figures.capacity("arc_capacity_limit"),
        figures.quality(),
        figures.response_time(),
        figures.final_backlog(),
        figures.final_stock(),
        figures.staff_initial(),
        figures.stock_initial(),
        *figures.staff_bounds(),
        figures.volume(),
    ]
    tolerance = RELATIVE_ZERO * max(1.0, abs(solution.objective))
    parts = [_rows(f, basis, solution.objective, scenario, tolerance) for f in fields if f is not None]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    table = pd.concat(parts, ignore_index=True)
    order = np.argsort(-table.shadow_price.abs().to_numpy(), kind="stable")
    return table.iloc[order].reset_index(drop=True)[COLUMNS]


def _rows(f: _Field, basis: str, objective: float, scenario: Scenario, tolerance: float) -> pd.DataFrame:
    keep = np.isfinite(f.shadow) & (np.abs(f.shadow * f.unit_step) > tolerance)
    if not keep.any():
        return pd.DataFrame(columns=COLUMNS)
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
    sentences = [
        _sentence(phrase, price_k * f.direction, currency, lo, hi, f.noun)
        for phrase, price_k, lo, hi in zip(f.phrase[keep], price[keep], low[keep], high[keep])
    ]
    return pd.DataFrame(
        {
            "basis": basis,
            "family": f.family,
            "period": f.period[keep],
            "subject": f.subject[keep],
            "field": f.field[keep],
            "value": f.value[keep],
            "shadow_price": price[keep],
            "currency": currency,
            "unit": f"{currency} {f.unit}",
            "unit_step": f.unit_step,
            "valid_from": low[keep],
            "valid_to": high[keep],
            "cost_at_from": cost_low[keep],
            "cost_at_to": cost_high[keep],
            "sentence": sentences,
        }
    )


def _number(x: float) -> str:
    if abs(x - round(x)) <= 1e-9 * max(1.0, abs(x)):
        return f"{round(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _amount(x: float, noun: str, with_noun: bool = True) -> str:
    if noun == "%":
        return f"{100 * x:.2f}".rstrip("0").rstrip(".") + "%"
    return f"{_number(x)} {noun}" if with_noun else _number(x)


def _sentence(phrase: str, impact: float, currency: str, low: float, high: float, noun: str) -> str:
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
        self, block: str, select: np.ndarray, slope: np.ndarray, value: np.ndarray, **field: object
    ) -> _Field | None:
        if block not in self.solution.rows or not select.any():
            return None
        rows = self.solution.rows[block]
        ranging = self.solution.ranging.get(block)
        if ranging is None:  # no basis to range on: prices without ranges
            nan = np.full(len(rows.dual), np.nan)
            ranging = RowRanging(nan, nan, nan, nan, np.full(len(rows.dual), NOT_IN_LP, dtype=np.int8))
        labels = self.model.blocks[block].labels
        rhs = np.where(np.isfinite(rows.upper), rows.upper, rows.lower)[select]
        with np.errstate(invalid="ignore", divide="ignore"):
            ends = np.stack(
                [value + (ranging.lower[select] - rhs) / slope, value + (ranging.upper[select] - rhs) / slope]
            )
            shadow = np.where(slope != 0, rows.dual[select] * slope, np.nan)
        ends[:, ranging.status[select] == NOT_IN_LP] = np.nan
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
        return self.model.blocks[block].labels

    def _volume(self, demands: pd.Series, periods: pd.Series) -> np.ndarray:
        return self.sets.volumes[self.demands.get_indexer(demands), self.periods.get_indexer(periods)]

    def capacity(self, block: str) -> _Field | None:
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

    def quality(self) -> _Field | None:
        labels = self._labels("quality_target")
        volume = self._volume(labels.demand, labels.period)
        target = self.sets.demands.set_index("demand").min_quality.reindex(labels.demand).to_numpy(dtype=float)
        select = volume > 0  # without volume the target moves no right-hand side
        return self._row_field(
            "quality_target",
            select,
            -volume[select],
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
        labels = self._labels("response_time_target")
        volume = self._volume(labels.demand, labels.period)
        target = self.sets.demands.set_index("demand").max_response_time.reindex(labels.demand).to_numpy(dtype=float)
        select = volume > 0
        unit = self.time_unit
        return self._row_field(
            "response_time_target",
            select,
            volume[select],
            target[select],
            field=np.array([f"demands.{d}.max_response_time" for d in labels.demand[select]], dtype=object),
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

    def _stock_field(self, node: str, demand: str, name: str) -> str:
        figure = getattr(self.scenario.nodes[node].stock, name)
        return f"nodes.{node}.stock.{name}" + (f".{demand}" if isinstance(figure, dict) else "")

    def final_stock(self) -> _Field | None:
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
        grid, solution = self.model.variables["s"], self.solution
        if "s" not in solution.column_ranging:
            return []
        ranging, reduced = solution.column_ranging["s"], solution.reduced_costs["s"]
        staff, periods = grid.rows, np.asarray(self.sets.periods, dtype=object)
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

    def volume(self) -> _Field | None:
        """V[d,t]: -1 in the origin's pass-through, +1 in its work balance, (1 - Q) in the quality row,
        (T - origin time) in the response-time row (as model.results.marginal_costs)."""
        sets = self.sets
        demands = sets.demands
        D, T = len(demands), sets.period_count
        weights = volume_weights(self.model)
        origin = demands.origin.to_numpy()
        entries = []  # (block, row in block, direction k, coefficient)
        for block, weight in weights.items():
            labels = self.model.blocks[block].labels
            d = self.demands.get_indexer(labels.demand)
            t = self.periods.get_indexer(labels.period)
            rows = labels.node.to_numpy() == origin[d] if "node" in labels else np.ones(len(labels), dtype=bool)
            rows &= weight[d] != 0
            for i in np.flatnonzero(rows):
                entries.append((block, i, d[i] * T + t[i], weight[d[i]]))
        shadow = np.zeros(D * T)
        for block, i, k, coefficient in entries:
            shadow[k] += self.solution.rows[block].dual[i] * coefficient
        # Ranges only where there is a price to report.
        priced = np.abs(shadow) > RELATIVE_ZERO * max(1.0, abs(self.solution.objective))
        entries = [e for e in entries if priced[e[2]]]
        theta = RatioTest(self.model, self.solution).ranges(entries, D * T) if entries else np.full((D * T, 2), np.nan)
        value = sets.volumes.reshape(-1).astype(float)
        demand = np.repeat(demands.demand.to_numpy(dtype=object), T)
        period = np.tile(np.asarray(sets.periods, dtype=object), D)
        # A volume given per period is a list: its field is that period's entry.
        listed = {d for d, spec in self.scenario.demands.items() if isinstance(spec.volume, list)}
        field = [
            f"demands.{d}.volume[{t}]" if d in listed else f"demands.{d}.volume"
            for d, t in zip(demand, np.tile(np.arange(T), D))
        ]
        return _Field(
            family="volume",
            period=period,
            subject=np.array([f"demand={d}" for d in demand], dtype=object),
            field=np.array(field, dtype=object),
            value=value,
            shadow=shadow,
            low=value + theta[:, 0],
            high=value + theta[:, 1],
            phrase=np.array([f"One more unit of {d} in {p}" for d, p in zip(demand, period)], dtype=object),
            unit="per unit of volume",
        )


class _SparseLU:
    """Solves B x = b for sparse b by sparse triangular solves (Gilbert-Peierls: only the entries b
    reaches are touched). A change of one volume moves few basic variables, so this is much faster
    than dense solves on large models."""

    def __init__(self, matrix: sp.csc_matrix) -> None:
        lu = spla.splu(matrix, permc_spec="COLAMD")
        lower, upper = lu.L.tocsc(), lu.U.tocsc()
        self.lower = (lower.indptr.tolist(), lower.indices.tolist(), lower.data.tolist())
        self.upper = (upper.indptr.tolist(), upper.indices.tolist(), upper.data.tolist())
        self.lower_diagonal = lower.diagonal().tolist()
        self.upper_diagonal = upper.diagonal().tolist()
        self.perm_r = lu.perm_r.tolist()
        inverse = np.empty_like(lu.perm_c)
        inverse[lu.perm_c] = np.arange(len(lu.perm_c))
        self.inverse_c = inverse.tolist()

    @staticmethod
    def _reach(sources: list[int], factor: tuple[list, list, list]) -> list[int]:
        """The entries a solve from `sources` touches, in topological order (depth-first search)."""
        start, index, _ = factor
        seen: set[int] = set()
        post: list[int] = []
        for source in sources:
            if source in seen:
                continue
            seen.add(source)
            stack = [[source, start[source]]]
            while stack:
                top = stack[-1]
                j, k = top
                end = start[j + 1]
                while k < end and index[k] in seen:
                    k += 1
                if k < end:
                    top[1] = k + 1
                    i = index[k]
                    seen.add(i)
                    stack.append([i, start[i]])
                else:
                    stack.pop()
                    post.append(j)
        post.reverse()
        return post

    def _triangular(
        self, b: dict[int, float], factor: tuple[list, list, list], diagonal: list[float]
    ) -> dict[int, float]:
        start, index, data = factor
        x = dict(b)
        for j in self._reach(list(b), factor):
            xj = x.get(j, 0.0)
            if xj == 0.0:
                continue
            xj /= diagonal[j]
            x[j] = xj
            for k in range(start[j], start[j + 1]):
                i = index[k]
                if i != j:
                    x[i] = x.get(i, 0.0) - data[k] * xj
        return x

    def solve(self, b: dict[int, float]) -> dict[int, float]:
        """x with B x = b, both as {position: value} (entries absent are 0)."""
        y = self._triangular({self.perm_r[i]: v for i, v in b.items()}, self.lower, self.lower_diagonal)
        z = self._triangular(y, self.upper, self.upper_diagonal)
        return {self.inverse_c[j]: v for j, v in z.items() if v != 0.0}


class RatioTest:
    """The range of theta over which the optimal basis stays feasible when several right-hand sides
    move together by theta * coefficient: the ratio test of parametric right-hand-side analysis.

    The LP is A x - r = 0 with bounds on x (columns) and r (rows: their activities). Nonbasic entries
    sit at their bounds; a nonbasic row whose bound moves moves with it; the basic entries follow from
    B d_B = -N d_N and must stay within their own (possibly moving) bounds.
    """

    def __init__(self, model: LinearModel, solution: Solution) -> None:
        self.model = model
        self.ready = False
        form = solution.form  # the LP as solved (a MILP's: with its integers fixed)
        n, m = (form.num_col, form.num_row) if form is not None else (0, 0)
        if not m or not n:
            return
        self.row_at = form.row_at
        status = np.full(n + m, NOT_IN_LP, dtype=np.int8)
        value = np.zeros(n + m)
        for name, grid in model.variables.items():
            if name not in solution.column_ranging:
                return
            j = form.column_at[name]
            ok = j >= 0
            status[j[ok]] = solution.column_ranging[name].status[grid.exists][ok]
            value[j[ok]] = solution.values[name][grid.exists][ok]
        for name in model.blocks:
            i = form.row_at[name]
            ok = i >= 0
            status[n + i[ok]] = solution.ranging[name].status[ok]
            value[n + i[ok]] = solution.rows[name].activity[ok]
        basic = np.flatnonzero(status == BASIC)
        if (status == NOT_IN_LP).any() or len(basic) != m:
            return  # not a complete basis of this form
        matrix = sp.hstack([form.matrix, -sp.identity(m, format="csc")], format="csc")
        try:
            self.lu = _SparseLU(matrix[:, basic].tocsc())
        except RuntimeError:  # singular: not a basis after all
            return
        self.n, self.m = n, m
        self.lower = np.concatenate([form.col_lower, form.row_lower])[basic]
        self.upper = np.concatenate([form.col_upper, form.row_upper])[basic]
        values = value[basic]
        near = 1e-9 * (1 + np.abs(values))
        self.slack_low = np.maximum(values - self.lower, 0.0)
        self.slack_high = np.maximum(self.upper - values, 0.0)
        self.slack_low[self.slack_low < near] = 0.0
        self.slack_high[self.slack_high < near] = 0.0
        self.position = np.full(n + m, -1)  # place in the basis, -1 for nonbasic
        self.position[basic] = np.arange(m)
        self.ready = True

    def ranges(self, entries: list[tuple[str, int, int, float]], count: int) -> np.ndarray:
        """(count, 2): the lowest and highest theta of each direction k, made of entries
        (block, row of the block, k, coefficient of theta in that row's right-hand side)."""
        out = np.full((count, 2), np.nan)
        if not self.ready:
            return out
        positions = self.row_at
        by_direction: dict[int, list[tuple[int, float]]] = {}
        for block, i, k, coefficient in entries:
            row = positions[block][i]
            if row >= 0:
                by_direction.setdefault(k, []).append((int(row), coefficient))
        for k, moves in by_direction.items():
            rhs: dict[int, float] = {}  # B d_B = the moves of nonbasic rows (their -e_i columns moved over)
            moving_basic: dict[int, float] = {}  # basic rows whose bounds move, by place in the basis
            for row, coefficient in moves:
                place = int(self.position[self.n + row])
                target = moving_basic if place >= 0 else rhs
                key = place if place >= 0 else row
                target[key] = target.get(key, 0.0) + coefficient
            change = self.lu.solve(rhs) if rhs else {}
            places = np.array(sorted(set(change) | set(moving_basic)), dtype=np.int64)
            if not len(places):
                out[k] = (-np.inf, np.inf)
                continue
            d = np.array([change.get(p, 0.0) for p in places.tolist()])
            moved = np.array([moving_basic.get(p, 0.0) for p in places.tolist()])
            low_move = np.where(np.isfinite(self.lower[places]), moved, 0.0)
            high_move = np.where(np.isfinite(self.upper[places]), moved, 0.0)
            theta = [-np.inf, np.inf]
            for slack, rate in ((self.slack_low[places], d - low_move), (self.slack_high[places], high_move - d)):
                # slack + theta * rate >= 0 for every basic entry
                rate = np.where(np.abs(rate) > 1e-10, rate, 0.0)
                with np.errstate(divide="ignore", invalid="ignore"):
                    theta[1] = min(theta[1], np.where(rate < 0, slack / -rate, np.inf).min())
                    theta[0] = max(theta[0], np.where(rate > 0, -slack / rate, -np.inf).max())
            out[k] = theta
        return out
