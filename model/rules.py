"""Business rules (the scenario's `rules:`): named linear constraints over the model's quantities.

A rule sums one quantity over the variables its filters select and compares the sum with a number,
or with a share of a second sum (`of:`):

    lhs[r,t] - share[r] * of[r,t]  (<= | >= | ==)  bound[r]

with share = 0 and bound = the number without `of`, bound = 0 and share = the number with it
(docs/model.md, Business rules). A rule `per: period` has a row per period (each sums that period's
terms); `per: horizon` one row, in the last period, summing every period's terms.

This module says which variables each quantity sums, with which weight, and which filters apply
(`QUANTITIES`), and turns the scenario's rules into two index tables (`rule_tables`): `rules`, one
row per rule with its sense, bound and share (figures: a what-if on them re-solves in place), and
`rule_terms`, one row per (rule, side, variable row) with its weight. The LP family
(model/lp/families.py, `business_rule`) reads only these tables. Matching is fnmatch's, case
sensitive: `*` any run of characters, `?` one, `[ab]` one of; a list matches any of its patterns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from model.scenario.rulespec import FILTERS, LABEL, SENSES, UNITS

if TYPE_CHECKING:
    from model.scenario.schema import Scenario


class IndexSets(Protocol):
    """What this module reads of model.network's IndexSets (which imports this module): its periods,
    nodes, demands and rule tables, and any index table by name (getattr)."""

    @property
    def periods(self) -> list[str]: ...
    @property
    def nodes(self) -> pd.DataFrame: ...
    @property
    def demands(self) -> pd.DataFrame: ...
    @property
    def rules(self) -> pd.DataFrame: ...
    @property
    def rule_terms(self) -> pd.DataFrame: ...
    @property
    def rule_periods(self) -> np.ndarray: ...
    @property
    def period_count(self) -> int: ...


@dataclass(frozen=True)
class Part:
    """One variable family a quantity sums: `weight` (a column of its index table, or None for 1)
    times the variable, for the rows whose attributes match the filters."""

    variable: str
    table: str
    weight: str | None = None
    category: str | None = None  # for `cost`: the cost term's category


@dataclass(frozen=True)
class Quantity:
    """What `sum: NAME` adds up, its unit and the filters that may select its terms."""

    name: str
    meaning: str
    unit: str  # "currency" is the scenario's currency
    filters: tuple[str, ...]
    parts: tuple[Part, ...]


COST_PARTS: tuple[Part, ...] = (
    Part("s", "staff", "cost_per_fte", "labour"),
    Part("o", "staff", "overtime_cost", "overtime"),
    Part("hire", "staff", "hire_cost", "hiring"),
    Part("fire", "staff", "layoff_cost", "layoffs"),
    Part("y", "demand_modes", "unit_cost", "processing"),
    Part("x", "demand_arcs", "cost", "handoffs"),
    Part("k", "stocks", "holding_cost", "holding"),
    Part("b", "demands", "backlog_cost", "backlog"),
    Part("u", "demands", "unmet_penalty", "unmet"),
    Part("w", "demand_reworks", "cost", "rework"),
    Part("open", "sites", "fixed_cost", "fixed"),
    Part("level", "site_levels", "cost", "capacity"),
    Part("e", "patterns", "cost", "labour"),
    Part("lost", "demand_lanes", "lost_penalty", "unmet"),
)
"""The objective's cost terms (model/lp/objective.py COST_TERMS: variable, its index table, the price
column, the category), as the `cost` quantity sums them. Declared here because the index sets,
below the LP layer, make the rules' terms; a test keeps the two the same."""


_PARTS: dict[str, tuple[Part, ...]] = {
    "flow": (Part("x", "demand_arcs"),),
    "units": (Part("y", "demand_modes"),),
    "fte": (Part("s", "staff"),),
    "overtime": (Part("o", "staff"),),
    "hours": (Part("y", "demand_modes", "hours_per_unit"),),
    "cost": COST_PARTS,
}
MEANINGS = {
    "flow": "units handed over, x[d,a,t]",
    "units": "units processed, y[d,n,m,t]",
    "fte": "FTE, s[n,r,t]",
    "overtime": "overtime hours, o[n,r,t]",
    "hours": "hours worked (regular and overtime), h[n,r] y[d,n,r,t]",
    "cost": "the objective's cost terms, price x variable",
}

