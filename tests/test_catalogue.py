"""model.catalogue: the runs of one folder read back, their names told apart, SQL across their tables.

One runs folder is solved once for the module (in this process): data/tiny.yaml, the same with
`--set roles.*.cost_per_fte=*1.1`, data/whatif-wage-rise.yaml, and a 2-point sweep of tiny's volume.
Tiny's costs by hand (README, "A first look"): the vendor takes 60% of the repairs at 50 + 2 EUR, the
team the rest at 1.5 h x cost_per_fte / 140 h, so 400 x 1.5 x 5200 / 140 + 600 x 52 = 53,485.71 EUR.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import DATA, TINY_FILE

from model.catalogue import CatalogueError, Entry, find, query, remove, scan, whole_parquet
from model.frontier import frontier, write_frontier
from model.optimise import optimise
from model.runs import run_label, write_run
from model.scenario.overrides import Change, resolve
from model.sweep import new_sweep_folder, parse_axis, plan_sweep, run_sweep

WHATIF = DATA / "whatif-wage-rise.yaml"
SET = "roles.*.cost_per_fte=*1.1"
SET_DIGEST = hashlib.sha256(SET.encode()).hexdigest()[:8]


def team(repairs: float, cost_per_fte: float = 5200) -> float:
    """The in-house team's cost of `repairs` repairs (1.5 h each, 140 h per FTE)."""
    return repairs * 1.5 * cost_per_fte / 140


TINY_COST = team(400) + 600 * 52
SET_COST = team(400, 5720) + 600 * 52  # the vendor is at its quality limit already: only the wage moves
POINT_COSTS = {1: TINY_COST, 2: team(440) + 660 * 52}  # volume *1 and *1.1
# At 94% quality the 24 h mean response time binds: team 8 h, vendor 34 h, so 26 v <= 16,000 vendor repairs.
VENDOR_AT_94 = 16000 / 26
FRONTIER_COSTS = [VENDOR_AT_94 * 52 + team(1000 - VENDOR_AT_94), TINY_COST]


def solved(file: Path, runs: Path, assignments: tuple[str, ...] = ()) -> Path:
    """Solve as `e2eopt solve` does, in this process: resolve, optimise, write the run folder."""
    resolved = resolve(file, assignments)
    outcome = optimise(resolved.scenario, sensitivity=False)
    return write_run(
        outcome, file, runs, scenario_bytes=resolved.text, changes=resolved.changes, inputs=resolved.inputs
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("catalogue") / "runs"
    folders = {
        "base": solved(TINY_FILE, root),
        "set": solved(TINY_FILE, root, (SET,)),
        "whatif": solved(WHATIF, root),
    }
    plan = plan_sweep(TINY_FILE, [parse_axis("demands.*.volume=*1,*1.1")])
    folders["sweep"] = new_sweep_folder(plan, root)
    run_sweep(plan, folders["sweep"], workers=1)
    scenario = resolve(TINY_FILE).scenario
    curve = frontier(scenario, "min_quality", [0.94, 0.95], demands=["repairs"])
    folders["frontier"] = write_frontier(curve, scenario, TINY_FILE.read_bytes(), str(TINY_FILE), root)
    (root / "notes").mkdir()  # the user's own folder: only a scenario, no results
    shutil.copy(TINY_FILE, root / "notes" / "scenario.yaml")
    return {"root": root, **folders}


def summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text())


def test_whatif_set_and_base_runs_are_told_apart_by_name(runs):
    stamp = r"\d{8}T\d{6}Z"
    assert re.fullmatch(f"{stamp}-tiny", runs["base"].name)
    assert runs["set"].name.endswith(f"-tiny-set-{SET_DIGEST}")
    assert runs["whatif"].name.endswith("-appliance-co-whatif-wage-rise")
    assert summary(runs["whatif"])["label"] == "whatif-wage-rise" and summary(runs["base"])["label"] == ""


