"""Skills (docs/model.md, Skills): a demand may require skills, a role has skills, and only the roles
with every required skill may do the demand's work, at hours per unit that may differ by demand.

The two scenarios are tests/conftest.py's SKILLS_DESK and SKILLS_SITES; every figure below is worked
out by hand in the test's docstring, and every solve passes the independent check (model/check.py).
"""

from __future__ import annotations

import copy

import pytest
from conftest import SKILLS_DESK, SKILLS_SITES, one_value, scenario_from_text, solved_optimally, varied

from model.check import check_solution
from model.errors import ScenarioError
from model.lp import build
from model.network import index_sets
from model.optimise import optimise
from model.resolver import Resolver
from model.scenario import parse_yaml, validate_data
from model.scenario.overrides import apply_overrides, parse_assignment
from model.solution import evaluate
from model.solve import solve
from model.validity import scenario_notes


def _solved(scenario):
    """Solved without the sensitivity tables, which these tests do not read."""
    return solved_optimally(scenario, sensitivity=False)


@pytest.fixture(scope="module")
def desk():
    return _solved(scenario_from_text(SKILLS_DESK))


@pytest.fixture(scope="module")
def sites():
    return _solved(scenario_from_text(SKILLS_SITES))


def test_french_calls_go_only_to_the_bilingual_agents(desk):
    """SKILLS_DESK: calls_fr (2,000, needs fr) may only go to agent_fr (skills en, fr), at its
    hours_by_demand 0.12 h: 240 h. calls_en (15,000 at 0.1 h = 1,500 h) goes first to agent_en
    (3,000 EUR per 100 h FTE = 30 EUR/h, against agent_fr's 40 EUR/h) up to its max of 10 FTE =
    1,000 h = 10,000 calls; the other 5,000 calls (500 h) go to agent_fr.
    agent_en: 10 FTE x 3,000 = 30,000 EUR; agent_fr: (240 + 500) / 100 = 7.4 FTE x 4,000 = 29,600 EUR;
    total 59,600 EUR. Were agent_en to have fr, calls_fr would take 200 h of agent_en instead of 240 h
    of agent_fr: 58,000 EUR (test_giving_agent_en_french_is_a_new_structure); the skills cost 1,600 EUR."""
    work, staffing = desk.tables["work"], desk.tables["staffing"]
    assert desk.objective == pytest.approx(59_600.0, rel=1e-9)
    assert one_value(work, "units", demand="calls_en", mode="agent_en") == pytest.approx(10_000.0, rel=1e-9)
    assert one_value(work, "units", demand="calls_en", mode="agent_fr") == pytest.approx(5_000.0, rel=1e-9)
    assert one_value(work, "units", demand="calls_fr", mode="agent_fr") == pytest.approx(2_000.0, rel=1e-9)
    assert one_value(work, "hours", demand="calls_fr", mode="agent_fr") == pytest.approx(240.0, rel=1e-9)
    assert work[(work.demand == "calls_fr") & (work["mode"] == "agent_en")].empty  # no such mode at all
    assert one_value(staffing, "fte", role="agent_fr") == pytest.approx(7.4, rel=1e-9)
    assert one_value(staffing, "fte", role="agent_en") == pytest.approx(10.0, rel=1e-9)
    # cost to serve: agent_fr's 29,600 EUR split by hours, 240 h of 740 to calls_fr = 9,600 EUR
    # (4.80 EUR a call); calls_en 30,000 + 500 / 740 x 29,600 = 50,000 EUR.
    serve = desk.tables["cost_to_serve"]
    assert one_value(serve, "labour", demand="calls_fr") == pytest.approx(9_600.0, rel=1e-9)
    assert one_value(serve, "labour", demand="calls_en") == pytest.approx(50_000.0, rel=1e-9)


def test_the_index_sets_hold_only_the_qualifying_modes_at_their_own_hours():
    """calls_en (needs en) may use both roles at 0.1 h; calls_fr (needs fr) only agent_fr, at 0.12 h."""
    modes = index_sets(scenario_from_text(SKILLS_DESK)).demand_modes
    found = {(d, m): h for d, m, h in modes[["demand", "mode", "hours_per_unit"]].itertuples(index=False)}
    assert found == {("calls_en", "agent_en"): 0.1, ("calls_en", "agent_fr"): 0.1, ("calls_fr", "agent_fr"): 0.12}


