"""Shift patterns: which intervals one head on a pattern covers (docs/model.md, Shifts).

A role at a node may be staffed by patterns (`work.R.shifts`, `work.R.days_on`). Each pattern is a
set of intervals (days x times): written out (`covers`), or as a shift that starts at a time and
lasts some hours (wrapping past the last time of a day into the next day), less its `breaks`, on its
`days`; or, with days-only intervals, as its days alone. The scenario checks and the index sets both
read the covers from here, so a pattern the checks accept is the pattern the LP gets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from model.scenario.loader import closest
from model.scenario.schema import CLOCK, Intervals, Role, Shift, Work, clock_minutes

EPS = 1e-9


class CoverError(ValueError):
    """A pattern that cannot be laid on the intervals: `where` is the field inside the pattern (or the
    work entry for `days_on`), `hint` what would do."""

    def __init__(self, where: tuple, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.where, self.message, self.hint = where, message, hint


@dataclass(frozen=True)
class Pattern:
    """One pattern of a rostered role at a node: its name, the intervals it covers (positions in
    `Intervals.labels()`), and the figures of a head on it per occurrence of the interval cycle."""

    name: str
    covers: tuple[int, ...]
    hours: float  # hours covered (on duty) per occurrence of the cycle
    cost: float  # currency per head per occurrence of the cycle
    min: float
    max: float | None


def is_rostered(work: Work) -> bool:
    """Whether the role is staffed by shift patterns at this node."""
    return work.shifts is not None or work.days_on is not None


def patterns(work: Work, role: Role, intervals: Intervals) -> list[Pattern]:
    """The work entry's patterns: its `shifts` in order, then those `days_on` generates. Raises
    CoverError for a pattern that does not fit the intervals."""
    hours = intervals.interval_hours()
    found = []
    for name, spec in (work.shifts or {}).items():
        try:
            covers = covered(spec, intervals)
        except CoverError as error:
            raise CoverError(("shifts", name, *error.where), error.message, error.hint) from None
        found.append(_pattern(name, covers, spec.cost, spec.min, spec.max, hours, role))
    for name, covers in days_on_patterns(work, intervals):
        if name in (work.shifts or {}):
            raise CoverError(("days_on",), f"days_on makes a pattern '{name}', a name shifts already uses")
        found.append(_pattern(name, covers, None, 0.0, None, hours, role))
    return found


def _pattern(
    name: str,
    covers: tuple[int, ...],
    cost: float | None,
    low: float,
    high: float | None,
    hours: list[float],
    role: Role,
) -> Pattern:
    """A pattern's figures: its covered hours, and its cost (given, or the covered hours at the role's
    cost per hour, cost_per_fte / hours_per_fte)."""
    on_duty = sum(hours[i] for i in covers)
    price = cost if cost is not None else on_duty * role.cost_per_fte / role.hours_per_fte
    return Pattern(name, covers, on_duty, price, low, high)


def covered(spec: Shift, intervals: Intervals) -> tuple[int, ...]:
    """The positions of the intervals one head on the pattern covers, in order."""
    labels = intervals.labels()
    if spec.covers is not None:
        return _listed(spec.covers, labels)
    days = _days(spec, intervals)
    times = intervals.time_labels or [""]
    if spec.start is None:  # days alone: every time of each day
        found = sorted({day * len(times) + t for day in days for t in range(len(times))})
    else:
        walk = _walk(spec, intervals)
        day_count = len(intervals.days or [""])
        found = sorted({((day + offset) % day_count) * len(times) + t for day in days for offset, t in walk})
    if not found:
        raise CoverError((), "the pattern covers no interval", "Leave out fewer breaks, or list `covers`.")
    return tuple(found)


def _listed(covers: list[str], labels: list[str]) -> tuple[int, ...]:
    at = {label: i for i, label in enumerate(labels)}
    for k, label in enumerate(covers):
        if label not in at:
            raise CoverError(("covers", k), f"unknown interval '{label}'", closest(label, labels))
    return tuple(sorted({at[label] for label in covers}))


def _days(spec: Shift, intervals: Intervals) -> list[int]:
    """The positions of the days the pattern is worked (starts on): its `days`, else every day."""
    if spec.days is None:
        return list(range(len(intervals.days or [""])))
    if not intervals.days:
        raise CoverError(("days",), "intervals has no days", "Leave out days, or give `intervals.days`.")
    for k, day in enumerate(spec.days):
        if day not in intervals.days:
            raise CoverError(("days", k), f"unknown day '{day}'", closest(day, intervals.days))
    return sorted({intervals.days.index(day) for day in spec.days})


def _walk(spec: Shift, intervals: Intervals) -> list[tuple[int, int]]:
    """(day offset, time position) of each time the shift covers from `start` until its `hours` are
    up, wrapping past the last time of a day into the next day; less its breaks."""
    times = intervals.time_labels
    if not times:
        raise CoverError(("start",), "intervals has no times of day", "With days only, give the pattern's days alone.")
    assert spec.start is not None and spec.hours is not None  # the schema gives both or neither
    if spec.start not in times:
        raise CoverError(("start",), f"unknown time '{spec.start}'", closest(spec.start, times))
    lasts = intervals.interval_hours()[: len(times)]
    t, offset, left = times.index(spec.start), 0, spec.hours
    walk: list[tuple[int, int]] = []
    while left > EPS:
        if len(walk) >= len(times) * len(intervals.days or [""]):
            raise CoverError(("hours",), f"a shift of {spec.hours:g} hours is longer than the whole interval cycle")
        walk.append((offset, t))
        left -= lasts[t]
        if left < -EPS:
            raise CoverError(
                ("hours",),
                f"the shift from {spec.start} for {spec.hours:g} hours ends inside the interval {times[t]} "
                f"({lasts[t]:g} hours long)",
                "A shift covers whole intervals: make its hours end where an interval ends.",
            )
        following = (t + 1) % len(times)
        if left > EPS and not _adjacent(times[t], lasts[t], times[following]):
            raise CoverError(
                ("hours",),
                f"the shift from {spec.start} for {spec.hours:g} hours runs past the end of {times[t]}, "
                f"where the times of a day end (the next is {times[following]})",
                "Shorten the shift, or extend `intervals.times`.",
            )
        offset += following == 0
        t = following
    return _less_breaks(spec, times, walk)


def _adjacent(time: str, hours: float, following: str) -> bool:
    """Whether `following` starts where `time` (lasting `hours`) ends; True for labels that are not
    HH:MM times (their order is then taken as it is)."""
    if not (re.match(CLOCK, time) and re.match(CLOCK, following)):
        return True
    return (clock_minutes(time) + round(hours * 60)) % 1440 == clock_minutes(following)


def _less_breaks(spec: Shift, times: list[str], walk: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The walk without the times named in `breaks`, each of which must be a time inside the shift."""
    inside = [times[t] for _, t in walk]
    for k, time in enumerate(spec.breaks or []):
        if time not in times:
            raise CoverError(("breaks", k), f"unknown time '{time}'", closest(time, times))
        if time not in inside:
            shown = ", ".join(inside[:8]) + (", ..." if len(inside) > 8 else "")
            raise CoverError(
                ("breaks", k),
                f"the break {time} is outside the shift from {spec.start} for {spec.hours:g} hours",
                f"A break is one of the shift's own times: {shown}.",
            )
    off = set(spec.breaks or [])
    return [(offset, t) for offset, t in walk if times[t] not in off]


def days_on_patterns(work: Work, intervals: Intervals) -> Iterator[tuple[str, tuple[int, ...]]]:
    """`days_on: n`: every run of n consecutive days (cyclic), named by its first and last day
    ("Mon-Fri"), each covering every interval of its days; one pattern when n is every day."""
    n = work.days_on
    if n is None:
        return
    days = intervals.days
    if not days:
        raise CoverError(("days_on",), "days_on needs days in intervals", "Give `intervals.days` (e.g. Mon..Sun).")
    if n > len(days):
        raise CoverError(("days_on",), f"days_on {n} is more than the {len(days)} days of the intervals")
    times = len(intervals.time_labels or [""])
    for first in range(1 if n == len(days) else len(days)):
        run = [(first + k) % len(days) for k in range(n)]
        name = days[run[0]] if n == 1 else f"{days[run[0]]}-{days[run[-1]]}"
        yield name, tuple(sorted(day * times + t for day in run for t in range(times)))
