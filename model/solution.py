"""What a solution means, recomputed from its values and the scenario's own figures.

Nothing here reads the LP's rows: served volumes, arrivals, hours, defects, response times and costs
are rebuilt with numpy from the index tables and the cost registry's prices, so the independent
check (check.py) and the KPIs of the result tables (results.py) do not take the model's word for
anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.lp.objective import COST_TERMS, CostTerm, forgone_revenue
from model.lp.variables import BY_NAME as VARIABLE
from model.network import IndexSets, roster_start


def group_sum(target_rows: np.ndarray, values: np.ndarray, row_count: int) -> np.ndarray:
    """out[r] = sum of values[i] with target_rows[i] == r; values are (items, T); rows < 0 are skipped."""
    out = np.zeros((row_count, values.shape[1]))
    keep = target_rows >= 0
    np.add.at(out, target_rows[keep], values[keep])
    return out


def previous(grid: np.ndarray, first: np.ndarray | float = 0.0) -> np.ndarray:
    """Each period's predecessor value; `first` stands before the first period."""
    out = np.empty_like(grid)
    out[:, 1:] = grid[:, :-1]
    out[:, 0] = first
    return out


def units_served(volumes: np.ndarray, values: dict[str, np.ndarray]) -> np.ndarray:
    """served[d,t] = V + b[t-1] - b[t] - u (demands x T) from a solution's values, NaN where b or u do
    not exist; 0 within round-off of the volume. What a quality or response-time target multiplies in
    its row (model.md, rows 6 and 7), so what its price and its range scale with."""
    backlog = np.nan_to_num(values["b"], nan=0.0)
    served = volumes + previous(backlog) - backlog - np.nan_to_num(values["u"], nan=0.0)
    return np.where(np.abs(served) <= 1e-9 * (1.0 + np.abs(volumes)), 0.0, served)


@dataclass
class Evaluated:
    """Derived quantities of a solution, each aligned with an index table and periods (rows x T)."""

    sets: IndexSets
    values: dict[str, np.ndarray]  # the variables, 0 where a variable does not exist
    volume: np.ndarray  # demands x T
    backlog: np.ndarray
    unmet: np.ndarray
    served: np.ndarray
    arrivals: np.ndarray  # demand_nodes x T: theta (with the reworked units sent back to the node)
    outflow: np.ndarray
    processed: np.ndarray  # sum over modes of y
    fulfilled: np.ndarray  # z, 0 at non-sinks
    stock: np.ndarray  # k, 0 at non-storable
    stock_before: np.ndarray  # k[t-1], initial stock in the first period
    staff_of_mode: np.ndarray  # per demand_modes row: its staff row, -1 for a bought-in mode
    mode_hours: np.ndarray  # demand_modes x T: h y
    hours_used: np.ndarray  # staff x T
    hours_available: np.ndarray  # rho (H s + o)
    node_units: np.ndarray  # nodes x T
    arc_units: np.ndarray  # arcs x T
    defects: np.ndarray  # demands x T: sum (1 - q) y
    time_spent: np.ndarray  # demands x T: the response-time numerator
    costs: dict[str, np.ndarray]  # category -> amounts on its variable's grid (model.lp.objective.COST_TERMS)
    reworked_out: (
        np.ndarray
    )  # demand_nodes x T: units leaving the node unprocessed: done wrong and sent back (w), or lost by its queue
    revenue: np.ndarray  # demands x T: price x served (0 without a price), currency
    forgone: np.ndarray  # demands x T: revenue forgone under `objective: margin` (FORGONE_TERMS), currency
    lost_unmet: np.ndarray  # demands x T: units lost by queues without an overflow (abandoned, blocked): unmet

    @property
    def units_served(self) -> np.ndarray:
        """The units of each demand served (demands x T): `served` less those its queues lost without an
        overflow. `served` (v + b[t-1] - b - u) is what the LP's target rows average over (the lost
        units entered the chain and waited in their lane); this is what the demand got."""
        return self.served - self.lost_unmet

    @property
    def units_unmet(self) -> np.ndarray:
        """The units of each demand never served (demands x T): u, and those lost by queues without an
        overflow (docs/model.md, Abandonment and loss)."""
        return self.unmet + self.lost_unmet

    @property
    def quality(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.served > 0, 1.0 - self.defects / self.served, np.nan)

    @property
    def response_time(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.served > 0, self.time_spent / self.served, np.nan)

    @property
    def staff_cost(self) -> np.ndarray:
        """Labour, overtime, hiring and layoffs per staff row and period."""
        return self.costs["labour"] + self.costs["overtime"] + self.costs["hiring"] + self.costs["layoffs"]

    @property
    def total_cost(self) -> float:
        return float(sum(amounts.sum() for amounts in self.costs.values()))

    @property
    def objective(self) -> float:
        """What the LP minimises: the total cost plus, under `objective: margin`, the revenue forgone
        (model.md, Objective); the total cost under `objective: cost`."""
        return self.total_cost + float(self.forgone.sum())


