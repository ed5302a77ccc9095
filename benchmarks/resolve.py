"""Cold build + solve against a re-solve on the base's model, per what-if point.

    .venv/bin/python benchmarks/resolve.py                    # appliance-co and a ~100k-variable scenario
    .venv/bin/python benchmarks/resolve.py --size 22:3000:1 --points 5
    .venv/bin/python benchmarks/resolve.py --size 4:60:1 --points 2 --out /tmp/resolve.csv   # a quick check

The target (issue): re-solve per point >= 5x faster than a cold `optimise`, at 100k variables
(22:3000:1), over the first five points below (the ratio of the medians).

For each scenario: the base is solved once (a Resolver), then each what-if point (demand volumes
and wages changed by an override) is solved twice, in alternation: cold (`optimise`: index sets,
build, hand-off, HiGHS from scratch, checks, tables) and as a re-solve (`Resolver.solve`: index
sets, parameters updated, hand-off, HiGHS warm-started from the base's basis, checks, tables).
Both start from the point's validated scenario and skip the sensitivity table (a sweep's default;
`--sensitivity` gives it to both); applying the overrides and validating is the same for both and
reported on its own. Both answers must agree (relative 1e-7). Per point: seconds of each, HiGHS's own
seconds of each, the re-solve's simplex iterations and algorithm, and how its LP was made
(`Outcome.solver["lp"]`: "updated in place", or "rebuilt: <why>"). Prints medians per scenario and the
ratio cold / re-solve of the medians, and writes benchmarks/out/resolve.csv (or `--out`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.generate import Size, generate, write_scenario  # noqa: E402
from model.optimise import optimise  # noqa: E402
from model.resolver import Resolver  # noqa: E402
from model.scenario import parse_yaml, validate_data  # noqa: E402
from model.scenario.overrides import Override, apply_overrides  # noqa: E402

POINTS = [
    ("demands.*.volume", "*0.9"),
    ("demands.*.volume", "*1.1"),
    ("roles.*.cost_per_fte", "*1.05"),
    ("demands.*.volume", "*1.2"),
    ("roles.*.cost_per_fte", "*0.95"),
    ("demands.*.volume", "*0.8"),
    ("roles.*.cost_per_fte", "*1.1"),
]


def measure(name: str, text: str, points: int, sensitivity: bool = False) -> list[dict]:
    data, source = parse_yaml(text, name)
    start = time.perf_counter()
    resolver = Resolver(validate_data(data, source), sensitivity=sensitivity)
    base_seconds = time.perf_counter() - start
    print(f"{name}: {resolver.base_outcome.solver.get('columns', 0):,} variables, base solved in {base_seconds:.2f} s")
    rows = []
    for path, value in POINTS[:points]:
        start = time.perf_counter()
        varied, _ = apply_overrides(data, [Override(path, value, "benchmark")])
        scenario = validate_data(varied, source)
        prepare = time.perf_counter() - start
        start = time.perf_counter()
        cold = optimise(scenario, sensitivity=sensitivity)
        cold_seconds = time.perf_counter() - start
        start = time.perf_counter()
        warm = resolver.solve(scenario)
        warm_seconds = time.perf_counter() - start
        agree = abs(warm.objective - cold.objective) <= 1e-7 * max(1.0, abs(cold.objective))
        rows.append(
            {
                "scenario": name,
                "variables": cold.solver.get("columns"),
                "point": f"{path}={value}",
                "apply_and_validate_s": prepare,
                "cold_s": cold_seconds,
                "re_solve_s": warm_seconds,
                "cold_highs_s": cold.timings["solve"],
                "re_solve_highs_s": warm.timings["solve"],
                "cold_algorithm": cold.solver.get("algorithm"),
                "re_solve_iterations": warm.solver["simplex_iterations"],
                "re_solve_algorithm": warm.solver.get("algorithm"),
                "re_solve_lp": warm.solver.get("lp"),
                "re_solve": warm.solver["re_solve"],
                "sensitivity": sensitivity,
                "objectives_agree": agree,
            }
        )
        print(
            f"  {path}={value}: cold {cold_seconds:.2f} s, re-solve {warm_seconds:.2f} s "
            f"(HiGHS {warm.timings['solve']:.2f} s, {warm.solver['simplex_iterations']} iterations, "
            f"{warm.solver.get('algorithm')}; LP {warm.solver.get('lp')}), agree: {agree}"
        )
        if not agree:
            raise SystemExit(f"re-solve {warm.objective} differs from cold {cold.objective}")
    return rows


def summarise(frame: pd.DataFrame) -> None:
    print("\nmedians per scenario (seconds per point)")
    for name, group in frame.groupby("scenario", sort=False):
        cold, warm = statistics.median(group.cold_s), statistics.median(group.re_solve_s)
        print(
            f"  {name}: {int(group.variables.iloc[0]):,} variables, cold {cold:.3f} s, re-solve {warm:.3f} s, "
            f"ratio {cold / warm:.1f}x (target >= 5x at 100k variables); "
            f"apply+validate {statistics.median(group.apply_and_validate_s):.3f} s; "
            f"HiGHS cold {statistics.median(group.cold_highs_s):.3f} s vs warm "
            f"{statistics.median(group.re_solve_highs_s):.3f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="22:3000:1", help="generated scenario nodes_per_stage:demands:periods")
    parser.add_argument("--points", type=int, default=5, help="what-if points per scenario (at most 7)")
    parser.add_argument("--sensitivity", action="store_true", help="both with the sensitivity table")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "resolve.csv", help="CSV to write")
    args = parser.parse_args()
    rows = measure("appliance-co", (ROOT / "data" / "appliance-co.yaml").read_text(), args.points, args.sensitivity)
    nodes, demands, periods = (int(x) for x in args.size.split(":"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "generated.yaml"
        write_scenario(generate(Size(nodes, demands, periods, seed=1)), path)
        rows += measure(f"generated {args.size}", path.read_text(), args.points, args.sensitivity)
    frame = pd.DataFrame(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False)
    summarise(frame)
    print(f"\nwritten: {args.out}")


if __name__ == "__main__":
    main()
