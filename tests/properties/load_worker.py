"""Load each case of a folder (FOLDER/case-*/mutated.yaml) with `model.scenario.load_scenario` and say how
it went, one JSON line per case: run as `python load_worker.py FOLDER [N]` by test_property_mutations.py.

A separate process, so that a case that hangs in C code or grows without bound is stopped from outside
(the caller's time-out; this process's address space is capped) and the test process survives it. Each
case is announced before it is loaded (`{"start": name}`), so a hang names its case; each is bounded by
an alarm too. Outcomes: `valid`; `located` (a ScenarioError whose every problem names a file of the
case and a line >= 1); `unlocated` (a ScenarioError with a problem that does not); `crash` (any other
exception, with where it was raised); `timeout`. With a second argument N, every N-th case that loads
is also solved (`solve`: the status; an exception is a `crash`).
"""

from __future__ import annotations

import json
import resource
import signal
import sys
import traceback
from pathlib import Path

CASE_SECONDS = 5
SOLVE_SECONDS = 30
MEMORY_BYTES = 3 * 1024**3


class Timeout(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise Timeout


def outcome(path: Path) -> dict:
    """How loading one case went."""
    from model.errors import ScenarioError
    from model.scenario import load_scenario

    signal.alarm(CASE_SECONDS)
    try:
        load_scenario(path)
        return {"outcome": "valid"}
    except ScenarioError as error:
        folder = path.parent.resolve()
        bad = [
            str(p)
            for p in error.problems
            if not (isinstance(p.line, int) and p.line >= 1 and Path(p.file).resolve().parent == folder)
        ]
        if bad:
            return {"outcome": "unlocated", "detail": bad[:3]}
        return {"outcome": "located", "problems": len(error.problems)}
    except Timeout:
        return {"outcome": "timeout"}
    except BaseException as error:
        where = traceback.extract_tb(error.__traceback__)[-1]
        detail = f"{type(error).__name__}: {str(error)[:300]} (at {Path(where.filename).name}:{where.lineno})"
        return {"outcome": "crash", "detail": detail}
    finally:
        signal.alarm(0)


def solved(path: Path) -> dict:
    """How solving a case that loaded went: any status is an answer (the status says what happened);
    an exception is a crash. Bounded by a 5 s time limit, and an alarm in case the limit is not kept."""
    from model import optimise, optimise_options
    from model.scenario import load_scenario

    signal.alarm(SOLVE_SECONDS)
    try:
        scenario = load_scenario(path)
        options, integer = optimise_options(scenario, time_limit=5)
        return {"solve": optimise(scenario, options, integer_staff=integer, sensitivity=False).status}
    except Timeout:
        return {"outcome": "timeout", "detail": "while solving"}
    except BaseException as error:
        where = traceback.extract_tb(error.__traceback__)[-1]
        detail = f"solve: {type(error).__name__}: {str(error)[:300]} (at {Path(where.filename).name}:{where.lineno})"
        return {"outcome": "crash", "detail": detail}
    finally:
        signal.alarm(0)


def main(folder: Path, solve_every: int) -> None:
    """Each case loaded; every `solve_every`-th case that loads is solved too (0: none)."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    signal.signal(signal.SIGALRM, _alarm)
    loaded = 0
    for case in sorted(folder.glob("case-*/mutated.yaml")):  # beside it: the files a what-if extends
        name = str(case.relative_to(folder))
        print(json.dumps({"start": name}), flush=True)
        result = outcome(case)
        if result["outcome"] == "valid":
            loaded += 1
            if solve_every and loaded % solve_every == 0:
                result.update(solved(case))
        print(json.dumps({"case": name, **result}), flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0)
