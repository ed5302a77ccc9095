"""Random mutations of valid files never give a traceback or a hang (tests/properties/mutations.py).

The shipped scenarios and the tests' small ones are mutated at the text level (lines deleted, doubled,
swapped or re-indented; YAML syntax, tags, anchors, control characters and bytes that are not UTF-8
inserted; the file cut short; numbers made huge, tiny, negative, NaN or text) and at the data level
(a key deleted or misspelt, a value of another type, a list item doubled, a figure made absurd); now
and then a value is tagged, anchored and aliased, nested thousands deep, or an alias bomb added. Each
mutated file is loaded with `model.scenario.load_scenario` in a worker process (load_worker.py) that
bounds every case in time and memory; a subset goes through `e2eopt validate` too. The only acceptable
outcomes are a valid scenario, or a ScenarioError whose every problem names the file and a line >= 1
(`e2eopt validate`: exit 0, or exit 2 with located problems). Every fourth file that loads is solved
as well: whatever its figures, the solve returns a status, it does not raise.

The cases are made from fixed seeds, so a failure is made again by its case number; the counts are
printed (`pytest -s`).
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import DATA, OVERRIDES_FOLDER, ROOT, ROUTES, UNKEEPABLE_PROMISE
from mutations import mutate_data, mutate_text

from model.scenario import parse_yaml

WORKER = Path(__file__).with_name("load_worker.py")
TEXT_CASES = 800
DATA_CASES = 300
WORKERS = 2
SOLVE_EVERY = 4
"""Every 4th case that loads is solved too (a 5 s time limit): absurd figures must not crash a solve."""
SEED = 20261205


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


SOURCES: list[tuple[str, str, dict[str, str], int]] = [
    ("tiny.yaml", _read(DATA / "tiny.yaml"), {}, 6),
    ("routes", ROUTES, {}, 4),
    ("unkeepable-promise", UNKEEPABLE_PROMISE, {}, 2),
    ("contact-centre.yaml", _read(DATA / "contact-centre.yaml"), {}, 3),
    ("overrides/base.yaml", _read(OVERRIDES_FOLDER / "base.yaml"), {}, 3),
    ("overrides/whatif.yaml", _read(OVERRIDES_FOLDER / "whatif.yaml"),
     {"base.yaml": _read(OVERRIDES_FOLDER / "base.yaml")}, 2),
    (
        "overrides/chain.yaml",
        _read(OVERRIDES_FOLDER / "chain.yaml"),
        {name: _read(OVERRIDES_FOLDER / name) for name in ("base.yaml", "whatif.yaml")},
        1,
    ),
    ("appliance-co.yaml", _read(DATA / "appliance-co.yaml"), {}, 1),
    ("whatif-wage-rise.yaml", _read(DATA / "whatif-wage-rise.yaml"),
     {"appliance-co.yaml": _read(DATA / "appliance-co.yaml")}, 1),
]  # fmt: skip
"""(name, text, the files it extends by name, weight): small files weigh more, as they load faster."""


def make_cases(folder: Path) -> dict[str, str]:
    """Write TEXT_CASES + DATA_CASES mutated files, each case-NNNNN/mutated.yaml beside the files it
    extends; return each case's description (source and level). Case i depends on SEED and i alone."""
    described = {}
    weights = [weight for *_, weight in SOURCES]
    for i in range(TEXT_CASES + DATA_CASES):
        rng = random.Random(f"{SEED}-{i}")
        name, text, companions, _ = rng.choices(SOURCES, weights)[0]
        level = "text" if i < TEXT_CASES else "data"
        raw = mutate_text(text, rng) if level == "text" else mutate_data(parse_yaml(text, name)[0], rng)
        case = folder / f"case-{i:05d}"
        case.mkdir()
        (case / "mutated.yaml").write_bytes(raw)
        for companion, companion_text in companions.items():
            (case / companion).write_text(companion_text, encoding="utf-8")
        described[f"case-{i:05d}/mutated.yaml"] = f"{level} mutation of {name}"
    return described


