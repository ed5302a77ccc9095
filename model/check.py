"""Check a solution against the scenario's own constraints, without asking the LP or HiGHS.

Run after every solve that returns values; a solution that fails any check is not reported.
Each violation names its family, its subject and by how much it fails.
"""

from __future__ import annotations

import numpy as np

from model.rules import rows_of, rule_sums
from model.solution import Evaluated, duty_hours, group_sum, roster

RELATIVE_TOLERANCE = 1e-6
"""A row passes when it fails by at most this share of its magnitude (1 + |left| + |right|): HiGHS's
primal feasibility tolerance is 1e-7 on scaled rows, so a real error is far larger than this."""


def _violations(family: str, labels: list[str], excess: np.ndarray, scale: np.ndarray, periods: list[str]) -> list[str]:
    """Where `excess` (how far past its limit each row is) is beyond tolerance: one message each."""
    bad = np.argwhere(excess > RELATIVE_TOLERANCE * (1.0 + np.abs(scale)))
    return [f"{family} {labels[i]} {periods[t]}: off by {excess[i, t]:.6g}" for i, t in bad[:20]]


def check_solution(ev: Evaluated, integer_staff: bool = False) -> list[str]:
    """Every constraint family of model.md, recomputed; an empty list means the solution holds."""
    sets, v, P = ev.sets, ev.values, ev.sets.periods
    dn, staff, demands = sets.demand_nodes, sets.staff, sets.demands
    node_labels = (dn.demand + "@" + dn.node).tolist()
    staff_labels = (staff.node + "/" + staff.role).tolist()
    demand_labels = demands.demand.tolist()
    found: list[str] = []

    for name, grid in v.items():
        found += _violations(f"nonnegative {name}", [str(i) for i in range(len(grid))], -grid, grid, P)
    balance = ev.arrivals - ev.reworked_out - ev.outflow - ev.fulfilled
    found += _violations("pass-through", node_labels, np.abs(balance), ev.arrivals, P)
    lost = group_sum(
        sets.position("demand_nodes", ["demand", "node"], "demand_lanes"), v["lost"], len(sets.demand_nodes)
    )
    work = ev.processed + lost + ev.stock_before - ev.arrivals - ev.stock  # a queue answers or loses each unit
    found += _violations("work balance", node_labels, np.abs(work), ev.arrivals, P)

    found += _violations("labour", staff_labels, ev.hours_used - ev.hours_available, ev.hours_used, P)
    overtime_cap = staff.overtime_max.to_numpy()[:, None] * v["s"]
    found += _violations("overtime", staff_labels, v["o"] - overtime_cap, overtime_cap, P)
    open_share = site_open(ev)[sets.position("nodes", ["node"], "staff")]  # staff minimum: while open
    found += _violations("staff min", staff_labels, staff["min"].to_numpy()[:, None] * open_share - v["s"], v["s"], P)
    found += _violations("staff max", staff_labels, v["s"] - staff["max"].to_numpy()[:, None], v["s"], P)
    initial = staff.initial.to_numpy()
    change = v["s"] - np.concatenate([np.nan_to_num(initial, nan=0.0)[:, None], v["s"][:, :-1]], axis=1)
    change[np.isnan(initial), 0] = 0.0  # without `initial` the first period's staff is free
    found += _violations("staff balance", staff_labels, np.abs(change - v["hire"] + v["fire"]), v["s"], P)
    if integer_staff:  # a rostered role's FTE follows from its whole heads (_check_rosters)
        fractional = np.where(staff.rostered.to_numpy(dtype=bool)[:, None], 0.0, np.abs(v["s"] - np.round(v["s"])))
        found += _violations("whole FTE", staff_labels, fractional, v["s"] * 0, P)

    capacity = sets.nodes.capacity.to_numpy()[:, None]
    found += _violations("node capacity", sets.nodes.node.tolist(), ev.node_units - capacity, ev.node_units, P)
    arc_capacity = sets.arcs.capacity.to_numpy()[:, None]
    found += _violations("arc capacity", sets.arcs.arc.tolist(), ev.arc_units - arc_capacity, ev.arc_units, P)

    min_quality = demands.min_quality.to_numpy()[:, None]
    allowed_defects = np.where(np.isnan(min_quality), np.inf, (1.0 - min_quality) * ev.served)
    found += _violations("quality target", demand_labels, ev.defects - allowed_defects, ev.defects, P)
    max_time = demands.max_mean_response_time.to_numpy()[:, None]
    allowed_time = np.where(np.isnan(max_time), np.inf, max_time * ev.served)
    found += _violations("response-time target", demand_labels, ev.time_spent - allowed_time, ev.time_spent, P)

    found += _check_queues(ev)
    found += _check_rework(ev)
    found += _check_skills(ev)
    found += _check_sites(ev)
    found += _check_rosters(ev, integer_staff)

    final_backlog = (ev.backlog[:, -1] - demands.final_backlog.to_numpy())[:, None]
    found += _violations("final backlog", demand_labels, final_backlog, ev.backlog[:, -1:], P[-1:])
    final_stock = (sets.stocks.final_min.to_numpy() - v["k"][:, -1])[:, None] if len(sets.stocks) else np.zeros((0, 1))
    stock_labels = (sets.stocks.demand + "@" + sets.stocks.node).tolist()
    found += _violations("final stock", stock_labels, final_stock, final_stock * 0, P[-1:])
    return found + _check_rules(ev)


