"""The scenario format as typed, frozen pydantic models (the YAML layout of model.md).

Every model forbids unknown keys; each field's docstring is its reference entry (unit, default).
Checks that need more than one field (names that must exist, graph structure) live in checks.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from model.scenario.ranges import (
    MAX_LABEL,
    DaysOn,
    Fte,
    Gap,
    HoursPerPeriod,
    HoursPerPeriodOr0,
    HoursPerUnit,
    Minutes,
    Money,
    PeakFactor,
    Periods,
    PositiveTime,
    QueueIterations,
    RuleNumber,
    Seconds,
    ServiceLevel,
    Share,
    Shrinkage,
    SignedMoney,
    Threads,
    Time,
    Units,
    Volume,
    Volumes,
    Weight,
)

Name = Annotated[str, Field(min_length=1)]
ScenarioName = Annotated[str, Field(min_length=1, max_length=MAX_LABEL)]
"""A scenario's name, which names its run folders: at most MAX_LABEL characters."""

FORMER_NAMES = {"max_mean_response_time": "max_response_time"}
"""Fields renamed, with the name they had: files written before still load (giving both is an error)."""
CURRENT_NAMES = {former: current for current, former in FORMER_NAMES.items()}
"""FORMER_NAMES read the other way: a field's former name -> its current one."""


def with_current_names(data: Any) -> Any:
    """Scenario data with each demand field written under its former name moved to its current one
    (not where both are given: validation refuses that), so that overrides and comparisons see one
    name. The input is left as it is; only the demands that change are copied."""
    demands = data.get("demands") if isinstance(data, dict) else None
    if not isinstance(demands, dict):
        return data
    return {**data, "demands": {name: _current_fields(spec) for name, spec in demands.items()}}


def _current_fields(spec: Any) -> Any:
    if not isinstance(spec, dict) or not CURRENT_NAMES.keys() & spec.keys():
        return spec
    return {
        CURRENT_NAMES[key] if key in CURRENT_NAMES and CURRENT_NAMES[key] not in spec else key: value
        for key, value in spec.items()
    }


TIME_UNITS = ("minute", "hour", "day", "week")
HOURS_PER_TIME_UNIT = {"minute": 1 / 60, "hour": 1.0, "day": 24.0, "week": 168.0}
"""Hours in one time unit: queue handle times are hours per unit, queue targets are in time units."""


class Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, use_attribute_docstrings=True, populate_by_name=True
    )


class Meta(Strict):
    name: ScenarioName
    """Scenario name; used in run folder names."""
    currency: Annotated[str, Field(min_length=1, max_length=8)]
    """Currency of every cost figure (e.g. EUR)."""
    time_unit: Literal["minute", "hour", "day", "week"] = "hour"
    """Unit of every time figure (processing, wait, lead and response times, hours per unit)."""
    period_length: PositiveTime
    """Length of one planning period in time units (730 h = a month). A backlogged unit waits this long."""
    periods: Periods = 1
    """Number of periods, or their labels in order. Default 1."""
    objective: Literal["cost", "margin"] = "cost"
    """What the solve optimises: cost (default; every demand served as its fields say) or margin
    (revenue - cost: a demand with a `price` may be left unserved, in whole or in part, where serving
    it costs more than it brings; those units are counted as unmet)."""

    @field_validator("periods")
    @classmethod
    def _distinct_labels(cls, value: object) -> object:
        if isinstance(value, list):
            repeated = sorted({label for label in value if value.count(label) > 1})
            if repeated:
                raise ValueError(f"period labels must be distinct; repeated: {', '.join(repeated)}")
        return value

    @property
    def period_labels(self) -> list[str]:
        if isinstance(self.periods, int):
            return [f"P{i + 1}" for i in range(self.periods)]
        return list(self.periods)


CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
"""A time of day, HH:MM (24 hours)."""


