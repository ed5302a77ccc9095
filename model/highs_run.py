"""HiGHS's solve, interruptible: Ctrl-C or SIGTERM ends a long solve at once, not when HiGHS returns.

Python runs a signal's handler in the main thread, between two of its own instructions; while the
main thread is inside HiGHS (minutes, for a large model) a Ctrl-C waits. So HiGHS runs in a helper
thread while the main thread waits on it in short steps: the handler's KeyboardInterrupt is raised
there at once. HiGHS is then asked to stop: the instance's callback answers "stop" at HiGHS's next
interrupt check (simplex, interior point, MIP). The helper is waited for (well under a second) and
the interrupt raised again, for the caller to clean up. Off the main thread, where no signal
arrives, HiGHS simply runs.

Nothing calls into HiGHS while it runs: replacing its one Python callback under a running solve
crashed it (once in a few hundred interrupts, while HiGHS was logging through that callback), and
switching a callback on under it deadlocked (`startCallback` holding the interpreter while HiGHS's
thread waited for it to log). So each instance made by `new_highs` gets its one callback, serving
the log (`log`) and the interrupt checks, with both switched on when it is made, as highspy's own
`Highs` does; an interrupt only sets the flag the callback reads (`interrupted`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import highspy
from highspy import cb

STEP = 0.05
"""Seconds between the main thread's looks at the helper: how late an interrupt can be, at most."""
INTERRUPTS = ("kCallbackSimplexInterrupt", "kCallbackIpmInterrupt", "kCallbackMipInterrupt")
"""HiGHS's callbacks at which a solve can be stopped."""


@dataclass
class Callbacks:
    """What an instance's one callback serves: the log lines collected (None: not collected), and
    whether it was interrupted. It holds no reference to the instance: no cycle through HiGHS."""

    log: list[str] | None = None
    interrupted: bool = False

    def __call__(self, kind: object, message: str, data_out: object, data_in: object, user: object) -> None:
        if kind == cb.HighsCallbackType.kCallbackLogging:
            if self.log is not None:
                self.log.append(message)
        elif self.interrupted and data_in is not None:
            data_in.user_interrupt = True  # type: ignore[attr-defined]


_CORE = getattr(getattr(highspy, "_core", None), "_Highs", highspy.Highs)
"""highspy's core class: its `Highs` wrapper prints HiGHS's banner to stdout when an instance is made,
whatever the options; the core class does not."""


class QuietHighs(_CORE):  # type: ignore[misc, valid-type]
    """A HiGHS instance that never writes to the screen, with its one callback (`callbacks`) set."""

    def __init__(self, log: list[str] | None = None) -> None:
        super().__init__()
        self.setOptionValue("output_flag", False)
        self.callbacks = Callbacks(log)
        self.setCallback(self.callbacks, None)
        if log is not None:
            self.startCallback(cb.HighsCallbackType.kCallbackLogging)
        for name in INTERRUPTS:  # now, not when interrupted: a call into HiGHS during a run can deadlock
            self.startCallback(getattr(cb.HighsCallbackType, name))


class Stopper:
    """A way for another thread to stop the HiGHS runs of the thread that holds it (`stopping`): the
    workbench's cancel button. `stop()` only sets the flag the running instance's callback reads (as a
    Ctrl-C does), and every later run in that thread stops at its first check."""

    def __init__(self) -> None:
        self.stopped = False
        self._running: highspy.Highs | None = None
        self._lock = threading.Lock()

    def stop(self) -> None:
        with self._lock:
            self.stopped = True
            if self._running is not None:
                _stop(self._running)

    def run(self, highs: highspy.Highs) -> None:
        """`highs.run()`, stopped at once if `stop` was called before or while it runs."""
        with self._lock:
            self._running = highs
            if self.stopped:
                _stop(highs)
        try:
            highs.run()
        finally:
            with self._lock:
                self._running = None


_THREAD = threading.local()
"""The Stopper of this thread's work, if it has one (`stopping`)."""


@contextmanager
def stopping(stopper: Stopper) -> Iterator[Stopper]:
    """While the body runs, HiGHS runs of this thread (off the main thread) can be stopped by `stopper`."""
    before = getattr(_THREAD, "stopper", None)
    _THREAD.stopper = stopper
    try:
        yield stopper
    finally:
        _THREAD.stopper = before


def run_interruptibly(highs: highspy.Highs) -> None:
    """`highs.run()`, raising KeyboardInterrupt promptly (with HiGHS stopped) on Ctrl-C or SIGTERM;
    off the main thread, stopped by the thread's Stopper (`stopping`), if it has one."""
    if threading.current_thread() is not threading.main_thread():
        stopper = getattr(_THREAD, "stopper", None)
        if stopper is not None:
            stopper.run(highs)
        else:
            highs.run()
        return
    done = threading.Event()
    failure: list[BaseException] = []

    def solve() -> None:
        try:
            highs.run()
        except BaseException as error:  # raised in the main thread below
            failure.append(error)
        finally:
            done.set()

    helper = threading.Thread(target=solve, name="highs", daemon=True)
    helper.start()
    try:
        while not done.wait(STEP):
            pass
    except BaseException:
        _stop(highs)
        _wait_through_interrupts(done)
        raise
    if failure:
        raise failure[0]


def _stop(highs: highspy.Highs) -> None:
    """Ask HiGHS to stop at its next check: the instance's callback answers "stop" from now on, and
    HiGHS's interrupt callbacks are switched on (HiGHS reads the switch at its checks). An instance
    not made by new_highs gets a callback now (it has none that could be running)."""
    callbacks = getattr(highs, "callbacks", None)
    if isinstance(callbacks, Callbacks):  # its callbacks run already: only the flag changes
        callbacks.interrupted = True
        return
    callbacks = Callbacks(interrupted=True)
    highs.setCallback(callbacks, None)
    for name in INTERRUPTS:
        highs.startCallback(getattr(cb.HighsCallbackType, name))


def _wait_through_interrupts(done: threading.Event) -> None:
    """Wait for HiGHS to stop, even through a second Ctrl-C: the model must not be freed under it."""
    while not done.is_set():
        try:
            done.wait(STEP)
        except KeyboardInterrupt:
            continue
