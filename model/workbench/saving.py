"""Saving from the workbench: a what-if file next to its base, a scenario's text as a file of the
served folder (an upload kept, a broken file fixed), a run folder under the runs folder; and reading a
run folder back for the page.

A what-if file is what a person would write by hand (`extends`, `set`, `remove`), checked to resolve
before it is written, and written whole (a temporary file, then a link or rename): `e2eopt solve`
on it solves the same scenario the page did. A run folder is written by `model.write_run`, as
`e2eopt solve` writes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.scenario.overrides import read_chain, resolve, resolve_chain
from model.workbench.session import SUFFIXES, Refused

if TYPE_CHECKING:
    from model.workbench.session import Solved, Workbench

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
"""A what-if's file name: letters, digits, '_', '.', '-', no folder."""


def whatif_text(base_name: str, values: Mapping[str, Any], removals: Sequence[str]) -> str:
    """The what-if file's YAML: a comment, `extends`, then `set:` and `remove:` (values quoted when
    text, so that a change such as '*1.1' or '+5' stays a change)."""
    lines = ["# A what-if saved by the e2eopt workbench: its base, then what differs from it.", ""]
    lines.append(f"extends: {json.dumps(base_name)}")
    if values:
        lines.append("set:")
        lines += [f"  {json.dumps(path)}: {json.dumps(value)}" for path, value in values.items()]
    if removals:
        lines.append("remove:")
        lines += [f"  - {json.dumps(path)}" for path in removals]
    return "\n".join(lines) + "\n"


def save_scenario(bench: Workbench, name: str, text: str, overwrite: bool) -> str:
    """Write the scenario `text` as the file `name` of the served folder (an upload kept, or an open
    file fixed in the editor); its path relative to the folder. Only text that validates as a file
    at that place is written (so `extends:` resolves beside it): 422 with located problems
    otherwise, 400 for a bad name, 403 outside the folder or in the runs folder, 409 if it exists
    (and not `overwrite`)."""
    target = scenario_target(bench, name)
    shown = bench.shown(target)
    if target.exists() and not overwrite:
        raise Refused(409, f"{shown} exists: choose another name, or overwrite it")
    bench.base(shown, text)  # ScenarioError (422) naming `shown` and the text's lines: nothing written
    with unwritable(shown):
        write_whole(target, text.encode("utf-8"), overwrite, shown)
    return shown


def scenario_target(bench: Workbench, name: str) -> Path:
    """The file `name` names for POST /api/save/scenario: a file name NAME.yaml (or .yml) at the
    folder's top, or under one of its existing sub-folders (`sub/NAME.yaml`, to save an open file
    where it is); never a hidden file or folder, nor one in the runs folder."""
    parts = name.split("/")
    if not all(NAME.fullmatch(part) for part in parts) or not name.endswith(SUFFIXES):
        raise Refused(
            400,
            f"'{name}' is not a scenario file name: give NAME.yaml or NAME.yml (letters, digits, _ . -), "
            "or SUB/NAME.yaml for an existing sub-folder",
        )
    target = bench.locate(name, must_exist=False)
    if target.resolve().is_relative_to(bench.runs.resolve()):
        raise Refused(403, f"'{name}' is in the runs folder {bench.runs}: save scenarios elsewhere")
    if not target.parent.is_dir():
        raise Refused(404, f"no folder {bench.shown(target.parent)} in {bench.folder}")
    if target.is_dir():
        raise Refused(409, f"{bench.shown(target)} is a folder")
    return target


def save_whatif(
    bench: Workbench, base: str, values: Mapping[str, Any], removals: Sequence[str], name: str, overwrite: bool
) -> str:
    """Write the what-if `name` next to `base`; its path relative to the served folder. 400 for a bad
    name, 403/404 for the base, 409 if it exists (and not `overwrite`), 422 if it does not resolve."""
    if not NAME.fullmatch(name) or not name.endswith(SUFFIXES):
        raise Refused(400, f"'{name}' is not a what-if file name: give NAME.yaml (letters, digits, _ . -; no folder)")
    base_path = bench.locate(base)
    target = base_path.parent / name
    shown = bench.shown(target)
    if target.resolve() == base_path:
        raise Refused(409, f"{shown} is the base itself: give the what-if another name")
    if target.exists() and not overwrite:
        raise Refused(409, f"{shown} exists: choose another name, or overwrite it")
    text = whatif_text(base_path.name, values, removals).encode("utf-8")
    resolve_chain(read_chain(target, text, shown))  # ScenarioError (422) naming `shown`: nothing written
    with unwritable(shown):
        write_whole(target, text, overwrite, shown)
    return shown


@contextmanager
def unwritable(what: str) -> Iterator[None]:
    """A place that cannot be written as a clear refusal: 403 not permitted (a read-only folder), 507
    anything else (a full disk); nothing is left half-written (the writers write whole or not at all)."""
    from model.staging import describe

    try:
        yield
    except PermissionError as error:
        raise Refused(403, f"{what} cannot be written: {describe(error)}; nothing was written") from None
    except OSError as error:
        raise Refused(507, f"{what} could not be written: {describe(error)}; nothing was written") from None