def clock_minutes(text: str) -> int:
    """Minutes after midnight of an HH:MM time."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


class TimeRange(Strict):
    """Times of day generated from a start, an end and a step: `{from: "08:00", to: "20:00", minutes: 30}`."""

    start: Annotated[str, Field(pattern=CLOCK)] = Field(alias="from")
    """First interval's start, HH:MM."""
    end: Annotated[str, Field(pattern=CLOCK)] = Field(alias="to")
    """Last interval's end, HH:MM ("00:00" is midnight at the end of the day)."""
    minutes: Minutes
    """Length of each interval (minutes); from -> to must be a whole number of them."""

    @model_validator(mode="after")
    def _whole_steps(self) -> TimeRange:
        span = (clock_minutes(self.end) - clock_minutes(self.start)) % 1440 or 1440
        if span % self.minutes:
            raise ValueError(
                f"{self.start} to {self.end} is {span} minutes, not a whole number of {self.minutes}-minute intervals"
            )
        return self

    def labels(self) -> list[str]:
        span = (clock_minutes(self.end) - clock_minutes(self.start)) % 1440 or 1440
        first = clock_minutes(self.start)
        return [f"{(first + k) // 60 % 24:02d}:{(first + k) % 60:02d}" for k in range(0, span, self.minutes)]


class Intervals(Strict):
    """Intervals within a period (docs/model.md, Intervals): days x times of day, each occurring `weight`
    times per period. Demand arrives per interval, queues and rosters are sized per interval."""

    days: Annotated[list[Name], Field(min_length=1)] | None = None
    """Day labels (e.g. Mon..Sun); with `times`, every day has every time. None when absent."""
    times: TimeRange | Annotated[list[Name], Field(min_length=1)] | None = None
    """Times of day: {from, to, minutes} generates them, or a list of labels (then give `hours`). None when absent."""
    hours: HoursPerPeriod | Annotated[list[HoursPerPeriod], Field(min_length=1)] | None = None
    """Hours one interval lasts: one number, or one per time of `times`; derived from `minutes` with
    {from, to, minutes} (do not give it then). With `days` only: the hours worked in a day."""
    weight: Weight = 1.0
    """How many times each interval occurs in a period (e.g. 4.33 weeks a month for days of a week). Default 1."""

    @model_validator(mode="after")
    def _complete(self) -> Intervals:
        if self.days is None and self.times is None:
            raise ValueError("give days, times or both")
        for name, labels in (("day", self.days or []), ("time", self.time_labels)):
            repeated = sorted({label for label in labels if labels.count(label) > 1})
            if repeated:
                raise ValueError(f"{name} labels must be distinct; repeated: {', '.join(repeated)}")
        if isinstance(self.times, TimeRange):
            if self.hours is not None:
                raise ValueError("hours follow from minutes with {from, to, minutes}: remove hours")
        elif self.hours is None:
            raise ValueError("give hours: how long one interval lasts (hours), one number or one per time")
        elif isinstance(self.hours, list) and len(self.hours) != len(self.time_labels or [None]):
            raise ValueError(
                f"{len(self.hours)} hours given for {len(self.time_labels)} times: give one number, or one per time"
            )
        return self

    @property
    def time_labels(self) -> list[str]:
        if isinstance(self.times, TimeRange):
            return self.times.labels()
        return list(self.times or [])

    def labels(self) -> list[str]:
        """Interval labels in order, days outer: "Mon 08:00", or "Mon" / "08:00" when one is absent."""
        days, times = self.days or [""], self.time_labels or [""]
        return [f"{d} {t}".strip() for d in days for t in times]

    def day_and_time(self) -> list[tuple[str, str]]:
        days, times = self.days or [""], self.time_labels or [""]
        return [(d, t) for d in days for t in times]

    def interval_hours(self) -> list[float]:
        """Hours of each interval, in the order of `labels`."""
        times = self.time_labels or [""]
        if isinstance(self.times, TimeRange):
            per_time = [self.times.minutes / 60] * len(times)
        elif isinstance(self.hours, list):
            per_time = list(self.hours)
        else:
            per_time = [float(self.hours or 0.0)] * len(times)
        return per_time * len(self.days or [""])


