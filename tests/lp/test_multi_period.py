"""A three-period case with hiring, layoffs, overtime, stock and backlog together.

The expected optimum comes from a second formulation written here from model.md's maths with
scipy.optimize.linprog (explicit variables for this one network, none of the project's LP code), and
the hand calculation below explains it. Where the optimum is not unique, decisions are checked
against their range over the optimal face (min and max of the variable with the cost held at the
optimum), computed with the same independent formulation.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import flow, kpi, solve_text, staff, units
from scipy.optimize import linprog

PERIODS = ["P1", "P2", "P3"]

# Role tech: 1000 per FTE-period, 100 h per FTE, 1 h per unit (10 per unit on regular hours), overtime up
# to 20 h per FTE at 12 per hour, hire 200, layoff 100; 4 FTE before P1, at most 5.
# Plant: storable (holding 1 per unit-period), starts empty, must end with 10 in stock.
# Vendor: 40 per unit, any amount. Demand 400, 900, 200; backlog 6 per unit-period, none left at the end.
CASE = {
    "cost_per_fte": 1000.0,
    "hours_per_fte": 100.0,
    "hours_per_unit": 1.0,
    "overtime_max": 20.0,
    "overtime_cost": 12.0,
    "hire_cost": 200.0,
    "layoff_cost": 100.0,
    "staff_initial": 4.0,
    "staff_max": 5.0,
    "holding_cost": 1.0,
    "stock_initial": 0.0,
    "stock_final": 10.0,
    "vendor_cost": 40.0,
    "backlog_cost": 6.0,
    "volume": [400.0, 900.0, 200.0],
}

YAML = """
scenario: {name: three-periods, currency: EUR, time_unit: hour, period_length: 100, periods: 3}
stages: [market, make]
roles:
  tech: {cost_per_fte: 1000, hours_per_fte: 100, hire_cost: 200, layoff_cost: 100,
         overtime: {max_hours_per_fte: 20, cost_per_hour: 12}}
nodes:
  src: {stage: market}
  plant:
    stage: make
    work: {tech: {hours_per_unit: 1}}
    staff: {tech: {max: 5, initial: 4}}
    stock: {holding_cost: 1, initial: 0, final_min: 10}
  vendor: {stage: make, unit_cost: 40}
arcs:
  - {from: src, to: plant}
  - {from: src, to: vendor}
demands:
  d: {origin: src, sinks: [plant, vendor], volume: [400, 900, 200], backlog_cost: 6}
"""


class SmallLP:
    """Named variables and rows for scipy's linprog."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.cost: list[float] = []
        self.bounds: list[tuple] = []
        self.eq: list[tuple[dict, float]] = []
        self.le: list[tuple[dict, float]] = []

    def var(self, name: str, cost: float = 0.0, lo: float = 0.0, hi: float | None = None) -> str:
        self.names.append(name)
        self.cost.append(cost)
        self.bounds.append((lo, hi))
        return name

    def matrix(self, rows: list[tuple[dict, float]]) -> tuple:
        if not rows:
            return None, None
        index = {n: i for i, n in enumerate(self.names)}
        a = np.zeros((len(rows), len(self.names)))
        for r, (terms, _) in enumerate(rows):
            for name, coef in terms.items():
                a[r, index[name]] += coef
        return a, np.array([rhs for _, rhs in rows])

    def solve(self, cost: list[float] | None = None, extra_le: list[tuple[dict, float]] = ()) -> object:
        a_eq, b_eq = self.matrix(self.eq)
        a_ub, b_ub = self.matrix(self.le + list(extra_le))
        result = linprog(
            cost if cost is not None else self.cost,
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=a_eq,
            b_eq=b_eq,
            bounds=self.bounds,
            method="highs",
        )
        assert result.status == 0, result.message
        return result

    def value(self, result, name: str) -> float:
        return float(result.x[self.names.index(name)])

    def range_on_optimal_face(self, name: str, optimum: float) -> tuple[float, float]:
        """min and max of a variable over all solutions costing at most the optimum (+ a hair)."""
        hold = [(dict(zip(self.names, self.cost)), optimum * (1 + 1e-9) + 1e-7)]
        unit = [1.0 if n == name else 0.0 for n in self.names]
        low = self.solve(cost=unit, extra_le=hold).fun
        high = -self.solve(cost=[-c for c in unit], extra_le=hold).fun
        return low, high