def test_hours_by_demand_routes_french_calls_to_the_other_site(sites):
    """SKILLS_SITES: both roles cost 5,000 EUR per 100 h FTE (50 EUR/h). calls_en (1,000, needs en)
    can use only desk_a (desk_b's french agents lack en): 1,000 x 0.1 h = 100 h, 5,000 EUR. calls_fr
    (500, needs fr) costs 0.3 h x 50 = 15 EUR a call at desk_a (hours_by_demand) and 0.2 x 50 = 10 EUR
    at desk_b: all 500 go to desk_b, 100 h, 5,000 EUR. Total 10,000 EUR; the LP prices the road not
    taken at 15 - 10 = 5 EUR a call (the work table's unit_cost_from at desk_a: -5)."""
    work = sites.tables["work"]
    assert sites.objective == pytest.approx(10_000.0, rel=1e-9)
    assert one_value(work, "units", demand="calls_fr", node="desk_b") == pytest.approx(500.0, rel=1e-9)
    assert one_value(work, "units", demand="calls_fr", node="desk_a") == pytest.approx(0.0, abs=1e-9)
    assert one_value(work, "units", demand="calls_en", node="desk_a") == pytest.approx(1_000.0, rel=1e-9)


def test_a_node_without_a_qualified_role_is_not_on_the_demands_path():
    """calls_en lists desk_b as a sink, but no role there has en: desk_b and router->desk_b are left
    out of calls_en's usable nodes and arcs; calls_fr keeps both desks."""
    sets = index_sets(scenario_from_text(SKILLS_SITES))
    nodes = set(map(tuple, sets.demand_nodes[["demand", "node"]].to_numpy().tolist()))
    arcs = set(map(tuple, sets.demand_arcs[["demand", "arc"]].to_numpy().tolist()))
    assert nodes == {
        ("calls_en", "router"),
        ("calls_en", "desk_a"),
        ("calls_fr", "router"),
        ("calls_fr", "desk_a"),
        ("calls_fr", "desk_b"),
    }
    assert arcs == {("calls_en", "router->desk_a"), ("calls_fr", "router->desk_a"), ("calls_fr", "router->desk_b")}


def test_without_hours_by_demand_french_calls_stay_at_desk_a():
    """Remove desk_a's hours_by_demand: a French call costs 0.1 h x 50 = 5 EUR at desk_a against 10 at
    desk_b, so all 1,500 calls go to desk_a: 150 h = 1.5 FTE x 5,000 = 7,500 EUR."""
    outcome = _solved(scenario_from_text(SKILLS_SITES.replace(", hours_by_demand: {calls_fr: 0.3}", "")))
    assert outcome.objective == pytest.approx(7_500.0, rel=1e-9)
    assert one_value(outcome.tables["work"], "units", demand="calls_fr", node="desk_a") == pytest.approx(500.0)


@pytest.fixture(scope="module")
def resolver():
    return Resolver(scenario_from_text(SKILLS_SITES), sensitivity=False)


def _variant(text: str, change) -> object:
    data, source = parse_yaml(text, "case.yaml")
    data = copy.deepcopy(data)
    change(data)
    return validate_data(data, source)


def test_a_what_if_on_hours_by_demand_is_fitted_into_the_kept_lp(resolver):
    """hours_by_demand calls_fr at desk_a 0.3 -> 0.15: 7.5 EUR a call at desk_a against 10 at desk_b,
    so calls_fr moves to desk_a: 1,000 x 0.1 + 500 x 0.15 = 175 h x 50 = 8,750 EUR. A figure: the LP
    is refigured in place (no rebuild), and the answer is a cold solve's."""

    def faster(data: dict) -> None:
        data["nodes"]["desk_a"]["work"]["bilingual"]["hours_by_demand"]["calls_fr"] = 0.15

    scenario = _variant(SKILLS_SITES, faster)
    again = resolver.solve(scenario)
    assert again.status == "optimal" and again.violations == []
    assert again.objective == pytest.approx(8_750.0, rel=1e-9)
    assert again.objective == pytest.approx(_solved(scenario).objective, rel=1e-9)
    assert again.solver["re_solve"] is True


def test_giving_agent_en_french_is_a_new_structure():
    """agent_en gets fr: calls_fr may now use agent_en at 0.1 h. agent_en is full at 10 FTE (1,000 h)
    either way, so the 200 h of calls_fr there push 200 h of calls_en to agent_fr at the same 0.1 h:
    agent_fr works 1,700 - 1,000 = 700 h = 7 FTE x 4,000 = 28,000 EUR, plus agent_en's 30,000 EUR:
    58,000 EUR. The modes change, so a Resolver builds the LP afresh."""
    base = scenario_from_text(SKILLS_DESK)
    scenario = _variant(SKILLS_DESK, lambda data: data["roles"]["agent_en"].update(skills=["en", "fr"]))
    resolver = Resolver(base, sensitivity=False)
    again = resolver.solve(scenario)
    assert again.status == "optimal" and again.violations == []
    assert again.objective == pytest.approx(58_000.0, rel=1e-9)
    assert again.solver["re_solve"] is False
    assert index_sets(scenario, like=index_sets(base)).skeleton is not index_sets(base).skeleton


