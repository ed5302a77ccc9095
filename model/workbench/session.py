"""The workbench's warm models: one Resolver per base scenario, kept between requests.

A request names a base (a file under the served folder, or the editor's text read as if it were
that file) and what differs (`set`, `remove`). The base is parsed once and kept with its Resolver,
which holds the LP and HiGHS's basis: a what-if is fitted into that LP and re-solved from the
basis (model/resolver.py), a fraction of a build-and-solve. At most `KEPT` bases are kept, the
least recently used dropped first.

Concurrency: each base has its own lock. Requests on one base are answered one at a time (a
Resolver changes its LP and HiGHS model at each solve: two threads on one would mix them);
requests on different bases run in parallel. The page's progress and cancel requests take no base
lock, so they answer while a solve runs.

Cancellation: a request that gives a `request_id` can be cancelled (`cancel`). HiGHS is stopped at
its next check (model/highs_run.py's Stopper: only the flag its callback reads is set); a request
between phases stops at the next phase. A cancelled request's base loses its Resolver (whatever
HiGHS holds is not trusted again), so the next request builds it afresh.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.errors import E2EError, Problem, ScenarioError
from model.highs_run import Stopper, stopping
from model.scenario.overrides import (
    Chain,
    Override,
    Removal,
    Resolved,
    chain_layers,
    chain_yaml,
    override_of,
    read_chain,
    resolve_chain,
)

if TYPE_CHECKING:
    from model.optimise import Outcome
    from model.resolver import Resolver

LOG = logging.getLogger("e2eopt.workbench")

KEPT = 4
"""Most base scenarios kept warm (each holds its LP and HiGHS model: ~100 MB at 100k variables)."""
ANSWERS = 2
"""Most answers kept for a request asked again (the page asks for the plan, then for its charts):
few, as each holds its tables (tens of MB at 100,000 variables)."""
EDITED = "(edited).yaml"
"""The name the editor's text goes by when it names no file: at the served folder's top."""
SUFFIXES = (".yaml", ".yml")

CHECKED_AT_ONCE = 256 * 1024
"""Bytes of a file that the listing reads and checks while the page waits for it. A larger file (a
generated scenario of 100,000 variables has 645 kB: 1.5 s to read and validate) is listed at once with
`valid` null and checked in the background; the next listing has its entry."""


class Refused(E2EError):
    """A request the workbench will not serve: `status` is its HTTP status (403 outside the folder,
    404 no such file, 409 cancelled or exists), `message` one line saying why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Cancelled(Refused):
    """The request was cancelled (POST /api/cancel/{request_id})."""

    def __init__(self) -> None:
        super().__init__(409, "cancelled")


@dataclass
class Progress:
    """What one request is doing, for GET /api/progress/{request_id}."""

    request_id: str
    state: str = "running"  # running, done, cancelled, failed
    phase: str = "start"
    done: int = 0
    total: int = 1
    started: float = field(default_factory=time.perf_counter)
    stopper: Stopper = field(default_factory=Stopper)
    ended: float | None = None  # when the request answered: its seconds stop counting then

    def as_dict(self) -> dict:
        return {
            "request_id": self.request_id,
            "state": self.state,
            "phase": self.phase,
            "done": self.done,
            "total": self.total,
            "seconds": round((self.ended or time.perf_counter()) - self.started, 3),
        }

    def tell(self, phase: str) -> None:
        """A Resolver's `on_phase`: note the phase, and stop here if the request was cancelled."""
        self.phase = phase
        if self.stopper.stopped:
            raise Cancelled


@dataclass
class Base:
    """A base scenario, parsed and validated, with its warm Resolver (None until its first solve)."""

    path: str  # relative to the served folder, as the user names it
    chain: Chain
    resolved: Resolved
    stamps: tuple  # each file read from the disk, with its modification time and size
    text: bytes | None  # the editor's text, when the base is edited text
    lock: threading.Lock = field(default_factory=threading.Lock)
    resolver: Resolver | None = None
    memo: dict[str, tuple[object, Any]] = field(default_factory=dict)  # views of the base's outcome (views.py)
    alone: bool = False  # invalid on its own, mended by the request's overrides: `resolved` is that variant