QUANTITIES: dict[str, Quantity] = {
    name: Quantity(name, MEANINGS[name], UNITS[name], FILTERS[name], parts) for name, parts in _PARTS.items()
}
"""What each `sum:` adds up (model.md, Business rules)."""


def patterns(value: str | Sequence[str]) -> list[str]:
    """A filter's patterns: one name or pattern, or a list of them."""
    return [value] if isinstance(value, str) else [str(v) for v in value]


def matches(values: np.ndarray, value: str | Sequence[str]) -> np.ndarray:
    """Which of `values` (None: no such attribute, never matched) match any of the patterns."""
    found = patterns(value)
    distinct, inverse = np.unique(
        np.asarray([str(v) if v is not None else "\0" for v in values], dtype=object), return_inverse=True
    )
    hit = np.array([s != "\0" and any(fnmatchcase(s, p) for p in found) for s in distinct], dtype=bool)
    return hit[inverse] if len(values) else np.zeros(0, dtype=bool)


@dataclass(frozen=True)
class DemandLabels:
    """Each demand's segment and labels, which the index tables do not carry."""

    segment: Mapping[str, str | None]
    labels: Mapping[str, Mapping[str, str]]

    @classmethod
    def of(cls, scenario: Scenario) -> DemandLabels:
        return cls(
            {d: spec.segment for d, spec in scenario.demands.items()},
            {d: dict(spec.labels) for d, spec in scenario.demands.items()},
        )

    def attribute(self, key: str, demands: np.ndarray) -> np.ndarray:
        if key == "segment":
            return np.array([self.segment.get(d) for d in demands], dtype=object)
        name = key[len(LABEL) :]
        return np.array([self.labels.get(d, {}).get(name) for d in demands], dtype=object)


def attributes(sets: IndexSets, table: str, key: str, demand_labels: DemandLabels) -> np.ndarray | None:
    """The value of filter `key` for each row of an index table; None where the table's terms have no
    such attribute (then no term of it matches). `node` is the node a term is booked at (a hand-off's
    receiving node, a backlog's origin), `stage` that node's stage."""
    frame = getattr(sets, table)
    demand = frame["demand"].to_numpy(dtype=object) if "demand" in frame else None
    node = _booked_at(sets, table)
    if key == "segment" or key.startswith(LABEL):
        return None if demand is None else demand_labels.attribute(key, demand)
    if key == "demand":
        return demand
    if key == "node":
        return node
    if key == "stage":
        stage = dict(zip(sets.nodes.node, sets.nodes.stage))
        return None if node is None else np.array([stage[n] for n in node], dtype=object)
    if key == "role":
        return frame["role"].to_numpy(dtype=object) if "role" in frame else None
    if key in ("arc", "from", "to"):
        column = {"arc": "arc", "from": "source", "to": "target"}[key]
        return frame[column].to_numpy(dtype=object) if column in frame else None
    return None


def _booked_at(sets: IndexSets, table: str) -> np.ndarray | None:
    frame = getattr(sets, table)
    if table == "demand_arcs":
        return frame["target"].to_numpy(dtype=object)
    if table == "demands":
        return frame["origin"].to_numpy(dtype=object)
    if table == "demand_lanes":  # a lost unit's unmet penalty is booked at its demand's origin, as u's
        return frame["demand"].map(dict(zip(sets.demands.demand, sets.demands.origin))).to_numpy(dtype=object)
    return frame["node"].to_numpy(dtype=object) if "node" in frame else None


def select(sets: IndexSets, part: Part, where: Mapping[str, Any], demand_labels: DemandLabels) -> np.ndarray:
    """The rows of the part's index table that every filter (but `period`) selects."""
    rows = len(getattr(sets, part.table))
    chosen = np.ones(rows, dtype=bool)
    for key, value in where.items():
        if key == "period":
            continue
        if key == "category":
            chosen &= bool(part.category is not None and matches(np.array([part.category], dtype=object), value)[0])
            continue
        found = attributes(sets, part.table, key, demand_labels)
        if found is None:
            return np.zeros(rows, dtype=bool)
        chosen &= matches(found, value)
    return chosen