class ProfileProduct(Strict):
    """A profile as a day profile times a time-of-day profile (how workforce tools forecast)."""

    days: Annotated[list[Volume], Field(min_length=1)] | None = None
    """Relative arrivals per day, one per day of `intervals.days`; all alike when absent."""
    times: Annotated[list[Volume], Field(min_length=1)] | None = None
    """Relative arrivals per time of day, one per time of `intervals.times`; all alike when absent."""


Profile = ProfileProduct | Annotated[list[Volume], Field(min_length=1)]
"""Relative arrivals per interval: one figure per interval, or {days, times} (their product)."""


class Overtime(Strict):
    max_hours_per_fte: HoursPerPeriodOr0 = 0.0
    """Most overtime hours one FTE may work per period."""
    cost_per_hour: Money = 0.0
    """Cost of one overtime hour (currency)."""


class Role(Strict):
    cost_per_fte: Money
    """Cost of one FTE for one period (currency)."""
    hours_per_fte: HoursPerPeriod
    """Productive hours one FTE gives per period (hours)."""
    hire_cost: Money = 0.0
    """Cost of hiring one FTE (currency)."""
    layoff_cost: Money = 0.0
    """Cost of laying off one FTE (currency)."""
    overtime: Overtime | None = None
    """Overtime allowed; none when absent."""
    skills: list[Name] = Field(default_factory=list)
    """Skills this role has (e.g. languages, product lines): it may do the work of a demand only if it
    has every skill the demand's `skills` require. Default none."""
    shrinkage: Shrinkage = 0.0
    """Share of rostered time lost where this role works shifts (absence, training, breaks not in the
    pattern): agents on duty = (1 - shrinkage) x heads rostered (docs/model.md, Shifts); default 0."""


class Rework(Strict):
    """What happens to the units a node (or one of its modes) does wrong: they are caught and done again."""

    to: Name = "same"
    """Where units done wrong go: same (redone here), origin (redone from the demand's origin) or a node."""
    cost: Money = 0.0
    """Cost per unit reworked besides its second pass, e.g. scrap or a return (currency); default 0."""
    time: Time = 0.0
    """Extra time per unit reworked besides its second pass, e.g. the return trip (time units); default 0."""


class Shift(Strict):
    """A shift pattern (docs/model.md, Shifts): the intervals one head on it covers, written as
    `covers` (the interval labels), or as `start` and `hours` (the times from start, wrapping past
    midnight into the next day) with optional `breaks` and `days`, or with days-only intervals as
    `days` alone (e.g. five consecutive days on)."""

    covers: Annotated[list[Name], Field(min_length=1)] | None = None
    """Interval labels the pattern covers (e.g. "Mon 08:00"); instead of start, hours, breaks and days."""
    start: Name | None = None
    """Time of day the shift starts: one of `intervals.times`."""
    hours: HoursPerPeriod | None = None
    """Length of the shift (hours, breaks included): it covers the times from `start` until these hours are up."""
    breaks: list[Name] | None = None
    """Times of day inside the shift that it does not cover (breaks taken by all on it); none when absent."""
    days: Annotated[list[Name], Field(min_length=1)] | None = None
    """Days the shift is worked (it starts on each): labels of `intervals.days`; every day when absent."""
    cost: Money | None = None
    """Cost of one head on this pattern per occurrence of the interval cycle (currency); default: its
    covered hours x the role's cost_per_fte / hours_per_fte."""
    min: Fte = 0.0
    """Fewest heads on this pattern (heads); default 0."""
    max: Fte | None = None
    """Most heads on this pattern (heads); unlimited when absent."""

    @model_validator(mode="after")
    def _one_way(self) -> Shift:
        timed = self.start is not None or self.hours is not None or self.breaks is not None
        if self.covers is not None and (timed or self.days is not None):
            raise ValueError("covers lists the intervals itself: remove start, hours, breaks and days")
        if self.covers is None and (self.start is None) != (self.hours is None):
            raise ValueError("give start and hours together (a shift from start lasting hours)")
        if self.covers is None and self.start is None and self.days is None:
            raise ValueError("give covers (interval labels), start and hours, or days")
        if self.breaks is not None and self.start is None:
            raise ValueError("breaks are times inside a shift: give start and hours")
        if self.max is not None and self.max < self.min:
            raise ValueError(f"max {self.max:g} is below min {self.min:g}")
        return self


