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

    def line(self) -> str:
        raise NotImplementedError

    def new_step(self) -> None:
        """A step starts: its time counts from now, and a plain line waits STARTS_AFTER again."""
        self.step_started, self._printed = perf_counter(), None
        if self._status is not None:
            self._status.update(Text(self.line()))

    def __enter__(self) -> Self:
        if self.enabled:
            if self.live:
                self._status = err.status(Text(self.line()))  # Text: a status string is read as markup
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
                self._status.update(Text(self.line()))
            elif now - self.step_started >= STARTS_AFTER and (self._printed is None or now - self._printed >= EVERY):
                self._printed = now
                err.print(self.line())


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

    def line(self) -> str:
        now = perf_counter()
        total = now - self.started
        text = f"{self.what}: {self.phase_name}, {clock(now - self.step_started)} (run {clock(total)}"
        if self.time_limit is not None:
            text += f"; {clock(max(self.time_limit - total, 0.0))} left of {self.time_limit:g} s"
        return text + ")"


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
            self._status.update(Text(self.line()))

    def line(self) -> str:
        elapsed = perf_counter() - self.started
        solved = self.done - self.done_before
        text = (
            f"{self.what}: {self.done:,} of {self.total:,} point{'s' if self.total != 1 else ''} done, {clock(elapsed)}"
        )
        if solved and self.done < self.total:
            text += f", about {clock(elapsed / solved * (self.total - self.done))} left"
        return text