@pytest.mark.parametrize(
    ("file", "changes", "inputs", "label"),
    [
        ("a.yaml", [], {"a.yaml": b""}, ""),
        ("w.yaml", [], {"w.yaml": b"", "a.yaml": b""}, "w"),  # extends, nothing set: still a what-if
        (
            "a.yaml",
            [Change("x.y", 1, 2, "x.y", "--set", 2)],
            {"a.yaml": b""},
            "set-" + hashlib.sha256(b"x.y=2").hexdigest()[:8],
        ),
        (
            "w.yaml",
            [Change("n.a", {}, None, "n.a", "--remove", "removed"), Change("x.y", 1, 2, "x.*", "--set", "*2")],
            {"w.yaml": b"", "a.yaml": b""},
            "w-set-" + hashlib.sha256(b"-n.a\nx.*=*2").hexdigest()[:8],
        ),
        ("w.yaml", [Change("x.y", 1, 2, "x.y", "w.yaml:3", 2)], {"w.yaml": b"", "a.yaml": b""}, "w"),  # the file's own
    ],
)
def test_run_label(file, changes, inputs, label, tmp_path):
    assert run_label(tmp_path / file, changes, inputs) == label
    assert run_label(None, changes, inputs) == label  # no file named: the same label from what was given


def test_the_catalogue_lists_each_run_once_in_time_order_and_leaves_other_folders_out(runs):
    catalogue = scan(runs["root"])
    by_name = {e.name: e for e in catalogue.entries}
    assert set(by_name) == {runs[k].name for k in ("base", "set", "whatif", "sweep", "frontier")}
    assert [e.created for e in catalogue.entries] == sorted(e.created for e in catalogue.entries)
    assert catalogue.skipped == [runs["root"] / "notes"]
    base, changed, whatif, sweep = (by_name[runs[k].name] for k in ("base", "set", "whatif", "sweep"))
    assert (base.kind, base.status, base.currency) == ("run", "optimal", "EUR")
    assert base.total_cost == pytest.approx(TINY_COST, rel=1e-9)
    assert changed.total_cost == pytest.approx(SET_COST, rel=1e-9) and changed.overrides == (SET,)
    assert whatif.overrides == ("whatif-wage-rise",)
    assert base.scenario_sha256 == hashlib.sha256(TINY_FILE.read_bytes()).hexdigest()
    assert (sweep.kind, sweep.points, sweep.status) == ("sweep", 2, "2 optimal")
    curve = by_name[runs["frontier"].name]
    assert (curve.kind, curve.points, curve.status, curve.overrides) == (
        "frontier",
        2,
        "2 optimal",
        ("min_quality of repairs",),
    )
    assert [p.name for p in catalogue.points] == [f"{runs['sweep'].name}/points/000{n}" for n in (1, 2)]


def test_total_cost_by_run_from_sql_equals_each_summary_and_a_pandas_sum(runs):
    catalogue = scan(runs["root"])
    answer = query(catalogue, "select run, sum(amount) as amount from costs group by run order by run")
    totals = dict(answer.rows)
    folders = {e.name: e.path for e in catalogue.queryable() if e.kind in ("run", "point")}
    assert set(totals) == set(folders)  # 3 runs and 2 points
    for name, folder in folders.items():
        assert totals[name] == pytest.approx(summary(folder)["total_cost"], abs=1e-6)
        assert totals[name] == pytest.approx(pd.read_parquet(folder / "costs.parquet").amount.sum(), abs=1e-6)
    sweep = runs["sweep"].name
    assert {n: totals[f"{sweep}/points/000{n}"] for n in (1, 2)} == pytest.approx(POINT_COSTS, rel=1e-9)
    assert answer.units == {"amount": "EUR"} and answer.money == {"amount"}


def test_the_runs_and_points_views_hold_the_summaries_and_the_points_tables(runs):
    catalogue = scan(runs["root"])
    rows = query(catalogue, "select run, kind, total_cost, sweep, point from runs order by run").rows
    sweep = runs["sweep"].name
    assert {(r[0], r[1]) for r in rows} == {
        (runs["base"].name, "run"),
        (runs["set"].name, "run"),
        (runs["whatif"].name, "run"),
        (f"{sweep}/points/0001", "point"),
        (f"{sweep}/points/0002", "point"),
    }
    points = query(catalogue, 'select run, point, "demands.*.volume", total_cost from points order by point').rows
    assert [(r[0], r[1], r[2]) for r in points] == [(sweep, 1, "*1"), (sweep, 2, "*1.1")]
    assert [r[3] for r in points] == pytest.approx([POINT_COSTS[1], POINT_COSTS[2]], rel=1e-9)
    # The points' own summaries, joined to the points table by sweep and point number.
    joined = query(
        catalogue,
        "select p.point, p.total_cost - r.total_cost from points p "
        "join runs r on r.sweep = p.run and r.point = p.point",
    ).rows
    assert sorted(r[0] for r in joined) == [1, 2] and all(abs(r[1]) < 1e-9 for r in joined)
    curve = query(catalogue, "select run, target, total_cost from frontier order by target").rows
    assert [(r[0], r[1]) for r in curve] == [(runs["frontier"].name, 0.94), (runs["frontier"].name, 0.95)]
    assert [r[2] for r in curve] == pytest.approx(FRONTIER_COSTS, rel=1e-9)