def evaluate(sets: IndexSets, raw_values: dict[str, np.ndarray], lane_wait: np.ndarray | None = None) -> Evaluated:
    """Recompute every derived quantity from variable values (each family's (index rows, periods) grid,
    NaN where no variable).

    `lane_wait` (queues x T, time units) is the wait a unit adds to its response time in each lane of
    a queued node, as the queue iterations planned it (model/queues.py)."""
    v = {name: np.nan_to_num(grid, nan=0.0) for name, grid in raw_values.items()}
    dn, modes, arcs, staff = sets.demand_nodes, sets.demand_modes, sets.demand_arcs, sets.staff
    demand_count = len(sets.demands)
    backlog, unmet = v["b"], v["u"]
    served = sets.volumes + previous(backlog) - backlog - unmet

    balance = ["demand", "node"]
    into = sets.position("demand_nodes", balance, "demand_arcs", ["demand", "target"])
    out_of = sets.position("demand_nodes", balance, "demand_arcs", ["demand", "source"])
    origin = sets.position("demand_nodes", balance, "demands", ["demand", "origin"])
    reworks = sets.demand_reworks
    back_to = sets.position("demand_nodes", balance, "demand_reworks", ["demand", "to"])
    reworked_out = group_sum(sets.position("demand_nodes", balance, "demand_reworks"), v["w"], len(dn))
    lane_node = sets.position("demand_nodes", balance, "demand_lanes")
    reworked_out = reworked_out + group_sum(lane_node, v["lost"], len(dn))  # lost by the node's queue
    arrivals = (
        group_sum(into, v["x"], len(dn))
        + group_sum(origin, served, len(dn))
        + group_sum(back_to, v["w"], len(dn))
        + group_sum(sets.overflow_rows(), v["lost"], len(dn))
    )
    outflow = group_sum(out_of, v["x"], len(dn))
    processed = group_sum(sets.position("demand_nodes", balance, "demand_modes"), v["y"], len(dn))
    fulfilled = group_sum(sets.position("demand_nodes", balance, "sinks"), v["z"], len(dn))
    stock_at = sets.position("demand_nodes", balance, "stocks")
    stock = group_sum(stock_at, v["k"], len(dn))
    stock_before = group_sum(stock_at, previous(v["k"], sets.stocks.initial.to_numpy()), len(dn))

    staffed = modes.role.notna().to_numpy()
    staff_of_mode = np.where(staffed, sets.position("staff", ["node", "role"], "demand_modes", ["node", "mode"]), -1)
    mode_hours = modes.hours_per_unit.to_numpy()[:, None] * v["y"]
    hours_used = group_sum(staff_of_mode, mode_hours, len(staff))
    rho = staff.max_utilisation.to_numpy()[:, None]
    hours_available = rho * (staff.hours_per_fte.to_numpy()[:, None] * v["s"] + v["o"])

    node_units = group_sum(sets.position("nodes", ["node"], "demand_modes"), v["y"], len(sets.nodes))
    arc_units = group_sum(sets.position("arcs", ["arc"], "demand_arcs"), v["x"], len(sets.arcs))

    caught = sets.position("demand_reworks", ["demand", "node", "mode"], "demand_modes") >= 0  # reworked: no defect
    defect_share = np.where(caught, 0.0, 1.0 - modes.quality.to_numpy())
    defects = group_sum(sets.demand_of("demand_modes"), defect_share[:, None] * v["y"], demand_count)
    flowing = ~modes.storable.to_numpy()
    mode_time = np.where(flowing, (modes.processing_time + modes.wait_time).to_numpy(), 0.0)
    node_time = np.where(dn.storable.to_numpy(), dn.node_time.to_numpy(), 0.0)
    time_spent = (
        group_sum(sets.demand_of("demand_arcs"), arcs.lead_time.to_numpy()[:, None] * v["x"], demand_count)
        + group_sum(sets.demand_of("demand_modes"), mode_time[:, None] * v["y"], demand_count)
        + group_sum(sets.demand_of("demand_nodes"), node_time[:, None] * arrivals, demand_count)
        + sets.period_length * backlog
        + group_sum(sets.demand_of("demand_reworks"), reworks.time.to_numpy()[:, None] * v["w"], demand_count)
    )
    if len(sets.queues):
        if lane_wait is None:
            raise ValueError("the scenario has queues: give lane_wait, the waits the queue plan counts")
        waited = sets.per_demand_lane(lane_wait) * v["q"]
        time_spent += group_sum(sets.demand_of("demand_lanes"), waited, demand_count)

    # + 0.0: a negative price (an arc's rebate) times no units is -0.0, which tables would show as "-0.0"
    costs = cost_grids(sets, v)
    lost_unmet = group_sum(
        sets.demand_of("demand_lanes"),
        sets.demand_lanes.lost_unmet.to_numpy(dtype=bool)[:, None] * v["lost"],
        demand_count,
    )
    revenue = np.nan_to_num(sets.demands.price.to_numpy(dtype=float), nan=0.0)[:, None] * (served - lost_unmet)
    return Evaluated(
        sets,
        v,
        sets.volumes,
        backlog,
        unmet,
        served,
        arrivals,
        outflow,
        processed,
        fulfilled,
        stock,
        stock_before,
        staff_of_mode,
        mode_hours,
        hours_used,
        hours_available,
        node_units,
        arc_units,
        defects,
        time_spent,
        costs,
        reworked_out,
        revenue,
        forgone_revenue(sets, v),
        lost_unmet,
    )