def _check_rules(ev: Evaluated) -> list[str]:
    """Each business rule's rows: its sum less share x its `of` sum, recomputed from the solution's
    values over the terms its filters select (model/rules.py), against its bound and sense."""
    sets = ev.sets
    if not len(sets.rules):
        return []
    total, of = rule_sums(sets, ev.values)
    rules = sets.rules
    left = total - rules["share"].to_numpy(dtype=float)[:, None] * of
    bound = rules["bound"].to_numpy(dtype=float)[:, None]
    sense = rules["sense"].to_numpy()[:, None]
    excess = np.where(sense == "<=", left - bound, np.where(sense == ">=", bound - left, np.abs(left - bound)))
    excess = np.where(rows_of(sets), excess, 0.0)
    scale = np.abs(total) + np.abs(rules["share"].to_numpy(dtype=float)[:, None] * of)
    return _violations("business rule", rules["rule"].tolist(), excess, scale, sets.periods)


def _check_queues(ev: Evaluated) -> list[str]:
    """Each unit at a queued node queues in one lane; the lanes' hours on duty are staffed hours."""
    sets, v, P = ev.sets, ev.values, ev.sets.periods
    if not len(sets.queues):
        return []
    dn = sets.demand_nodes
    queued = dn.node.isin(sets.queues.node).to_numpy()
    in_lanes = group_sum(sets.position("demand_nodes", ["demand", "node"], "demand_lanes"), v["q"], len(dn))
    labels = (dn.demand + "@" + dn.node).tolist()
    lost = group_sum(sets.position("demand_nodes", ["demand", "node"], "demand_lanes"), v["lost"], len(dn))
    split = np.where(queued[:, None], np.abs(in_lanes - lost - ev.processed), 0.0)
    found = _violations("lane split", labels, split, ev.processed, P)
    on_duty = duty_hours(sets, v)
    duty = sets.queue_nodes
    assigned = group_sum(sets.position("queue_nodes", ["node", "interval"], "queues"), v["a"], len(duty))
    names = (duty.node + np.where(duty.interval != "", " " + duty.interval, "")).tolist()
    return found + _violations("queue duty", names, assigned - on_duty, on_duty, P)


def _check_skills(ev: Evaluated) -> list[str]:
    """No unit of a demand is done by a role without every skill the demand requires (docs/model.md,
    Skills): read from the demands' and roles' own skills, not from which modes the LP has."""
    sets = ev.sets
    modes = sets.demand_modes
    if "skills" not in sets.demands or not sets.demands.skills.astype(bool).any():
        return []
    required = sets.demands.skills.to_numpy()[sets.demand_of("demand_modes")]
    at = sets.position("staff", ["node", "role"], "demand_modes", ["node", "mode"])
    has = np.append(sets.staff.skills.to_numpy(), "")[at]  # -1 (a node's own mode): any demand
    found = []
    for i in np.flatnonzero(ev.values["y"].max(axis=1, initial=0.0) > RELATIVE_TOLERANCE):
        missing = set(filter(None, required[i].split(","))) - set(has[i].split(","))
        if at[i] >= 0 and missing:
            found.append(
                f"skills {modes.demand.iat[i]}@{modes.node.iat[i]}/{modes['mode'].iat[i]}: "
                f"units done by a role without {', '.join(sorted(missing))}"
            )
    return found[:20]