class Work(Strict):
    hours_per_unit: HoursPerUnit
    """Hours of this role one unit takes at this node (hours)."""
    quality: Share | None = None
    """Share of units done right in this mode; inherits the node's quality."""
    processing_time: Time | None = None
    """Time one unit spends in processing (time units); inherits the node's."""
    unit_cost: Money | None = None
    """Cost per unit besides labour, e.g. materials (currency); inherits the node's."""
    rework: Rework | None = None
    """What happens to the units this mode does wrong; inherits the node's `rework` when left out."""
    hours_by_demand: dict[Name, HoursPerUnit] = Field(default_factory=dict)
    """Hours of this role one unit of a named demand takes at this node, {demand: hours}, instead of
    `hours_per_unit` for that demand (hours). Default none: every demand takes `hours_per_unit`."""

    def hours_for(self, demand: str) -> float:
        """Hours of this role one unit of `demand` takes here: its `hours_by_demand` entry, else `hours_per_unit`."""
        return self.hours_by_demand.get(demand, self.hours_per_unit)

    shifts: Annotated[dict[Name, Shift], Field(min_length=1)] | None = None
    """Shift patterns that staff this role here (docs/model.md, Shifts; needs `intervals`): {name:
    pattern}. The role is then rostered: heads per pattern are decisions. None when absent."""
    days_on: DaysOn | None = None
    """With days in `intervals`: add every pattern of this many consecutive days on (cyclic: Mon-Fri,
    Tue-Sat, ...), each covering every interval of its days, at the default cost. None when absent."""

    @property
    def rostered(self) -> bool:
        """Whether this role is staffed by shift patterns here (`shifts` or `days_on`)."""
        return self.shifts is not None or self.days_on is not None

    @field_validator("rework", mode="before")
    @classmethod
    def _no_null_rework(cls, value: object) -> object:
        if value is None:  # only when written: a mode without the line inherits, unvalidated
            raise PydanticCustomError("null_rework", "remove the line to inherit the node's rework")
        return value


class Staff(Strict):
    min: Fte = 0.0
    """Fewest FTE in any period."""
    max: Fte | None = None
    """Most FTE in any period; unlimited when absent."""
    initial: Fte | None = None
    """FTE before the first period; when absent the first period's staff is chosen freely."""


PerDemand = Units | dict[Name, Units]


class Stock(Strict):
    demands: list[Name] | None = None
    """Demands that may be made ahead and held here (beyond model.md); every demand passing the node when absent."""
    holding_cost: Money = 0.0
    """Cost of holding one unit for one period (currency)."""
    initial: PerDemand = 0.0
    """Units in stock before the first period: {demand: units}, or one number if one demand can use the node."""
    final_min: PerDemand = 0.0
    """Fewest units left in stock at the end: {demand: units}, or one number if one demand can use the node."""


class QueueTarget(Strict):
    """What a queue must achieve: a service level within a time, an average wait, or both."""

    service_level: ServiceLevel | None = None
    """Least share of arrivals answered within `within` (e.g. 0.8); needs `within`."""
    within: PositiveTime | None = None
    """Time within which `service_level` of arrivals must be answered (time units)."""
    average_wait: PositiveTime | None = None
    """Most average wait in the queue (time units)."""
    max_abandoned: ServiceLevel | None = None
    """erlang_a: most share of arrivals that hang up before they are answered (a fraction)."""
    max_blocked: ServiceLevel | None = None
    """erlang_b: most share of arrivals blocked (all agents busy, no waiting room) (a fraction)."""

    @model_validator(mode="after")
    def _complete(self) -> QueueTarget:
        if (self.service_level is None) != (self.within is None):
            raise ValueError("a service-level target needs both service_level and within")
        if (
            self.service_level is None
            and self.average_wait is None
            and self.max_abandoned is None
            and self.max_blocked is None
        ):
            raise ValueError("give service_level with within, average_wait, max_abandoned or max_blocked")
        return self