def test_every_view_is_there_for_a_query_that_asks_which_there_are(runs):
    """Views are made only for the tables a query names (each reads every run's file footer), except
    for a query that lists them."""
    catalogue = scan(runs["root"])
    listed = {row[0] for row in query(catalogue, "show tables").rows}
    tables = set(summary(runs["base"])["tables"])
    assert listed == tables | {"runs", "points", "frontier"}
    [(count,)] = query(catalogue, "select count(*) from main.costs").rows  # named with its schema
    assert count == sum(len(pd.read_parquet(e.tables["costs"])) for e in catalogue.queryable() if "costs" in e.tables)


def test_bad_sql_raises_duckdb_s_message(runs):
    catalogue = scan(runs["root"])
    with pytest.raises(CatalogueError, match="syntax error"):
        query(catalogue, "selec 1")
    with pytest.raises(CatalogueError, match="nonexistent"):
        query(catalogue, "select * from nonexistent")


def test_units_are_given_only_where_one_unit_holds(runs):
    catalogue = scan(runs["root"])
    sql = (
        'select c.amount, s.fte, k.cost_per_unit, p."fte.technician" from costs c, staffing s, demand_kpis k, points p'
    )
    answer = query(catalogue, sql + " limit 1")
    assert answer.units == {
        "amount": "EUR",
        "fte": "FTE",
        "cost_per_unit": "EUR per unit",
        "fte.technician": "FTE (mean over periods)",  # from the points table's Parquet metadata
    }
    assert answer.money == {"amount"}
    answer = query(catalogue, "select sum(amount), count(*) as n from costs")
    assert answer.units == {} and answer.money == frozenset()


def test_units_are_those_of_the_tables_the_query_reads(runs):
    """marginal_cost is EUR per unit in demand_kpis and EUR per point of quality in a frontier of
    min_quality: each table read alone gives its own; read together, none, and the answer says why."""
    catalogue = scan(runs["root"])
    stored = json.loads(pq.read_schema(runs["frontier"] / "frontier.parquet").metadata[b"units"])
    per_point = "EUR per percentage point (cost of raising min_quality by one point)"
    assert stored["marginal_cost"] == per_point and stored["backlog"] == stored["unmet"] == "unit"
    answer = query(catalogue, "select * from frontier")
    assert answer.units == stored and answer.differing == {}
    assert answer.money == {"objective", "total_cost", "margin"}  # the LP's objective, the cost, the margin
    answer = query(catalogue, "select marginal_cost, backlog from demand_kpis")
    assert answer.units == {"marginal_cost": "EUR per unit", "backlog": "unit"}
    answer = query(catalogue, "select f.marginal_cost, f.unmet from frontier f, demand_kpis k limit 1")
    assert answer.units == {"unmet": "unit"}
    assert answer.differing == {"marginal_cost": {"EUR per unit": ["demand_kpis"], per_point: ["frontier"]}}
    # A table named in a string is not read; a CTE is the table it selects from.
    answer = query(catalogue, "with k as (select marginal_cost from frontier) select *, 'demand_kpis' as t from k")
    assert answer.units == {"marginal_cost": per_point} and answer.differing == {}


def test_damaged_folders_are_listed_as_damaged_and_left_out_of_the_views(runs, tmp_path):
    root = tmp_path / "runs"
    shutil.copytree(runs["base"], root / "cut")
    shutil.copytree(runs["base"], root / "garbled")
    shutil.copytree(runs["set"], root / "whole")
    costs = root / "cut" / "costs.parquet"
    costs.write_bytes(costs.read_bytes()[:100])  # a write cut short
    (root / "garbled" / "summary.json").write_text('{"status": "opt')
    entries = {e.name: e for e in scan(root).entries}
    assert entries["cut"].kind == "damaged"
    assert entries["cut"].problem == "costs.parquet is damaged (cut short: not a whole Parquet file)"
    assert entries["garbled"].kind == "damaged"
    assert str(entries["garbled"].problem).startswith("summary.json is damaged (not JSON: ")
    assert query(scan(root), "select distinct run from costs").rows == [("whole",)]
    status = query(scan(root), "select run, kind from runs where problem is not null order by run").rows
    assert status == [("cut", "damaged"), ("garbled", "damaged")]


