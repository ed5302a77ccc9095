"""The value chain as a graph, and the sparse index sets the LP is built over.

Scenario -> networkx DiGraph -> for each demand, the nodes and arcs on some origin -> sink walk that
respects its stages -> long tables (pandas) with one row per place a variable may exist. Every
later step (LP, checks, results) works from these tables, so variables exist only where a demand
can flow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd

from model.intervals import INTERVAL_COLUMNS, arrival_shares, interval_frame
from model.paths import PathFinder, most_passes, qualifies, unskilled_nodes
from model.rules import RULE_COLUMNS, rule_tables
from model.scenario.schema import HOURS_PER_TIME_UNIT
from model.scenario.shifts import Pattern
from model.scenario.shifts import patterns as shift_patterns

if TYPE_CHECKING:
    from model.scenario.schema import Node, Queue, Scenario


PATTERN_COLUMNS: dict[str, str] = {
    "node": "object",
    "role": "object",
    "pattern": "object",
    "cost": "float64",
    "min": "float64",
    "max": "float64",
    "fte": "float64",
    "hours": "float64",
}
ROSTER_COLUMNS: dict[str, str] = {
    "node": "object",
    "role": "object",
    "interval": "object",
    "hours": "float64",
    "shrinkage": "float64",
    "max_utilisation": "float64",
}
"""The columns of the patterns and rosters tables (docs/model.md, Shifts)."""


@dataclass(frozen=True)
class IndexSets:
    """Long tables, one row per place a variable may exist (before expanding over periods).

    demand_arcs  demand, arc, source, target, lead_time, cost         -> x[d,a,t]
    demand_modes demand, node, mode, role, hours_per_unit, quality,
                 processing_time, wait_time, unit_cost, storable     -> y[d,n,m,t]
    demand_nodes demand, node, is_origin, is_sink, storable,
                 node_time (processing + wait, for storable nodes)   -> balances per (d,n,t)
    sinks        demand, node                                        -> z[d,n,t]
    stocks       demand, node, holding_cost, initial, final_min      -> k[d,n,t]
    staff        node, role, hours_per_fte, max_utilisation, ...     -> s, o, hire, fire [n,r,t]
    demands      demand, origin, min_quality, max_mean_response_time, backlog, unmet, costs,
                 price, forgone_price (the price under `objective: margin`, else 0),
                 quality_row, response_row (whether the target rows are built), and the longest
                 paths that decide it (worst_path_defects, slowest_path)   -> v, b, u [d,t]
    nodes, arcs  one row per node and per arc of the scenario, with capacities (inf: unlimited)
    queues       node, lane, interval ("" without intervals; one row per interval with them),
                 open_hours (h_i with intervals), peak_factor, handle_time, service_level, within,
                 average_wait (hours; NaN: no such target), whole_agents, model, patience,
                 max_abandoned, max_blocked, overflow (`QUEUE_COLUMNS`)  -> a[n,l,i,t], queue rows
    queue_nodes  node, interval, hours, cycle: each queued node (and interval) once -> duty rows
    demand_lanes demand, node, lane: every lane of a queued node a demand may use -> q[d,n,l,t];
                 lost_unmet, lost_penalty, lost_forgone: its lost units are unmet (no overflow), at
                 the demand's unmet_penalty and (margin) price
    demand_reworks demand, node, mode, to, cost, time, defect: every mode a demand may use that
                 reworks its units done wrong (`rework`), `to` the node they go back to (the node
                 itself, the demand's origin or the named node), defect = 1 - q[n,m] -> w[d,n,m,t]
    sites        node, open (always, never, decide), per_period, fixed_cost, min_volume, big_m,
                 lower, upper (the open column's bounds): the nodes with a site decision or figure
                 (docs/model.md, Sites)                            -> open[n,t], site rows
    site_levels  node, level ("1", "2", ...), capacity, cost, per_period -> level[n,l,t]
    intervals    interval, day, time, hours: the intervals within a period (none without
                 `intervals`), each occurring `interval_weight` times per period (model/intervals.py)
    shares       (demands x intervals) pi[d,i], the share of d's period volume arriving in one
                 occurrence of interval i
    patterns     node, role, pattern, cost (per head per period: weight x the pattern's cost), min,
                 max (heads), fte (FTE per head: weight x covered hours / hours_per_fte), hours
                 (covered per occurrence): the shift patterns of rostered roles   -> e[n,r,p,t]
    cover        (patterns x intervals) 1 where a head on the pattern is on duty in the interval
    rosters      node, role, interval, hours, shrinkage, max_utilisation: every interval of every
                 rostered (node, role)                               -> roster_labour rows

    Cost figures sit in these tables too, so the LP and the result tables read the same numbers.

    The rows of the large tables (which demand may use which arc, node and mode) are the scenario's
    structure, its `Skeleton`; the other columns are its figures. `position` answers the structural
    questions every later step asks (which staff row does each mode row use? which balance row does
    each arc enter?) once per skeleton: a what-if of the same shape (`index_sets(scenario, like=...)`)
    shares the skeleton, and with it the answers.
    """

    periods: list[str]
    period_length: float
    demand_arcs: pd.DataFrame
    demand_modes: pd.DataFrame
    demand_nodes: pd.DataFrame
    sinks: pd.DataFrame
    stocks: pd.DataFrame
    staff: pd.DataFrame
    demands: pd.DataFrame
    volumes: np.ndarray  # (demands, periods)
    nodes: pd.DataFrame  # node, stage, capacity
    arcs: pd.DataFrame  # arc, source, target, cost, lead_time, capacity
    queues: pd.DataFrame
    queue_nodes: pd.DataFrame
    demand_lanes: pd.DataFrame
    hours_per_time_unit: float = 1.0
    skeleton: Skeleton | None = field(default=None, compare=False, repr=False)
    demand_reworks: pd.DataFrame = field(default_factory=lambda: _rework_frame([]))
    rules: pd.DataFrame = field(default_factory=lambda: _frame([], RULE_COLUMNS))
    """One row per business rule (model/rules.py): rule, sense, value, bound, share, per, ..."""
    rule_terms: pd.DataFrame = field(
        default_factory=lambda: _frame(
            [], {"rule": "int64", "side": "int64", "variable": "object", "row": "int64", "weight": "float64"}
        )
    )
    """One row per term of a rule: rule, side (0 its sum, 1 its `of` sum), variable, row, weight."""
    rule_periods: np.ndarray = field(default_factory=lambda: np.zeros((0, 2, 1), dtype=bool))
    """(rules, 2, T): the periods each side of each rule sums."""
    sites: pd.DataFrame = field(default_factory=lambda: _sites_frame([]))
    site_levels: pd.DataFrame = field(default_factory=lambda: _levels_frame([]))
    intervals: pd.DataFrame = field(default_factory=lambda: _frame([], INTERVAL_COLUMNS))
    interval_weight: float = 1.0
    shares: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    patterns: pd.DataFrame = field(default_factory=lambda: _frame([], PATTERN_COLUMNS))
    cover: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    rosters: pd.DataFrame = field(default_factory=lambda: _frame([], ROSTER_COLUMNS))

    @property
    def period_count(self) -> int:
        return len(self.periods)

    @property
    def lookups(self) -> dict:
        """Answers that depend on the structure alone, shared by the index sets of one skeleton."""
        skeleton = self.skeleton
        if skeleton is None:
            skeleton = Skeleton((), None, {}, {}, {})
            object.__setattr__(self, "skeleton", skeleton)
        return skeleton.lookups

    def position(self, table: str, keys: Sequence[str], of: str, of_keys: Sequence[str] | None = None) -> np.ndarray:
        """For each row of the table named `of`, the position of the row of `table` with the same
        keys (-1 where none); `of_keys` names `of`'s matching columns when they differ from `keys`.
        Computed once per structure (the answer depends on the tables' keys only)."""
        key = (table, tuple(keys), of, tuple(of_keys or keys))
        found = self.lookups.get(key)
        if found is None:
            found = self.keyed(table, keys).get_indexer(_keys(getattr(self, of), list(of_keys or keys)))
            found.flags.writeable = False
            self.lookups[key] = found
        return found

    def keyed(self, table: str, keys: Sequence[str]) -> pd.Index:
        """The table's rows indexed by these key columns, made once per structure."""
        key = ("keyed", table, tuple(keys))
        index = self.lookups.get(key)
        if index is None:
            index = self.lookups[key] = _keys(getattr(self, table), list(keys))
        return index

    def demand_of(self, table: str) -> np.ndarray:
        """The demands-table row of each row of the table named `table` (which has a demand column)."""
        return self.position("demands", ["demand"], table)

    def lane_pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The load of each queue row as pairs (queue row j, demand_lanes row k, weight c): row j's units
        per period are sum_k c q[k]. Without intervals one pair per k, c = 1 (the lane's own units);
        with them the units of one occurrence of interval i, c = pi[d,i] (docs/model.md, Queues)."""
        key = ("lane_pairs", len(self.intervals))
        found = self.lookups.get(key)
        if found is None:
            lane_start = _first_rows(self.queues, self.demand_lanes)
            count = max(len(self.intervals), 1)
            k = np.repeat(np.arange(len(self.demand_lanes)), count)
            i = np.tile(np.arange(count), len(self.demand_lanes))
            found = self.lookups[key] = (np.repeat(lane_start, count) + i, k, i)
        j, k, i = found
        if not len(self.intervals):
            return j, k, np.ones(len(k))
        return j, k, self.shares[self.demand_of("demand_lanes")[k], i]

    def lossy_lanes(self) -> np.ndarray:
        """Per demand_lanes row: whether its queue loses units (erlang_a abandons, erlang_b blocks), so
        that lost[d,n,l,t] exists there (docs/model.md, Abandonment and loss)."""
        model = dict(zip(self.queues.node, self.queues.model))
        return (self.demand_lanes.node.map(model) != "erlang_c").to_numpy(dtype=bool)

    def overflow_rows(self) -> np.ndarray:
        """Per demand_lanes row: the demand_nodes row (d, overflow) its lost units arrive at; -1 where
        the queue has no overflow or the demand cannot use it (the units are then unmet)."""
        overflow = dict(zip(self.queues.node, self.queues.overflow))
        lanes = self.demand_lanes.assign(to=self.demand_lanes.node.map(overflow))
        return position(self.demand_nodes, ["demand", "node"], lanes, ["demand", "to"])

    def per_demand_lane(self, grid: np.ndarray) -> np.ndarray:
        """A per-queue-row figure (queues x T) as the mean each demand's unit in the lane meets over
        the period: sum_i weight pi[d,i] grid[n,l,i] (with intervals; the lane's own without)."""
        j, k, c = self.lane_pairs()
        out = np.zeros((len(self.demand_lanes), grid.shape[1] if grid.ndim > 1 else self.period_count))
        np.add.at(out, k, (self.interval_weight * c)[:, None] * grid[j])
        return out

    def duty_terms(self) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
        """The staff on duty at each queue_nodes row (node, interval), in hours, as terms (variable,
        queue_nodes row, the variable's index row, hours per unit of it): sum over the node's roles not
        rostered of h_i / W (D[n,r] s[n,r,t] + E[n,r] o[n,r,t]), plus over its rostered roles the hours
        their agents on duty give, (1 - shrinkage[r]) h_i sum_p cover[p,i] e[n,r,p,t] (docs/model.md,
        constraint 11 and Shifts). The one place the duty row's and the tables' staff on duty are made."""
        key = ("duty_pairs",)
        found = self.lookups.get(key)
        if found is None:
            pairs = (
                self.queue_nodes[["node"]]
                .reset_index()
                .merge(self.staff[["node"]].reset_index(), on="node", suffixes=("_q", "_s"))
            )
            found = self.lookups[key] = (pairs["index_q"].to_numpy(), pairs["index_s"].to_numpy())
        at, staff_row = found
        nodes = self.queue_nodes
        spread = (nodes["hours"].to_numpy(dtype=float) / nodes["cycle"].to_numpy(dtype=float))[at]
        free = ~self.staff.rostered.to_numpy(dtype=bool)[staff_row]  # a rostered role is on duty by its shifts
        return [
            ("s", at, staff_row, free * spread * self.staff.duty_per_fte.to_numpy(dtype=float)[staff_row]),
            ("o", at, staff_row, free * spread * self.staff.duty_per_overtime_hour.to_numpy(dtype=float)[staff_row]),
            self._rostered_duty(),
        ]

    def _rostered_duty(self) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
        """The e terms of `duty_terms`: each pattern p covering interval i puts (1 - shrinkage[r]) h_i
        hours per head on duty at its node's queue_nodes row for i."""
        pattern, interval = np.nonzero(self.cover)
        patterns = self.patterns.iloc[pattern]
        at = position(
            self.queue_nodes,
            ["node", "interval"],
            pd.DataFrame({"node": patterns.node.to_numpy(), "interval": self.intervals.interval.to_numpy()[interval]}),
        )
        queued = at >= 0
        staff_row = self.position("staff", ["node", "role"], "patterns")[pattern]
        shrinkage = self.staff.shrinkage.to_numpy(dtype=float)[staff_row]
        hours = (1.0 - shrinkage) * self.intervals.hours.to_numpy(dtype=float)[interval]
        return ("e", at[queued], pattern[queued], hours[queued])


def position(
    table: pd.DataFrame, keys: list[str], lookup: pd.DataFrame, lookup_keys: list[str] | None = None
) -> np.ndarray:
    """For each row of `lookup`, the position of the row of `table` with the same keys (-1 where none).

    `lookup_keys` names the matching columns of `lookup` when they differ from `keys`.
    """
    return _keys(table, keys).get_indexer(_keys(lookup, lookup_keys or keys))


def _keys(frame: pd.DataFrame, columns: list[str]) -> pd.Index:
    """The frame's rows as an index of these columns' values (a MultiIndex for more than one)."""
    if len(columns) == 1:
        return pd.Index(frame[columns[0]].to_numpy())
    return pd.MultiIndex.from_arrays([frame[column].to_numpy() for column in columns])


def _first_rows(queues: pd.DataFrame, lanes: pd.DataFrame) -> np.ndarray:
    """For each demand_lanes row, the first queues row of its (node, lane) (its first interval)."""
    firsts = queues.reset_index().drop_duplicates(["node", "lane"])
    return firsts["index"].to_numpy()[_keys(firsts, ["node", "lane"]).get_indexer(_keys(lanes, ["node", "lane"]))]


def _frame(rows: list[tuple], columns: dict[str, str]) -> pd.DataFrame:
    """A table with fixed column types, so an empty one behaves like a full one. Text columns are
    plain Python strings (object), not pandas' Arrow strings: the lookups and merges here are
    several times faster on them."""
    values = list(zip(*rows)) if rows else [()] * len(columns)
    return pd.DataFrame({name: pd.Series(column, dtype=kind) for (name, kind), column in zip(columns.items(), values)})


def _column(values: np.ndarray) -> pd.Series | np.ndarray:
    """A column for a new table: text stays object (pandas 3 would turn an object array into Arrow strings)."""
    return pd.Series(values, dtype=object) if values.dtype == object else values


TEXT, NUMBER, FLAG = "object", "float64", "bool"


@dataclass
class Skeleton:
    """The structure of a scenario's large index tables: their key columns, made once per shape
    (`scenario_shape`) and shared by every what-if of that shape, with the structural look-ups."""

    shape: tuple
    finder: PathFinder | None
    subgraphs: dict[str, tuple[list[str], list[tuple[str, str]]]]
    tables: dict[str, pd.DataFrame]  # demand_arcs, demand_nodes, demand_modes, sinks, stocks keys
    at: dict[str, np.ndarray]  # each table's rows' positions in the scenario's small tables (arcs, modes, nodes)
    lookups: dict = field(default_factory=dict)


def scenario_shape(scenario: Scenario) -> tuple:
    """What decides the index tables' rows: the periods; each node's stage, roles, stock, lanes and
    reworking modes (with where they send the units back); the arcs; each demand's origin, sinks,
    stages, and whether it may carry backlog or leave units unmet; the nodes and modes each demand's
    skills rule out (`skill_shape`)."""
    nodes = tuple(
        (
            n,
            node.stage,
            tuple(node.work),
            None if node.stock is None else tuple(node.stock.demands or ("*",)),
            None
            if node.queue is None
            else (tuple(lane for lane, _ in node.queue.lane_targets()), node.queue.model, node.queue.overflow),
            rework_shape(scenario, n),
            _site_shape(node),
        )
        for n, node in scenario.nodes.items()
    )
    demands = tuple(
        (
            name,
            d.origin,
            tuple(d.sinks),
            None if d.stages is None else tuple(d.stages),
            d.backlog_cost is not None,
            may_go_unmet(scenario, name),
        )
        for name, d in scenario.demands.items()
    )
    intervals = None if scenario.intervals is None else tuple(scenario.intervals.labels())
    return (
        tuple(scenario.periods),
        nodes,
        tuple(a.key for a in scenario.arcs),
        demands,
        skill_shape(scenario),
        intervals,
        tuple((n, r, p.name, p.covers) for n, r, p in roster_patterns(scenario)),
    )


def skill_shape(scenario: Scenario) -> tuple:
    """What of the skills decides the rows (docs/model.md, Skills): each demand's required skills and
    the skills of every role ((), () without skills)."""
    return (
        tuple((name, tuple(d.skills)) for name, d in scenario.demands.items() if d.skills),
        tuple((name, tuple(r.skills)) for name, r in scenario.roles.items() if r.skills),
    )


def unskilled(scenario: Scenario) -> dict[str, frozenset[str]]:
    """Per demand, the nodes it cannot use: work there, but no role with every skill it requires
    (empty for a demand without skills); worked out once per distinct set of required skills."""
    roles_at = {n: list(node.work) for n, node in scenario.nodes.items()}
    skills_of = {r: role.skills for r, role in scenario.roles.items()}
    found: dict[tuple[str, ...], frozenset[str]] = {(): frozenset()}
    for d in scenario.demands.values():
        key = tuple(sorted(set(d.skills)))
        if key not in found:
            found[key] = unskilled_nodes(key, roles_at, skills_of)
    return {name: found[tuple(sorted(set(d.skills)))] for name, d in scenario.demands.items()}


def _skilled_modes(scenario: Scenario, demand_modes: pd.DataFrame) -> pd.DataFrame:
    """The demand_modes rows whose role has every skill the demand requires (a node's own mode, no
    role, takes any demand); all of them when no demand requires a skill."""
    required = {name: d.skills for name, d in scenario.demands.items() if d.skills}
    if not required:
        return demand_modes
    skills_of = {r: role.skills for r, role in scenario.roles.items()}
    keep = np.array(
        [
            role is None or d not in required or qualifies(required[d], skills_of.get(role, ()))
            for d, role in zip(demand_modes.demand.to_numpy(), demand_modes.role.to_numpy())
        ],
        dtype=bool,
    )
    return demand_modes.loc[keep].reset_index(drop=True)


def roster_patterns(scenario: Scenario) -> list[tuple[str, str, Pattern]]:
    """(node, role, pattern) of every rostered role at a node, nodes and roles in the scenario's
    order, patterns as model/scenario/shifts.py lays them on the intervals."""
    if scenario.intervals is None:
        return []
    return [
        (n, role, pattern)
        for n, node in scenario.nodes.items()
        for role, work in node.work.items()
        if work.rostered
        for pattern in shift_patterns(work, scenario.roles[role], scenario.intervals)
    ]


def roster_start(sets: IndexSets, table: str, keys: list[str] | None = None) -> np.ndarray:
    """For each row of `table` (with node and role columns, or `keys` naming them), its (node, role)'s
    first rosters row (its interval 0; the rosters table holds every interval of each rostered (n, r)
    in order, (n, r) in the staff table's order), -1 where the (n, r) is not rostered."""
    staff_row = sets.position("staff", ["node", "role"], table, keys or ["node", "role"])
    rostered = sets.staff.rostered.to_numpy(dtype=bool)
    rank = np.append(np.where(rostered, np.cumsum(rostered) - 1, -1), -1)[staff_row]
    return np.where(rank >= 0, rank * len(sets.intervals), -1)


def _rosters(scenario: Scenario, staff: pd.DataFrame, intervals: pd.DataFrame) -> tuple:
    """The patterns table, the cover matrix and the rosters table (docs/model.md, Shifts)."""
    found = roster_patterns(scenario)
    weight = scenario.interval_weight
    rows = [
        (
            n,
            r,
            p.name,
            weight * p.cost,
            p.min,
            p.max if p.max is not None else np.inf,
            weight * p.hours / scenario.roles[r].hours_per_fte,
            p.hours,
        )
        for n, r, p in found
    ]
    cover = np.zeros((len(found), len(intervals)))
    for k, (_, _, p) in enumerate(found):
        cover[k, list(p.covers)] = 1.0
    rostered = staff[staff.rostered.to_numpy(dtype=bool)]
    count = len(intervals)
    rosters = pd.DataFrame(
        {
            "node": pd.Series(np.repeat(rostered.node.to_numpy(dtype=object), count), dtype=object),
            "role": pd.Series(np.repeat(rostered.role.to_numpy(dtype=object), count), dtype=object),
            "interval": pd.Series(np.tile(intervals.interval.to_numpy(dtype=object), len(rostered)), dtype=object),
            "hours": np.tile(intervals.hours.to_numpy(dtype=float), len(rostered)),
            "shrinkage": np.repeat(rostered.shrinkage.to_numpy(dtype=float), count),
            "max_utilisation": np.repeat(rostered.max_utilisation.to_numpy(dtype=float), count),
        }
    )
    return _frame(rows, PATTERN_COLUMNS), cover, rosters.astype(ROSTER_COLUMNS)


def may_go_unmet(scenario: Scenario, demand: str) -> bool:
    """Whether the demand has unmet units u[d,t]: with an `unmet_penalty`, or under `objective:
    margin` with a `price` (a demand that does not pay may be dropped, model.md, Objective)."""
    d = scenario.demands[demand]
    return d.unmet_penalty is not None or (scenario.scenario.objective == "margin" and d.price is not None)


def forgone_price(scenario: Scenario, demand: str) -> float:
    """What the LP charges per unit of the demand left unserved besides its penalty: its price under
    `objective: margin` (the revenue forgone), else 0."""
    d = scenario.demands[demand]
    return float(d.price) if scenario.scenario.objective == "margin" and d.price is not None else 0.0


def index_sets(scenario: Scenario, like: IndexSets | None = None) -> IndexSets:
    """The index tables of `scenario`. Target rows no plan can bind are marked not to be built (see
    `_targets_that_can_bind`).

    `like`: index sets of a scenario of which this one is a variant (a what-if). When the two have the
    same shape (`scenario_shape`), the variant takes `like`'s skeleton and only its figures are read
    afresh; when only the network is the same, no path is searched again."""
    shape = scenario_shape(scenario)
    known = like.skeleton if like is not None else None
    skeleton = known if known is not None and known.shape == shape else _skeleton(scenario, shape, known)
    return _with_figures(skeleton, scenario)


def _skeleton(scenario: Scenario, shape: tuple, known: Skeleton | None) -> Skeleton:
    """The structure: each demand's usable subgraph, and the key columns of the tables built from it."""
    stage_of = {n: node.stage for n, node in scenario.nodes.items()}
    finder = _path_finder(scenario, stage_of, known)
    without = unskilled(scenario)
    subgraphs = {
        name: finder.nodes_and_arcs(d.origin, d.sinks, d.stages, without[name]) for name, d in scenario.demands.items()
    }
    by_demand, distinct = _shared(subgraphs)
    demand_nodes = _demand_nodes(scenario, by_demand, distinct)
    demand_arcs = _per_demand(
        by_demand,
        [(k, f"{u}->{v}", u, v) for k, (_, used) in enumerate(distinct) for u, v in used],
        ["arc", "source", "target"],
    )
    modes = _mode_keys(scenario)
    demand_modes = _skilled_modes(scenario, _join(demand_nodes[["demand", "node", "stage", "storable"]], "node", modes))
    stocks = demand_nodes.loc[demand_nodes.storable.to_numpy(), ["demand", "node"]].reset_index(drop=True)
    lanes = _frame(
        [
            (n, lane)
            for n, node in scenario.nodes.items()
            if node.queue is not None
            for lane, _ in node.queue.lane_targets()
        ],
        {"node": TEXT, "lane": TEXT},
    )
    tables = {
        "demand_arcs": demand_arcs,
        "demand_nodes": demand_nodes,
        "demand_modes": demand_modes[["demand", "node", "stage", "mode", "role", "storable"]],
        "sinks": demand_nodes.loc[demand_nodes.is_sink.to_numpy(), ["demand", "node"]].reset_index(drop=True),
        "stocks": stocks,
        "demand_lanes": _join(demand_nodes[["demand", "node"]], "node", lanes),
        "demand_reworks": _rework_keys(scenario, demand_modes, demand_nodes),
    }
    node_index = pd.Index(list(scenario.nodes))
    at = {
        "demand_arcs": pd.Index([a.key for a in scenario.arcs]).get_indexer(demand_arcs.arc),
        "demand_modes": pd.MultiIndex.from_frame(modes[["node", "mode"]]).get_indexer(
            pd.MultiIndex.from_frame(demand_modes[["node", "mode"]])
        ),
        "demand_nodes": node_index.get_indexer(demand_nodes.node),
        "stocks": node_index.get_indexer(stocks.node),
        "demand_reworks": pd.MultiIndex.from_frame(modes[["node", "mode"]]).get_indexer(
            pd.MultiIndex.from_frame(tables["demand_reworks"][["node", "mode"]])
        ),
    }
    return Skeleton(shape, finder, subgraphs, tables, at)


def _with_figures(skeleton: Skeleton, scenario: Scenario) -> IndexSets:
    """The index sets: the skeleton's key columns with the scenario's figures."""
    periods, keys = scenario.periods, skeleton.tables
    arcs = _frame(
        [
            (a.key, a.source, a.target, a.cost, a.lead_time, a.capacity if a.capacity is not None else np.inf)
            for a in scenario.arcs
        ],
        {"arc": TEXT, "source": TEXT, "target": TEXT, "cost": NUMBER, "lead_time": NUMBER, "capacity": NUMBER},
    )
    demand_arcs = _figures(keys["demand_arcs"], arcs[["lead_time", "cost"]], skeleton.at["demand_arcs"])
    modes = _mode_figures(scenario)
    demand_modes = _with_hours_by_demand(_figures(keys["demand_modes"], modes, skeleton.at["demand_modes"]), scenario)
    node_time = np.array([node.processing_time + node.wait_time for node in scenario.nodes.values()], dtype=float)
    demand_nodes = keys["demand_nodes"].assign(node_time=node_time[skeleton.at["demand_nodes"]])
    queues = _queues(scenario)
    demands = _demands(scenario)
    quality_row, response_row, worst, slowest = _targets_that_can_bind(
        scenario, skeleton.subgraphs, demand_nodes, demands, set(queues.node)
    )
    quality_row, response_row, worst, slowest = _keep_rows_of_reworking(
        keys["demand_reworks"], demands, quality_row, response_row, worst, slowest
    )
    demands["quality_row"], demands["response_row"] = quality_row, response_row
    demands["worst_path_defects"], demands["slowest_path"] = worst, slowest
    volumes = np.array([scenario.demand_volumes(name) for name in scenario.demands], dtype=float)
    volumes = volumes.reshape(len(scenario.demands), len(periods))
    demand_reworks = _figures(keys["demand_reworks"], _rework_figures(scenario), skeleton.at["demand_reworks"])
    sites = _sites(
        scenario, demand_nodes, _stocks(scenario, keys["stocks"]), volumes, _passes(scenario, skeleton, demand_reworks)
    )
    staff = _staff(scenario)
    _add_skills(demands, staff, scenario)
    intervals = interval_frame(scenario)
    patterns, cover, rosters = _rosters(scenario, staff, intervals)
    staff["switchable"] = staff.node.isin(sites.node[sites.lower.to_numpy() < 1.0]).to_numpy()
    sets = IndexSets(
        periods=periods,
        period_length=scenario.scenario.period_length,
        demand_arcs=demand_arcs[["demand", "arc", "source", "target", "lead_time", "cost"]],
        demand_modes=demand_modes[
            [
                "demand",
                "node",
                "stage",
                "mode",
                "role",
                "hours_per_unit",
                "quality",
                "processing_time",
                "wait_time",
                "unit_cost",
                "storable",
            ]
        ],
        demand_nodes=demand_nodes,
        sinks=keys["sinks"],
        stocks=_stocks(scenario, keys["stocks"]),
        staff=staff,
        demands=demands,
        volumes=volumes,
        nodes=_frame(
            [
                (n, node.stage, node.capacity if node.capacity is not None else np.inf)
                for n, node in scenario.nodes.items()
            ],
            {"node": TEXT, "stage": TEXT, "capacity": NUMBER},
        ),
        arcs=arcs,
        queues=queues,
        queue_nodes=_queue_nodes(scenario, queues),
        demand_lanes=_lane_figures(keys["demand_lanes"], demands, queues, demand_nodes),
        hours_per_time_unit=HOURS_PER_TIME_UNIT[scenario.scenario.time_unit],
        skeleton=skeleton,
        demand_reworks=demand_reworks,
        sites=sites,
        site_levels=_site_levels(scenario),
        intervals=intervals,
        interval_weight=scenario.interval_weight,
        shares=arrival_shares(scenario),
        patterns=patterns,
        cover=cover,
        rosters=rosters,
    )
    if not scenario.rules:
        return sets
    rules, terms, periods_summed = rule_tables(sets, scenario)
    return replace(sets, rules=rules, rule_terms=terms, rule_periods=periods_summed)


def _lane_figures(
    lanes: pd.DataFrame, demands: pd.DataFrame, queues: pd.DataFrame, demand_nodes: pd.DataFrame
) -> pd.DataFrame:
    """demand_lanes with what a unit its queue loses costs (docs/model.md, Abandonment and loss): a
    unit abandoned or blocked in an erlang_a or erlang_b lane with no overflow the demand can use
    leaves the network unserved, so it is unmet: `lost_unmet` marks those rows, `lost_penalty` is
    the demand's `unmet_penalty` there (currency per unit, 0 elsewhere: the `unmet` cost on lost)
    and `lost_forgone` its price under `objective: margin` (the revenue forgone, 0 elsewhere). Figures,
    not structure: a what-if changing a penalty or a price is refigured in place."""
    lossy = (lanes.node.map(dict(zip(queues.node, queues.model))) != "erlang_c").to_numpy(dtype=bool)
    overflow = lanes.assign(to=lanes.node.map(dict(zip(queues.node, queues.overflow))))
    arrives = position(demand_nodes, ["demand", "node"], overflow, ["demand", "to"]) >= 0
    unmet = lossy & ~arrives
    at = pd.Index(demands.demand).get_indexer(lanes.demand)
    figures = lanes.copy()
    figures["lost_unmet"] = unmet
    figures["lost_penalty"] = np.where(unmet, demands.unmet_penalty.to_numpy(dtype=float)[at], 0.0)
    figures["lost_forgone"] = np.where(unmet, demands.forgone_price.to_numpy(dtype=float)[at], 0.0)
    return figures


def _add_skills(demands: pd.DataFrame, staff: pd.DataFrame, scenario: Scenario) -> None:
    """A `skills` column in the demands table (the skills each requires) and in the staff table (the
    role's skills), comma-joined ("" for none), so that the independent check (model/check.py) can
    see that no unit is done by a role without the demand's skills."""
    demands["skills"] = pd.Series([",".join(d.skills) for d in scenario.demands.values()], dtype=object)
    role_skills = {r: ",".join(role.skills) for r, role in scenario.roles.items()}
    staff["skills"] = pd.Series([role_skills.get(r, "") for r in staff.role.to_numpy()], dtype=object)


def _with_hours_by_demand(demand_modes: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """demand_modes with each row's hours per unit for its own demand: the work's `hours_by_demand`
    entry where given, else its `hours_per_unit` (docs/model.md, Skills). A figure, so a what-if
    changing it is fitted into the kept LP."""
    given = {
        (d, n, r): hours
        for n, node in scenario.nodes.items()
        for r, work in node.work.items()
        for d, hours in work.hours_by_demand.items()
    }
    if not given:
        return demand_modes
    keys = zip(demand_modes.demand.to_numpy(), demand_modes.node.to_numpy(), demand_modes["mode"].to_numpy())
    hours = demand_modes.hours_per_unit.to_numpy(dtype=float).copy()
    for i, key in enumerate(keys):
        if key in given:
            hours[i] = given[key]
    demand_modes["hours_per_unit"] = hours
    return demand_modes


def is_site(node: Node) -> bool:
    """Whether a node has a site decision or figure: open not `always`, capacity levels, a fixed
    cost or a minimum volume (docs/model.md, Sites). Only these get open[n,t] columns."""
    return node.open != "always" or bool(node.capacity_levels) or node.fixed_cost > 0 or node.min_volume > 0


def _site_shape(node: Node) -> tuple | None:
    """What of a node's site decides the LP's shape: whether it is a site, how it opens, per period or
    not, and its number of levels."""
    if not is_site(node):
        return None
    return node.open, node.decide_per, len(node.capacity_levels or ()), node.min_volume > 0


def _sites_frame(rows: list[tuple]) -> pd.DataFrame:
    return _frame(
        rows,
        {
            "node": TEXT,
            "open": TEXT,
            "per_period": FLAG,
            "fixed_cost": NUMBER,
            "min_volume": NUMBER,
            "big_m": NUMBER,
            "lower": NUMBER,
            "upper": NUMBER,
        },
    )


def _levels_frame(rows: list[tuple]) -> pd.DataFrame:
    return _frame(rows, {"node": TEXT, "level": TEXT, "capacity": NUMBER, "cost": NUMBER, "per_period": FLAG})


OPEN_BOUNDS = {"always": (1.0, 1.0), "never": (0.0, 0.0), "decide": (0.0, 1.0)}
"""The bounds of open[n,t] by the node's `open`: only `decide` leaves a decision (a binary)."""


def _passes(scenario: Scenario, skeleton: Skeleton, demand_reworks: pd.DataFrame) -> dict[tuple[str, str], float]:
    """(demand, node) -> the most times a unit of the demand passes the node, where more than once
    (model/paths.py `most_passes`: rework sends units back; inf on a loop of hand-offs), for the
    sites whose M[n] is a volume (no capacity, no levels)."""
    wanted = {
        n for n, node in scenario.nodes.items() if is_site(node) and node.capacity is None and not node.capacity_levels
    }
    if not wanted:
        return {}
    reworks: dict[str, list[tuple[str, str, float]]] = {}
    for d, n, to, defect in demand_reworks[["demand", "node", "to", "defect"]].itertuples(index=False):
        reworks.setdefault(d, []).append((n, to, 1.0 - defect))
    passes = {}
    for d, (nodes, arcs) in skeleton.subgraphs.items():
        if wanted.isdisjoint(nodes) or (d not in reworks and nx.is_directed_acyclic_graph(nx.DiGraph(arcs))):
            continue  # a walk along hand-offs without loops passes each node once
        for n in wanted.intersection(nodes):
            most, _ = most_passes(arcs, reworks.get(d, []), n)
            if most > 1.0:
                passes[d, n] = most
    return passes


def _sites(
    scenario: Scenario,
    demand_nodes: pd.DataFrame,
    stocks: pd.DataFrame,
    volumes: np.ndarray,
    passes: dict[tuple[str, str], float],
) -> pd.DataFrame:
    """One row per site (`is_site`), with M[n], the most units the node may process in a period
    (docs/model.md, Sites): its capacity; else its largest level; else the volume that could reach it,
    the sum over the demands that may use it of their whole horizon's volume (a period serves at most
    the volume so far), plus the stock held there at the start and at the end (work made ahead), each
    times the most passes of a unit at the node (1 but where rework sends units back through it:
    `_passes`). A decided site on a loop of hand-offs has a capacity (the scenario checks refuse one
    without): there the passes are unbounded, and only an `open: never` or `always` node gets here."""
    horizon = dict(zip(scenario.demands, volumes.sum(axis=1)))
    reach: dict[str, float] = {}

    def times(d: str, n: str) -> float:
        most = passes.get((d, n), 1.0)
        return most if np.isfinite(most) else 1.0  # never open (M unused) or always open (no M row)

    for d, n in zip(demand_nodes.demand.to_numpy(), demand_nodes.node.to_numpy()):
        reach[n] = reach.get(n, 0.0) + horizon[d] * times(d, n)
    for d, n, initial, final in zip(
        stocks.demand.to_numpy(), stocks.node.to_numpy(), stocks.initial.to_numpy(), stocks.final_min.to_numpy()
    ):
        reach[n] = reach.get(n, 0.0) + (initial + final) * times(d, n)
    rows = []
    for n, node in scenario.nodes.items():
        if not is_site(node):
            continue
        levels = [level.capacity for level in node.capacity_levels or ()]
        big_m = node.capacity if node.capacity is not None else max(levels) if levels else reach.get(n, 0.0)
        per_period = node.decide_per == "period"
        rows.append((n, node.open, per_period, node.fixed_cost, node.min_volume, big_m, *OPEN_BOUNDS[node.open]))
    return _sites_frame(rows)


def _site_levels(scenario: Scenario) -> pd.DataFrame:
    """One row per capacity level of each node, numbered from 1 in the order given."""
    return _levels_frame(
        [
            (n, str(i + 1), level.capacity, level.cost, node.decide_per == "period")
            for n, node in scenario.nodes.items()
            for i, level in enumerate(node.capacity_levels or ())
        ]
    )


def _figures(keys: pd.DataFrame, figures: pd.DataFrame, at: np.ndarray) -> pd.DataFrame:
    """Key columns with the figure columns of the rows `at` of a small table beside them."""
    return pd.DataFrame(
        {**{c: keys[c] for c in keys.columns}, **{c: figures[c].to_numpy()[at] for c in figures.columns}}
    )


def _path_finder(scenario: Scenario, stage_of: dict[str, str], known: Skeleton | None) -> PathFinder:
    """A PathFinder over the scenario's network: the known skeleton's when the network is the same
    (nodes, their stages, arcs), so a what-if that changes figures only searches no path again."""
    network = (tuple(stage_of.items()), tuple(a.key for a in scenario.arcs))
    found = known.finder if known is not None else None
    if found is not None and found.network == network:
        return found
    return PathFinder(build_graph(scenario), stage_of.get, network)


def build_graph(scenario: Scenario) -> nx.DiGraph:
    """The scenario's network: its nodes (with their stage) and arcs (with their key)."""
    graph = nx.DiGraph()
    for name, node in scenario.nodes.items():
        graph.add_node(name, stage=node.stage)
    for arc in scenario.arcs:
        graph.add_edge(arc.source, arc.target, key=arc.key)
    return graph


def _queues(scenario: Scenario) -> pd.DataFrame:
    """One row per lane of each queued node, and per interval when the scenario has intervals (lane
    outer, interval inner); targets in hours, NaN where the lane has no such target.

    The handle time is the node's longest hours per unit (`hours_by_demand` included): all agents
    on duty share one queue, so any of them may take any unit, and a longer handle time never needs
    fewer agents. The staffing is then safe whoever answers, and exact when the roles share one
    handle time.

    `open_hours` is the hours over which the row's units arrive: the queue's open hours without
    intervals, the interval's hours h_i with them (peak factor 1: each interval has its own load).
    """
    hours = HOURS_PER_TIME_UNIT[scenario.scenario.time_unit]
    intervals = interval_frame(scenario)
    spans = list(zip(intervals.interval, intervals.hours)) if len(intervals) else [("", np.nan)]
    rows = []
    for n, node in scenario.nodes.items():
        if node.queue is None:
            continue
        queue = node.queue
        handle_time = max(max([w.hours_per_unit, *w.hours_by_demand.values()]) for w in node.work.values())
        whole = queue.whole_agents if queue.whole_agents is not None else bool(len(intervals))
        for lane, target in queue.lane_targets():
            for interval, span in spans:
                rows.append(
                    (
                        n,
                        lane,
                        interval,
                        float(span) if len(intervals) else float(queue.open_hours or np.nan),
                        1.0 if len(intervals) else queue.peak_factor,
                        handle_time,
                        _or_nan(target.service_level),
                        _or_nan(target.within, hours),
                        _or_nan(target.average_wait, hours),
                        whole,
                        queue.model,
                        _or_nan(queue.patience, hours),
                        _or_nan(target.max_abandoned),
                        _or_nan(target.max_blocked),
                        queue.overflow,
                    )
                )
    return _frame(rows, QUEUE_COLUMNS)


QUEUE_COLUMNS = {
    "node": TEXT,
    "lane": TEXT,
    "interval": TEXT,
    "open_hours": NUMBER,
    "peak_factor": NUMBER,
    "handle_time": NUMBER,
    "service_level": NUMBER,
    "within": NUMBER,
    "average_wait": NUMBER,
    "whole_agents": FLAG,
    "model": TEXT,
    "patience": NUMBER,
    "max_abandoned": NUMBER,
    "max_blocked": NUMBER,
    "overflow": TEXT,
}
"""The queues table's columns (`IndexSets.queues`): interval "" without intervals; patience in hours."""


def _queue_nodes(scenario: Scenario, queues: pd.DataFrame) -> pd.DataFrame:
    """One row per queued node and interval ("" without intervals): `hours`, the hours on duty one
    agent gives there (the interval's hours, or the queue's open hours), and `cycle` W, the hours over
    which a period's staff is spread: the open hours, or weight x the sum of the intervals' hours.
    An FTE is on duty hours / W x min(H, W) hours there (`duty_terms`)."""
    frame = queues[["node", "interval", "open_hours"]].drop_duplicates(["node", "interval"])
    frame = frame.rename(columns={"open_hours": "hours"}).reset_index(drop=True)
    if scenario.intervals is None:
        frame["cycle"] = frame["hours"].to_numpy(dtype=float)
    else:
        frame["cycle"] = scenario.interval_weight * float(sum(scenario.intervals.interval_hours()))
    return frame


def _targets_that_can_bind(
    scenario: Scenario, subgraphs: Usable, demand_nodes: pd.DataFrame, demands: pd.DataFrame, queued: set[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Which demands need their quality and response-time rows: those with a target that some plan
    could miss. The rest are implied by the flow balances, so leaving them out is the same model.

    Without stock, flows follow walks from the origin: in an acyclic subgraph every unit served
    crosses one path of it. So sum (1 - q) y <= Dq served and sum l x + sum (p + w) y <= Dt served,
    where Dq and Dt are the subgraph's longest paths in (1 - the node's worst quality) and in lead
    time plus the node's slowest processing and wait. A target with Dq < 1 - Q (Dt < T) cannot
    bind (at equality the worst path meets it exactly and its row may carry a price: it stays).
    Kept whenever that argument does not hold: a demand that may stock (output made ahead), whose
    subgraph has a loop (a unit may go round it any number of times, each pass counting again, so the
    longest walk is unbounded), with backlog (its L b term, response time only) or passing a queued
    node (lane waits, response time only).

    Returns the two flags per demand, and Dq and Dt (NaN where not computed: the rows are kept).
    """
    worst_path, slowest_path = np.full(len(demands), np.nan), np.full(len(demands), np.nan)
    quality_row = demands.min_quality.notna().to_numpy().copy()
    response_row = demands.max_mean_response_time.notna().to_numpy().copy()
    stocking = set(demand_nodes.demand[demand_nodes.storable])
    longest: dict[int, tuple[float, float, bool]] = {}  # subgraph (shared by demands) -> Dq, Dt, queued
    weights: PathWeights | None = None  # made once, when a first demand needs it
    for i, (name, demand) in enumerate(scenario.demands.items()):
        if name in stocking or not (quality_row[i] or response_row[i]):
            continue
        nodes, arcs = subgraphs[name]
        if id(arcs) not in longest:
            weights = weights or _path_weights(scenario)
            longest[id(arcs)] = (*_longest_paths(weights, nodes, arcs), bool(queued.intersection(nodes)))
        worst_quality, slowest, has_queue = longest[id(arcs)]
        worst_path[i] = worst_quality
        if demand.backlog_cost is None and not has_queue:
            slowest_path[i] = slowest
        if quality_row[i] and demand.min_quality is not None and worst_quality <= 1.0 - demand.min_quality - 1e-9:
            quality_row[i] = False
        if (
            response_row[i]
            and demand.max_mean_response_time is not None
            and demand.backlog_cost is None
            and not has_queue
            and slowest <= demand.max_mean_response_time - 1e-9 * (1.0 + demand.max_mean_response_time)
        ):
            response_row[i] = False
    return quality_row, response_row, worst_path, slowest_path


PathWeights = tuple[dict[str, float], dict[str, float], dict[tuple[str, str], float]]
"""Per node its worst (1 - quality) and its slowest processing plus wait; per arc its lead time."""


def _path_weights(scenario: Scenario) -> PathWeights:
    modes = {n: modes_of(scenario, n) for n in scenario.nodes}
    worst = {n: max(1.0 - m["quality"] for m in found) for n, found in modes.items()}
    slowest = {n: max(m["processing_time"] for m in found) + scenario.nodes[n].wait_time for n, found in modes.items()}
    return worst, slowest, {(a.source, a.target): a.lead_time for a in scenario.arcs}


def _longest_paths(weights: PathWeights, nodes: list[str], arcs: list[tuple[str, str]]) -> tuple[float, float]:
    """The longest path of a subgraph in (1 - worst quality) and in time (inf for both with a loop:
    a walk may go round it without end)."""
    graph = nx.DiGraph(arcs)
    graph.add_nodes_from(nodes)
    if not nx.is_directed_acyclic_graph(graph):
        return np.inf, np.inf
    worst, slowest, lead = weights
    quality: dict[str, float] = {}
    time: dict[str, float] = {}
    for n in nx.topological_sort(graph):
        before = list(graph.predecessors(n))
        quality[n] = worst[n] + max((quality[p] for p in before), default=0.0)
        time[n] = slowest[n] + max((time[p] + lead[p, n] for p in before), default=0.0)
    return max(quality.values(), default=0.0), max(time.values(), default=0.0)


def _or_nan(value: float | None, scale: float = 1.0) -> float:
    return value * scale if value is not None else np.nan


Usable = dict[str, tuple[list[str], list[tuple[str, str]]]]
"""Per demand: the nodes and arcs it may use."""


def _shared(subgraphs: Usable) -> tuple[pd.DataFrame, list[tuple[list[str], list[tuple[str, str]]]]]:
    """Each demand's subgraph number, and each distinct subgraph once: demands sharing origin, sinks
    and stages share one subgraph object (PathFinder), so the tables below are built per subgraph
    and joined to the demands, with no work per demand and node."""
    number: dict[int, int] = {}
    distinct: list[tuple[list[str], list[tuple[str, str]]]] = []
    codes = []
    for usable in subgraphs.values():
        if id(usable) not in number:
            number[id(usable)] = len(distinct)
            distinct.append(usable)
        codes.append(number[id(usable)])
    return _frame(list(zip(subgraphs, codes)), {"demand": TEXT, "subgraph": "int64"}), distinct


def _per_demand(by_demand: pd.DataFrame, rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    """Rows given per subgraph (its number first), repeated for each demand that uses the subgraph, in
    the demands' order and each subgraph's own order."""
    per_subgraph = _frame(rows, {"subgraph": "int64", **dict.fromkeys(columns, TEXT)})
    return _join(by_demand, "subgraph", per_subgraph).drop(columns="subgraph")


def _join(left: pd.DataFrame, key: str, right: pd.DataFrame) -> pd.DataFrame:
    """The inner join of `left` and `right` on `key`: each row of `left` followed by the rows of
    `right` with its key, in `right`'s order (pandas' merge with sort=False, done with numpy so that
    text columns stay plain Python strings instead of becoming Arrow strings)."""
    groups, right_codes = np.unique(right[key].to_numpy(), return_inverse=True)
    order = np.argsort(right_codes, kind="stable")
    counts = np.bincount(right_codes, minlength=len(groups))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    left_codes = pd.Index(groups).get_indexer(left[key].to_numpy())
    counts, starts = np.append(counts, 0), np.append(starts, 0)  # code -1 (no match): no rows
    repeat = counts[left_codes]
    first = np.repeat(starts[left_codes], repeat)
    within = np.arange(int(repeat.sum())) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    taken = order[first + within]
    joined = {column: _column(np.repeat(left[column].to_numpy(), repeat)) for column in left.columns}
    joined.update({column: _column(right[column].to_numpy()[taken]) for column in right.columns if column != key})
    return pd.DataFrame(joined)


def _demand_nodes(
    scenario: Scenario, by_demand: pd.DataFrame, distinct: list[tuple[list[str], list[tuple[str, str]]]]
) -> pd.DataFrame:
    """demand, node, stage, is_origin, is_sink, storable: each node each demand may use."""
    frame = _per_demand(by_demand, [(k, n) for k, (nodes, _) in enumerate(distinct) for n in nodes], ["node"])
    demands, nodes = scenario.demands, scenario.nodes
    stage = {n: node.stage for n, node in nodes.items()}
    pairs = list(zip(frame.demand.to_numpy(), frame.node.to_numpy()))
    sinks = {(d, s) for d, x in demands.items() for s in x.sinks}
    origin = {d: x.origin for d, x in demands.items()}
    frame["stage"] = pd.Series([stage[n] for _, n in pairs], dtype=object)
    frame["is_origin"] = np.array([origin[d] == n for d, n in pairs], dtype=bool)
    frame["is_sink"] = np.array([pair in sinks for pair in pairs], dtype=bool)
    frame["storable"] = np.array([stocks_for(nodes[n], d) for d, n in pairs], dtype=bool)
    return frame


def stocks_for(node: Node, demand: str) -> bool:
    """Whether `demand` may be made ahead and held at `node`."""
    stock = node.stock
    return stock is not None and (stock.demands is None or demand in stock.demands)


def modes_of(scenario: Scenario, name: str) -> list[dict]:
    """A node's modes: one per role in its `work` (inheriting the node's figures), or the node itself."""
    node = scenario.nodes[name]
    if not node.work:
        return [
            dict(
                mode=name,
                role=None,
                hours_per_unit=0.0,
                quality=node.quality,
                processing_time=node.processing_time,
                unit_cost=node.unit_cost,
                rework=node.rework,
            )
        ]
    return [
        dict(
            mode=role,
            role=role,
            hours_per_unit=w.hours_per_unit,
            quality=w.quality if w.quality is not None else node.quality,
            processing_time=w.processing_time if w.processing_time is not None else node.processing_time,
            unit_cost=w.unit_cost if w.unit_cost is not None else node.unit_cost,
            rework=w.rework if w.rework is not None else node.rework,
        )
        for role, w in node.work.items()
    ]


def stock_amount(value: float | dict[str, float], demand: str, users: list[str]) -> float:
    """A stock figure for one demand: a mapping's entry, or the single number of a one-demand node."""
    if isinstance(value, dict):
        return float(value.get(demand, 0.0))
    return float(value) if users == [demand] else 0.0


def _stocks(scenario: Scenario, stored: pd.DataFrame) -> pd.DataFrame:
    """Each (demand, storable node) with the node's holding cost and the demand's initial and final stock."""
    users = stored.groupby("node", sort=False).demand.apply(list).to_dict()
    rows = []
    for d, n in zip(stored.demand.to_numpy(), stored.node.to_numpy()):
        stock = scenario.nodes[n].stock
        assert stock is not None  # `stored` holds storable (demand, node) pairs: the node has stock
        rows.append(
            (
                d,
                n,
                stock.holding_cost,
                stock_amount(stock.initial, d, users[n]),
                stock_amount(stock.final_min, d, users[n]),
            )
        )
    return _frame(rows, {"demand": TEXT, "node": TEXT, "holding_cost": NUMBER, "initial": NUMBER, "final_min": NUMBER})


def _mode_keys(scenario: Scenario) -> pd.DataFrame:
    """node, mode, role: every node's modes (model.md: one per role of its work, or the node itself)."""
    return _frame(
        [(n, m["mode"], m["role"]) for n in scenario.nodes for m in modes_of(scenario, n)],
        {"node": TEXT, "mode": TEXT, "role": TEXT},
    )


def _mode_figures(scenario: Scenario) -> pd.DataFrame:
    """hours_per_unit, quality, processing_time, wait_time, unit_cost of every mode, in `_mode_keys`' order."""
    rows = [
        (m["hours_per_unit"], m["quality"], m["processing_time"], node.wait_time, m["unit_cost"])
        for n, node in scenario.nodes.items()
        for m in modes_of(scenario, n)
    ]
    return _frame(
        rows, dict.fromkeys(("hours_per_unit", "quality", "processing_time", "wait_time", "unit_cost"), NUMBER)
    )


def _staff(scenario: Scenario) -> pd.DataFrame:
    rows = []
    for n, node in scenario.nodes.items():
        for role in node.work:
            bounds = node.staff.get(role)
            spec = scenario.roles[role]
            rostered = node.work[role].rostered and scenario.intervals is not None
            # A rostered role has no overtime, and its labour is priced on its patterns, not on s.
            overtime = spec.overtime.max_hours_per_fte if spec.overtime and not rostered else 0.0
            rows.append(
                (
                    n,
                    node.stage,
                    role,
                    spec.hours_per_fte,
                    node.max_utilisation,
                    overtime,
                    bounds.min if bounds else 0.0,
                    bounds.max if bounds and bounds.max is not None else np.inf,
                    bounds.initial if bounds and bounds.initial is not None else np.nan,
                    0.0 if rostered else spec.cost_per_fte,
                    spec.overtime.cost_per_hour if spec.overtime else 0.0,
                    spec.hire_cost,
                    spec.layoff_cost,
                    rostered,
                    spec.shrinkage if rostered else 0.0,
                )
            )
    frame = _frame(
        rows,
        {
            "node": TEXT,
            "stage": TEXT,
            "role": TEXT,
            "hours_per_fte": NUMBER,
            "max_utilisation": NUMBER,
            "overtime_max": NUMBER,
            "min": NUMBER,
            "max": NUMBER,
            "initial": NUMBER,
            "cost_per_fte": NUMBER,
            "overtime_cost": NUMBER,
            "hire_cost": NUMBER,
            "layoff_cost": NUMBER,
            "rostered": FLAG,
            "shrinkage": NUMBER,
        },
    )
    return _with_duty(frame, scenario)


def _with_duty(staff: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The hours on duty at a queued node's queue that one FTE (`duty_per_fte`) and one overtime hour
    (`duty_per_overtime_hour`) give; 0 elsewhere.

    One person is on duty at most the queue's open hours: an FTE gives min(H, open) hours, and
    overtime only what fits under open (o <= OT s, so a share (open - H) / OT of each overtime hour
    keeps H s + that share of o <= open s). With intervals `open` is W = weight x the sum of the
    intervals' hours, and these hours are spread over the intervals in proportion to their hours
    (`IndexSets.duty_terms`)."""
    open_hours = staff.node.map(
        {n: _duty_cycle(scenario, node.queue) for n, node in scenario.nodes.items() if node.queue is not None}
    ).to_numpy(dtype=float)
    queued = ~np.isnan(open_hours)
    hours, overtime = staff.hours_per_fte.to_numpy(), staff.overtime_max.to_numpy()
    room = np.clip(np.nan_to_num(open_hours) - hours, 0.0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        overtime_share = np.where(overtime > 0, np.minimum(1.0, room / overtime), 0.0)
    staff["duty_per_fte"] = np.where(queued, np.minimum(hours, np.nan_to_num(open_hours)), 0.0)
    staff["duty_per_overtime_hour"] = np.where(queued, overtime_share, 0.0)
    return staff


def _duty_cycle(scenario: Scenario, queue: Queue) -> float:
    """W, the hours one person could be on duty at a queue per period: its open hours, or with
    intervals weight x the sum of their hours (staff spread evenly over them)."""
    if scenario.intervals is None:
        return float(queue.open_hours or np.nan)
    return scenario.interval_weight * float(sum(scenario.intervals.interval_hours()))


def _demands(scenario: Scenario) -> pd.DataFrame:
    rows = [
        (
            name,
            d.origin,
            d.min_quality if d.min_quality is not None else np.nan,
            d.max_mean_response_time if d.max_mean_response_time is not None else np.nan,
            d.backlog_cost is not None,
            d.final_backlog,
            may_go_unmet(scenario, name),
            d.backlog_cost or 0.0,
            d.unmet_penalty or 0.0,
            d.price if d.price is not None else np.nan,
            forgone_price(scenario, name),
        )
        for name, d in scenario.demands.items()
    ]
    return _frame(
        rows,
        {
            "demand": TEXT,
            "origin": TEXT,
            "min_quality": NUMBER,
            "max_mean_response_time": NUMBER,
            "backlog": FLAG,
            "final_backlog": NUMBER,
            "unmet": FLAG,
            "backlog_cost": NUMBER,
            "unmet_penalty": NUMBER,
            "price": NUMBER,
            "forgone_price": NUMBER,
        },
    )


def rework_shape(scenario: Scenario, name: str) -> tuple[tuple[str, str], ...]:
    """The node's modes that rework their units done wrong, with where they send them (`to` as written)."""
    return tuple((m["mode"], m["rework"].to) for m in modes_of(scenario, name) if m["rework"] is not None)


def rework_target(to: str, node: str, origin: str) -> str:
    """The node a unit done wrong at `node` goes back to: `same` is the node itself, `origin` the
    demand's origin, any other name that node (a node named `same` or `origin` cannot be named here:
    the keyword wins)."""
    return node if to == "same" else origin if to == "origin" else to


def _rework_frame(rows: list[tuple]) -> pd.DataFrame:
    return _frame(rows, {"demand": TEXT, "node": TEXT, "mode": TEXT, "to": TEXT})


def _rework_keys(scenario: Scenario, demand_modes: pd.DataFrame, demand_nodes: pd.DataFrame) -> pd.DataFrame:
    """demand, node, mode, to: each (demand, mode) with `rework` whose `to` the demand may use (the
    scenario checks refuse a `to` a demand passing the node cannot use, so none is left out silently)."""
    reworks = {(n, mode): to for n in scenario.nodes for mode, to in rework_shape(scenario, n)}
    if not reworks:
        return _rework_frame([])
    usable = set(zip(demand_nodes.demand.to_numpy(), demand_nodes.node.to_numpy()))
    rows = []
    for d, n, m in zip(demand_modes.demand.to_numpy(), demand_modes.node.to_numpy(), demand_modes["mode"].to_numpy()):
        to = reworks.get((n, m))
        if to is not None:
            target = rework_target(to, n, scenario.demands[d].origin)
            if (d, target) in usable:
                rows.append((d, n, m, target))
    return _rework_frame(rows)


def _rework_figures(scenario: Scenario) -> pd.DataFrame:
    """cost, time, defect (1 - quality) of every mode, in `_mode_keys`' order (0 without rework)."""
    rows = [
        (m["rework"].cost, m["rework"].time, 1.0 - m["quality"])
        if m["rework"] is not None
        else (0.0, 0.0, 1.0 - m["quality"])
        for n in scenario.nodes
        for m in modes_of(scenario, n)
    ]
    return _frame(rows, dict.fromkeys(("cost", "time", "defect"), NUMBER))


def _keep_rows_of_reworking(
    reworks: pd.DataFrame,
    demands: pd.DataFrame,
    quality_row: np.ndarray,
    response_row: np.ndarray,
    worst: np.ndarray,
    slowest: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A demand that may pass a mode with `rework` keeps its target rows: reworked units pass nodes
    again (y can exceed the units served), so the longest-path bound that lets a row be left out
    does not hold."""
    reworking = demands.demand.isin(set(reworks.demand)).to_numpy()
    if not reworking.any():
        return quality_row, response_row, worst, slowest
    quality_row = quality_row | (reworking & demands.min_quality.notna().to_numpy())
    response_row = response_row | (reworking & demands.max_mean_response_time.notna().to_numpy())
    return quality_row, response_row, np.where(reworking, np.nan, worst), np.where(reworking, np.nan, slowest)