class Lane(Strict):
    name: Name
    """Lane name, e.g. express."""
    target: QueueTarget
    """What this lane's queue must achieve."""


class Queue(Strict):
    """Staffing follows the queue: the agents on duty must meet the target at the load routed here."""

    model: Literal["erlang_c", "erlang_a", "erlang_b"] = "erlang_c"
    """Queueing model: erlang_c (M/M/N: Poisson arrivals, exponential handle times, one pool per lane,
    callers wait as long as it takes), erlang_a (M/M/N+M: callers hang up after an exponential
    patience, `patience`) or erlang_b (M/M/N/N: no waiting room, a caller who finds every agent busy
    is blocked). Default erlang_c."""
    patience: PositiveTime | None = None
    """erlang_a: mean patience, how long a caller waits on average before hanging up (time units)."""
    overflow: Name | None = None
    """erlang_a / erlang_b: the node the abandoned or blocked units go to; counted as unmet when absent."""
    whole_agents: bool | None = None
    """Whether the agents a lane needs are rounded up to whole agents on duty (per interval): default
    true with `intervals`, false without."""
    open_hours: HoursPerPeriod | None = None
    """Hours per period the queue is served (hours); agents on duty = FTE x hours_per_fte / open_hours.
    Required without `intervals`; not allowed with them (the intervals' hours give it)."""
    peak_factor: PeakFactor = 1.0
    """Peak-interval arrival rate / average rate; staffing is sized for the peak. Not allowed with
    `intervals` (each interval has its own arrivals). Default 1."""
    target: QueueTarget | None = None
    """The queue's target; give this or `lanes`."""
    lanes: Annotated[list[Lane], Field(min_length=1)] | None = None
    """Priority lanes, each its own pool with its own target; give this or `target`."""

    @model_validator(mode="after")
    def _one_form(self) -> Queue:
        if (self.target is None) == (self.lanes is None):
            raise ValueError("give either target or lanes")
        names = [lane.name for lane in self.lanes or []]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"lane names must be distinct; repeated: {', '.join(repeated)}")
        return self

    def lane_targets(self) -> list[tuple[str, QueueTarget]]:
        """(lane name, target) per lane; a queue with one `target` has one lane, `main`."""
        if self.target is not None:
            return [("main", self.target)]
        assert self.lanes is not None  # _one_form: a queue has a target or lanes
        return [(lane.name, lane.target) for lane in self.lanes]


class CapacityLevel(Strict):
    """One size a node may be built or run at (docs/model.md, Sites)."""

    capacity: Units
    """Most units processed per period at this size (units)."""
    cost: Money = 0.0
    """Cost per period while this size is chosen (currency)."""