def _check_rosters(ev: Evaluated, integer_staff: bool) -> list[str]:
    """Shift patterns (docs/model.md, Shifts), from the scenario's figures: the work arriving in each
    interval fits the hours the agents on duty give there (17); a rostered role's FTE is its heads'
    covered hours (18); each pattern's heads within its min and max, whole under integer staff."""
    sets, v, P = ev.sets, ev.values, ev.sets.periods
    if not len(sets.patterns):
        return []
    rosters, patterns = sets.rosters, sets.patterns
    plan = roster(sets, v)
    capacity = (rosters.max_utilisation * rosters.hours).to_numpy(dtype=float)[:, None] * plan.on_duty
    labels = (rosters.node + "/" + rosters.role + "@" + rosters.interval).tolist()
    found = _violations("roster labour", labels, plan.work - capacity, plan.work, P)
    heads = v["e"]
    fte = group_sum(
        sets.position("staff", ["node", "role"], "patterns"), patterns.fte.to_numpy()[:, None] * heads, len(sets.staff)
    )
    rostered = sets.staff.rostered.to_numpy(dtype=bool)[:, None]
    staff_labels = (sets.staff.node + "/" + sets.staff.role).tolist()
    found += _violations("roster FTE", staff_labels, np.where(rostered, np.abs(v["s"] - fte), 0.0), v["s"], P)
    pattern_labels = (patterns.node + "/" + patterns.role + "/" + patterns.pattern).tolist()
    found += _violations("pattern min", pattern_labels, patterns["min"].to_numpy()[:, None] - heads, heads, P)
    found += _violations("pattern max", pattern_labels, heads - patterns["max"].to_numpy()[:, None], heads, P)
    if integer_staff:
        found += _violations("whole heads", pattern_labels, np.abs(heads - np.round(heads)), heads * 0, P)
    return found


def _check_rework(ev: Evaluated) -> list[str]:
    """The units reworked at a mode are its units done wrong: w = (1 - q) y (model.md, constraint 12)."""
    sets, v = ev.sets, ev.values
    reworks = sets.demand_reworks
    if not len(reworks):
        return []
    made = v["y"][sets.position("demand_modes", ["demand", "node", "mode"], "demand_reworks")]
    wrong = reworks.defect.to_numpy()[:, None] * made
    labels = (reworks.demand + "@" + reworks.node + "/" + reworks["mode"]).tolist()
    return _violations("rework volume", labels, np.abs(v["w"] - wrong), wrong, sets.periods)


def site_open(ev: Evaluated) -> np.ndarray:
    """Per node of the scenario and period: 1 while open, from the open decisions (1 for a node with
    no site row, which is always open)."""
    sets = ev.sets
    found = np.ones((len(sets.nodes), sets.period_count))
    found[sets.position("nodes", ["node"], "sites")] = ev.values["open"]
    return found


