"""What issue 17's intervals and shifts cost a user: `e2eopt solve` on a contact-centre network planned
by the half-hour over a week, beside the same network planned by the month.

A generated scenario of realistic size (`build`): 5 sites, each a queued desk (Erlang C at odd
sites, Erlang A with 3 minutes' patience and at most 5 % abandoned at even ones; 80 % of calls
answered within 20 s), 4 call demands (260,000 calls a month) from one market node routed across
the 5 sites (arcs with a telephony cost, each taking at most 30 % of the calls), one period (a
month). Two variants of it:

  intervals   48 half-hours x 7 days (336 intervals, weight 4.33 weeks a month); each demand's month
              spread by a day profile times a time-of-day profile; each site's agents staffed by 10
              shift patterns (early, day, late, two nights x weekdays, weekend), shrinkage 30 %, whole
              agents per interval
  integer     the intervals variant with `--integer-staff` (whole heads on every pattern: a MILP)
  period      the same sites, roles, demands and targets without intervals: period volumes, queues
              open 24 h x 7 d (727.44 h a month) with a peak factor of 1.5, agents as FTE (no shifts,
              so no shrinkage either: it applies to rostered time)

For each: the median over REPEATS runs of the wall time (process start to exit, the CLI with its
defaults: loading, the LP and its tangent iterations, HiGHS, the check, tables, sensitivity and the
run folder) beside HiGHS's own time (summary.json `timings_s.solve`), the LP's columns, rows and
nonzeros, the status and objective, and each one's ratio to the period variant. Print only; run on
a quiet machine (2 cores):

    .venv/bin/python benchmarks/intervals.py [SITES]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import yaml
from cli_runs import median_solve

REPEATS = 3
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
WEEKDAYS, WEEKEND = DAYS[:5], DAYS[5:]
WEIGHT = 4.33
CAPACITY = 78000  # calls a month per site, 30 % of the 260,000
DAY_PROFILE = [1.2, 1.1, 1.05, 1.0, 1.0, 0.7, 0.5]
# 48 half-hours from 00:00: quiet at night, a morning peak at 10:00-11:00, a second after lunch.
TIME_PROFILE = [0.1] * 14 + [0.3, 0.5, 0.8, 1.1, 1.4, 1.6, 1.7, 1.7, 1.5, 1.3, 1.2, 1.3,
                             1.4, 1.4, 1.3, 1.2, 1.1, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4,
                             0.3, 0.25, 0.2, 0.15] + [0.1] * 6  # fmt: skip
SHIFTS = {  # name: start, breaks (each 8.5 h with a half-hour break)
    "early": ("06:00", ["10:00"]),
    "day": ("10:00", ["14:00"]),
    "late": ("14:00", ["18:00"]),
    "night_a": ("22:00", ["02:00"]),
    "night_b": ("22:00", ["03:00"]),  # two break times: no half-hour with nobody on
}


def build(sites: int, intervals: bool) -> dict:
    """The scenario as a YAML document: with half-hour intervals and shifts, or by the month."""
    nodes: dict = {"market": {"stage": "market"}}
    roles: dict = {}
    for k in range(1, sites + 1):
        role = f"agent_{k}"
        roles[role] = {"cost_per_fte": 3000 + 150 * k, "hours_per_fte": 160, "shrinkage": 0.3}
        target: dict = {"service_level": 0.8, "within": 0.3333333333333333}
        queue: dict = {"model": "erlang_c" if k % 2 else "erlang_a", "target": target}
        if k % 2 == 0:
            queue["patience"] = 3
            target["max_abandoned"] = 0.05
        work: dict = {"hours_per_unit": 0.08 + 0.005 * k}
        if intervals:
            work["shifts"] = {
                f"{name}_{label}": {"start": start, "hours": 8.5, "breaks": breaks, "days": days}
                for name, (start, breaks) in SHIFTS.items()
                for label, days in (("weekdays", WEEKDAYS), ("weekend", WEEKEND))
            }
        else:
            queue.update({"open_hours": round(7 * 24 * WEIGHT, 2), "peak_factor": 1.5})
        nodes[f"site_{k}"] = {"stage": "contact", "work": {role: work}, "queue": queue}
    demands = {}
    for j in range(1, 5):
        demand: dict = {
            "origin": "market",
            "sinks": [f"site_{k}" for k in range(1, sites + 1)],
            "volume": 40000 + 10000 * j,
            "unmet_penalty": 100,
        }
        if intervals:
            demand["profile"] = {"days": DAY_PROFILE, "times": TIME_PROFILE}
        demands[f"calls_{j}"] = demand
    data: dict = {
        "scenario": {"name": f"intervals-{'week' if intervals else 'period'}", "currency": "EUR",
                     "time_unit": "minute", "period_length": 43800},
        "stages": ["market", "contact"],
        "roles": roles,
        "nodes": nodes,
        "arcs": [  # each site takes at most 30 % of the calls: the routing spreads them
            {"from": "market", "to": f"site_{k}", "cost": 0.05 * k, "capacity": CAPACITY}
            for k in range(1, sites + 1)
        ],
        "demands": demands,
    }  # fmt: skip
    if intervals:
        data["intervals"] = {"days": DAYS, "times": {"from": "00:00", "to": "00:00", "minutes": 30}, "weight": WEIGHT}
    return data


VARIANTS = [("period", False, []), ("intervals", True, []), ("integer", True, ["--integer-staff"])]
"""Name, whether by the half-hour, extra options of `e2eopt solve`."""


def main() -> None:
    sites = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    print(f"{sites} sites x 4 demands, one period; e2eopt solve FILE -q [OPTIONS], median of {REPEATS} runs")
    print(
        f"{'variant':<10} {'status':<8} {'columns':>8} {'rows':>8} {'nonzeros':>9} {'iter':>4} "
        f"{'wall s':>7} {'HiGHS s':>8} {'wall/period':>11} {'HiGHS/period':>12}  objective"
    )
    rows = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, intervals, options in VARIANTS:
            path = Path(folder) / f"{'intervals' if intervals else 'period'}.yaml"
            path.write_text(yaml.safe_dump(build(sites, intervals), sort_keys=False))
            row = rows[name] = median_solve(path, REPEATS, options)
            base = rows["period"]
            gap = "" if row["mip_gap"] is None else f" (MIP gap {row['mip_gap']:.2%})"
            print(
                f"{name:<10} {row['status']:<8} {row['columns']:>8,} {row['rows']:>8,} {row['nonzeros']:>9,} "
                f"{row['iterations'] or '-':>4} {row['wall_s']:>7.2f} {row['highs_s']:>8.3f} "
                f"{row['wall_s'] / base['wall_s']:>11.2f} {row['highs_s'] / max(base['highs_s'], 1e-9):>12.2f}"
                f"  {row['objective']:,.2f} EUR{gap}"
            )


if __name__ == "__main__":
    main()