def write_whole(target: Path, text: bytes, overwrite: bool, shown: str) -> None:
    """`text` as the file `target`, all or nothing (model.staging.staged_file): renamed over it
    (`overwrite`) or linked to its name, which fails if the name was taken meanwhile: 409."""
    from model.staging import staged_file

    try:
        with staged_file(target, replace=overwrite) as staging:
            staging.write_bytes(text)
    except FileExistsError:
        raise Refused(409, f"{shown} exists: choose another name, or overwrite it") from None


def save_run(bench: Workbench, solved: Solved, values: Mapping[str, Any], removals: Sequence[str]) -> Path:
    """The solved what-if's run folder, written under the runs folder by model.write_run (as
    `e2eopt solve FILE --set ... --remove ...` would write it). A what-if of edited text (a request
    with `yaml`) is no file on disk: its summary names it as that file's edited text (its
    `file_sha256` the text's), its label starts `edited`, and its command solves the run folder."""
    from dataclasses import replace

    from model.runs import run_label

    if solved.base.text is None:
        return _write_file_run(bench, solved, values, removals)
    resolved = bench.with_yaml(solved.base, solved.resolved, values, removals)
    resolved = replace(resolved, file=f"{solved.base.path} {EDITED_MARK}")
    label = "-".join(part for part in ("edited", run_label(None, resolved.changes, resolved.inputs)) if part)
    with unwritable(f"a run folder under {bench.runs}"):
        return _write_edited_run(bench, solved, resolved, label)


def _write_file_run(bench: Workbench, solved: Solved, values: Mapping[str, Any], removals: Sequence[str]) -> Path:
    """The run folder of a file's what-if, resolved again as its recorded command resolves it (the file
    named from the server's working folder, the same --set and --remove): its scenario.yaml, and so its
    scenario_sha256, are byte for byte those of that command's run. 409 if the file changed since."""
    from model.runs import ScenarioMismatch, write_run
    from model.workbench.views import command_of

    given = cli_path(bench.folder / solved.base.path)
    resolved = resolve(given, [f"{path}={value}" for path, value in values.items()], list(removals))
    try:
        with unwritable(f"a run folder under {bench.runs}"):
            return write_run(solved.outcome, resolved, bench.runs, command=command_of(given, values, removals))
    except ScenarioMismatch:
        raise Refused(409, f"{solved.base.path} changed since it was solved: solve it again, then save") from None


EDITED_MARK = "(edited in the workbench)"
"""What a run folder's `input.file` adds to the file's name when the text solved was edited on the page."""


def _write_edited_run(bench: Workbench, solved: Solved, resolved: Any, label: str) -> Path:
    """The run folder of edited text, under a name chosen first, so that its recorded command is
    `e2eopt solve <that run folder>` (its scenario.yaml is the text solved, resolved)."""
    from model.runs import new_run_folder_name, write_run

    name = new_run_folder_name(solved.outcome.scenario.name, label=label)
    for attempt in range(1, 100):
        folder = name if attempt == 1 else f"{name}-{attempt}"
        command = ["e2eopt", "solve", cli_path(bench.runs / folder)]
        try:
            return write_run(solved.outcome, resolved, bench.runs, command=command, folder_name=folder, label=label)
        except FileExistsError:
            continue  # another run saved in the same second: the next suffix
    raise Refused(409, f"run folders {name}-2 to -99 all exist in {bench.runs}")


def cli_path(path: Path) -> str:
    """`path` as a command run from the server's working folder takes it: relative to that folder when
    `path` is under it, absolute otherwise (never ../..)."""
    here = Path.cwd().resolve()
    absolute = path if path.is_absolute() else here / path
    try:
        return absolute.relative_to(here).as_posix()
    except ValueError:
        return str(absolute)


def run_view(bench: Workbench, name: str) -> dict:
    """GET /api/runs/{name}: the run folder's summary, and the report's headline and sections."""
    from model.report import ReportError
    from model.report.run import page
    from model.run_folder import read_summary
    from model.workbench.views import section_json, with_profit_lines

    if not NAME.fullmatch(name) or name in (".", ".."):
        raise Refused(400, f"'{name}' is not a run folder's name")
    runs = bench.runs.resolve()
    folder = (runs / name).resolve()
    if not folder.is_relative_to(runs) or folder.parent != runs:
        raise Refused(403, f"'{name}' is outside the runs folder {runs}")
    if not (folder / "summary.json").is_file():
        raise Refused(404, f"no run folder {name} in {runs}")
    try:
        _, headline, sections = page(folder)
        summary = read_summary(folder)
    except (ReportError, ValueError, OSError) as error:
        raise Refused(422, f"{name}: {error}") from None
    headline = with_profit_lines(headline, summary)  # revenue, margin and a MILP's gap, as a solve's view
    return {"summary": summary, "view": {"headline": headline, "sections": [section_json(s) for s in sections]}}


__all__ = ["run_view", "save_run", "save_scenario", "save_whatif", "whatif_text"]