def duty_hours(sets: IndexSets, values: dict[str, np.ndarray]) -> np.ndarray:
    """Hours on duty at each queue_nodes row (queued node, and interval with intervals) per period:
    sum_r h_i / W (D[n,r] s + E[n,r] o) (model.lp, constraint 11; `IndexSets.duty_terms`), as
    (queue_nodes x T)."""
    hours = np.zeros((len(sets.queue_nodes), sets.period_count))
    for variable, at, row, per_unit in sets.duty_terms():
        np.add.at(hours, at, per_unit[:, None] * np.nan_to_num(values[variable][row], nan=0.0))
    return hours


def cost_grids(sets: IndexSets, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each cost category's amounts (currency) on its reported term's grid: price x variable, and a
    term with `onto` (the shift patterns' labour) summed onto the rows of that family's table with
    the same keys (each pattern's cost onto its (node, role) staff row)."""
    costs: dict[str, np.ndarray] = {}
    for term in COST_TERMS:
        # + 0.0: a negative price (an arc's rebate) times no units is -0.0, which tables would show as "-0.0"
        amounts = term.prices(sets)[:, None] * values[term.variable] + 0.0
        if term.onto is None:
            costs[term.category] = amounts
        else:
            costs[term.category] = costs[term.category] + _summed_onto(sets, term, amounts)
    return costs


def _summed_onto(sets: IndexSets, term: CostTerm, amounts: np.ndarray) -> np.ndarray:
    onto = VARIABLE[str(term.onto)]
    keys = list(onto.keys)
    at = sets.position(onto.table, keys, VARIABLE[term.variable].table, keys)
    return group_sum(at, np.nan_to_num(amounts, nan=0.0), len(getattr(sets, onto.table)))


def without_dust(values: np.ndarray, tolerance: float = 1e-9) -> np.ndarray:
    """values with the floating-point dust of a difference (|x| < tolerance x (1 + the scale)) set to 0."""
    scale = 1.0 + np.nanmax(np.abs(values)) if np.size(values) else 1.0
    return np.where(np.abs(values) < tolerance * scale, 0.0, values)


@dataclass(frozen=True)
class Roster:
    """What a roster gives and needs per row of the rosters table (rostered node, role, interval) and
    period (docs/model.md, Shifts), recomputed from the values."""

    heads: np.ndarray  # heads on duty: sum_p cover[p,i] e[n,r,p,t]
    on_duty: np.ndarray  # agents on duty: (1 - shrinkage) x heads
    work: np.ndarray  # hours of work arriving in one occurrence of the interval: sum_d h pi[d,i] y
    needed: np.ndarray  # agents the work needs: work / (rho x interval hours)

    @property
    def over(self) -> np.ndarray:
        """Agents on duty beyond what the work needs: the over-staffing the shifts force (rounding
        dust below 1e-9 agents is 0, so that no exact cover reads as under-staffed)."""
        return without_dust(self.on_duty - self.needed)


def roster(sets: IndexSets, values: dict[str, np.ndarray]) -> Roster:
    """Heads, agents on duty, work and agents needed per rosters row and period."""
    rosters, T = sets.rosters, sets.period_count
    e = np.nan_to_num(values["e"], nan=0.0)
    heads = np.zeros((len(rosters), T))
    pattern, interval = np.nonzero(sets.cover)
    np.add.at(heads, roster_start(sets, "patterns")[pattern] + interval, e[pattern])
    modes = sets.demand_modes
    first = roster_start(sets, "demand_modes", ["node", "mode"])
    loading = np.nonzero(modes.role.notna().to_numpy() & (first >= 0))[0]
    work = np.zeros((len(rosters), T))
    shares = sets.shares[sets.demand_of("demand_modes")[loading]]
    y = np.nan_to_num(values["y"], nan=0.0)[loading]
    hours = modes.hours_per_unit.to_numpy(dtype=float)[loading]
    for i in range(len(sets.intervals)):
        np.add.at(work, first[loading] + i, (hours * shares[:, i])[:, None] * y)
    on_duty = (1.0 - rosters.shrinkage.to_numpy(dtype=float))[:, None] * heads
    capacity = (rosters.max_utilisation * rosters.hours).to_numpy(dtype=float)[:, None]
    return Roster(heads, on_duty, work, work / capacity)
