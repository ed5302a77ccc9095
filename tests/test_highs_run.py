"""model/highs_run.py: HiGHS instances that never print, with one callback for the log and interrupts."""

from __future__ import annotations

import highspy
import numpy as np

from model.highs_run import Callbacks, QuietHighs, _stop


def knapsack_lp(highs: highspy.Highs, n: int = 200) -> None:
    """max sum(c x) s.t. sum(w x) <= n/4, 0 <= x <= 1 (as a minimisation): a small LP that simplex
    iterates on, so that HiGHS logs and reaches its interrupt checks."""
    rng = np.random.default_rng(0)
    cost, weight = -rng.uniform(1, 2, n), rng.uniform(1, 2, n)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, 1
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, np.zeros(n), np.ones(n)
    lp.row_lower_, lp.row_upper_ = np.array([-highspy.kHighsInf]), np.array([n / 4])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(n + 1, dtype=np.int32)
    lp.a_matrix_.index_ = np.zeros(n, dtype=np.int32)
    lp.a_matrix_.value_ = weight
    highs.passModel(lp)
    highs.setOptionValue("presolve", "off")  # simplex iterates, and checks for an interrupt
    highs.setOptionValue("log_to_console", False)
    highs.setOptionValue("output_flag", True)


def test_the_log_is_still_collected_after_an_interrupt_was_asked_for(capfd):
    """An interrupt must not replace the instance's callback (replacing it while HiGHS runs in another
    thread can free the function HiGHS is calling): the log goes on being collected, the flag is
    set on the same Callbacks, and nothing reaches the screen."""
    log: list[str] = []
    highs = QuietHighs(log)
    knapsack_lp(highs)
    callbacks = highs.callbacks
    _stop(highs)  # as if Ctrl-C came just before HiGHS started
    highs.run()
    assert highs.callbacks is callbacks and callbacks.interrupted
    assert any("HiGHS" in line for line in log), log  # the banner and what followed, still collected
    assert highs.getModelStatus() in (highspy.HighsModelStatus.kInterrupt, highspy.HighsModelStatus.kOptimal)
    assert capfd.readouterr().out == ""


def test_an_instance_not_made_by_new_highs_gets_a_callback_when_interrupted():
    highs = highspy._core._Highs()
    highs.setOptionValue("output_flag", False)
    knapsack_lp(highs)
    highs.setOptionValue("output_flag", False)
    _stop(highs)
    highs.run()
    assert highs.getModelStatus() == highspy.HighsModelStatus.kInterrupt  # stopped at its first check


def test_the_callback_answers_stop_only_once_interrupted():
    class DataIn:
        user_interrupt = False

    callbacks, data_in = Callbacks(), DataIn()
    callbacks(highspy.cb.HighsCallbackType.kCallbackSimplexInterrupt, "", None, data_in, None)
    assert data_in.user_interrupt is False
    callbacks.interrupted = True
    callbacks(highspy.cb.HighsCallbackType.kCallbackSimplexInterrupt, "", None, data_in, None)
    assert data_in.user_interrupt is True
