"""Run folders for the report tests, solved in-process as `e2eopt solve` solves and writes them."""

from __future__ import annotations

from pathlib import Path


def solved_run(file: Path, out: Path, assignments: tuple[str, ...] = ()) -> Path:
    """`e2eopt solve FILE --set ... --out OUT` without the subprocess: resolve, optimise, write_run."""
    from model.optimise import optimise
    from model.runs import write_run
    from model.scenario.overrides import resolve

    resolved = resolve(file, assignments)
    outcome = optimise(resolved.scenario, source=resolved.source)
    return write_run(
        outcome,
        file,
        out,
        command=["e2eopt", "solve", str(file)],
        scenario_bytes=resolved.text,
        changes=resolved.changes,
        inputs=resolved.inputs,
    )