TABLES_NOT_NAMES = "summary.json is damaged ('tables' is not a list of table names)"


@pytest.mark.parametrize(
    ("summary_text", "kind", "problem"),
    [
        ("[]", "damaged", "summary.json is damaged (a JSON list, not an object)"),
        ("{}", "damaged", "summary.json is damaged (no status)"),
        ('{"status": 1}', "damaged", "summary.json is damaged (status not text)"),
        ('{"status": "optimal", "tables": [null]}', "damaged", TABLES_NOT_NAMES),
        ('{"status": "optimal", "tables": ["../x"]}', "damaged", TABLES_NOT_NAMES),
        ('{"status": "optimal", "tables": "costs"}', "damaged", TABLES_NOT_NAMES),
        ('{"status": "optimal", "tables": ["costs"]}', "damaged", "costs.parquet is missing"),
        ('{"status": "optimal", "currency": 3}', "damaged", "summary.json is damaged (currency not text)"),
        ('{"status": "optimal", "input": "x", "overrides": {"a": 1}, "created_utc": 5}', "run", None),
        ('{"status": "optimal", "total_cost": NaN}', "run", None),
        ("\udcff", "damaged", "summary.json is damaged (not JSON: "),
    ],
)
def test_odd_summaries_are_a_run_or_damaged_never_an_error(tmp_path, summary_text, kind, problem):
    folder = tmp_path / "runs" / "20261399T000000Z-odd"  # month 13: no time from the name
    folder.mkdir(parents=True)
    (folder / "scenario.yaml").write_text("scenario: {}\n")
    (folder / "summary.json").write_bytes(summary_text.encode("utf-8", "surrogateescape"))
    [entry] = scan(tmp_path / "runs").entries
    assert entry.kind == kind and (entry.problem or "").startswith(problem or "")
    assert entry.total_cost is None and entry.currency is None and json.dumps(entry.as_dict())


def test_whole_parquet_checks_both_ends(runs, tmp_path):
    whole = runs["base"] / "costs.parquet"
    assert whole_parquet(whole)
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(whole.read_bytes()[:-1])
    assert not whole_parquet(cut) and not whole_parquet(tmp_path / "none.parquet")
    (tmp_path / "tiny.parquet").write_bytes(b"PA")
    assert not whole_parquet(tmp_path / "tiny.parquet")


def test_remove_takes_runs_and_sweeps_and_refuses_points_and_other_folders(runs, tmp_path):
    root = tmp_path / "runs"
    for key in ("base", "sweep"):
        shutil.copytree(runs[key], root / runs[key].name)
    shutil.copytree(runs["root"] / "notes", root / "notes")
    point = find(root, f"{runs['sweep'].name}/points/0001")
    assert point.kind == "point"
    with pytest.raises(CatalogueError, match="sweep's point"):
        remove(point)
    damaged = root / runs["sweep"].name / "points" / "0002"
    (damaged / "summary.json").write_text("{")
    assert find(root, str(damaged)).kind == "damaged"
    with pytest.raises(CatalogueError, match="sweep's point"):
        remove(find(root, str(damaged)))  # a damaged point is still a point
    listed = scan(root / runs["sweep"].name / "points").entries  # the points folder given as a runs folder
    assert [(e.name, e.kind) for e in listed] == [("0001", "point"), ("0002", "damaged")]
    with pytest.raises(CatalogueError, match="not a run folder"):
        find(root, "notes")
    with pytest.raises(CatalogueError, match="not a run folder"):
        remove(Entry("notes", root / "notes", "run", ""))  # whatever an entry claims, the folder is checked
    for name in (runs["base"].name, runs["sweep"].name):
        remove(find(root, name))
    assert sorted(p.name for p in root.iterdir()) == ["notes"]  # nothing hidden left behind either