def independent_lp(c: dict) -> SmallLP:
    """model.md's constraints 1-8 and objective for src -> {plant (staffed, storable), vendor}, 3 periods.

    served_t = V_t + b_{t-1} - b_t (no unmet allowance); theta at src = served_t.
    """
    lp = SmallLP()
    T = len(c["volume"])
    for t in range(T):
        p = PERIODS[t]
        lp.var(f"x_plant{p}")  # x[d, src->plant, t]
        lp.var(f"x_vendor{p}", cost=0.0)  # arcs cost 0
        lp.var(f"y_src{p}")  # the origin's own mode: unit cost 0
        lp.var(f"y_plant{p}")  # plant, mode tech
        lp.var(f"y_vendor{p}", cost=c["vendor_cost"])
        lp.var(f"z_plant{p}")
        lp.var(f"z_vendor{p}")
        lp.var(f"s{p}", cost=c["cost_per_fte"], hi=c["staff_max"])
        lp.var(f"o{p}", cost=c["overtime_cost"])
        lp.var(f"hire{p}", cost=c["hire_cost"])
        lp.var(f"fire{p}", cost=c["layoff_cost"])
        lp.var(f"k{p}", cost=c["holding_cost"])
        lp.var(f"b{p}", cost=c["backlog_cost"], hi=0.0 if t == T - 1 else None)  # 8: final_backlog 0
    for t in range(T):
        p, q = PERIODS[t], PERIODS[t - 1] if t else None
        V = c["volume"][t]
        # served = V + b_prev - b; moved: (b - b_prev) terms on the left, V on the right
        served = {f"b{p}": -1.0, **({f"b{q}": 1.0} if q else {})}
        # 1. pass-through: src: served = x_plant + x_vendor; plant: x_plant = z_plant; vendor: x_vendor = z_vendor
        lp.eq.append(({**{k: -v for k, v in served.items()}, f"x_plant{p}": 1, f"x_vendor{p}": 1}, V))
        lp.eq.append(({f"x_plant{p}": 1, f"z_plant{p}": -1}, 0.0))
        lp.eq.append(({f"x_vendor{p}": 1, f"z_vendor{p}": -1}, 0.0))
        # 2. work: src y = served; vendor y = x; plant (storable): y + k_prev = x + k, k_0 = initial
        lp.eq.append(({f"y_src{p}": 1, **{k: -v for k, v in served.items()}}, V))
        lp.eq.append(({f"y_vendor{p}": 1, f"x_vendor{p}": -1}, 0.0))
        if q:
            lp.eq.append(({f"y_plant{p}": 1, f"k{q}": 1, f"x_plant{p}": -1, f"k{p}": -1}, 0.0))
        else:
            lp.eq.append(({f"y_plant{p}": 1, f"x_plant{p}": -1, f"k{p}": -1}, -c["stock_initial"]))
        # 3. labour: h y <= rho (H s + o), rho = 1; o <= OT s
        lp.le.append(({f"y_plant{p}": c["hours_per_unit"], f"s{p}": -c["hours_per_fte"], f"o{p}": -1}, 0.0))
        lp.le.append(({f"o{p}": 1, f"s{p}": -c["overtime_max"]}, 0.0))
        # 4. staff: s = s_prev + hire - fire, s_0 = initial
        if q:
            lp.eq.append(({f"s{p}": 1, f"s{q}": -1, f"hire{p}": -1, f"fire{p}": 1}, 0.0))
        else:
            lp.eq.append(({f"s{p}": 1, f"hire{p}": -1, f"fire{p}": 1}, c["staff_initial"]))
    # 8. k_last >= final_min
    lp.le.append(({f"k{PERIODS[-1]}": -1}, -c["stock_final"]))
    return lp


@pytest.fixture(scope="module")
def reference():
    lp = independent_lp(CASE)
    result = lp.solve()
    return lp, result


@pytest.fixture(scope="module")
def outcome():
    return solve_text(YAML)


def test_independent_formulation_agrees_with_the_hand_calculation(reference):
    # Hand calculation. 4 FTE cover P1's 400 units exactly; P2's 900 are far above what the staff
    # maximum makes in a period (5 FTE: 500 h + 100 h overtime = 600). A P2 unit beyond that costs:
    #   made in P1 on a 5th FTE's regular hours and stocked: 10 + 1 = 11 (the hire, 200, is needed for P2
    #     anyway; hiring in P1 instead of P2 costs the same), 100 units;
    #   made in P1 on overtime (20 h * 5 FTE) and stocked: 12 + 1 = 13, 100 units;
    #   made in P2 on overtime: 12 (all 100 h used);
    #   backlogged to P3: 6 + 10 - 1 = 15 (0.01 FTE more in P3 at 1000, 0.01 fewer laid off at 100);
    #   the vendor: 40.
    # So P1: s = 5 (hire 1), overtime 100, make 600, stock 200. P2: s = 5, overtime 100, make 600,
    # 600 + 200 from stock = 800 served, 100 backlogged. P3: serve 200 + 100, make 310 (10 for the final
    # stock) on regular hours (overtime 12 > 10 - 1 per h): s = 3.1, 1.9 laid off.
    # Labour 5000 + 5000 + 3100, overtime 1200 + 1200, hiring 200, layoffs 190, holding 200 + 0 + 10,
    # backlog 600:  16700.
    # The independent linprog formulation finds the same, and each decision is unique on its optimal face.
    lp, result = reference
    assert result.fun == pytest.approx(16700, rel=1e-9)
    expected = {
        "sP1": 5,
        "hireP1": 1,
        "oP1": 100,
        "y_plantP1": 600,
        "kP1": 200,
        "sP2": 5,
        "hireP2": 0,
        "oP2": 100,
        "y_plantP2": 600,
        "kP2": 0,
        "bP1": 0,
        "bP2": 100,
        "sP3": 3.1,
        "fireP3": 1.9,
        "oP3": 0,
        "y_plantP3": 310,
        "kP3": 10,
        "y_vendorP1": 0,
        "y_vendorP2": 0,
        "y_vendorP3": 0,
    }
    for name, wanted in expected.items():
        low, high = lp.range_on_optimal_face(name, result.fun)
        assert low == pytest.approx(wanted, abs=1e-4) and high == pytest.approx(wanted, abs=1e-4), (
            f"{name}: [{low}, {high}] on the optimal face, expected {wanted}"
        )