@dataclass
class Solved:
    """A request's answer: the variant solved, the base it was solved against, and how."""

    base: Base
    resolved: Resolved
    outcome: Outcome
    base_outcome: Outcome | None
    how: str  # first solve, re-solve, rebuild
    seconds: float
    reused: bool = False  # the answer of the same request a moment ago (ANSWERS), not solved again


class Workbench:
    """The served folder, its runs folder, the warm bases and the requests in progress."""

    def __init__(self, folder: Path, runs: Path = Path("runs")) -> None:
        self.folder = folder.resolve()
        self.runs = runs if runs.is_absolute() else Path.cwd() / runs
        self._bases: OrderedDict[tuple, Base] = OrderedDict()
        self._lock = threading.Lock()  # guards _bases and _progress, never held during a solve
        self._progress: dict[str, Progress] = {}
        self._answers: OrderedDict[tuple, Solved] = OrderedDict()
        self._described: dict[str, tuple[tuple, dict | None]] = {}  # GET /api/scenarios' entries, by file
        self._checking: set[str] = set()  # files being described in the background

    # ---- paths --------------------------------------------------------------------------------

    def locate(self, given: str, must_exist: bool = True) -> Path:
        """The file `given` names under the served folder (symlinks followed): Refused 403 if it lies
        outside it, 404 if it does not exist (when `must_exist`)."""
        if not isinstance(given, str) or not given.strip() or "\x00" in given:
            raise Refused(400, f"'{given}' is not a file name: give a path relative to the served folder")
        if os.path.isabs(given):
            raise Refused(403, f"'{given}' is an absolute path: give one relative to the served folder {self.folder}")
        target = (self.folder / given).resolve()
        if not target.is_relative_to(self.folder):
            raise Refused(403, f"'{given}' is outside the served folder {self.folder}")
        if must_exist and not target.is_file():
            raise Refused(404, f"no such scenario file: {given} (in {self.folder})")
        return target

    def shown(self, path: Path) -> str:
        """`path` as the user names it: relative to the served folder."""
        return path.relative_to(self.folder).as_posix()

    # ---- bases --------------------------------------------------------------------------------

    def base(
        self,
        scenario: str | None,
        text: str | None,
        values: Mapping[str, Any] | None = None,
        removals: Sequence[str] = (),
    ) -> Base:
        """The base a request names: the file `scenario`, or the editor's `text` read as if it were
        that file (default EDITED); parsed and validated once, then kept while its files are unchanged.

        A file invalid on its own is validated after the request's overrides (`values`, `removals`),
        as `e2eopt solve FILE --set ...` does: if they mend it (a capacity given to a decided site on a
        loop), the base is that variant (`alone`: not kept, no bridge from it); otherwise the variant's
        problems are raised, as the command line's."""
        if scenario is None and text is None:
            raise Refused(400, "give 'scenario' (a file under the served folder) or 'yaml' (a scenario's text)")
        if scenario is not None and not scenario.strip():
            raise Refused(400, "'scenario' is empty: give a file name relative to the served folder (or leave it out)")
        path = self.locate(scenario or EDITED, must_exist=text is None)
        raw = None if text is None else text.encode("utf-8")
        key = (str(path), None if raw is None else hashlib.sha256(raw).hexdigest())
        with self._lock:
            kept = self._bases.get(key)
            if kept is not None and kept.stamps == _stamps(kept.chain, skip_first=raw is not None):
                self._bases.move_to_end(key)
                return kept
        chain = read_chain(path, raw, self.shown(path))
        try:
            resolved = resolve_chain(chain)
        except ScenarioError:
            if not values and not removals:
                raise
            mended = _resolve_request(chain, self.shown(path), values or {}, removals)
            return Base(self.shown(path), chain, mended, (), raw, alone=True)
        base = Base(self.shown(path), chain, resolved, _stamps(chain, raw is not None), raw)
        with self._lock:
            self._bases[key] = base
            self._bases.move_to_end(key)
            while len(self._bases) > KEPT:
                self._bases.popitem(last=False)
        return base

    def described(self, path: Path, wait: bool = True) -> dict | None:
        """GET /api/scenarios' entry for a file under the folder: its path, scenario name, base and
        whether it is valid; None for a sweep file. Read and checked again only when the file or one
        it extends has changed (not through the warm bases: listing the folder must not drop them).
        Without `wait`, a file larger than CHECKED_AT_ONCE is described in the background, and its
        entry meanwhile is the last one made (`valid: null` before the first)."""
        shown = self.shown(path)
        with self._lock:
            kept = self._described.get(shown)
        if kept is not None and kept[0] and kept[0] == _file_stamps(kept[0]):
            return kept[1]
        if not wait and _size(path) > CHECKED_AT_ONCE:
            self._describe_later(path, shown)
            if kept is not None:  # changed (or invalid: checked again each time) since: as it was meanwhile
                return kept[1]
            return {"path": shown, "name": path.stem, "extends": None, "valid": None}
        entry, stamps = _describe(path, shown)
        with self._lock:
            self._described[shown] = (stamps, entry)
        return entry

    def _describe_later(self, path: Path, shown: str) -> None:
        """Describe `path` in a thread of its own (once at a time per file), for the next listing."""
        with self._lock:
            if shown in self._checking:
                return
            self._checking.add(shown)

        def describe() -> None:
            try:
                self.described(path)
            except Exception:  # a file that vanished meanwhile: the next listing says what it finds
                LOG.exception("checking %s for the listing failed", shown)
            finally:
                with self._lock:
                    self._checking.discard(shown)

        threading.Thread(target=describe, name=f"describe {shown}", daemon=True).start()

    def warm_models(self) -> int:
        """How many bases hold a warm model."""
        with self._lock:
            return sum(base.resolver is not None for base in self._bases.values())

    # ---- requests -----------------------------------------------------------------------------

    def variant(self, base: Base, values: Mapping[str, Any], removals: Sequence[str], yaml: bool = False) -> Resolved:
        """The base with `values` (path: value in the --set grammar) and `removals` applied, validated;
        ScenarioError naming each override that does not apply (its file `set` or `remove`).

        The overrides are applied as the command line's --set and --remove: the resolved scenario is
        the one `e2eopt solve FILE --set ... --remove ...` solves. Its YAML (`Resolved.text`) is made
        only with `yaml` (for a run folder): 0.7 s at 100,000 variables."""
        if not values and not removals:
            return base.resolved
        return _resolve_request(base.chain, base.path, values, removals, yaml)

    def with_yaml(self, base: Base, resolved: Resolved, values: Mapping[str, Any], removals: Sequence[str]) -> Resolved:
        """`resolved` with its YAML text (as `e2eopt solve` writes it into a run folder)."""
        if resolved.text or not resolved.changes:
            return resolved
        overrides, taken = request_overrides(values, removals)
        return replace(resolved, text=chain_yaml(base.chain, resolved.data, chain_layers(base.chain, overrides, taken)))

    @contextmanager
    def request(self, request_id: str | None, partial: bool = False, total: int = 1) -> Iterator[Progress]:
        """A request's progress, findable by its id while it runs (and for a while after). With
        `partial` (a sweep), a cancel ends the request with what it has done (state `cancelled`, no
        Cancelled raised after the body) rather than as a 409."""
        progress = Progress(request_id or "", total=total)
        if request_id:
            with self._lock:
                self._progress[request_id] = progress
                while len(self._progress) > 256:  # forget the oldest
                    self._progress.pop(next(iter(self._progress)))
        try:
            with stopping(progress.stopper):
                yield progress
                if progress.stopper.stopped and not partial:
                    raise Cancelled
            progress.state = "cancelled" if progress.stopper.stopped else "done"
        except Cancelled:
            progress.state = "cancelled"
            raise
        except BaseException:
            progress.state = "failed"  # its answer says why (a 4xx with the problems, or a 500)
            raise
        finally:
            progress.ended = time.perf_counter()

    def progress(self, request_id: str) -> dict:
        with self._lock:
            found = self._progress.get(request_id)
        if found is None:
            return {"request_id": request_id, "state": "unknown", "phase": None, "done": 0, "total": 0, "seconds": 0}
        return found.as_dict()

    def cancel(self, request_id: str) -> bool:
        """Stop the request `request_id` if it is running; whether it was."""
        with self._lock:
            found = self._progress.get(request_id)
        if found is None or found.state != "running":
            return False
        found.stopper.stop()
        return True

    def solve(
        self,
        scenario: str | None,
        text: str | None,
        values: Mapping[str, Any],
        removals: Sequence[str],
        progress: Progress,
    ) -> Solved:
        """Solve the request's variant on its base's warm model (building it at the first request)."""
        started = time.perf_counter()
        base = self.base(scenario, text, values, removals)
        key = (id(base), json.dumps(dict(values), sort_keys=True, default=str), tuple(removals))
        with self._lock:
            kept = self._answers.get(key)
        if kept is not None and kept.base is base and base.resolver is not None:
            return replace(kept, seconds=time.perf_counter() - started, reused=True)
        resolved = base.resolved if base.alone else self.variant(base, values, removals)
        with base.lock:
            progress.tell("build")
            outcome, base_outcome, how = self._solve_warm(base, resolved, progress)
        solved = Solved(base, resolved, outcome, base_outcome, how, time.perf_counter() - started)
        with self._lock:
            self._answers[key] = solved
            while len(self._answers) > ANSWERS:
                self._answers.popitem(last=False)
        return solved

    def _solve_warm(self, base: Base, resolved: Resolved, progress: Progress) -> tuple[Outcome, Outcome | None, str]:
        """The variant's Outcome, its base's, and how the variant was solved; the base's lock held.
        A variant with other solver settings than its base is solved on its own (model.optimise)."""
        from model.optimise import optimise

        if base.alone:  # the request's variant is the base: solved on its own, no base to compare with
            return optimise(resolved.scenario, source=resolved.source, on_phase=progress.tell), None, "first solve"
        with warm(base, progress) as resolver:
            if resolver is None:  # the first request on this base: its solve is the base's
                made = base.resolver = self._resolver(base, progress)
                if resolved is base.resolved:
                    return made.base_outcome, made.base_outcome, "first solve"
                resolver = made
            if resolved.scenario.solver != base.resolved.scenario.solver:
                alone = optimise(resolved.scenario, source=resolved.source, on_phase=progress.tell)
                return alone, resolver.base_outcome, "rebuild"
            outcome = resolver.solve(resolved.scenario, resolved.source)
            return outcome, resolver.base_outcome, "re-solve" if outcome.solver.get("re_solve") else "rebuild"

    @staticmethod
    def _resolver(base: Base, progress: Progress) -> Resolver:
        """The base's Resolver: the base built and solved (its first solve)."""
        from model.resolver import Resolver

        return Resolver(base.resolved.scenario, source=base.resolved.source, on_phase=progress.tell)

    def solve_series(
        self, base: Base, variants: Sequence[Resolved | None], progress: Progress
    ) -> tuple[list[Outcome | None], bool]:
        """Each variant's Outcome in turn (None for a None variant: a point not to solve), on the base's
        warm model (without sensitivity: a sweep's points do not show it), the base's lock held
        throughout; progress told point by point (`total`: every variant). A cancel stops it between
        points (a point HiGHS was stopped in is left out): the outcomes done, and True; the base then
        loses its warm model, as after any cancel."""
        progress.total = len(variants)
        outcomes: list[Outcome | None] = []
        try:
            with base.lock, warm(base, progress) as resolver:
                if resolver is None:
                    progress.tell("build")
                    resolver = base.resolver = self._resolver(base, progress)
                kept = resolver.sensitivity, resolver.ranging
                resolver.sensitivity = resolver.ranging = False
                try:
                    for number, variant in enumerate(variants):
                        progress.done = number
                        progress.phase = "points"
                        outcome = None if variant is None else resolver.solve(variant.scenario, variant.source)
                        if progress.stopper.stopped:
                            raise Cancelled
                        outcomes.append(outcome)
                finally:
                    resolver.sensitivity, resolver.ranging = kept
                progress.done = len(variants)
        except Cancelled:
            progress.done = len(outcomes)
            return outcomes, True
        return outcomes, False


