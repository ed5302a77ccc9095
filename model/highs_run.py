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


def run_interruptibly(highs: highspy.Highs) -> None:
    """`highs.run()`, raising KeyboardInterrupt promptly (with HiGHS stopped) on Ctrl-C or SIGTERM."""
    if threading.current_thread() is not threading.main_thread():
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
