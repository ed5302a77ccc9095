"""The workbench as a user meets it: `e2eopt serve` started, its first page, and what-ifs answered.

The server runs as a user starts it (`e2eopt serve FOLDER`, the command line's defaults but a free
port), in its own process; the requests are what the page sends (POST /api/solve with a `set`, the
view included: the report's sections and the bridge from the base). It prints:

- start to first page: from starting the process to the page (GET /) answered;
- the what-if latency, request to answer (wall seconds on the client, the JSON read), median of
  `--rounds` what-ifs, beside HiGHS's own time in them and the server's own seconds (`resolve`);
  on data/appliance-co.yaml (a volume what-if) and on a generated scenario of about 104,000
  variables (`e2eopt generate --nodes-per-stage 22 --demands 3000 --periods 1 --seed 0`: a volume
  what-if and a wage what-if). Each what-if changes its figure by another factor, so none is a
  repeat of the last; the first solve of each base (its build) is timed apart.

With `--phases`, each case is also timed in-process, step by step (the what-if applied and
validated, the warm re-solve with its tables and sensitivity, solve --json's document, the report's
sections, the bridge from the base, the JSON), medians over the same rounds: where the time goes.

The targets (issue 15) are printed beside the figures.

    .venv/bin/python benchmarks/workbench.py [--rounds 10] [--skip-large] [--phases]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cli_runs import E2EOPT, ROOT, USER_ENV

LARGE = ["--nodes-per-stage", "22", "--demands", "3000", "--periods", "1", "--seed", "0"]
"""`e2eopt generate` options of the large scenario: 104,397 variables (README, Performance)."""
TARGETS = {"first page": 2.0, "appliance-co": 0.3, "large": 1.5}
"""Seconds: start to first page; a what-if on appliance-co (median); a volume or wage what-if at 100k."""


class Server:
    """`e2eopt serve FOLDER --port 0` in its own process, and the address it printed."""

    def __init__(self, folder: Path) -> None:
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [E2EOPT, "serve", str(folder), "--port", "0"],
            cwd=folder,
            env=USER_ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline() if self.process.stdout else ""
        if not line.startswith("Workbench on "):
            raise RuntimeError(
                f"e2eopt serve did not start: {line}{self.process.stderr.read() if self.process.stderr else ''}"
            )
        self.url = line.split()[2]
        page = get(self.url)
        self.first_page = time.perf_counter() - self.started
        if b"<html" not in page.lower():
            raise RuntimeError("the first page is not HTML")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=600) as answer:
        return answer.read()


def post(url: str, body: dict) -> tuple[float, dict]:
    """Seconds from sending the request to having its JSON read, and the JSON."""
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as answer:
        document = json.loads(answer.read())
    return time.perf_counter() - start, document


def what_ifs(server: Server, scenario: str, path: str, rounds: int, label: str, target: float) -> None:
    """`rounds` what-ifs changing `path` by 1% more each time, each asked as one request with the view
    (the brief's measure), then `rounds` more as the page asks them: the plan alone (its cost on
    screen), then the same what-if with the view (answered from the kept answer, not solved again)."""
    one, highs, served, hows = [], [], [], set()
    for number in range(1, rounds + 1):
        body = {"scenario": scenario, "set": {path: f"*{1 + number / 100:g}"}}
        wall, document = post(server.url + "api/solve", body)
        check(document, label)
        one.append(wall)
        highs.append(document["resolve"]["highs_seconds"])
        served.append(document["resolve"]["seconds"])
        hows.add(document["resolve"]["how"])
    plan, charts = [], []
    for number in range(1, rounds + 1):
        body = {"scenario": scenario, "set": {path: f"*{1 - number / 100:g}"}}
        wall, document = post(server.url + "api/solve", {**body, "view": False})
        plan.append(wall)
        wall, document = post(server.url + "api/solve", body)
        check(document, label)
        charts.append(plan[-1] + wall)
    median = statistics.median(one)
    print(
        f"  {label:<24} with the view {median:.3f} s (min {min(one):.3f}, max {max(one):.3f}; HiGHS "
        f"{statistics.median(highs):.3f} s, server {statistics.median(served):.3f} s, {'/'.join(sorted(hows))}); "
        f"target <= {target} s: {'met' if median <= target else 'NOT met'}"
    )
    print(
        f"  {'':<24} as the page asks: plan on screen {statistics.median(plan):.3f} s, "
        f"charts {statistics.median(charts):.3f} s"
    )


def check(document: dict, label: str) -> None:
    """A what-if's answer is optimal, with its view and its bridge from the base."""
    if document.get("status") != "optimal" or not document.get("view") or document.get("bridge") is None:
        raise RuntimeError(f"{label}: {str(document)[:500]}")


