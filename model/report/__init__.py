"""report.html: one self-contained page of charts and sentences from a run, sweep, frontier or
comparison folder, that opens offline.

Each kind of folder has its module with one function, `page(folder)` (a run's also takes a base run
to compare with), returning the title, the headline lines and the sections; `report_html` finds the
kind, calls it, and renders the page (model/report/page.py). Nothing here solves anything: a report
reads what the folder holds.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Literal

from model.errors import ReportError
from model.report.page import Section, render, write_html
from model.run_folder import RunFolderError
from model.run_folder import folder_kind as kind_of

Kind = Literal["run", "sweep", "frontier", "comparison"]

REPORT_FILE = "report.html"
"""The report's name in the folder it describes, unless --out says otherwise."""


def folder_kind(folder: Path) -> Kind:
    """What `folder` holds, by model.run_folder's one rule (a sweep's point is reported as a run);
    ReportError saying what was expected for anything else."""
    try:
        kind = kind_of(folder)
    except RunFolderError as error:
        raise ReportError(str(error)) from None
    return "run" if kind == "point" else kind


def unreadable(error: RunFolderError) -> ReportError:
    """The one message for a file a report needs and cannot read (model.run_folder's words): missing,
    or damaged and why."""
    if error.missing:
        return ReportError(f"{error.path} is missing: the folder is incomplete, so it cannot be reported")
    return ReportError(f"{error}: it cannot be reported")


def report_html(folder: Path, base: Path | None = None) -> str:
    """The report of `folder` as one HTML page; `base`: a run to compare a run with (run folders only)."""
    folder = Path(folder)
    kind = folder_kind(folder)
    if base is not None:
        if kind != "run":
            raise ReportError(f"--base {base}: a base run can be given for a run folder only, and {folder} is a {kind}")
        try:
            base_kind = folder_kind(Path(base))
        except ReportError as error:
            raise ReportError(f"--base {error}") from None
        if base_kind != "run":
            raise ReportError(f"--base {base}: not a run folder (it is a {base_kind} folder)")
    if kind == "run":
        title, headline, sections = _module(kind).page(folder, None if base is None else Path(base))
    else:
        title, headline, sections = _module(kind).page(folder)
    return render(title, headline, sections)


def write_report(folder: Path, base: Path | None = None, out: Path | None = None) -> Path:
    """Write the report of `folder` to `out` (default: report.html in the folder) whole or not at
    all, and return its path. The page is made before anything is written, so a bad folder writes nothing."""
    target = report_target(folder, out)
    text = report_html(folder, base)
    return write_html(text, target)


def report_target(folder: Path, out: Path | None = None) -> Path:
    """Where the report of `folder` goes: `out`, or report.html in the folder; ReportError if that
    cannot be a file (a folder, or in a folder that does not exist)."""
    target = Path(out) if out is not None else Path(folder) / REPORT_FILE
    if target.is_dir():
        raise ReportError(f"--out {target}: is a folder; give a file name, e.g. {target / REPORT_FILE}")
    if not target.parent.is_dir():
        raise ReportError(f"--out {target}: the folder {target.parent} does not exist")
    return target


def _module(kind: Kind) -> ModuleType:
    """The module of a kind's report, imported when first asked for; ReportError if it is not there yet."""
    name = f"model.report.{kind}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        raise ReportError(f"a report of a {kind} folder is not yet available") from None


__all__ = [
    "REPORT_FILE",
    "Kind",
    "ReportError",
    "Section",
    "folder_kind",
    "render",
    "report_html",
    "report_target",
    "write_report",
]