class Node(Strict):
    stage: Name
    """Stage the node belongs to (one of `stages`)."""
    unit_cost: Money = 0.0
    """Cost per unit processed (currency)."""
    processing_time: Time = 0.0
    """Time one unit spends in processing (time units)."""
    wait_time: Time = 0.0
    """Planned queue wait per unit (time units)."""
    max_utilisation: Share = 1.0
    """Share of staffed hours that may be loaded."""
    quality: Share = 1.0
    """Share of units done right."""
    capacity: Units | None = None
    """Most units processed per period; unlimited when absent."""
    work: dict[Name, Work] = Field(default_factory=dict)
    """Roles that can do the work, by role name; none: a bought-in service paid per unit."""
    staff: dict[Name, Staff] = Field(default_factory=dict)
    """Staff bounds per role of `work`."""
    stock: Stock | None = None
    """Work may be done ahead and held in stock (per demand)."""
    queue: Queue | None = None
    """Size staff to an Erlang C queue (beyond model.md); the queue's wait replaces `wait_time`."""
    rework: Rework | None = None
    """The units done wrong (1 - quality) are reworked (beyond model.md): redone here, from the demand's
    origin or at a named node, at a cost and an extra time per unit; a work entry's `rework` overrides
    it. Without it defects only count against `min_quality`."""
    open: Literal["always", "never", "decide"] = "always"
    """Whether the node is open: always (default, no decision), never (closed: no flow, no staff) or
    decide (the optimiser opens or closes it; the model becomes a MILP)."""
    decide_per: Literal["horizon", "period"] = "horizon"
    """With `open: decide` or capacity levels: one decision for the whole horizon (default), or one
    per period (the node may open and shut from period to period)."""
    fixed_cost: Money = 0.0
    """Cost per period while the node is open (currency). Default 0."""
    min_volume: Units = 0.0
    """Fewest units processed per period while the node is open (units). Default 0."""
    capacity_levels: Annotated[list[CapacityLevel], Field(min_length=1)] | None = None
    """Sizes to choose from, at most one at a time; the node's capacity is the chosen level's. With
    `open: decide` choosing a level opens the node; with `always` a level must be chosen. Give this
    or `capacity`, not both. None when absent."""


class Arc(Strict):
    source: Name = Field(alias="from")
    """Node handing the work over."""
    target: Name = Field(alias="to")
    """Node receiving it."""
    cost: SignedMoney = 0.0
    """Cost per unit handed over (currency); negative for a rebate, subsidy or credit."""
    lead_time: Time = 0.0
    """Time per unit in transit (time units)."""
    capacity: Units | None = None
    """Most units per period; unlimited when absent."""

    @property
    def key(self) -> str:
        return f"{self.source}->{self.target}"


class Demand(Strict):
    origin: Name
    """Node where the demand enters."""
    sinks: Annotated[list[Name], Field(min_length=1)]
    """Nodes where it can be fulfilled."""
    stages: Annotated[list[Name], Field(min_length=1)] | None = None
    """The exact stages its path visits, in order; any path when absent."""
    volume: Volumes | None = None
    """Units per period; a single number repeats. Give this or `volume_by_interval`."""
    profile: Profile | None = None
    """With `intervals`: how the period's volume arrives over them, relative figures per interval or
    {days, times} (their product); in proportion to the intervals' hours when absent."""
    volume_by_interval: Annotated[list[Volume], Field(min_length=1)] | None = None
    """With `intervals`: units arriving in one occurrence of each interval, instead of `volume` (the
    period's volume is then `intervals.weight` x their sum, every period). None when absent."""
    min_quality: Share | None = None
    """Least average share of units done right end to end; no target when absent."""
    max_mean_response_time: PositiveTime | None = Field(
        default=None, validation_alias=AliasChoices("max_mean_response_time", "max_response_time")
    )
    """Most mean time from order to fulfilment over the units served in a period (time units), not a
    limit per order; no target when absent. Its former name `max_response_time` is still read."""
    backlog_cost: Money | None = None
    """Cost per unit carried to the next period; backlog not allowed when absent."""
    final_backlog: Units = 0.0
    """Most units left in backlog at the end of the horizon."""
    unmet_penalty: Money | None = None
    """Cost per unit not served; when absent the demand must be met in full."""
    price: Money | None = None
    """Price the customer pays per unit served (currency); the cost_to_serve table shows the margin."""
    segment: Name | None = None
    """Customer segment the demand belongs to (e.g. premium); demands are rolled up by it. None when absent."""
    labels: dict[Name, Name] = Field(default_factory=dict)
    """Further labels to group demands by, {label: value} (e.g. {channel: web, region: north})."""
    skills: list[Name] = Field(default_factory=list)
    """Skills the demand's work requires (e.g. [fr]): only roles with every one of them (`roles.R.skills`)
    may process it; a bought-in node (no `work`) takes any demand. Default none: any role."""

    @model_validator(mode="before")
    @classmethod
    def _one_name_per_field(cls, data: object) -> object:
        # Both names given is reported, located, by checks.check_former_names; here the former is
        # dropped so that it is not also called an unknown field.
        if isinstance(data, dict):
            both = {former for current, former in FORMER_NAMES.items() if {current, former} <= data.keys()}
            return {k: v for k, v in data.items() if k not in both} if both else data
        return data

    @field_validator("volume", mode="before")
    @classmethod
    def _no_null_volume(cls, value: object) -> object:
        if value is None:  # only when written: left out, volume_by_interval may stand for it
            raise PydanticCustomError("null_volume", "give units per period (a number, or one per period)")
        return value

    @model_validator(mode="after")
    def _one_volume(self) -> Demand:
        if (self.volume is None) == (self.volume_by_interval is None):
            raise ValueError("give either volume (units per period) or volume_by_interval (units per interval)")
        if self.volume_by_interval is not None and self.profile is not None:
            raise ValueError("volume_by_interval already says how the volume arrives: remove profile")
        return self

    def volumes(self, periods: int, weight: float = 1.0) -> list[float]:
        """Units per period; with `volume_by_interval`, `weight` (the intervals' occurrences per period)
        times their sum, every period."""
        if self.volume is None:
            return [weight * sum(self.volume_by_interval or [])] * periods
        return list(self.volume) if isinstance(self.volume, list) else [self.volume] * periods


