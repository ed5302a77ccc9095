"""CSV writing of a run's result tables: pandas' `to_csv` against `model.table_io.write_csv`.

    .venv/bin/python benchmarks/table_io.py                      # a generated ~100k-variable scenario
    .venv/bin/python benchmarks/table_io.py --size 22:3000:1 --repeats 5
    .venv/bin/python benchmarks/table_io.py --scenario data/appliance-co.yaml
    .venv/bin/python benchmarks/table_io.py --size 4:60:1 --repeats 1 --rows 2000 --out /tmp/table_io.csv   # quick

The scenario (by default `e2eopt generate --nodes-per-stage 22 --demands 3000 --periods 1 --seed 1`)
is solved once; then all its result tables are written to CSV by each writer in turn, alternating,
`--repeats` times. Prints per table the median seconds of each writer, then the median over the
repeats of the time to write all tables, and their ratio. Then the same for one synthetic table of
`--rows` rows (default 100,000) of mixed float, string and bool columns. Every file is checked to be
byte-identical to pandas' before anything is timed. Writes benchmarks/out/table_io.csv (or `--out`): per
table and in total, rows, columns, the median seconds of each writer and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.generate import Size, generate, write_scenario  # noqa: E402
from model.optimise import optimise  # noqa: E402
from model.scenario import load_scenario  # noqa: E402
from model.table_io import write_csv  # noqa: E402

Writer = Callable[[pd.DataFrame, Path], None]


def pandas_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False)


WRITERS: dict[str, Writer] = {"pandas": pandas_csv, "write_csv": write_csv}


def result_tables(scenario: Path | None, size: str, seed: int) -> dict[str, pd.DataFrame]:
    if scenario is None:
        nodes, demands, periods = (int(part) for part in size.split(":"))
        with tempfile.TemporaryDirectory() as folder:
            scenario = Path(folder) / "scenario.yaml"
            write_scenario(generate(Size(nodes, demands, periods, seed)), scenario)
            loaded = load_scenario(scenario)
    else:
        loaded = load_scenario(scenario)
    outcome = optimise(loaded)
    assert outcome.status == "optimal", outcome.message
    print(f"{loaded.name}: {outcome.solver.get('columns', 0):,} variables, {len(outcome.tables)} tables")
    return outcome.tables


def mixed_table(rows: int, seed: int) -> pd.DataFrame:
    """Result-table-like columns: ids, a label with commas, costs (zeros, whole, fractional, NaN), a flag."""
    rng = np.random.default_rng(seed)
    cost = np.round(rng.lognormal(3, 2, rows), 2)
    cost[rng.random(rows) < 0.3] = 0.0
    cost[rng.random(rows) < 0.01] = np.nan
    return pd.DataFrame(
        {
            "period": pd.Series(rng.choice(["P1", "P2", "P3"], rows), dtype="str"),
            "demand": pd.Series([f"custom_{i:05d}" for i in rng.integers(0, 3000, rows)], dtype="str"),
            "constraint": pd.Series([f"flow[d={i},n={i % 97}]" for i in range(rows)], dtype="str"),
            "units": rng.integers(0, 1000, rows).astype(float),
            "cost": cost,
            "share": rng.random(rows),
            "dual": -rng.exponential(1e-3, rows),
            "binding": rng.random(rows) < 0.5,
        }
    )


def check_identical(tables: dict[str, pd.DataFrame], folder: Path) -> None:
    for name, frame in tables.items():
        expected, actual = folder / f"{name}.pandas.csv", folder / f"{name}.csv"
        pandas_csv(frame, expected)
        write_csv(frame, actual)
        assert expected.read_bytes() == actual.read_bytes(), f"{name}: write_csv differs from pandas"


def time_writer(writer: Writer, tables: dict[str, pd.DataFrame], folder: Path) -> dict[str, float]:
    seconds = {}
    for name, frame in tables.items():
        start = time.perf_counter()
        writer(frame, folder / f"{name}.csv")
        seconds[name] = time.perf_counter() - start
    return seconds


def measure(tables: dict[str, pd.DataFrame], repeats: int) -> dict[str, list[dict[str, float]]]:
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in WRITERS}
    with tempfile.TemporaryDirectory() as folder:
        check_identical(tables, Path(folder))
        for _ in range(repeats):  # alternating, so drift in the machine's load hits both alike
            for name, writer in WRITERS.items():
                runs[name].append(time_writer(writer, tables, Path(folder)))
    return runs


def report(tables: dict[str, pd.DataFrame], runs: dict[str, list[dict[str, float]]], source: str) -> list[dict]:
    """Print per table and in total the median seconds of each writer; the same as rows for the CSV."""
    rows = []
    print(f"{'table':<24}{'rows':>9}{'cols':>6}{'pandas s':>11}{'write_csv s':>13}{'ratio':>8}")
    for table, frame in tables.items():
        old = statistics.median(run[table] for run in runs["pandas"])
        new = statistics.median(run[table] for run in runs["write_csv"])
        print(f"{table:<24}{len(frame):>9,}{frame.shape[1]:>6}{old:>11.4f}{new:>13.4f}{old / new:>8.1f}")
        rows.append(_row(source, table, len(frame), frame.shape[1], old, new, len(runs["pandas"])))
    old = statistics.median(sum(run.values()) for run in runs["pandas"])
    new = statistics.median(sum(run.values()) for run in runs["write_csv"])
    columns = sum(frame.shape[1] for frame in tables.values())
    rows.append(_row(source, "all tables", sum(map(len, tables.values())), columns, old, new, len(runs["pandas"])))
    print(
        f"{len(tables)} table(s), median of {len(runs['pandas'])}: pandas to_csv {old:.3f} s, "
        f"write_csv {new:.3f} s, ratio {old / new:.1f}x"
    )
    return rows


def _row(source: str, table: str, rows: int, columns: int, old: float, new: float, repeats: int) -> dict:
    return {
        "source": source,
        "table": table,
        "rows": rows,
        "columns": columns,
        "pandas_s": old,
        "write_csv_s": new,
        "ratio": old / new,
        "repeats": repeats,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, help="solve this scenario file instead of generating one")
    parser.add_argument("--size", default="22:3000:1", help="nodes-per-stage:demands:periods to generate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the synthetic mixed table")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "table_io.csv", help="CSV to write")
    args = parser.parse_args()
    tables = result_tables(args.scenario, args.size, args.seed)
    source = str(args.scenario) if args.scenario else f"generated {args.size}"
    rows = report(tables, measure(tables, args.repeats), source)
    print(f"\nsynthetic mixed table, {args.rows:,} rows:")
    mixed = {"mixed": mixed_table(args.rows, args.seed)}
    rows += report(mixed, measure(mixed, args.repeats), f"synthetic {args.rows} rows")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(args.out, index=False)
    print(f"\nwritten: {args.out}")


if __name__ == "__main__":
    main()