def period_mask(periods: Sequence[str], where: Mapping[str, Any]) -> np.ndarray:
    """The periods a side's `period` filter selects (all without one)."""
    if "period" not in where:
        return np.ones(len(periods), dtype=bool)
    return matches(np.asarray(list(periods), dtype=object), where["period"])


RULE_COLUMNS = {
    "rule": "object",
    "about": "object",
    "quantity": "object",
    "of_quantity": "object",
    "sense": "object",
    "value": "float64",
    "bound": "float64",
    "share": "float64",
    "per": "object",
}


def rule_tables(sets: IndexSets, scenario: Scenario) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """The `rules` table (rule, about, quantity, of_quantity, sense, value, bound, share, per, where,
    of_where), the `rule_terms` table (rule: its row in `rules`, side: 0 the sum, 1 the `of` sum,
    variable, row: the row of the variable's index table, weight) and the periods each side sums
    ((rules, 2, T) bool)."""
    demand_labels = DemandLabels.of(scenario)
    rules: list[tuple] = []
    terms: list[tuple[int, int, str, np.ndarray, np.ndarray]] = []
    masks = np.zeros((len(scenario.rules), 2, sets.period_count), dtype=bool)
    for r, (name, rule) in enumerate(scenario.rules.items()):
        sense_field, value = rule.comparison
        share = value if rule.of is not None else 0.0
        bound = 0.0 if rule.of is not None else value
        of_quantity = rule.of.sum if rule.of is not None else None
        rules.append((name, rule.about, rule.sum, of_quantity, SENSES[sense_field], value, bound, share, rule.per))
        sides = [(rule.sum, dict(rule.where))] + ([(rule.of.sum, dict(rule.of.where))] if rule.of else [])
        for side, (quantity, where) in enumerate(sides):
            masks[r, side] = period_mask(sets.periods, where)
            for part in QUANTITIES[quantity].parts:
                chosen = np.flatnonzero(select(sets, part, where, demand_labels))
                table = getattr(sets, part.table)
                weight = np.ones(len(table)) if part.weight is None else table[part.weight].to_numpy(dtype=float)
                terms.append((r, side, part.variable, chosen, weight[chosen]))
    frame = pd.DataFrame(
        {k: pd.Series([row[i] for row in rules], dtype=t) for i, (k, t) in enumerate(RULE_COLUMNS.items())}
    )
    frame["where"] = pd.Series([dict(rule.where) for rule in scenario.rules.values()], dtype=object)
    frame["of_where"] = pd.Series(
        [dict(rule.of.where) if rule.of else None for rule in scenario.rules.values()], dtype=object
    )
    sizes = [len(rows) for *_, rows, _ in terms]
    term_frame = pd.DataFrame(
        {
            "rule": pd.Series(np.repeat([t[0] for t in terms], sizes), dtype="int64"),
            "side": pd.Series(np.repeat([t[1] for t in terms], sizes), dtype="int64"),
            "variable": pd.Series(np.repeat(np.array([t[2] for t in terms], dtype=object), sizes), dtype=object),
            "row": pd.Series(np.concatenate([t[3] for t in terms]) if terms else [], dtype="int64"),
            "weight": pd.Series(np.concatenate([t[4] for t in terms]) if terms else [], dtype="float64"),
        }
    )
    return frame, term_frame, masks