@contextmanager
def warm(base: Base, progress: Progress) -> Iterator[Resolver | None]:
    """The base's warm Resolver (None before its first solve), telling this request's progress. If the
    body fails or the request is cancelled (HiGHS stopped: what it holds is not trusted again), the
    base loses its Resolver, and the next request builds it afresh; a cancel raises Cancelled."""
    if base.resolver is not None:
        base.resolver.on_phase = progress.tell
    try:
        yield base.resolver
        if progress.stopper.stopped:
            raise Cancelled
    except BaseException:
        base.resolver = None
        raise


def as_typed(value: Any) -> Any:
    """A request's value with a negative JSON number written as the command line types "set to" it:
    -5 -> '=-5'. A JSON number sets the figure (-5 sets it to -5), but as text a bare '-5' is a change
    (lower by 5): kept as '=-5', the record, the command, the run folder and a saved what-if all mean
    what was solved."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return f"={value!r}"
    return value


def request_overrides(values: Mapping[str, Any], removals: Sequence[str]) -> tuple[list[Override], list[Removal]]:
    """A request's `set` and `remove` as the command line's --set and --remove; ScenarioError for a
    value that is not in the grammar (its file `set`)."""
    overrides, problems = [], []
    for path, value in values.items():
        try:  # as --set takes it: words by field, '=-20' kept as typed (model/scenario/overrides.py)
            overrides.append(replace(override_of(path, value, "set"), origin="--set"))
        except ScenarioError as error:
            problems.extend(error.problems)
    if problems:
        raise ScenarioError(problems)
    return overrides, [Removal(r, "--remove") for r in removals]


def _resolve_request(
    chain: Chain, shown: str, values: Mapping[str, Any], removals: Sequence[str], yaml: bool = False
) -> Resolved:
    """The chain with the request's overrides applied, validated (Workbench.variant)."""
    overrides, taken = request_overrides(values, removals)
    try:
        return resolve_chain(chain, overrides, taken, shown, yaml=yaml)
    except ScenarioError as error:
        raise ScenarioError([_as_sent(problem) for problem in error.problems]) from None


