"""Which nodes and arcs each demand may use: those on some walk from its origin to one of its sinks
that respects its stages and avoids the nodes where no role has its skills. The hand-off graph may
have loops (rework, returns, transfers between sites of one stage). networkx only, so that checking
a scenario (model/scenario/checks.py) needs no table or solver library; model/network.py builds the
index tables from these paths.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import networkx as nx


def allowed_graph(graph: nx.DiGraph, stage_of: Callable[[str], str | None], stages: list[str] | None) -> nx.DiGraph:
    """The hand-offs a demand with these `stages` may use: from a listed stage to the next listed stage,
    within one listed stage, or back to an earlier listed stage. Forward moves go one step at a time,
    so every origin -> sink walk (origin in the first stage, sinks in the last) passes every listed
    stage in order, however often it loops back."""
    if stages is None:
        return graph
    order: dict[str | None, int] = {stage: k for k, stage in enumerate(stages)}  # stage_of(u) may be None
    return nx.DiGraph((u, v) for u, v in graph.edges if _allowed_step(order, stage_of(u), stage_of(v)))


def _allowed_step(order: dict[str | None, int], source: str | None, target: str | None) -> bool:
    """Whether a demand listing the stages of `order` may hand work over from `source`'s stage to
    `target`'s: both listed, and the target at most one step ahead."""
    if source not in order or target not in order:
        return False
    return order[target] <= order[source] + 1


def paths_in(allowed: nx.DiGraph, origin: str, sinks: Iterable[str]) -> nx.DiGraph:
    """The nodes and arcs a demand may use: those on some origin -> sink walk of `allowed`, that is,
    reachable from the origin and reaching a sink (with loops, a walk may pass a node more than once).
    """
    if origin not in allowed:
        return _lone(origin)  # no usable arc: the origin alone (which may itself be a sink)
    forward = nx.descendants(allowed, origin) | {origin}
    reached = [s for s in sinks if s in forward]
    backward = set(reached).union(*(nx.ancestors(allowed, s) for s in reached))
    on_path = forward & backward
    # In the allowed graph's own order: a subgraph view would follow the set's, which changes with
    # Python's string hashing from one process to the next, and with it the LP's column order (and,
    # where the optimum is not unique, which optimal plan HiGHS returns).
    sub = nx.DiGraph()
    sub.add_nodes_from(n for n in allowed if n in on_path)
    sub.add_edges_from((u, v) for u, v in allowed.edges if u in on_path and v in on_path)
    return sub


def _lone(node: str) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_node(node)
    return graph


# Skills (docs/model.md, Skills): mode (n, r) may process demand d only if r has every skill d
# requires; a node whose work has no such role is off d's walks (`PathFinder.nodes_and_arcs`'s
# `without`). Plain sets and mappings, so that the scenario checks (raw YAML) and the index sets (a
# validated Scenario) ask the same question.


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


class PathFinder:
    """Each demand's usable nodes and arcs; demands sharing stages, origin and sinks share the work."""

    def __init__(self, graph: nx.DiGraph, stage_of: Callable[[str], str | None], network: tuple = ()) -> None:
        self.graph, self.stage_of, self.network = graph, stage_of, network
        self._allowed: dict[tuple[str, ...] | None, nx.DiGraph] = {}
        self._found: dict[tuple, tuple[list[str], list[tuple[str, str]]]] = {}

    def nodes_and_arcs(
        self, origin: str, sinks: list[str], stages: list[str] | None, without: frozenset[str] = frozenset()
    ) -> tuple[list[str], list[tuple[str, str]]]:
        """The nodes and arcs on some origin -> sink walk respecting `stages` that avoids the nodes
        `without` (those where no role has the demand's skills, `unskilled_nodes`). An origin in
        `without` has no walk: no nodes, no arcs."""
        key = (tuple(stages) if stages is not None else None, origin, tuple(sinks), without)
        if key not in self._found:
            if origin in without:
                self._found[key] = ([], [])
                return self._found[key]
            sub = paths_in(self._allowed_without(key[0], stages, without), origin, sinks)
            self._found[key] = (list(sub.nodes), list(sub.edges))
        return self._found[key]

    def _allowed_without(
        self, stage_key: tuple[str, ...] | None, stages: list[str] | None, without: frozenset[str]
    ) -> nx.DiGraph:
        """The hand-offs `stages` allow, less the nodes `without` (a copy, in the graph's own order)."""
        if stage_key not in self._allowed:
            self._allowed[stage_key] = allowed_graph(self.graph, self.stage_of, stages)
        allowed = self._allowed[stage_key]
        if not without:
            return allowed
        kept = allowed.copy()
        kept.remove_nodes_from(without)
        return kept


def loop_through(arcs: Iterable[tuple[str, str]], node: str) -> list[str] | None:
    """A loop of these hand-offs that passes `node` (node, ..., node), or None: on a loop a unit may
    pass the node any number of times."""
    graph = nx.DiGraph(list(arcs))
    if node not in graph:
        return None
    for after in graph.successors(node):
        if nx.has_path(graph, after, node):
            return [node, *nx.shortest_path(graph, after, node)]
    return None


def most_passes(
    arcs: Iterable[tuple[str, str]], reworks: Iterable[tuple[str, str, float]], node: str
) -> tuple[float, list[str] | None]:
    """How many times, at most, a unit of a demand passes `node` (docs/model.md, Sites): with the
    demand's usable hand-offs `arcs` and its reworking modes `reworks` (node, node sent back to,
    quality). Returns (passes, None), or (inf, the loop) where a loop of hand-offs leaves the passes
    unbounded.

    A unit's way is a run of stretches, each ended by a unit done wrong at a reworking mode; between
    two such, it moves along hand-offs only. The modes that matter, R, are those whose units done
    wrong go back to a node from which `node` can be reached (along hand-offs and rework); a unit done
    wrong elsewhere never comes back to `node`. With no loop of hand-offs through `node` or through a
    node of R, a stretch passes `node` and each mode of R at most once, so it is ended by a mode of R
    with a chance of at most 1 - prod_R q: a unit makes at most 1 / prod_R q stretches that pass
    `node`, and passes it at most that often."""
    arcs, reworks = list(arcs), list(reworks)
    extended = nx.DiGraph(arcs)
    extended.add_edges_from((at, to) for at, to, _ in reworks)
    if node not in extended:
        return 1.0, None
    leads_back = nx.ancestors(extended, node) | {node}
    passes = 1.0
    for _, to, quality in reworks:
        if to in leads_back:
            passes /= quality
    for at in [node, *sorted({at for at, to, _ in reworks if to in leads_back})]:
        loop = loop_through(arcs, at)
        if loop is not None:
            return float("inf"), loop
    return passes, None