def rule_sums(sets: IndexSets, values: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Each rule's sum and `of` sum per period of its rows ((rules, T); a horizon rule's totals in its
    last period, 0 in the others), from variable values on their grids (NaN or 0 where none)."""
    R, T = len(sets.rules), sets.period_count
    sums = np.zeros((2, R, T))
    terms = sets.rule_terms
    for variable, group in terms.groupby("variable", sort=False):
        grid = np.nan_to_num(np.asarray(values[str(variable)], dtype=float), nan=0.0)
        rule, side = group["rule"].to_numpy(), group["side"].to_numpy()
        amounts = group["weight"].to_numpy()[:, None] * grid[group["row"].to_numpy()]
        amounts = amounts * sets.rule_periods[rule, side]
        np.add.at(sums, (side, rule), amounts)
    horizon = (sets.rules["per"] == "horizon").to_numpy()
    sums[:, horizon, -1] = sums[:, horizon, :].sum(axis=2)
    sums[:, horizon, :-1] = 0.0
    return sums[0], sums[1]


def rows_of(sets: IndexSets) -> np.ndarray:
    """(rules, T) bool: where a rule has a row: every period its sum selects (`per: period`), or the
    last period (`per: horizon`)."""
    T = sets.period_count
    rows = sets.rule_periods[:, 0, :].copy() if len(sets.rules) else np.zeros((0, T), dtype=bool)
    horizon = (sets.rules["per"] == "horizon").to_numpy()
    rows[horizon] = False
    rows[horizon, T - 1] = True
    return rows


def price_per_step(sets: IndexSets, dual: np.ndarray, of_sum: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per rule row (rules x T): the change in total cost per step of the rule's number, and the
    step. A row's dual y is d cost / d bound (HiGHS); a share s enters as the coefficient of the `of`
    sum, so moving it by ds moves the row like its bound by ds x of (the envelope theorem, the `of`
    sum at the optimum): d cost / d s = y x of, per percentage point 0.01 y x of."""
    has_of = sets.rules["of_quantity"].notna().to_numpy()[:, None]
    step = np.where(has_of, 0.01, 1.0) * np.ones_like(dual)
    return np.where(has_of, 0.01 * dual * of_sum, dual), step


def rules_table(
    sets: IndexSets, values: Mapping[str, np.ndarray], dual: np.ndarray, currency: str, basis: str = "LP"
) -> pd.DataFrame:
    """One row per business rule row (rule, period): its sum, the right-hand side it is compared with
    (the bound, or share x the `of` sum), the slack, HiGHS's dual and the price per step of the rule's
    number (docs/tables.md, rules). `dual` is (rules x T), NaN where none; `basis` says which LP gave
    it (the sensitivity table's words: `LP`, or a MILP's `LP with ... fixed`; empty without duals).
    A zero (-0.0 from HiGHS or a subtraction) is written 0.0."""
    rules, T = sets.rules, sets.period_count
    total, of_sum = rule_sums(sets, values)
    share = rules["share"].to_numpy(dtype=float)[:, None]
    rhs = np.where(rules["of_quantity"].notna().to_numpy()[:, None], share * of_sum, rules["bound"].to_numpy()[:, None])
    sense = np.repeat(rules["sense"].to_numpy(dtype=object)[:, None], T, axis=1)
    slack = np.where(sense == "<=", rhs - total, np.where(sense == ">=", total - rhs, -np.abs(total - rhs)))
    price, step = price_per_step(sets, dual, of_sum)
    dual, price, slack = (x + 0.0 for x in (dual, price, slack))  # -0.0 + 0.0 is 0.0; NaN stays
    binding = np.abs(slack) <= 1e-6 * (1.0 + np.abs(total) + np.abs(rhs))
    at = rows_of(sets)
    r, t = np.nonzero(at)

    def each(column: str) -> np.ndarray:
        return np.repeat(rules[column].to_numpy(dtype=object)[:, None], T, axis=1)[r, t]

    unit = np.array([UNITS[q].replace("currency", currency) for q in rules["quantity"]], dtype=object)[r]
    return pd.DataFrame(
        {
            "period": pd.Series(np.asarray(sets.periods, dtype=object)[t], dtype="str"),
            "rule": pd.Series(each("rule"), dtype="str"),
            "about": pd.Series([a if isinstance(a, str) else "" for a in each("about")], dtype="str"),
            "quantity": pd.Series(each("quantity"), dtype="str"),
            "per": pd.Series(each("per"), dtype="str"),
            "sense": pd.Series(sense[r, t], dtype="str"),
            "value": each("value").astype(float),
            "lhs": total[r, t],
            "of_sum": np.where(rules["of_quantity"].notna().to_numpy()[r], of_sum[r, t], np.nan),
            "rhs": rhs[r, t],
            "slack": slack[r, t],
            "binding": binding[r, t],
            "dual": dual[r, t],
            "price": price[r, t],
            "basis": basis if not np.isnan(dual).all() else "",
            "unit_step": step[r, t],
            "unit": pd.Series(unit, dtype="str"),
            "currency": currency,
        }
    )
