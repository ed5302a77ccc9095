"""Front end against solver: seconds per phase on generated scenarios, medians over repeats.

    .venv/bin/python benchmarks/build_vs_solve.py                 # ~10k and ~100k variables, 3 repeats
    .venv/bin/python benchmarks/build_vs_solve.py --sizes 20:2500:1 --repeats 5

Each size is nodes-per-stage:demands:periods for `e2eopt generate`. Prints one line per size and
writes benchmarks/out/build_vs_solve.csv. The ratio that matters: (build + handoff) / HiGHS solve.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from model.generate import Size, generate, write_scenario
from model.optimise import optimise
from model.scenario import load_scenario

DEFAULT_SIZES = ["6:250:1", "20:2500:1"]


def measure(size: Size, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scenario.yaml"
        write_scenario(generate(size), path)
        start = time.perf_counter()
        scenario = load_scenario(path)
        load = time.perf_counter() - start
    runs = []
    for _ in range(repeats):
        outcome = optimise(scenario)
        assert outcome.status == "optimal", outcome.message
        t = outcome.timings
        runs.append(
            {
                "index_sets": t["index_sets"],
                "build": t["build"],
                "handoff": t["handoff_compile"] + t["handoff_pass"],
                "solve": t["solve"],
                "check+tables": t.get("check", 0) + t.get("tables", 0) + t.get("extract", 0),
            }
        )
    median = {phase: statistics.median(r[phase] for r in runs) for phase in runs[0]}
    ratios = [(r["build"] + r["handoff"]) / r["solve"] for r in runs]
    return {
        "size": f"{size.nodes_per_stage}:{size.demands}:{size.periods}",
        "variables": outcome.solver["columns"],
        "constraints": outcome.solver["rows"],
        "nonzeros": outcome.solver["nonzeros"],
        "algorithm": outcome.solver["algorithm"],
        "load": load,
        **median,
        "front_over_solve": statistics.median(ratios),
        "repeats": repeats,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=DEFAULT_SIZES)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = []
    print(
        f"{'size':>12} {'vars':>9} {'rows':>8} {'load s':>7} {'index s':>8} {'build s':>8} {'handoff s':>9} "
        f"{'solve s':>8} {'(build+handoff)/solve':>22}"
    )
    for text in args.sizes:
        n, d, t = (int(x) for x in text.split(":"))
        row = measure(Size(n, d, t, seed=0), args.repeats)
        rows.append(row)
        print(
            f"{row['size']:>12} {row['variables']:>9,} {row['constraints']:>8,} {row['load']:>7.2f} "
            f"{row['index_sets']:>8.3f} {row['build']:>8.3f} {row['handoff']:>9.3f} {row['solve']:>8.3f} "
            f"{row['front_over_solve']:>22.2f}"
        )
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    pd.DataFrame(rows).to_csv(out / "build_vs_solve.csv", index=False)
    print(f"medians of {args.repeats} runs each; written to {out / 'build_vs_solve.csv'}")


if __name__ == "__main__":
    main()
