"""HiGHS's solve, interruptible: Ctrl-C or SIGTERM ends a long solve at once, not when HiGHS returns.

Python runs a signal's handler in the main thread, between two of its own instructions; while the
main thread is inside HiGHS (minutes, for a large model) a Ctrl-C waits. So HiGHS runs in a helper
thread while the main thread waits on it in short steps: the handler's KeyboardInterrupt is raised
there at once. HiGHS is then asked to stop: its interrupt callbacks (simplex, interior point, MIP)
are switched on only now, so a solve nobody interrupts pays nothing for them, and the callback
answers "stop" at HiGHS's next check. The helper is waited for (well under a second) and the
interrupt raised again, for the caller to clean up. Off the main thread, where no signal arrives,
HiGHS simply runs.
"""

from __future__ import annotations

import threading

import highspy

STEP = 0.05
"""Seconds between the main thread's looks at the helper: how late an interrupt can be, at most."""
INTERRUPTS = ("kCallbackSimplexInterrupt", "kCallbackIpmInterrupt", "kCallbackMipInterrupt")
"""HiGHS's callbacks at which a solve can be stopped."""


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
    """Switch HiGHS's interrupt callbacks on, each answering "stop" (HiGHS reads the switch at its checks)."""
    from highspy import cb

    def interrupt(kind: object, message: str, data_out: object, data_in: object, user: object) -> None:
        if data_in is not None:
            data_in.user_interrupt = True  # type: ignore[attr-defined]

    highs.setCallback(interrupt, None)
    for name in INTERRUPTS:
        highs.startCallback(getattr(cb.HighsCallbackType, name))


def _wait_through_interrupts(done: threading.Event) -> None:
    """Wait for HiGHS to stop, even through a second Ctrl-C: the model must not be freed under it."""
    while not done.is_set():
        try:
            done.wait(STEP)
        except KeyboardInterrupt:
            continue