def run_workers(folder: Path, shares: list[Path]) -> tuple[dict[str, dict], list[str]]:
    """Each share's cases loaded by its own worker process, the workers in parallel; the outcome per
    case, and the cases a worker started but never finished (a hang or a crash of the process)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    command = [sys.executable, str(WORKER)]
    workers = [subprocess.Popen([*command, str(s), str(SOLVE_EVERY)], cwd=ROOT, env=env, **pipes) for s in shares]
    results: dict[str, dict] = {}
    unfinished: list[str] = []
    for share, worker in zip(shares, workers):
        try:
            out, err = worker.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            worker.kill()
            out, err = worker.communicate()
        started = None
        for line in out.splitlines():
            record = json.loads(line)
            if "start" in record:
                started = record["start"]
            else:
                results[record.pop("case")] = record
                started = None
        if started is not None or worker.returncode != 0:
            unfinished.append(f"{share.name}: {started} (exit {worker.returncode}) {err[-500:]}")
    return results, unfinished


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The mutated files, in WORKERS shares (folders of case folders), with their descriptions."""
    folder = tmp_path_factory.mktemp("mutations")
    described = make_cases(folder)
    for n in range(WORKERS):
        (folder / f"share{n}").mkdir()
    for i, case in enumerate(sorted(folder.glob("case-*"))):
        case.rename(folder / f"share{i % WORKERS}" / case.name)
    return folder, described


def test_mutated_files_load_or_are_located(cases: tuple[Path, dict[str, str]]):
    folder, described = cases
    results, unfinished = run_workers(folder, sorted(folder.glob("share*")))
    counts = Counter(r["outcome"] for r in results.values())
    solves = Counter(r["solve"] for r in results.values() if "solve" in r)
    print(f"\nmutations tried: {len(described)} ({TEXT_CASES} text, {DATA_CASES} data); outcomes: {dict(counts)}")
    print(f"mutated files that loaded, solved: {sum(solves.values())}; statuses: {dict(solves)}")
    failures = [
        f"{case} ({described[case]}): {r['outcome']}: {r.get('detail')}"
        for case, r in sorted(results.items())
        if r["outcome"] not in ("valid", "located")
    ]
    assert not unfinished, f"workers that did not finish (hang or crash) in {folder}: {unfinished}"
    assert not failures, f"{len(failures)} of {len(described)} mutated files in {folder}:\n" + "\n".join(failures)
    assert len(results) == len(described)
    # The mutations do break files: most are refused, located; some stay valid (a comment edited, say).
    assert counts["located"] >= len(described) / 2 and counts["valid"] >= 1


VALIDATE_CASES = 12
PROBLEM_LINE = re.compile(r"^(?P<file>\S+?):(?P<line>\d+):(?P<column>\d+)  ")


def test_mutated_files_through_e2eopt_validate(cases: tuple[Path, dict[str, str]]):
    # A spread of the cases (every level and most sources), each in its own `e2eopt validate`.
    folder, described = cases
    picked = sorted(described)[:: len(described) // VALIDATE_CASES][:VALIDATE_CASES]
    paths = [next(folder.glob(f"share*/{case}")) for case in picked]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    runs = [subprocess.Popen([sys.executable, "-m", "model", "validate", str(p)], cwd=ROOT, **pipes) for p in paths]
    failures = []
    for case, path, run in zip(picked, paths, runs):
        out, err = run.communicate(timeout=300)
        text = out + err
        problems = [PROBLEM_LINE.match(line) for line in text.splitlines()]
        located = [m for m in problems if m and Path(m["file"]).parent == path.parent and int(m["line"]) >= 1]
        if "Traceback" in text or run.returncode not in (0, 2) or (run.returncode == 2 and not located):
            failures.append(f"{case} ({described[case]}): exit {run.returncode}\n{text[-1200:]}")
    print(f"\n`e2eopt validate` on {len(picked)} mutated files: {len(picked) - len(failures)} answered as they should")
    assert not failures, "\n".join(failures)