def test_a_queues_handle_time_includes_hours_by_demand():
    """A queue at SKILLS_DESK's desk: the handle time is the longest hours per unit of the node's work,
    max(0.1, 0.1, 0.12) = 0.12 h, the bilingual agents' French calls."""
    text = varied(
        SKILLS_DESK,
        (
            "staff: {agent_en: {max: 10}}",
            "staff: {agent_en: {max: 10}}\n    queue: {open_hours: 700, target: {average_wait: 0.05}}",
        ),
    )
    queues = index_sets(scenario_from_text(text)).queues
    assert queues.handle_time.tolist() == [pytest.approx(0.12)]


def test_a_rule_on_hours_counts_hours_by_demand():
    """A rule on the hours of calls_fr: 2,000 calls x 0.12 h = 240 h. At most 240 h holds (59,600 EUR,
    as without the rule); at most 239 h cannot hold (calls_fr can only be done at 0.12 h)."""
    rule = "rules:\n  fr_hours: {{sum: hours, where: {{demand: calls_fr}}, at_most: {}}}\n"
    held = _solved(scenario_from_text(SKILLS_DESK + rule.format(240)))
    assert held.objective == pytest.approx(59_600.0, rel=1e-9)
    broken = optimise(scenario_from_text(SKILLS_DESK + rule.format(239)), sensitivity=False)
    assert broken.status == "infeasible"


def _problems(text: str) -> dict[tuple[int | None, str], tuple[str, str]]:
    with pytest.raises(ScenarioError) as raised:
        scenario_from_text(text)
    return {(p.line, p.path): (p.message, p.hint) for p in raised.value.problems}


def test_a_skill_no_role_has_is_a_located_error():
    """calls_fr requires 'frr' (line 16: the text starts with an empty line): no role has it; the closest is fr."""
    found = _problems(SKILLS_DESK.replace("skills: [fr]}", "skills: [frr]}"))
    assert found == {(16, "demands.calls_fr.skills[0]"): ("no role has skill 'frr'", "Did you mean 'fr'?")}


def test_hours_by_demand_for_an_unknown_demand_is_a_located_error():
    """desk's agent_fr gives hours for 'calls_fx' (line 12): no such demand; the closest is calls_fr."""
    found = _problems(SKILLS_DESK.replace("{calls_fr: 0.12}", "{calls_fx: 0.12}"))
    assert found == {
        (12, "nodes.desk.work.agent_fr.hours_by_demand.calls_fx"): (
            "unknown demand 'calls_fx'",
            "Did you mean 'calls_fr'?",
        )
    }


def test_a_demand_left_without_a_skilled_walk_is_a_located_error():
    """calls_en may end only at desk_b, whose one role (french) lacks en: no origin -> sink walk is
    left. The error sits at calls_en's line (21) and names desk_b and its roles."""
    found = _problems(SKILLS_SITES.replace("sinks: [desk_a, desk_b], volume: 1000", "sinks: [desk_b], volume: 1000"))
    message, hint = found[21, "demands.calls_en.skills"]
    assert message == "demand calls_en needs skills en; no role at desk_b has them (roles: french)"
    assert "roles.ROLE.skills" in hint
    assert len(found) == 1


def test_an_origin_without_a_skilled_role_is_a_located_error():
    """SKILLS_DESK's desk is both origin and sink of every demand. Cut agent_fr's skills to [en] and add
    a role interpreter with fr that works nowhere: fr is some role's skill, but no role at desk has
    it, so calls_fr has no walk at all (its skills on line 17 once the role's line is added)."""
    text = SKILLS_DESK.replace("skills: [en, fr]}", "skills: [en]}").replace(
        "roles:\n", "roles:\n  interpreter: {cost_per_fte: 1, hours_per_fte: 100, skills: [fr]}\n"
    )
    found = _problems(text)
    message, _ = found[17, "demands.calls_fr.skills"]
    assert message == "demand calls_fr needs skills fr; no role at desk has them (roles: agent_en, agent_fr)"


def test_the_independent_check_sees_units_done_by_a_role_without_the_skills():
    """Give agent_en fr and solve: calls_fr may go to agent_en (58,000 EUR, the test above), and the plan
    passes the check. Then take fr away from agent_en in the staff table only (the LP's modes are
    unchanged): the check, reading the roles' own skills, finds calls_fr units done by agent_en."""
    scenario = _variant(SKILLS_DESK, lambda data: data["roles"]["agent_en"].update(skills=["en", "fr"]))
    sets = index_sets(scenario)
    values = solve(build(sets)).values
    assert check_solution(evaluate(sets, values)) == []
    assert values["y"][_mode_row(sets, "calls_fr", "agent_en")].sum() > 0.0  # some calls_fr at agent_en
    sets.staff["skills"] = sets.staff.skills.where(sets.staff.role != "agent_en", "en")
    assert check_solution(evaluate(sets, values)) == ["skills calls_fr@desk/agent_en: units done by a role without fr"]