def test_three_periods_objective(outcome, reference):
    _, result = reference
    assert outcome.objective == pytest.approx(result.fun, rel=1e-6)
    assert outcome.objective == pytest.approx(16700, rel=1e-6)


def test_three_periods_decisions(outcome):
    # The decisions of the hand calculation (each unique on the optimal face, see above).
    a = pytest.approx
    assert [staff(outcome, "fte", "plant", "tech", p) for p in PERIODS] == [a(5), a(5), a(3.1)]
    assert [staff(outcome, "hires", "plant", "tech", p) for p in PERIODS] == [a(1), a(0), a(0)]
    assert [staff(outcome, "layoffs", "plant", "tech", p) for p in PERIODS] == [a(0), a(0), a(1.9)]
    assert [staff(outcome, "overtime_hours", "plant", "tech", p) for p in PERIODS] == [a(100), a(100), a(0)]
    assert [units(outcome, "plant", p) for p in PERIODS] == [a(600), a(600), a(310)]
    assert [flow(outcome, "src", "plant", p) for p in PERIODS] == [a(400), a(800), a(300)]
    assert [kpi(outcome, "backlog", "d", p) for p in PERIODS] == [a(0), a(100), a(0)]
    assert [kpi(outcome, "served", "d", p) for p in PERIODS] == [a(400), a(800), a(300)]
    assert [flow(outcome, "src", "vendor", p) for p in PERIODS] == [a(0)] * 3
    costs = outcome.tables["costs"]
    holding = {p: costs[(costs.category == "holding") & (costs.period == p)].amount.sum() for p in PERIODS}
    assert holding == {"P1": a(200), "P2": a(0), "P3": a(10)}  # k = 200, 0, 10 at 1 per unit
    by_category = costs.groupby("category").amount.sum()
    assert by_category.to_dict() == a(
        {"labour": 13100, "overtime": 2400, "hiring": 200, "layoffs": 190, "holding": 210, "backlog": 600}
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"vendor_cost": 14.0},  # the vendor undercuts backlogging (15) and P1 overtime stock (13 < 14: kept)
        {"staff_max": 7.0, "hire_cost": 900.0},  # hiring dearer than idle capacity is worth
        {"holding_cost": 5.0},  # stock dearer than backlog
        {"staff_initial": 6.0, "staff_max": 6.0},  # layoffs early, then rehire or not
    ],
    ids=["cheap_vendor", "dear_hiring", "dear_holding", "overstaffed"],
)
def test_variants_match_the_independent_formulation(changes):
    # The same network with other figures: the model and the independent linprog formulation agree.
    case = {**CASE, **changes}
    text = YAML
    if "vendor_cost" in changes:
        text = text.replace("unit_cost: 40", f"unit_cost: {changes['vendor_cost']:g}")
    if "staff_max" in changes:
        text = text.replace("max: 5,", f"max: {changes['staff_max']:g},")
    if "staff_initial" in changes:
        text = text.replace("initial: 4}", f"initial: {changes['staff_initial']:g}}}")
    if "hire_cost" in changes:
        text = text.replace("hire_cost: 200", f"hire_cost: {changes['hire_cost']:g}")
    if "holding_cost" in changes:
        text = text.replace("holding_cost: 1,", f"holding_cost: {changes['holding_cost']:g},")
    assert text.count("\n") == YAML.count("\n") and text != YAML
    out = solve_text(text)
    expected = independent_lp(case).solve().fun
    assert expected != pytest.approx(16700, rel=1e-6)  # the variant really changes the optimum
    assert out.objective == pytest.approx(expected, rel=1e-6)
