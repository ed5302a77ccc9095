"""Intervals within a period (docs/model.md, Intervals): their table, and how each demand arrives over them.

A scenario's `intervals` are days x times of day, each lasting `hours` and occurring `weight` times
per period. Flows stay per period; what an interval changes is where in the period the work arrives:
pi[d,i] is the share of demand d's period volume that arrives in ONE occurrence of interval i, so
that sum_i weight x pi[d,i] = 1. Queues and rosters are sized per interval from these shares.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.scenario.schema import Demand, Intervals, ProfileProduct, Scenario

INTERVAL_COLUMNS = {"interval": "object", "day": "object", "time": "object", "hours": "float64"}


def interval_frame(scenario: Scenario) -> pd.DataFrame:
    """One row per interval, in order (days outer): interval label, day, time, hours; no rows without
    intervals."""
    spec = scenario.intervals
    if spec is None:
        return pd.DataFrame({column: pd.Series([], dtype=kind) for column, kind in INTERVAL_COLUMNS.items()})
    days, times = zip(*spec.day_and_time(), strict=True)
    return pd.DataFrame(
        {"interval": spec.labels(), "day": list(days), "time": list(times), "hours": spec.interval_hours()}
    ).astype(INTERVAL_COLUMNS)


def arrival_shares(scenario: Scenario) -> np.ndarray:
    """pi: (demands x intervals), the share of each demand's period volume arriving in one occurrence
    of each interval; each row sums to 1 / weight. No columns without intervals."""
    spec = scenario.intervals
    if spec is None:
        return np.zeros((len(scenario.demands), 0))
    rows = [_relative_arrivals(demand, spec) for demand in scenario.demands.values()]
    shares = np.array(rows, dtype=float).reshape(len(scenario.demands), len(spec.labels()))
    return shares / (spec.weight * shares.sum(axis=1, keepdims=True))


def _relative_arrivals(demand: Demand, spec: Intervals) -> np.ndarray:
    """The demand's arrivals per interval, up to a factor: its volume_by_interval, its profile (a list,
    or the product of a day and a time-of-day profile), else the intervals' hours (arrivals even in
    time). All zero (a volume of 0) falls back to the hours, so that the shares stay defined."""
    hours = np.array(spec.interval_hours(), dtype=float)
    given = demand.volume_by_interval if demand.volume_by_interval is not None else demand.profile
    if given is None:
        return hours
    if isinstance(given, ProfileProduct):
        days = np.array(given.days or [1.0] * len(spec.days or [""]), dtype=float)
        times = np.array(given.times or [1.0] * len(spec.time_labels or [""]), dtype=float)
        arrivals = np.outer(days, times).ravel()
    else:
        arrivals = np.array(given, dtype=float)
    return arrivals if arrivals.sum() > 0 else hours