def _mode_row(sets, demand: str, mode: str) -> int:
    modes = sets.demand_modes
    return int(((modes.demand == demand) & (modes["mode"] == mode)).to_numpy().nonzero()[0][0])


def test_stock_for_a_demand_its_skills_keep_off_the_node_is_a_located_error():
    """desk_b may not be used by calls_en (no role there has en), so stock held there for calls_en
    would never be used: refused at the stock's demands entry, as for a demand whose path misses the
    node (line 15; calls_fr, the one demand that can use desk_b, is named)."""
    text = SKILLS_SITES.replace(
        "  desk_b:\n    stage: answer\n",
        "  desk_b:\n    stage: answer\n    stock: {demands: [calls_en]}\n",
    )
    found = _problems(text)
    assert found == {
        (15, "nodes.desk_b.stock.demands[0]"): (
            "demand 'calls_en' never passes node 'desk_b'",
            "Demands that can use 'desk_b': calls_fr.",
        )
    }


def test_overrides_set_skills_as_lists_of_names_and_hours_by_demand_as_figures():
    """`--set roles.agent_en.skills=[en, fr]` gives agent_en French (58,000 EUR, worked out above);
    `[]` takes every skill away; hours_by_demand is a figure: *0.5 halves 0.12 to 0.06."""
    data, _ = parse_yaml(SKILLS_DESK, "case.yaml")
    changes = [
        parse_assignment("roles.agent_en.skills=[en, fr]"),
        parse_assignment("demands.calls_en.skills=[]"),
        parse_assignment("nodes.desk.work.agent_fr.hours_by_demand.calls_fr=*0.5"),
    ]
    changed, _ = apply_overrides(data, changes)
    assert changed["roles"]["agent_en"]["skills"] == ["en", "fr"]
    assert changed["demands"]["calls_en"]["skills"] == []
    assert changed["nodes"]["desk"]["work"]["agent_fr"]["hours_by_demand"]["calls_fr"] == pytest.approx(0.06)


def test_a_skills_override_that_is_no_list_of_names_is_refused():
    """A bare word is not a list; an item with a character no name has is named by its position."""
    with pytest.raises(ScenarioError) as raised:
        parse_assignment("demands.calls_fr.skills=fr")
    assert "give a list of names, e.g. [en, fr]" in str(raised.value)
    with pytest.raises(ScenarioError) as raised:
        parse_assignment("demands.calls_fr.skills=[fr, {x}]")
    assert "item 2 of the list, '{x}', is not a name" in str(raised.value)


def test_hours_by_demand_a_role_could_never_apply_is_a_located_error():
    """agent_en (skills en) given hours for calls_fr (needs fr), line 11: it can never do calls_fr."""
    text = SKILLS_DESK.replace(
        "agent_en: {hours_per_unit: 0.1}", "agent_en: {hours_per_unit: 0.1, hours_by_demand: {calls_fr: 0.2}}"
    )
    assert _problems(text) == {
        (11, "nodes.desk.work.agent_en.hours_by_demand.calls_fr"): (
            "role 'agent_en' cannot do demand 'calls_fr': it lacks skills fr",
            "Remove the entry, or give the role the skills (roles.ROLE.skills).",
        )
    }


def test_hours_by_demand_for_a_demand_that_never_passes_the_node_is_a_located_error():
    """A third demand, calls_x (no skills), ends only at desk_a: hours for it at desk_b (line 16) could
    never apply. desk_b is used by calls_fr alone."""
    text = (
        SKILLS_SITES.replace(
            "french: {hours_per_unit: 0.2}", "french: {hours_per_unit: 0.2, hours_by_demand: {calls_x: 0.3}}"
        )
        + "  calls_x: {origin: router, sinks: [desk_a], volume: 10}\n"
    )
    assert _problems(text) == {
        (16, "nodes.desk_b.work.french.hours_by_demand.calls_x"): (
            "demand 'calls_x' never passes node 'desk_b'",
            "Demands that can use 'desk_b': calls_fr.",
        )
    }


def test_a_sink_the_skills_keep_a_demand_from_is_a_note():
    """SKILLS_SITES: calls_en lists desk_b as a sink, but no role there has en (french has fr only)."""
    assert scenario_notes(scenario_from_text(SKILLS_SITES)) == [
        "demand calls_en cannot end at desk_b: no role there has its skills (en), so it can reach only its other sinks"
    ]
    assert scenario_notes(scenario_from_text(SKILLS_DESK)) == []