def _check_sites(ev: Evaluated) -> list[str]:
    """Site decisions (docs/model.md, Sites), from the scenario's figures: each open decision is 0 or 1
    and within what `open` allows; a closed node processes nothing and has no staff; an open one
    processes at least its min_volume and at most its chosen level's capacity; one level while open,
    none while closed; with `decide_per: horizon` the same decisions in every period."""
    sets, v, P = ev.sets, ev.values, ev.sets.periods
    sites = sets.sites
    if not len(sites):
        return []
    labels = sites.node.tolist()
    is_open = v["open"]
    found = _violations("site open is 0 or 1", labels, np.abs(is_open - np.round(is_open)), is_open * 0, P)
    allowed_low = (sites.open.to_numpy() == "always").astype(float)[:, None]
    allowed_high = (sites.open.to_numpy() != "never").astype(float)[:, None]
    found += _violations(
        "site open as allowed", labels, np.maximum(allowed_low - is_open, is_open - allowed_high), is_open * 0, P
    )
    units = ev.node_units[sets.position("nodes", ["node"], "sites")]
    closed = np.round(is_open) == 0
    found += _violations("closed site carries nothing", labels, np.where(closed, units, 0.0), units, P)
    staff_site = sets.position("sites", ["node"], "staff")
    staff_closed = np.where((staff_site >= 0)[:, None], closed[np.maximum(staff_site, 0)], False)
    staff_labels = (sets.staff.node + "/" + sets.staff.role).tolist()
    found += _violations("closed site has no staff", staff_labels, np.where(staff_closed, v["s"], 0.0), v["s"], P)
    least = sites.min_volume.to_numpy()[:, None] * is_open
    found += _violations("site min volume", labels, least - units, units, P)
    found += _check_levels(ev, is_open, units, labels)
    once = sites.open.to_numpy() == "decide"
    once &= ~sites.per_period.to_numpy(dtype=bool)
    drift = np.where(once[:, None], np.abs(is_open - is_open[:, :1]), 0.0)
    return found + _violations("one decision for the horizon", labels, drift, is_open * 0, P)


def _check_levels(ev: Evaluated, is_open: np.ndarray, units: np.ndarray, labels: list[str]) -> list[str]:
    """One level while open, none while closed; the units within the chosen level's capacity; a level
    kept for the horizon unless decided per period."""
    sets, v, P = ev.sets, ev.values, ev.sets.periods
    levels = sets.site_levels
    if not len(levels):
        return []
    chosen = v["level"]
    at = sets.position("sites", ["node"], "site_levels")
    with_levels = np.zeros(len(sets.sites), dtype=bool)
    with_levels[at] = True
    count = group_sum(at, chosen, len(sets.sites))
    capacity = group_sum(at, levels.capacity.to_numpy()[:, None] * chosen, len(sets.sites))
    level_labels = (levels.node + "#" + levels.level).tolist()
    found = _violations("site level is 0 or 1", level_labels, np.abs(chosen - np.round(chosen)), chosen * 0, P)
    found += _violations(
        "one level while open", labels, np.where(with_levels[:, None], np.abs(count - is_open), 0.0), count, P
    )
    found += _violations("level capacity", labels, np.where(with_levels[:, None], units - capacity, 0.0), units, P)
    once = ~levels.per_period.to_numpy(dtype=bool)
    drift = np.where(once[:, None], np.abs(chosen - chosen[:, :1]), 0.0)
    return found + _violations("one level for the horizon", level_labels, drift, chosen * 0, P)


def check_objective(ev: Evaluated, objective: float) -> list[str]:
    """The cost recomputed from the solution equals the solver's objective; under `objective: margin`
    the cost plus the revenue forgone (price x units never served) does, so that revenue - cost is
    the objective's constant, the revenue of every unit due, minus it."""
    total = ev.objective
    if abs(total - objective) > RELATIVE_TOLERANCE * (1.0 + abs(objective)):
        forgone = float(ev.forgone.sum())
        made_of = f"the costs add up to {ev.total_cost:.6f}" + (
            f" and the revenue forgone to {forgone:.6f}" if forgone else ""
        )
        return [f"objective: the solver reports {objective:.6f} but {made_of}"]
    return _check_revenue(ev)


def _check_revenue(ev: Evaluated) -> list[str]:
    """Under `objective: margin`, per demand with a price p: the revenue (p x units served) plus the
    revenue forgone (p x units unmet, lost by a queue without overflow, or left in backlog at the
    end) is p x the units due: every unit due is served or forgone, once."""
    price = ev.sets.demands.forgone_price.to_numpy(dtype=float)
    due = price * ev.volume.sum(axis=1)
    found = (ev.revenue + ev.forgone).sum(axis=1)
    off = np.flatnonzero((price > 0) & (np.abs(found - due) > RELATIVE_TOLERANCE * (1.0 + np.abs(due))))
    return [
        f"revenue of {ev.sets.demands.demand.iat[d]}: served and forgone add up to {found[d]:.6f}, "
        f"not the {due[d]:.6f} of its units due"
        for d in off
    ]
