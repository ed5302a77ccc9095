"""Plausible ranges of the scenario's figures (docs/model.md, Plausible ranges), declared once.

A figure far outside what any business could mean is a typo or a unit mistake (a wage of 1e308, a
billion periods, 1e-320 hours per unit): it used to pass validation and then fail late, wrongly, or
after filling the memory. Each kind of figure gets one range, generous enough for any real use, and
the schema's types (schema.py) enforce it at validation, so the refusal names the file, line,
field, the value and the range with its unit. HiGHS treats 1e20 as infinite: every range keeps
figures and their products well below it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Discriminator, Field, Tag
from pydantic_core import PydanticCustomError


@dataclass(frozen=True)
class Range:
    """What a kind of figure may be: 0 (when `zero`), or from `low` to `high`, in `unit`."""

    kind: str
    low: float  # the least value other than 0
    high: float
    unit: str
    zero: bool = True
    fields: str = ""  # which scenario fields are of this kind (for the docs' table)
    signed: bool = False  # negative values allowed too, their size in the same range (a rebate)

    def allowed(self) -> str:
        """The range in words, with its unit: '0, or 1e-6 to 1e9 units per period'."""
        span = f"{number(self.low)} to {number(self.high)} {self.unit}"
        if self.signed:
            span = f"{number(-self.high)} to {number(-self.low)} or {span}"
        return f"0, or {span}" if self.zero else span

    def contains(self, value: float) -> bool:
        """Whether `value` lies in the range."""
        size = abs(value) if self.signed else value
        return (value == 0 and self.zero) or self.low <= size <= self.high

    def check(self, value: float) -> float:  # ints pass through as ints
        """`value` if it lies in the range; a validation error naming the range otherwise."""
        if self.contains(value):
            return value
        raise PydanticCustomError(
            "implausible",
            "outside the plausible range of {kind}: {allowed} (docs/model.md, Plausible ranges)",
            {"kind": self.kind, "allowed": self.allowed()},
        )


def number(value: float) -> str:
    """A bound as people write it: 1e9, 1e-6, 730, 0.5."""
    text = f"{value:g}"
    return text.replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")


MONEY = Range(
    "an amount of money",
    1e-9,
    1e12,
    "currency",
    fields="wages and costs per FTE, per hour, per unit, holding, backlog, unmet penalties, prices",
)
SIGNED_MONEY = Range(
    "an amount of money of either sign",
    1e-9,
    1e12,
    "currency",
    fields="arcs cost (a negative cost is a rebate, subsidy or credit per unit handed over)",
    signed=True,
)
VOLUME = Range("a volume", 1e-6, 1e9, "units per period", fields="demands volume")
UNITS = Range("a number of units", 1e-6, 1e12, "units", fields="capacities, stock initial and final_min, final_backlog")
HOURS_PER_UNIT = Range(
    "hours per unit", 1e-6, 1e5, "hours per unit", zero=False, fields="work hours_per_unit and hours_by_demand"
)
HOURS_PER_PERIOD = Range(
    "hours per period", 1e-3, 1e6, "hours", zero=False, fields="roles hours_per_fte, queue open_hours"
)
OVERTIME_HOURS = Range("overtime hours per period", 1e-3, 1e6, "hours", fields="overtime max_hours_per_fte")
DURATION = Range(
    "a duration or time target",
    1e-6,
    1e7,
    "time units (scenario.time_unit)",
    zero=False,
    fields="period_length, response-time targets, queue within, average_wait and patience",
)
TIME = Range("a time", 1e-6, 1e7, "time units (scenario.time_unit)", fields="processing, wait and lead times")
SHARE = Range("a share", 1e-6, 1.0, "(a fraction)", zero=False, fields="quality, min_quality, max_utilisation")
SERVICE_LEVEL = Range(
    "a service level",
    1e-6,
    0.999999,
    "(a fraction)",
    zero=False,
    fields="queue service_level, max_abandoned and max_blocked",
)
FTE = Range("a number of FTE", 1e-6, 1e7, "FTE", fields="staff min, max and initial")
PEAK_FACTOR = Range("a peak factor", 1.0, 1e3, "(peak rate / average rate)", zero=False, fields="queue peak_factor")
WEIGHT = Range("a weight", 1e-6, 1e6, "(relative)", zero=False, fields="solver relaxation_weights")
SECONDS = Range("a time limit", 1e-3, 1e9, "seconds", zero=False, fields="solver time_limit")
GAP = Range("a relative gap", 1e-12, 1.0, "(a fraction)", fields="solver mip_gap")

MAX_PERIODS = 100_000
"""Most periods: hourly for over eleven years. A billion periods filled 10 GB before failing."""
MAX_LABEL = 100
"""Most characters in a period label."""
PERIODS = Range("a number of periods", 1, MAX_PERIODS, "periods", zero=False, fields="scenario periods")
THREADS = Range("a number of threads", 1, 1024, "threads", zero=False, fields="solver threads")
ITERATIONS = Range("a number of iterations", 1, 10_000, "iterations", zero=False, fields="solver queue_iterations")
MINUTES = Range("an interval's minutes", 1, 1440, "minutes", zero=False, fields="intervals times minutes")
SHRINKAGE = Range("a shrinkage", 1e-6, 0.99, "(a fraction of rostered time)", fields="roles shrinkage")
DAYS_ON = Range("a number of days on", 1, 366, "days", zero=False, fields="work days_on")
RULE_NUMBER = Range(
    "a rule's number",
    1e-9,
    1e12,
    "(the sum's unit: units, FTE, hours or currency; a fraction of the `of` sum with `of`)",
    fields="rules at_most, at_least, equal",
    signed=True,
)

RANGES: tuple[Range, ...] = (
    MONEY,
    SIGNED_MONEY,
    VOLUME,
    UNITS,
    HOURS_PER_UNIT,
    HOURS_PER_PERIOD,
    OVERTIME_HOURS,
    DURATION,
    TIME,
    SHARE,
    SERVICE_LEVEL,
    FTE,
    PEAK_FACTOR,
    WEIGHT,
    SECONDS,
    GAP,
    PERIODS,
    THREADS,
    ITERATIONS,
    MINUTES,
    RULE_NUMBER,
    SHRINKAGE,
    DAYS_ON,
)
"""Every range of a real-valued figure, in the order of the docs' table."""


