"""What a business rule may say (the scenario's `rules:`), without the model: the quantities it may
sum, the filters each allows and the cost categories, for validation (checks.py) and the docs. The
LP side (which variables each quantity sums, with which weight) is model/rules.py.
"""

from __future__ import annotations

import difflib
import fnmatch

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


ALL_FILTERS = tuple(dict.fromkeys(key for keys in FILTERS.values() for key in keys))
"""Every filter some quantity allows (`label.NAME` aside), for a rule whose quantity is unknown."""


def known_filter(key: str) -> bool:
    """Whether `key` is a filter of some quantity (`label.NAME` included)."""
    return key in ALL_FILTERS or (key.startswith(LABEL) and len(key) > len(LABEL))


def pattern_like(pattern: str, names: list[str]) -> tuple[str, list[str]] | None:
    """The pattern closest to a `*` pattern that matches nothing, built from the names with the same
    shape (a text, one `*`, a text; a text left empty stays empty, a text given is one of about its
    length), and the names it matches:
    'prtner_*' -> ('partner_*', [partner_a, partner_b]). None for another shape, or when no such
    pattern is close."""
    if pattern.count("*") != 1 or any(c in pattern for c in "?["):
        return None
    head, tail = pattern.split("*")

    def near(length: int, end: int) -> range:  # a text of about the typed one's length (a typo or two)
        return range(max(1, length - 2), min(end, length + 2) + 1)

    shaped = {
        name[:i] + "*" + name[j:]
        for name in names
        for i in (near(len(head), len(name)) if head else (0,))
        for j in (
            [len(name) - n for n in near(len(tail), len(name) - i) if len(name) - n >= i] if tail else (len(name),)
        )
    }
    matcher = difflib.SequenceMatcher(None, b=pattern)  # the pattern's index made once
    scored = {}
    for candidate in shaped:
        matcher.set_seq1(candidate)
        if matcher.real_quick_ratio() >= 0.8 and matcher.quick_ratio() >= 0.8:  # upper bounds of ratio()
            scored[candidate] = matcher.ratio()
    top = max(scored.values(), default=0.0)
    if top < 0.8:
        return None
    # the closest, then the one matching most names, then the first in alphabetical order
    best = min((c for c, r in scored.items() if r == top), key=lambda c: (-len(fnmatch.filter(names, c)), c))
    return best, sorted(fnmatch.filter(names, best))