def phases(folder: Path, scenario: str, path: str, rounds: int, label: str) -> None:
    """The request's steps timed in-process on a warm model (ROOT's model package; medians)."""
    sys.path.insert(0, str(ROOT))
    from model.formatting import plain_json
    from model.workbench import views
    from model.workbench.session import Solved, Workbench

    bench = Workbench(folder)
    with bench.request(None) as progress:
        bench.solve(scenario, None, {}, [], progress)
    steps: dict[str, list[float]] = {}

    @contextmanager
    def step(name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        steps.setdefault(name, []).append(time.perf_counter() - start)

    for number in range(1, rounds + 1):
        values = {path: f"*{1 + number / 200:g}"}
        base = bench.base(scenario, None)
        with step("what-if applied, validated"):
            resolved = bench.variant(base, values, [])
        with step("re-solve (tables, sensitivity)"), bench.request(None) as progress, base.lock:
            outcome, base_outcome, how = bench._solve_warm(base, resolved, progress)
        solved = Solved(base, resolved, outcome, base_outcome, how, 0.0)
        with step("solve --json's document"):
            document = views.solve_document(solved, values, [])
        kept: dict = {}
        with step("the report's sections"):
            view = views.sections(outcome, document, scenario, kept)
        base_document = views.summary_document(base_outcome, base.resolved, [])
        with step("the bridge from the base"):
            bridge = views.bridge(solved, document, base_document, kept)
        with step("JSON"):
            json.dumps(plain_json({**document, "view": view, "bridge": bridge}))
    shown = ", ".join(f"{name} {statistics.median(times):.3f}" for name, times in steps.items())
    print(f"  {label:<24} in-process steps (s): {shown}")


def bench(folder: Path, scenario: str, rounds: int, cases: list[tuple[str, str]], target: float) -> None:
    server = Server(folder)
    try:
        wall, first = post(server.url + "api/solve", {"scenario": scenario})
        size = first.get("solver", {}).get("columns") or "?"
        print(
            f"\n{scenario}: first page {server.first_page:.2f} s after start (target <= {TARGETS['first page']} s: "
            f"{'met' if server.first_page <= TARGETS['first page'] else 'NOT met'}); first solve (build) {wall:.2f} s, "
            f"HiGHS {first['resolve']['highs_seconds']:.2f} s, {size} columns"
        )
        print(f"  what-if, median of {rounds} (request to answer, on the client)")
        for label, path in cases:
            what_ifs(server, scenario, path, rounds, label, target)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10, help="what-ifs per case (the median is printed)")
    parser.add_argument("--skip-large", action="store_true", help="appliance-co only")
    parser.add_argument("--phases", action="store_true", help="also time each step of a what-if in-process")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        small = Path(work) / "small"
        small.mkdir()
        shutil.copy(ROOT / "data" / "appliance-co.yaml", small)
        small_cases = [("volume (repairs_north)", "demands.repairs_north.volume")]
        bench(small, "appliance-co.yaml", options.rounds, small_cases, TARGETS["appliance-co"])
        if options.phases:
            for label, path in small_cases:
                phases(small, "appliance-co.yaml", path, options.rounds, label)
        if options.skip_large:
            return
        large = Path(work) / "large"
        large.mkdir()
        subprocess.run(
            [E2EOPT, "generate", *LARGE, "--out", str(large / "large.yaml"), "-q"],
            check=True,
            env=USER_ENV,
            stdout=subprocess.DEVNULL,
        )
        cases = [("volume (every demand)", "demands.*.volume"), ("wage (every role)", "roles.*.cost_per_fte")]
        bench(large, "large.yaml", options.rounds, cases, TARGETS["large"])
        if options.phases:
            for label, path in cases:
                phases(large, "large.yaml", path, options.rounds, label)


if __name__ == "__main__":
    sys.exit(main())