RuleQuantity = Literal["flow", "units", "fte", "hours", "overtime", "cost"]
"""What a business rule sums (docs/model.md, Business rules): flow, units handed over x[d,a,t]; units,
units processed y[d,n,m,t]; fte, s[n,r,t]; overtime, overtime hours o[n,r,t]; hours, hours worked
h[n,r] y[d,n,r,t] (overtime hours included); cost, the objective's cost terms (currency)."""
RuleFilter = Name | Annotated[list[Name], Field(min_length=1)]
"""A name or pattern (fnmatch: `*`, `?`, `[ab]`), or a list of them (any matches)."""


class RuleSum(Strict):
    """A sum of one of the model's quantities over the terms the filters select."""

    sum: RuleQuantity
    """The quantity summed: flow | units | fte | hours | overtime | cost."""
    where: dict[Name, RuleFilter] = Field(default_factory=dict)
    """Filters, {key: name, pattern or list}: demand, segment, label.NAME, node, role, stage, arc
    (FROM->TO), from, to, category, period, as the quantity allows; every term when absent."""


class Rule(RuleSum):
    """A business rule: sum (<= | >= | ==) a number, or a share of another sum (`of`)."""

    about: str | None = None
    """What the rule says, in words (shown in the tables and the report); optional."""
    at_most: RuleNumber | None = None
    """The sum is at most this (its unit; a fraction with `of`). Exactly one of at_most, at_least, equal."""
    at_least: RuleNumber | None = None
    """The sum is at least this (its unit; a fraction with `of`)."""
    equal: RuleNumber | None = None
    """The sum equals this (its unit; a fraction with `of`)."""
    of: RuleSum | None = None
    """When given, the number is a share of this sum (0.3: 30%); the rule's row is sum - share x of."""
    per: Literal["period", "horizon"] = "period"
    """period: a row per period (default); horizon: one row over every period's terms."""

    @property
    def comparison(self) -> tuple[str, float]:
        """The comparison field given and its number (validation checks there is exactly one)."""
        given = [
            (name, value) for name in ("at_most", "at_least", "equal") if (value := getattr(self, name)) is not None
        ]
        if len(given) != 1:
            raise ValueError("a rule gives exactly one of at_most, at_least, equal")
        return given[0]