def _within(kind: Range) -> AfterValidator:
    return AfterValidator(kind.check)


_AT_LEAST_0 = Field(ge=0, allow_inf_nan=False)
_ABOVE_0 = Field(gt=0, allow_inf_nan=False)

# The schema's types: the sign first (a negative or zero value keeps its plain message), then the range.
Money = Annotated[float, _AT_LEAST_0, _within(MONEY)]
SignedMoney = Annotated[float, Field(allow_inf_nan=False), _within(SIGNED_MONEY)]
"""Money that may be negative: a rebate, subsidy or credit (arc costs only)."""
Volume = Annotated[float, _AT_LEAST_0, _within(VOLUME)]
Units = Annotated[float, _AT_LEAST_0, _within(UNITS)]
HoursPerUnit = Annotated[float, _ABOVE_0, _within(HOURS_PER_UNIT)]
HoursPerPeriod = Annotated[float, _ABOVE_0, _within(HOURS_PER_PERIOD)]
HoursPerPeriodOr0 = Annotated[float, _AT_LEAST_0, _within(OVERTIME_HOURS)]
Time = Annotated[float, _AT_LEAST_0, _within(TIME)]
PositiveTime = Annotated[float, _ABOVE_0, _within(DURATION)]
Share = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False), _within(SHARE)]
"""A fraction in (0, 1]: quality levels, utilisation caps."""
ServiceLevel = Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False), _within(SERVICE_LEVEL)]
Fte = Annotated[float, _AT_LEAST_0, _within(FTE)]
PeakFactor = Annotated[float, Field(ge=1, allow_inf_nan=False), _within(PEAK_FACTOR)]
Weight = Annotated[float, _ABOVE_0, _within(WEIGHT)]
Seconds = Annotated[float, _ABOVE_0, _within(SECONDS)]
Gap = Annotated[float, _AT_LEAST_0, _within(GAP)]
PeriodCount = Annotated[int, Field(ge=1), _within(PERIODS)]
RuleNumber = Annotated[float, Field(allow_inf_nan=False), _within(RULE_NUMBER)]
Shrinkage = Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False), _within(SHRINKAGE)]
"""A share of rostered time lost (absence, training, breaks not in the pattern): 0, or up to 0.99."""
DaysOn = Annotated[int, _within(DAYS_ON)]
"""A rule's bound (either sign: a cost may be negative) or share (checks.py refuses a negative share)."""


def _label_text(value: object) -> object:
    """YAML reads `2027-01-31` as a date and `1` as a number; period labels are text. A mapping or a
    list is no label (it used to be accepted, as its printed form)."""
    if isinstance(value, (dict, list)):
        kind = "mapping" if isinstance(value, dict) else "list"
        raise PydanticCustomError("period_label", f"a period label is text (or a number or date), not a {kind}")
    if isinstance(value, (int, float, datetime.date)) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and not 1 <= len(value) <= MAX_LABEL:
        raise PydanticCustomError(
            "period_label", f"a period label has 1 to {MAX_LABEL} characters; this one has {len(value)}"
        )
    return value


PeriodLabel = Annotated[str, BeforeValidator(_label_text)]


def _shape(value: object) -> str:
    """Which form of a number-or-list field is given, so that only that form's problem is reported
    (not also "input should be a valid list" for a number out of range)."""
    return "list" if isinstance(value, list) else "one"


Volumes = Annotated[
    Annotated[Volume, Tag("one")] | Annotated[list[Volume], Tag("list"), Field(min_length=1, max_length=MAX_PERIODS)],
    Discriminator(_shape),
]
"""Units per period: one number for every period, or one per period."""
Periods = Annotated[
    Annotated[PeriodCount, Tag("one")]
    | Annotated[list[PeriodLabel], Tag("list"), Field(min_length=1, max_length=MAX_PERIODS)],
    Discriminator(_shape),
]
"""A number of periods, or their labels in order."""
Threads = Annotated[int, Field(ge=1), _within(THREADS)]
QueueIterations = Annotated[int, Field(ge=1), _within(ITERATIONS)]
Minutes = Annotated[int, Field(ge=1), _within(MINUTES)]


def docs_table() -> str:
    """The Plausible ranges table of docs/model.md, from RANGES (a test keeps the two the same)."""
    lines = ["| kind | allowed | fields |", "|---|---|---|"]
    for kind in RANGES:
        lines.append(f"| {kind.kind} | {kind.allowed()} | {kind.fields} |")
    labels = f"1 to {MAX_LABEL} characters: text, or a number or date (read as text)"
    lines.append(f"| a period label | {labels} | scenario periods (a list), one per period |")
    return "\n".join(lines)
