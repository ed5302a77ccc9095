"""Progress on stderr for every step that takes more than about two seconds: a solve's phases, the
points of a sweep or a frontier, each with the time taken and the time left.

On a terminal it is one line redrawn in place (rich), gone when the step ends. Anywhere else (a CI
log, a file, a pipe) it is plain lines, and only for a step that runs long: the first once a step has
taken STARTS_AFTER seconds, then one every EVERY seconds while it goes on, so a quick run prints none
and a log is not flooded. Nothing with --quiet; stdout is never touched (--json stays one document).
"""

from __future__ import annotations

import threading
from time import perf_counter
from types import TracebackType
from typing import Any, Self

from rich.text import Text

from model.cli.common import MODE, err

STARTS_AFTER = 2.0
"""Seconds a step runs before a plain progress line is printed for it."""
EVERY = 5.0
"""Seconds between plain progress lines while a step goes on."""
TICK = 0.25
"""Seconds between looks at the clock."""

PHASES = {
    "build": "building the LP",
    "HiGHS": "HiGHS solving",
    "check": "checking the solution",
    "tables": "making the tables",
    "sensitivity": "sensitivity (HiGHS's ranging)",
    "diagnosis": "diagnosing why it is infeasible",
    "write": "writing the run folder",
}
"""What each phase of a solve (model.optimise's `on_phase`, and the command's own writing) is called."""


SPINNER = 3
"""Columns the live line's spinner and its gap take on a terminal."""
SHORTEST = (12, 12)
"""Characters kept at least of the detail (the phase) and of what runs (`Solving NAME`): below
those, the line drops some of its figures instead (the time of the step, then the run's)."""


def fit(what: str, detail: str, tails: list[str], width: int | None, keep: int = SHORTEST[0]) -> str:
    """`what: detail` and the first of `tails` (the figures, longest first) that fit in `width`
    columns: the detail (down to `keep` characters), then `what`, shortened with `…` to make room,
    then `what` left out; the figures never cut (a cut `60.0 s le` tells nothing). With no width (a
    log line): all of it."""
    if width is None:
        return f"{what}: {detail}{tails[0]}"
    for tail in tails:
        room = width - len(tail)
        cut_detail = _cut(detail, max(keep, room - len(what) - 2))
        cut_what = _cut(what, room - len(cut_detail) - 2)
        if len(cut_what) >= min(len(what), SHORTEST[1]):
            return f"{cut_what}: {cut_detail}{tail}"
    if len(detail) + len(tails[-1]) <= width and len(detail) >= keep:  # narrow: what runs is on the screen above
        return f"{detail}{tails[-1]}"
    return tails[-1].lstrip(", ")  # a very narrow terminal: the figures alone (the terminal wraps them)


def _cut(text: str, size: int) -> str:
    """`text` in at most `size` characters, ending with `…` when it had to be cut."""
    if len(text) <= size:
        return text
    return text[: max(size - 1, 0)] + "…" if size > 0 else ""


def clock(seconds: float) -> str:
    """`4.2 s` under a minute, `3 min 05 s` under an hour, `1 h 02 min` beyond."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


class Ticker:
    """A helper thread that calls `show(text)` with `line()` every TICK seconds while the step runs:
    redrawn on a terminal, and as plain lines after STARTS_AFTER and then every EVERY seconds elsewhere."""

    def __init__(self) -> None:
        self.enabled = not MODE["quiet"]
        self.live = self.enabled and err.is_terminal
        self.started = self.step_started = perf_counter()
        self._printed: float | None = None  # when the last plain line was printed, in this step
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="progress", daemon=True)
        self._status: Any = None

    def line(self, width: int | None = None) -> str:
        """The progress line, fitted to `width` columns when given (see `fit`)."""
        raise NotImplementedError

    def _shown(self) -> str:
        """The line as shown now: fitted to the terminal beside the spinner when live; whole in a log."""
        return self.line(err.width - SPINNER if self.live else None)

    def new_step(self) -> None:
        """A step starts: its time counts from now, and a plain line waits STARTS_AFTER again."""
        self.step_started, self._printed = perf_counter(), None
        if self._status is not None:
            self._status.update(Text(self._shown()))

    def __enter__(self) -> Self:
        if self.enabled:
            if self.live:
                self._status = err.status(Text(self._shown()))  # Text: a status string is read as markup
                self._status.start()
            self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        if self._status is not None:
            self._status.stop()

    def _run(self) -> None:
        while not self._stop.wait(TICK):
            now = perf_counter()
            if self._status is not None:
                self._status.update(Text(self._shown()))
            elif now - self.step_started >= STARTS_AFTER and (self._printed is None or now - self._printed >= EVERY):
                self._printed = now
                err.print(self._shown())


class Phases(Ticker):
    """A solve's progress: `what` (e.g. `Solving tiny`), the phase it is in and how long that has
    taken, the time since the start, and the time left of `time_limit` seconds when there is one."""

    def __init__(self, what: str, time_limit: float | None = None) -> None:
        super().__init__()
        self.what, self.time_limit, self.phase_name = what, time_limit, "starting"

    def phase(self, name: str) -> None:
        """`name` starts (a key of PHASES, or a phrase of its own)."""
        self.phase_name = PHASES.get(name, name)
        self.new_step()

    def line(self, width: int | None = None) -> str:
        now = perf_counter()
        total, step = now - self.started, clock(now - self.step_started)
        if self.time_limit is None:
            tails = [f", {step} (run {clock(total)})", f" (run {clock(total)})"]
        else:
            left = clock(max(self.time_limit - total, 0.0))
            tails = [
                f", {step} (run {clock(total)}; {left} left of {self.time_limit:g} s)",
                f" (run {clock(total)}; {left} left)",
                f", {left} left",
            ]
        return fit(self.what, self.phase_name, tails, width)


class Points(Ticker):
    """Points solved of a series (a sweep, a frontier): how many of `total`, the time since the start,
    and the time left, from the points finished so far (those `done` before, a resume's, not counted)."""

    def __init__(self, what: str, total: int, done: int = 0) -> None:
        super().__init__()
        self.what, self.total, self.done, self.done_before = what, total, done, done

    def advance(self, count: int = 1) -> None:
        """`count` more points are finished."""
        self.done += count
        if self._status is not None:
            self._status.update(Text(self._shown()))

    def line(self, width: int | None = None) -> str:
        elapsed = perf_counter() - self.started
        solved = self.done - self.done_before
        counted = f"{self.done:,} of {self.total:,} point{'s' if self.total != 1 else ''} done"
        tails = [f", {clock(elapsed)}"]
        if solved and self.done < self.total:
            left = clock(elapsed / solved * (self.total - self.done))
            tails = [f", {clock(elapsed)}, about {left} left", f", about {left} left"]
        return fit(self.what, counted, tails, width, keep=len(counted))  # the count is never cut
