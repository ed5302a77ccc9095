"""Index sets: variables exist only on some origin -> sink path that respects a demand's stages."""

from __future__ import annotations

import textwrap

from model.network import index_sets
from model.scenario import parse_yaml, validate_data

CHAIN = textwrap.dedent("""
    scenario: {name: paths, currency: EUR, period_length: 730}
    stages: [market, sales, service]
    nodes:
      shop: {stage: market}
      sales_team: {stage: sales}
      dead_end: {stage: sales}
      service_team: {stage: service}
      orphan: {stage: service}
    arcs:
      - {from: shop, to: sales_team}
      - {from: shop, to: dead_end}
      - {from: sales_team, to: service_team}
      - {from: shop, to: service_team}
    demands:
      direct: {origin: shop, sinks: [service_team], stages: [market, service], volume: 1}
      via_sales: {origin: shop, sinks: [service_team], stages: [market, sales, service], volume: 1}
      any_path: {origin: shop, sinks: [service_team], volume: 1}
""")


def arcs_of(sets, demand):
    return sorted(sets.demand_arcs[sets.demand_arcs.demand == demand].arc)


def test_stages_limit_a_demand_to_arcs_between_consecutive_listed_stages():
    sets = index_sets(validate_data(*parse_yaml(CHAIN, "paths.yaml")))
    assert arcs_of(sets, "direct") == ["shop->service_team"]
    assert arcs_of(sets, "via_sales") == ["sales_team->service_team", "shop->sales_team"]
    # Without stages every path counts, but a dead end (no way on to a sink) carries no variable.
    assert arcs_of(sets, "any_path") == ["sales_team->service_team", "shop->sales_team", "shop->service_team"]
    nodes = sets.demand_nodes
    assert "dead_end" not in set(nodes.node) and "orphan" not in set(nodes.node)
    assert sorted(nodes[nodes.demand == "direct"].node) == ["service_team", "shop"]


ORIGIN_IS_SINK = textwrap.dedent("""
    scenario: {name: self, currency: EUR, period_length: 730}
    stages: [a, b]
    nodes:
      src: {stage: a, unit_cost: 3}
      b1: {stage: b}
    arcs:
      - {from: src, to: b1}
    demands:
      local: {origin: src, sinks: [src], stages: [a], volume: 10}
""")


def test_a_demand_fulfilled_at_its_origin_uses_no_arc():
    from model.optimise import optimise

    scenario = validate_data(*parse_yaml(ORIGIN_IS_SINK, "self.yaml"))
    sets = index_sets(scenario)
    assert arcs_of(sets, "local") == []
    outcome = optimise(scenario)
    assert outcome.status == "optimal" and outcome.objective == 30.0  # 10 units x 3 EUR at src


def test_index_sets_keep_their_order_whatever_the_string_hashing(tmp_path):
    # The row order of the index tables is the LP's column order; it must not follow Python's
    # per-process string hashing (set order), or two runs of one scenario could return different
    # optimal plans where the optimum is not unique.
    import subprocess
    import sys

    from model.generate import Size, generate, write_scenario

    path = tmp_path / "generated.yaml"
    write_scenario(generate(Size(4, 40, 1, 1)), path)
    script = (
        "import sys; from model.scenario import load_scenario; from model.network import index_sets; "
        f"s = index_sets(load_scenario({str(path)!r})); "
        "print(list(s.demand_nodes.node), list(s.demand_arcs.arc))"
    )
    orders = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            cwd=".",
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(orders) == 1 and len(next(iter(orders))) > 100
