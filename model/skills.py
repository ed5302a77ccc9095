"""Skills (docs/model.md, Skills): which roles may do which demand's work.

A demand may require skills (`demands.D.skills`); a role has skills (`roles.R.skills`). Mode (n, r)
may process demand d only if r has every skill d requires; a node without `work` (a bought-in
service) takes any demand. A node whose work has no such role cannot be used by d at all: it is
left out of d's usable subgraph (model/paths.py). Plain sets and mappings only, so that the
scenario checks (raw YAML) and the index sets (a validated Scenario) ask the same question.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def qualifies(required: Iterable[str], has: Iterable[str]) -> bool:
    """Whether a role with skills `has` may do the work of a demand requiring `required`."""
    return set(required) <= set(has)


def unskilled_nodes(
    required: Iterable[str], roles_at: Mapping[str, Iterable[str]], skills_of: Mapping[str, Iterable[str]]
) -> frozenset[str]:
    """The nodes a demand requiring `required` cannot use: those with work (`roles_at[n]`, the roles of
    n's `work`, empty for a bought-in node) but no role with every required skill. Empty when the
    demand requires none."""
    needed = set(required)
    if not needed:
        return frozenset()
    return frozenset(
        n
        for n, roles in roles_at.items()
        if (listed := list(roles)) and not any(qualifies(needed, skills_of.get(r, ())) for r in listed)
    )