class RelaxationWeights(Strict):
    """How much one relaxation weighs against another when an infeasible scenario is diagnosed.

    Each relaxation is measured relative to its figure (serving 10% less volume, a 10% later response
    target, 10% more capacity, ...) and multiplied by its family's weight; the smallest total wins.
    """

    demand: Weight = 10.0
    """Weight of serving less than the volume (per share of the volume not served)."""
    quality: Weight = 1.0
    """Weight of a lower quality target (per share of the target)."""
    response_time: Weight = 1.0
    """Weight of a longer response-time target (per share of the target)."""
    node_capacity: Weight = 1.0
    """Weight of more node capacity (per share of the capacity)."""
    arc_capacity: Weight = 1.0
    """Weight of more arc capacity (per share of the capacity)."""
    staff_max: Weight = 1.0
    """Weight of more staff than the maximum, or more heads on a shift pattern than its max (per share
    of the maximum)."""
    end_of_horizon: Weight = 1.0
    """Weight of more final backlog or less final stock (per share of the figure or the volume)."""
    rules: Weight = 1.0
    """Weight of relaxing a business rule (per share of its bound, or of its share x the volume)."""


class Solver(Strict):
    time_limit: Seconds | None = None
    """Seconds the solver may run; no limit when absent."""
    mip_gap: Gap = 1e-4
    """Relative optimality gap at which an integer solve stops."""
    integer_staff: bool = False
    """FTE are whole numbers (the model becomes a MILP)."""
    threads: Threads | None = None
    """Solver threads; HiGHS's choice when absent."""
    algorithm: Literal["auto", "simplex", "ipm"] = "auto"
    """LP algorithm: auto picks dual simplex for small models and interior point for large ones."""
    queue_iterations: QueueIterations = 20
    """Most tangent iterations when nodes have queues; the run reports whether staffing converged."""
    relaxation_weights: RelaxationWeights = Field(default_factory=RelaxationWeights)
    """When a scenario is infeasible: how the diagnosis weighs relaxing each family."""
    highs_options: dict[Name, bool | int | float | str] = Field(default_factory=dict)
    """HiGHS options passed through as given (e.g. presolve: off); they override the settings above."""

    @field_validator("highs_options")
    @classmethod
    def _known_to_highs(cls, value: dict) -> dict:
        from model.highs_options import checked  # HiGHS itself says what it takes

        return {name: checked(name, option) for name, option in value.items()}


class Scenario(Strict):
    scenario: Meta
    """Name, currency, units and periods."""
    stages: Annotated[list[Name], Field(min_length=1)]
    """Stages of the value chain, in order."""
    roles: dict[Name, Role] = Field(default_factory=dict)
    """Kinds of worker, by name."""
    nodes: Annotated[dict[Name, Node], Field(min_length=1)]
    """Teams, sites, vendors and channels, by name."""
    arcs: list[Arc] = Field(default_factory=list)
    """Hand-offs between nodes."""
    demands: Annotated[dict[Name, Demand], Field(min_length=1)]
    """Customer segments or request types, by name."""
    solver: Solver = Field(default_factory=Solver)
    """Solver settings; the command line can override each."""
    rules: dict[Name, Rule] = Field(default_factory=dict)
    """Business rules, by name: linear constraints over flows, units, FTE, hours, overtime or costs."""
    intervals: Intervals | None = None
    """Intervals within each period (days, times of day, or both) for arrivals, queues and shifts; none when absent."""

    def __repr_args__(self) -> Iterator[tuple[str, object]]:
        """A short repr (and str, and rich's): the name and how much the scenario holds, not its data,
        which `model_dump()` gives."""
        yield "name", self.name
        yield "currency", self.currency
        for section in ("stages", "roles", "nodes", "arcs", "demands"):
            yield section, len(getattr(self, section))
        yield "periods", len(self.periods)

    def __str__(self) -> str:
        return repr(self)

    @property
    def periods(self) -> list[str]:
        return self.scenario.period_labels

    @property
    def interval_weight(self) -> float:
        """How many times each interval occurs in a period (1 without intervals)."""
        return self.intervals.weight if self.intervals is not None else 1.0

    def demand_volumes(self, name: str) -> list[float]:
        """Demand `name`'s units per period."""
        return self.demands[name].volumes(len(self.periods), self.interval_weight)

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def currency(self) -> str:
        return self.scenario.currency
