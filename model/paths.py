"""Which nodes and arcs each demand may use: those on some path from its origin to one of its sinks
that respects its stages. networkx only, so that checking a scenario (model/scenario/checks.py) needs
no table or solver library; model/network.py builds the index tables from these paths.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

import networkx as nx


def allowed_graph(graph: nx.DiGraph, stage_of: Callable[[str], str | None], stages: list[str] | None) -> nx.DiGraph:
    """The hand-offs a demand with these `stages` may use: from one listed stage to the next."""
    if stages is None:
        return graph
    step: dict[str | None, str] = dict(itertools.pairwise(stages))  # keyed by stage_of(u), which may be None
    allowed = nx.DiGraph((u, v) for u, v in graph.edges if step.get(stage_of(u)) == stage_of(v))
    return allowed


def paths_in(allowed: nx.DiGraph, origin: str, sinks: Iterable[str]) -> nx.DiGraph:
    """The nodes and arcs a demand may use: those on some origin -> sink path of `allowed`.

    The graph is acyclic, so "reachable from the origin and reaching a sink" is exactly "on a path".
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


class PathFinder:
    """Each demand's usable nodes and arcs; demands sharing stages, origin and sinks share the work."""

    def __init__(self, graph: nx.DiGraph, stage_of: Callable[[str], str | None], network: tuple = ()) -> None:
        self.graph, self.stage_of, self.network = graph, stage_of, network
        self._allowed: dict[tuple[str, ...] | None, nx.DiGraph] = {}
        self._found: dict[tuple, tuple[list[str], list[tuple[str, str]]]] = {}

    def nodes_and_arcs(
        self, origin: str, sinks: list[str], stages: list[str] | None
    ) -> tuple[list[str], list[tuple[str, str]]]:
        key = (tuple(stages) if stages is not None else None, origin, tuple(sinks))
        if key not in self._found:
            if key[0] not in self._allowed:
                self._allowed[key[0]] = allowed_graph(self.graph, self.stage_of, stages)
            sub = paths_in(self._allowed[key[0]], origin, sinks)
            self._found[key] = (list(sub.nodes), list(sub.edges))
        return self._found[key]