def _as_sent(problem: Problem) -> Problem:
    """A problem of a request's override, its file named as the request names it (`set`, `remove`)."""
    names = {"--set": "set", "--remove": "remove"}
    return replace(problem, file=names[problem.file]) if problem.file in names else problem


def _describe(path: Path, shown: str) -> tuple[dict | None, tuple]:
    """A file's entry in the listing (None: a sweep file), and the stamps of the files it was made from."""
    from model.scenario.loader import parse_yaml, read_text

    try:
        data, _ = parse_yaml(read_text(path, shown), shown)
    except (ScenarioError, OSError):
        data = None
    if isinstance(data, dict) and {"base", "grid"} <= set(data):
        return None, _file_stamps(((str(path), None, None),))
    extends = data.get("extends") if isinstance(data, dict) else None
    try:
        chain = read_chain(path, None, shown)
        name, valid, stamps = resolve_chain(chain).scenario.name, True, _stamps(chain, skip_first=False)
    except ScenarioError:  # checked again at every listing: the file it extends may be mended meanwhile
        name, valid, stamps = path.stem, False, ()
    return {"path": shown, "name": name, "extends": extends, "valid": valid}, stamps


def _size(path: Path) -> int:
    """The file's size in bytes (0 if it cannot be read: described at once, to say why)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _file_stamps(stamps: tuple) -> tuple:
    """The same files' stamps now (modification time and size)."""
    now: list[tuple[str, int | None, int | None]] = []
    for file, _, _ in stamps:
        try:
            stat = os.stat(file)
            now.append((file, stat.st_mtime_ns, stat.st_size))
        except OSError:
            now.append((file, None, None))
    return tuple(now)


def _stamps(chain: Chain, skip_first: bool) -> tuple:
    """Each file of the chain read from the disk (the first is not when it is edited text), with its
    modification time and size: a kept base is read again when any of them changed."""
    files = chain.files[1:] if skip_first else chain.files
    stamps: list[tuple[str, int | None, int | None]] = []
    for file in files:
        try:
            stat = file.path.stat()
            stamps.append((str(file.path), stat.st_mtime_ns, stat.st_size))
        except OSError:
            stamps.append((str(file.path), None, None))
    return tuple(stamps)


__all__ = ["ANSWERS", "KEPT", "Base", "Cancelled", "Progress", "Refused", "Solved", "Workbench", "as_typed"]
