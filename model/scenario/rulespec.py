"""What a business rule may say (the scenario's `rules:`), without the model: the quantities it may
sum, the filters each allows and the cost categories, for validation (checks.py) and the docs. The
LP side (which variables each quantity sums, with which weight) is model/rules.py.
"""

from __future__ import annotations

SENSES = {"at_most": "<=", "at_least": ">=", "equal": "=="}
"""The comparison fields of a rule and the sense of its row."""

LABEL = "label."
"""A filter `label.NAME` matches the demand's label NAME (Demand.labels)."""

FILTERS: dict[str, tuple[str, ...]] = {
    "flow": ("demand", "segment", "arc", "from", "to", "stage", "period"),
    "units": ("demand", "segment", "node", "role", "stage", "period"),
    "fte": ("node", "role", "stage", "period"),
    "overtime": ("node", "role", "stage", "period"),
    "hours": ("demand", "segment", "node", "role", "stage", "period"),
    "cost": ("category", "demand", "segment", "node", "role", "stage", "period"),
}
"""The filters each quantity allows (and `label.NAME` wherever `demand` is allowed)."""

UNITS = {"flow": "units", "units": "units", "fte": "FTE", "overtime": "hours", "hours": "hours", "cost": "currency"}
"""Each quantity's unit ("currency": the scenario's currency)."""

CATEGORIES = (
    "labour",
    "overtime",
    "hiring",
    "layoffs",
    "processing",
    "handoffs",
    "holding",
    "backlog",
    "unmet",
    "rework",
    "fixed",
    "capacity",
)
"""The cost categories a `category` filter names: model/lp/objective.py's COST_TERMS (a test keeps
the two the same)."""


def allows(quantity: str, key: str) -> bool:
    """Whether a filter `key` may select the terms of `quantity` (`label.NAME` where `demand` may)."""
    filters = FILTERS[quantity]
    return key in filters or (key.startswith(LABEL) and len(key) > len(LABEL) and "demand" in filters)


def allowed_filters(quantity: str) -> str:
    """The filters of a quantity in words, for a hint."""
    extra = ", label.NAME" if "demand" in FILTERS[quantity] else ""
    return ", ".join(FILTERS[quantity]) + extra


def has_wildcard(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")
