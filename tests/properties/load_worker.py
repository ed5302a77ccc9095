"""Load each case of a folder (FOLDER/case-*/mutated.yaml) with `model.scenario.load_scenario` and say how
it went, one JSON line per case: run as `python load_worker.py FOLDER` by test_property_mutations.py.

A separate process, so that a case that hangs in C code or grows without bound is stopped from outside
(the caller's time-out; this process's address space is capped) and the test process survives it. Each
case is announced before it is loaded (`{"start": name}`), so a hang names its case; each is bounded by
an alarm too. Outcomes: `valid`; `located` (a ScenarioError whose every problem names a file of the
case and a line >= 1); `unlocated` (a ScenarioError with a problem that does not); `crash` (any other
exception, with the end of its traceback); `timeout`.
"""

from __future__ import annotations

import json
import resource
import signal
import sys
import traceback
from pathlib import Path

CASE_SECONDS = 10
MEMORY_BYTES = 2 * 1024**3


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


def main(folder: Path) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    signal.signal(signal.SIGALRM, _alarm)
    for case in sorted(folder.glob("case-*/mutated.yaml")):  # beside it: the files a what-if extends
        name = str(case.relative_to(folder))
        print(json.dumps({"start": name}), flush=True)
        print(json.dumps({"case": name, **outcome(case)}), flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
