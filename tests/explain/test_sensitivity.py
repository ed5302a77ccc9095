"""Shadow prices in business words, worked out by hand on variants of data/tiny.yaml, and checked
against finite differences: inside its reported range a field's price is the change in total cost
per unit of the field; just outside it, the slope is different.

tiny, by hand: 1,000 repairs; the vendor costs 50 + 2 = 52 EUR per repair, does 93% right and takes
4 + 30 = 34 h; the service team costs 1.5 h x 5,200 / 140 h = 55.714 EUR per repair, does 98% right
and takes 6 + 2 = 8 h. With a vendor share v: quality 0.98 - 0.05 v >= Q, response 8 + 26 v <= T,
vendor units 1,000 v <= 800, cost 1,000 (55.714 - 3.714 v).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from conftest import APPLIANCE_FILE, TINY_FILE, scenario_data, scenario_from_data

from model.explain.sensitivity import COLUMNS, FIXED_BASIS, LP_BASIS, fixed_integer_lp, sensitivity_table
from model.lp import build
from model.network import index_sets
from model.optimise import optimise
from model.scenario import parse_yaml, validate_data
from model.solve import BASIS_STATUS, SolveOptions, Solver, solve

TEAM = 1.5 * 5200 / 140  # 55.714 EUR per repair in-house
VENDOR = 52.0
SAVING = TEAM - VENDOR  # 3.714 EUR per repair sent to the vendor instead

TINY = scenario_data(TINY_FILE)  # the base every variant below starts from


def variant(base: dict, **changes: object) -> dict:
    """A copy of `base` with fields set by path: variant(TINY, **{"nodes.vendor.capacity": 700});
    a value of None removes the field; list items by number ("arcs.1.capacity")."""
    data = copy.deepcopy(base)
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
        key = int(last) if isinstance(node, list) else last
        if value is None:
            node.pop(key, None)
        else:
            node[key] = value
    return data


def table_of(data: dict, integer_staff: bool = False):
    scenario = scenario_from_data(data)
    model = build(index_sets(scenario), integer_staff=integer_staff)
    solution = solve(model)
    assert solution.status == "optimal", solution.message
    return sensitivity_table(model, solution, scenario), model, solution


def total_cost(data: dict, integer_staff: bool | None = None) -> float:
    outcome = optimise(scenario_from_data(data), integer_staff=integer_staff)
    assert outcome.status == "optimal", outcome.message
    return outcome.objective


def row_of(table, field: str, period: str = "P1"):
    rows = table[(table.field == field) & (table.period == period)]
    assert len(rows) == 1, table[["field", "period", "sentence"]]
    return rows.iloc[0]


def slope(data: dict, path: str, a: float, b: float, integer_staff: bool | None = None) -> float:
    """d(total cost) / d(field) between field values a and b, by re-solving the scenario."""
    after = total_cost(variant(data, **{path: b}), integer_staff)
    before = total_cost(variant(data, **{path: a}), integer_staff)
    return (after - before) / (b - a)


def assert_price_is_the_slope(
    data: dict,
    path: str,
    row,
    step: float,
    outside: tuple[float, float],
    outside_slope: float,
    integer_staff: bool | None = None,
) -> None:
    """The reported price is the finite-difference slope for a step inside the reported range, and
    `outside` (two field values beyond the range) has the other, hand-worked slope."""
    per_field_unit = row.shadow_price / row.unit_step
    a, b = row.value, row.value + step
    if not row.valid_from - 1e-9 <= b <= row.valid_to + 1e-9:
        b = row.value - step
    assert row.valid_from - 1e-9 <= b <= row.valid_to + 1e-9
    assert slope(data, path, a, b, integer_staff) == pytest.approx(per_field_unit, rel=1e-6, abs=1e-6)
    low, high = outside
    above = row.valid_to - 1e-9 <= low < high
    below = low < high <= row.valid_from + 1e-9
    assert above or below, "both points must lie beyond the same end of the range"
    beyond = slope(data, path, low, high, integer_staff)
    assert beyond == pytest.approx(outside_slope, rel=1e-6, abs=1e-6)
    assert abs(beyond - per_field_unit) > 1e-3 * (1 + abs(per_field_unit))


def assert_reads_well(row, price_text: str, verb: str, holds: str) -> None:
    assert row.currency == "EUR" and row.unit.startswith("EUR per ")
    assert f"{verb} {price_text} EUR" in row.sentence
    assert f"({holds})." in row.sentence


# --- HiGHS's ranging as stored by model.solve ---------------------------------------------------------


def test_solution_carries_highs_ranging_in_the_rows_own_terms():
    _, model, solution = table_of(TINY)
    # Quality row: defects - (1 - 0.95) v <= 0 with v = 1,000: 50 defects allowed; each unit of
    # allowance (of the row's bound) saves 3.714 / 0.05.
    quality, ranging = solution.rows["quality_target"], solution.ranging["quality_target"]
    assert quality.upper[0] == 0.0 and quality.activity[0] == pytest.approx(0)
    assert quality.dual[0] == pytest.approx(-SAVING / 0.05)  # -74.2857 EUR per unit of right-hand side
    # Down to 20 defects (vendor share 0) and up to 20 + 0.05 x 615.4 (the response target caps the
    # vendor at 16/26 of the volume), each less the 50 allowed; the cost at either end moves by the dual.
    assert ranging.lower[0] == pytest.approx(20 - 50)
    assert ranging.upper[0] == pytest.approx(20 + 0.05 * 16 / 26 * 1000 - 50)
    assert ranging.cost_at_lower[0] == pytest.approx(solution.objective + 30 * SAVING / 0.05)
    assert ranging.cost_at_upper[0] == pytest.approx(solution.objective - (16 / 26 * 1000 - 600) * SAVING)
    assert BASIS_STATUS[ranging.status[0]] == "upper"
    # The vendor's capacity row is slack (600 of 800): dual 0 from its activity upwards.
    capacity = solution.ranging["node_capacity_limit"]
    assert (capacity.lower[0], capacity.upper[0]) == (pytest.approx(600), np.inf)
    assert BASIS_STATUS[capacity.status[0]] == "basic"
    # Cost ranging: the vendor's unit cost may rise from 50 to 53.714 (52 -> 55.714 with the hand-off)
    # before the team is as cheap; the cost there is 600 units dearer by 3.714 each.
    vendor = int(np.flatnonzero(model.sets.demand_modes.node.to_numpy() == "vendor")[0])
    costs = solution.column_ranging["y"]
    assert costs.cost_upper[vendor, 0] == pytest.approx(50 + SAVING)
    assert costs.cost_at_cost_upper[vendor, 0] == pytest.approx(solution.objective + 600 * SAVING)
    assert np.isnan(costs.bound_lower[vendor, 0])  # basic: no active bound to range
    assert solution.reduced_costs["y"][vendor, 0] == pytest.approx(0)


# --- each family against finite differences ---------------------------------------------------------


def test_quality_target_price_per_percentage_point():
    table, _, solution = table_of(TINY)
    row = row_of(table, "demands.repairs.min_quality")
    # rhs = (1 - Q) x 1,000: per unit of Q the dual x -1,000, per percentage point a hundredth of that.
    assert row.shadow_price == pytest.approx(-solution.rows["quality_target"].dual[0] * 1000 / 100)
    assert row.shadow_price == pytest.approx(SAVING / 0.05 * 1000 / 100)  # 742.86 EUR
    assert (row.unit, row.unit_step, row.value) == ("EUR per percentage point of quality", 0.01, 0.95)
    # From the response target's cap on the vendor (0.98 - 0.05 x 16/26) to no vendor at all (0.98).
    assert row.valid_from == pytest.approx(0.98 - 0.05 * 16 / 26) and row.valid_to == pytest.approx(0.98)
    assert row.family == "quality_target" and row.basis == LP_BASIS
    assert row.sentence == (
        "Raising repairs' minimum quality by 1 percentage point in P1 costs 742.86 EUR (holds from 94.92% to 98%)."
    )
    # Below 94.92% the response target binds instead and quality costs nothing more.
    assert_price_is_the_slope(TINY, "demands.repairs.min_quality", row, 0.005, (0.94, 0.945), 0.0)


def test_volume_price_is_the_marginal_cost_with_its_range():
    table, _, _ = table_of(TINY)
    row = row_of(table, "demands.repairs.volume")
    # Each extra repair goes 60% to the vendor, 40% to the team (the quality mix).
    assert row.shadow_price == pytest.approx(0.6 * VENDOR + 0.4 * TEAM)
    # Up to 800 / 0.6 repairs, where the vendor's capacity is full.
    assert (row.valid_from, row.valid_to) == (pytest.approx(0), pytest.approx(800 / 0.6))
    assert row.unit == "EUR per unit of volume" and row.family == "volume"
    assert_reads_well(row, "53.49", "costs", "holds from 0 to 1,333.33 units")
    # Beyond, the vendor is full and every extra repair is the team's.
    assert_price_is_the_slope(TINY, "demands.repairs.volume", row, 10, (1400, 1410), TEAM)


def test_volume_and_targets_are_priced_per_period():
    data = variant(TINY, **{"scenario.periods": 2, "demands.repairs.volume": [1000, 1200]})
    table, _, _ = table_of(data)
    # A volume per period: the field is that period's entry of the list.
    first, second = row_of(table, "demands.repairs.volume[0]", "P1"), row_of(table, "demands.repairs.volume[1]", "P2")
    assert first.shadow_price == pytest.approx(second.shadow_price) == pytest.approx(0.6 * VENDOR + 0.4 * TEAM)
    assert second.valid_to == pytest.approx(800 / 0.6)
    # The quality target's price grows with the period's volume.
    assert row_of(table, "demands.repairs.min_quality", "P2").shadow_price == pytest.approx(SAVING / 0.05 * 1200 / 100)
    cost = lambda volumes: total_cost(variant(data, **{"demands.repairs.volume": volumes}))  # noqa: E731
    assert (cost([1000, 1210]) - cost([1000, 1200])) / 10 == pytest.approx(second.shadow_price, rel=1e-6)


def test_response_time_target_price_per_hour():
    # With 94% quality the vendor could take 80%; the 24 h response target holds it to 16/26.
    data = variant(TINY, **{"demands.repairs.min_quality": 0.94})
    table, _, _ = table_of(data)
    row = row_of(table, "demands.repairs.max_mean_response_time")
    # Each hour more lets the vendor take 1,000 / 26 repairs more, each 3.714 EUR cheaper.
    assert row.shadow_price == pytest.approx(-SAVING * 1000 / 26)
    assert row.unit == "EUR per hour of response time"
    # From 8 h (all in-house) to 8 + 26 x 0.8 h (then quality and capacity cap the vendor at 80%).
    assert (row.valid_from, row.valid_to) == (pytest.approx(8), pytest.approx(8 + 26 * 0.8))
    assert row.sentence == (
        "Tightening repairs' response-time target by 1 hour in P1 costs 142.86 EUR (holds from 8 to 28.8 h)."
    )
    assert_price_is_the_slope(data, "demands.repairs.max_mean_response_time", row, 1.0, (30, 31), 0.0)


def test_node_capacity_price():
    # Without targets the vendor takes all it can: 800 of 1,000.
    data = variant(TINY, **{"demands.repairs.min_quality": None, "demands.repairs.max_mean_response_time": None})
    table, _, _ = table_of(data)
    row = row_of(table, "nodes.vendor.capacity")
    assert row.shadow_price == pytest.approx(-SAVING) and row.unit == "EUR per unit of capacity"
    assert (row.valid_from, row.valid_to) == (pytest.approx(0), pytest.approx(1000))
    assert row.sentence == (
        "One more unit of capacity at vendor in P1 would save 3.71 EUR (holds from 0 to 1,000 units)."
    )
    assert_price_is_the_slope(data, "nodes.vendor.capacity", row, 10, (1050, 1100), 0.0)


def test_arc_capacity_price():
    data = variant(
        TINY,
        **{"demands.repairs.min_quality": None, "demands.repairs.max_mean_response_time": None, "arcs.1.capacity": 700},
    )
    table, _, _ = table_of(data)
    row = row_of(table, "arcs[1].capacity")
    assert row.shadow_price == pytest.approx(-SAVING) and row.family == "arc_capacity_limit"
    # Up to 800, where the vendor's own capacity takes over (and is not binding now: no price).
    assert (row.valid_from, row.valid_to) == (pytest.approx(0), pytest.approx(800))
    assert "nodes.vendor.capacity" not in set(table.field)
    assert_reads_well(row, "3.71", "would save", "holds from 0 to 800 units")
    assert "hand-off call_centre -> vendor" in row.sentence
    assert_price_is_the_slope(data, "arcs.1.capacity", row, 10, (850, 900), 0.0)


def test_staff_max_is_priced_by_the_reduced_cost():
    # A dearer vendor (62 EUR): the team is used up to its 5 technicians (466.67 repairs).
    data = variant(
        TINY,
        **{
            "nodes.vendor.unit_cost": 60,
            "demands.repairs.min_quality": None,
            "nodes.service_team.staff": {"technician": {"max": 5}},
        },
    )
    table, _, solution = table_of(data)
    row = row_of(table, "nodes.service_team.staff.technician.max")
    # One more FTE: 5,200 EUR for 140 / 1.5 repairs that would cost 62 EUR each at the vendor.
    per_fte = 5200 - 140 / 1.5 * 62
    assert row.shadow_price == pytest.approx(per_fte) == pytest.approx(solution.reduced_costs["s"][0, 0])
    assert (row.family, row.unit, row.value) == ("staff_max", "EUR per FTE", 5)
    # Down to the staff the 24 h target needs (the vendor at most 16/26); up to the whole volume.
    assert row.valid_from == pytest.approx(1000 * (1 - 16 / 26) * 1.5 / 140)
    assert row.valid_to == pytest.approx(1000 * 1.5 / 140)
    assert row.sentence == (
        "One more technician FTE allowed at service_team in P1 would save 586.67 EUR (holds from 4.12 to 10.71 FTE)."
    )
    assert_price_is_the_slope(data, "nodes.service_team.staff.technician.max", row, 0.5, (11, 12), 0.0)


def test_staff_min_costs_what_the_idle_capacity_does():
    # No targets: the vendor is cheaper, yet 3 technicians must be kept.
    data = variant(
        TINY,
        **{
            "demands.repairs.min_quality": None,
            "demands.repairs.max_mean_response_time": None,
            "nodes.vendor.capacity": None,
            "nodes.service_team.staff": {"technician": {"min": 3}},
        },
    )
    table, _, _ = table_of(data)
    row = row_of(table, "nodes.service_team.staff.technician.min")
    assert row.shadow_price == pytest.approx(5200 - 140 / 1.5 * VENDOR)  # 346.67 EUR per FTE
    assert row.valid_to == pytest.approx(1000 * 1.5 / 140)
    assert_reads_well(row, "346.67", "costs", "holds from 0 to 10.71 FTE")
    # Beyond the whole volume, each required FTE is idle: its full cost.
    assert_price_is_the_slope(data, "nodes.service_team.staff.technician.min", row, 0.5, (11, 12), 5200)


def test_initial_staff_saves_the_hiring_cost():
    data = variant(
        TINY, **{"roles.technician.hire_cost": 1000, "nodes.service_team.staff": {"technician": {"initial": 2}}}
    )
    table, _, _ = table_of(data)
    row = row_of(table, "nodes.service_team.staff.technician.initial")
    assert row.shadow_price == pytest.approx(-1000)
    assert (row.valid_from, row.valid_to) == (pytest.approx(0), pytest.approx(400 * 1.5 / 140))
    assert "before P1 would save 1,000.00 EUR" in row.sentence
    assert_price_is_the_slope(data, "nodes.service_team.staff.technician.initial", row, 0.5, (5, 6), 0.0)


def test_initial_and_final_stock():
    plain = variant(
        TINY,
        **{
            "demands.repairs.min_quality": None,
            "demands.repairs.max_mean_response_time": None,
            "nodes.vendor.capacity": None,
        },
    )
    # 50 repairs in stock at the team before P1 each save a vendor repair; beyond the volume, nothing.
    data = variant(plain, **{"nodes.service_team.stock": {"initial": 50}})
    row = row_of(table_of(data)[0], "nodes.service_team.stock.initial")
    assert row.shadow_price == pytest.approx(-VENDOR)
    assert (row.valid_from, row.valid_to) == (pytest.approx(0), pytest.approx(1000))
    assert_price_is_the_slope(data, "nodes.service_team.stock.initial", row, 10, (1100, 1200), 0.0)
    # 10 repairs left in stock at the end are made in-house and held one period at 1 EUR.
    data = variant(plain, **{"nodes.service_team.stock": {"final_min": 10, "holding_cost": 1}})
    row = row_of(table_of(data)[0], "nodes.service_team.stock.final_min")
    assert row.shadow_price == pytest.approx(TEAM + 1)
    assert "at the end of P1 costs 56.71 EUR" in row.sentence
    assert (row.valid_from, row.valid_to) == (pytest.approx(0), np.inf)
    assert slope(data, "nodes.service_team.stock.final_min", 10, 20) == pytest.approx(TEAM + 1, rel=1e-6)


# --- MILP: the LP with integer staff fixed ------------------------------------------------------------


def test_milp_prices_come_from_the_lp_with_staff_fixed():
    # Whole technicians: quality needs 400 in-house repairs, 4.29 FTE, so 5 are paid (466.67 repairs),
    # and the vendor takes the other 533.33.
    scenario = scenario_from_data(TINY)
    model = build(index_sets(scenario), integer_staff=True)
    milp = solve(model)
    assert milp.solver["mip"] and milp.values["s"][0, 0] == pytest.approx(5)
    fixed = fixed_integer_lp(model, milp)
    assert fixed.status == "optimal" and not fixed.solver["mip"] and fixed.solver["fixed_integers"] == 1
    assert fixed.objective == pytest.approx(milp.objective) == pytest.approx(5 * 5200 + (1000 - 5 * 140 / 1.5) * VENDOR)
    assert fixed.values["s"][0, 0] == pytest.approx(5)  # the fixed value, not its lower bound
    # The model is left as it was: staff free and whole again.
    s = model.columns["s"][0, 0]
    assert model.integer[s] and model.numbers.col_lower[s] == 0 and model.numbers.col_upper[s] == np.inf

    table = sensitivity_table(model, fixed, scenario)
    assert set(table.basis) == {FIXED_BASIS}
    assert table.equals(sensitivity_table(model, milp, scenario))  # given the MILP, it fixes and re-solves
    row = row_of(table, "demands.repairs.volume")
    # The 5 technicians are paid anyway: one more repair is the vendor's, while quality allows
    # (0.07 (V - 466.67) + 0.02 x 466.67 <= 0.05 V) and until the team has nothing left to do.
    assert row.shadow_price == pytest.approx(VENDOR)
    assert (row.valid_from, row.valid_to) == (pytest.approx(5 * 140 / 1.5), pytest.approx(3500 / 3))
    assert slope(TINY, "demands.repairs.volume", 1000, 1010, integer_staff=True) == pytest.approx(VENDOR, rel=1e-6)
    # Below the range, with staff held at 5 (a scenario with min = max = 5), the team does it all.
    held = variant(TINY, **{"nodes.service_team.staff": {"technician": {"min": 5, "max": 5}}})
    assert slope(held, "demands.repairs.volume", 400, 410) == pytest.approx(0, abs=1e-6)
    assert row_of(table_of(held)[0], "demands.repairs.volume").shadow_price == pytest.approx(VENDOR)


# --- the table as a whole -------------------------------------------------------------------------------


def test_table_columns_order_and_sentences():
    table, _, _ = table_of(TINY)
    assert list(table.columns) == COLUMNS
    prices = table.shadow_price.abs().to_numpy()
    assert (np.diff(prices) <= 0).all()  # sorted by absolute price
    for row in table.itertuples():
        assert "EUR" in row.unit and "EUR" in row.sentence and f"{abs(row.shadow_price):,.2f} EUR" in row.sentence
        assert row.sentence.endswith(").")
    # Rows with a zero dual (the slack vendor capacity and response target) are not listed.
    assert set(table.family) == {"quality_target", "volume"}


def test_interior_point_with_crossover_gives_the_same_prices():
    scenario = scenario_from_data(TINY)
    model = build(index_sets(scenario))
    ipm = sensitivity_table(model, solve(model, SolveOptions(algorithm="ipm")), scenario)
    simplex = sensitivity_table(model, solve(model, SolveOptions(algorithm="simplex")), scenario)
    assert ipm.field.tolist() == simplex.field.tolist() and ipm.sentence.tolist() == simplex.sentence.tolist()
    np.testing.assert_allclose(
        ipm[["shadow_price", "valid_from", "valid_to"]].to_numpy(dtype=float),
        simplex[["shadow_price", "valid_from", "valid_to"]].to_numpy(dtype=float),
        rtol=1e-6,
    )


def test_no_duals_no_table():
    # 99% quality is beyond both modes: infeasible, no duals, an empty table with the same columns.
    bad = scenario_from_data(variant(TINY, **{"demands.repairs.min_quality": 0.99}))
    model = build(index_sets(bad))
    solution = solve(model)
    assert solution.status == "infeasible" and not solution.ranging
    table = sensitivity_table(model, solution, bad)
    assert table.empty and list(table.columns) == COLUMNS


# --- a realistic scenario ----------------------------------------------------------------------------


def test_volume_prices_match_finite_differences_on_the_example():
    data, source = parse_yaml(APPLIANCE_FILE.read_text(), "appliance-co.yaml")
    scenario = validate_data(data, source)
    model = build(index_sets(scenario))
    table = sensitivity_table(model, solve(model), scenario)
    assert {"volume", "quality_target", "response_time_target"} <= set(table.family)
    volumes = table[table.family == "volume"].head(8)
    base = total_cost(data)
    for row in volumes.itertuples():
        demand, t = row.field.split(".")[1], scenario.periods.index(row.period)
        assert row.field == f"demands.{demand}.volume[{t}]"
        step = min(10.0, (row.valid_to - row.valid_from) / 4)
        moved = row.value + step if row.value + step <= row.valid_to else row.value - step
        changed = copy.deepcopy(data)
        changed["demands"][demand]["volume"][t] = moved
        change = (total_cost(changed) - base) / (moved - row.value)
        assert change == pytest.approx(row.shadow_price, rel=1e-6), row.sentence


def test_the_ratio_test_on_several_rows_agrees_with_highs_ranging_row_by_row():
    # The several-row ratio test (Solver.bounds_range, on HiGHS's own basis solve), given one row at a
    # time, must give HiGHS's own right-hand-side ranging for that row: every priced row of the example.
    scenario = validate_data(*parse_yaml(APPLIANCE_FILE.read_text(), "appliance-co.yaml"))
    model = build(index_sets(scenario))
    solver = Solver()
    solver.load(model)
    solution = solver.solve()
    checked = 0
    for name, rows in solution.rows.items():
        ranging = solution.ranging[name]
        for i in np.flatnonzero((np.abs(rows.dual) > 1e-7) & (ranging.status != BASIS_STATUS.index("basic"))):
            rhs = rows.upper[i] if np.isfinite(rows.upper[i]) else rows.lower[i]
            direction = np.zeros(model.num_row)
            direction[model.blocks[name].at[i]] = 1.0
            low, high = solver.bounds_range(direction)
            assert rhs + low == pytest.approx(ranging.lower[i], rel=1e-6, abs=1e-6), (name, i)
            assert rhs + high == pytest.approx(ranging.upper[i], rel=1e-6, abs=1e-6), (name, i)
            checked += 1
    assert checked > 100


def test_the_volume_range_is_the_ratio_test_moving_its_four_rows_together():
    # The volume's range (HiGHS's ranging of the bound of its column v, fixed at V) is the range of the
    # four right-hand sides V enters moving together: the ratio test of the same LP with V on the
    # right (v's column moved to the bounds), worked out on HiGHS's basis solve.
    scenario = validate_data(*parse_yaml(APPLIANCE_FILE.read_text(), "appliance-co.yaml"))
    model = build(index_sets(scenario))
    solver = Solver()
    solver.load(model)
    solution = solver.solve()
    ranging, priced = solution.column_ranging["v"], np.abs(solution.reduced_costs["v"]) > 1e-7
    assert priced.sum() >= 10
    for d, t in zip(*np.nonzero(priced)):
        column = model.columns["v"][d, t]
        entries = slice(model.matrix.indptr[column], model.matrix.indptr[column + 1])
        direction = np.zeros(model.num_row)
        direction[model.matrix.indices[entries]] = -model.matrix.data[entries]  # v on the right-hand side
        low, high = solver.bounds_range(direction)
        volume = model.sets.volumes[d, t]
        assert volume + low == pytest.approx(ranging.bound_lower[d, t], rel=1e-6, abs=1e-6)
        assert volume + high == pytest.approx(ranging.bound_upper[d, t], rel=1e-6, abs=1e-6)


# --- targets priced by the units served, not the volume -----------------------------------------------


def central_slope(data: dict, path: str, value: float, step: float) -> float:
    """d(total cost) / d(field) at `value` by re-solves a step either side: (cost+ - cost-) / (2 step)."""
    above = total_cost(variant(data, **{path: value + step}))
    below = total_cost(variant(data, **{path: value - step}))
    return (above - below) / (2 * step)


def test_quality_price_with_unmet_units_scales_with_the_units_served():
    # 2,000 repairs, 54 EUR per repair left unmet. Served units S take the 60/40 mix the 95% target
    # allows (53.486 EUR, cheaper than 54) until the vendor's 800 are full, S = 800 / 0.6 = 1,333.33; each
    # repair beyond would be the team's at 55.714 > 54, so 666.67 are unmet. With Q the vendor's share
    # is r = (0.98 - Q) / 0.05 and S = 800 / r = 40 / (0.98 - Q): dS/dQ = 40 / 0.03^2, and each unit
    # served less costs 55.714 - 54 more. Per percentage point: (TEAM - 54) x 40 / 0.0009 / 100.
    data = variant(TINY, **{"demands.repairs.volume": 2000, "demands.repairs.unmet_penalty": 54})
    table, _, solution = table_of(data)
    row = row_of(table, "demands.repairs.min_quality")
    by_hand = (TEAM - 54) * 40 / 0.03**2 / 100  # 761.90 EUR per point
    assert row.shadow_price == pytest.approx(by_hand, rel=1e-9)
    # The volume would have priced it at 2,000 / 1,333.33 times that (1,142.86 EUR per point).
    dual = solution.rows["quality_target"].dual[0]
    assert -dual * 2000 / 100 == pytest.approx(by_hand * 1.5)
    # Re-solves: the cost is TEAM - 54 per unit of S = 40 / (0.98 - Q), curved, so the central difference
    # over +-h is the secant (TEAM - 54) x 40 (1 / (0.03 - h) - 1 / (0.03 + h)) / 2h, 1.1e-5 above the slope.
    h = 1e-4
    secant = (TEAM - 54) * 40 * (1 / (0.03 - h) - 1 / (0.03 + h)) / (2 * h) / 100
    assert central_slope(data, "demands.repairs.min_quality", 0.95, h) / 100 == pytest.approx(secant, rel=1e-7)
    assert secant == pytest.approx(by_hand, rel=2e-5)


def test_a_period_with_every_unit_unmet_prices_its_targets_at_zero():
    # At 53 EUR per unmet repair even the cheapest mix the targets allow (53.486 EUR) is dearer: nothing
    # is served, and a small change of either target changes nothing (serving pays only once the
    # quality target falls below 0.98 - 0.05 x (TEAM - 53) / SAVING = 94.35%).
    data = variant(TINY, **{"demands.repairs.unmet_penalty": 53})
    table, _, solution = table_of(data)
    assert solution.objective == pytest.approx(1000 * 53)
    assert not table.family.isin(["quality_target", "response_time_target"]).any(), table.sentence.tolist()
    assert central_slope(data, "demands.repairs.min_quality", 0.95, 1e-3) == pytest.approx(0, abs=1e-6)
    assert central_slope(data, "demands.repairs.max_mean_response_time", 24, 0.5) == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize("response_target", [300.0, 400.0])
def test_target_prices_with_backlog_sum_to_the_slope_of_re_solves(response_target: float):
    # Two months, 2,000 then 400 repairs, backlog at 1 EUR per repair (730 h of response time each).
    # January serves 1,333.33 with the vendor full and carries the rest to February at 1 EUR, cheaper
    # than the team's 55.714: January's units served are below its volume, February's above it (a
    # response target of 300 h holds the backlog down, 400 h does not). A target applies in both months:
    # the prices of its rows, summed, are d cost / d target, which re-solves a small step either side give.
    data = variant(
        TINY,
        **{
            "scenario.periods": 2,
            "demands.repairs.volume": [2000, 400],
            "demands.repairs.backlog_cost": 1,
            "demands.repairs.max_mean_response_time": response_target,
        },
    )
    # Where the units served move with the target the cost is curved in it (as 1 / (0.98 - Q) above), so
    # the central difference over +-1e-4 is a secant (h / 0.03)^2 ~ 1e-5 off the slope at most.
    table, _, _ = table_of(data)
    for field, value, step in (("min_quality", 0.95, 1e-4), ("max_mean_response_time", response_target, 1e-2)):
        rows = table[table.field == f"demands.repairs.{field}"]
        priced = float((rows.shadow_price / rows.unit_step).sum())
        assert priced == pytest.approx(central_slope(data, f"demands.repairs.{field}", value, step), rel=2e-5, abs=1e-6)
    # With 400 h the quality target binds in both months, each priced by its own units served:
    # February's row (1,066.67 served of a 400 volume) would have been left at 400 / 1,066.67 of its price.
    if response_target == 400.0:
        assert set(table[table.family == "quality_target"].period) == {"P1", "P2"}
