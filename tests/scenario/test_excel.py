"""Scenarios in Excel (model/scenario/excel.py): the round trip of every shipped scenario, an edit made
in the book, the validations a planner sees, and broken books, each with its located problem.

A book is written from a scenario with `write_template`, changed with openpyxl as a planner would
change it in Excel, and read back with `read_workbook`; the scenario it gives is compared with the
YAML file's own (equal `Scenario` objects, and the same optimum solved from each).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import APPLIANCE_FILE, DATA, RULES_FILE, TINY_FILE
from openpyxl import Workbook, load_workbook

from model import load_scenario, optimise
from model.errors import ScenarioError
from model.scenario.excel import read_workbook, read_workbook_scenario, write_template
from model.scenario.loader import parse_yaml, validate_data
from model.scenario.overrides import resolve
from model.scenario.schema import Scenario, with_current_names

SHIPPED = sorted(DATA.glob("*.yaml"))


def book_of(path: Path) -> bytes:
    """The workbook of a scenario file (a what-if file resolved), as bytes."""
    stream = io.BytesIO()
    write_template(with_current_names(resolve(path).data), stream, source_name=str(path))
    return stream.getvalue()


def scenario_of(text: bytes) -> Scenario:
    """The scenario a YAML text (as read_workbook gives it) holds, validated as a file's."""
    data, source = parse_yaml(text.decode("utf-8"), "imported.yaml")
    return validate_data(data, source)


def edited(book: bytes, change: Any) -> bytes:
    """The book after `change(workbook)`, saved again (as a planner's edit in Excel)."""
    workbook = load_workbook(io.BytesIO(book))
    change(workbook)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def problems_of(book: bytes, name: str = "BOOK.xlsx") -> list:
    with pytest.raises(ScenarioError) as raised:
        read_workbook(book, name)
    return raised.value.problems


def row_of(sheet: Any, *keys: str) -> int:
    """The row whose first cells hold `keys`."""
    for row in sheet.iter_rows(min_row=2):
        if tuple(cell.value for cell in row[: len(keys)]) == keys:
            return row[0].row
    raise AssertionError(f"no row {keys} on sheet {sheet.title}")


@pytest.fixture(scope="module")
def appliance_book() -> bytes:
    return book_of(APPLIANCE_FILE)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_scenario_comes_back_the_same_with_the_same_optimum(path):
    resolved = resolve(path)
    imported = scenario_of(read_workbook(book_of(path), f"{path.stem}.xlsx"))
    assert imported == resolved.scenario
    # The book of the Scenario object (as a notebook has it) reads back the same too, in one step.
    stream = io.BytesIO()
    write_template(resolved.scenario, stream, source_name=str(path))
    assert read_workbook_scenario(stream.getvalue(), f"{path.stem}.xlsx") == resolved.scenario
    # The same optimum: each solved on its own (not the same object solved twice).
    from_yaml = optimise(resolved.scenario, sensitivity=False)
    from_book = optimise(imported, sensitivity=False)
    assert from_yaml.status == from_book.status == "optimal"
    assert from_book.objective == pytest.approx(from_yaml.objective, rel=1e-9)


EVERY_FIELD = """
scenario: {name: every-field, currency: USD, time_unit: day, period_length: 30, periods: 2, objective: margin}
stages: [front, back]
roles:
  clerk: {cost_per_fte: 3000, hours_per_fte: 150, hire_cost: 100, layoff_cost: 200, overtime: {},
          skills: [en, fr], shrinkage: 0.2}
  fitter: {cost_per_fte: 4000.5, hours_per_fte: 140, overtime: {max_hours_per_fte: 10, cost_per_hour: 30}, skills: [fr]}
nodes:
  desk:
    stage: front
    work: {clerk: {hours_per_unit: 0.5, hours_by_demand: {calls: 0.25, jobs: 0.75}}}
    staff: {clerk: {}}
    queue: {model: erlang_a, patience: 0.2, overflow: field, whole_agents: true, open_hours: 160, peak_factor: 1.2,
            target: {average_wait: 0.5, max_abandoned: 0.1}}
  hotline:
    stage: front
    work: {clerk: {hours_per_unit: 0.1}}
    queue: {model: erlang_b, open_hours: 100, lanes: [{name: only, target: {max_blocked: 0.02}}]}
  shop:
    stage: back
    unit_cost: 3
    processing_time: 1
    wait_time: 0.5
    max_utilisation: 0.85
    quality: 0.99
    capacity: 5000
    work: {fitter: {hours_per_unit: 1.5, quality: 0.97, processing_time: 2, unit_cost: 1}}
    staff: {fitter: {min: 1, max: 40, initial: 10}}
    stock: {demands: [jobs], holding_cost: 2, initial: 5, final_min: 5}
  field:
    stage: back
    rework: {to: origin, cost: 4.5, time: 2}
    work: {fitter: {hours_per_unit: 2, rework: {}}}
    queue:
      open_hours: 150
      lanes:
        - {name: fast, target: {service_level: 0.8, within: 0.1}}
        - {name: slow, target: {service_level: 0.5, within: 1, average_wait: 2}}
  annex:
    stage: back
    open: decide
    decide_per: period
    fixed_cost: 2500
    min_volume: 50
    capacity_levels: [{capacity: 100, cost: 300}, {capacity: 400}]
arcs:
  - {from: desk, to: shop, cost: 1, lead_time: 0.5, capacity: 9000}
  - {from: desk, to: field, cost: -0.5}  # a rebate: arc costs may be negative
demands:
  jobs: {origin: desk, sinks: [shop, field], stages: [front, back], volume: 700, min_quality: 0.9,
         max_mean_response_time: 20, backlog_cost: 5, final_backlog: 10, unmet_penalty: 99, price: 120,
         segment: trade, labels: {channel: web, region: north}, skills: [fr]}
  calls: {origin: desk, sinks: [field], volume: [10, 20], max_response_time: 30, segment: retail}
solver:
  time_limit: 30
  mip_gap: 0.001
  integer_staff: true
  threads: 2
  algorithm: simplex
  queue_iterations: 7
  relaxation_weights: {demand: 5, staff_max: 2}
  highs_options: {presolve: "off", random_seed: 3}
rules:
  cap: {about: "Jobs: at most half to the field", sum: units, where: {demand: jobs, node: [field, "sh?p"]},
        at_most: 0.5, of: {sum: units, where: {demand: jobs}}, per: period}
  floor: {sum: fte, where: {node: shop}, at_least: 2}
  exact: {sum: flow, where: {to: shop}, equal: 100, per: horizon}
  spend: {sum: cost, at_most: 1000000, of: {sum: hours}}
"""


def test_every_field_of_the_schema_comes_back(tmp_path):
    """Fields no shipped scenario uses: a count of periods, an empty overtime, a stock of one number,
    a queue's own target, lanes with both kinds of target, a node's rework and a work entry's empty
    one, the former name of a field, every solver setting, relaxation weights and HiGHS options, business
    rules of every form (lists and patterns in filters, each comparison, with and without `of` and its
    filters, per period and horizon), a site's decision, costs and capacity levels, and a demand's
    segment and labels; skills of roles and demands, and hours per unit by demand."""
    path = tmp_path / "every-field.yaml"
    path.write_text(EVERY_FIELD, encoding="utf-8")
    original = resolve(path).scenario
    assert original.solver.highs_options == {"presolve": "off", "random_seed": 3}
    assert original.demands["jobs"].labels == {"channel": "web", "region": "north"}
    assert scenario_of(read_workbook(book_of(path), "every-field.xlsx")) == original


EVERY_SHIFT_FIELD = """
scenario: {name: every-shift-field, currency: EUR, period_length: 730}
intervals: {days: [Mon, Tue, Wed], times: {from: "22:00", to: "02:00", minutes: 60}, weight: 4.33}
stages: [s]
roles:
  agent: {cost_per_fte: 3000, hours_per_fte: 140, shrinkage: 0.25}
  lead: {cost_per_fte: 4000, hours_per_fte: 140}
nodes:
  desk:
    stage: s
    work:
      agent:
        hours_per_unit: 0.1
        days_on: 2
        shifts:
          night: {start: "22:00", hours: 3, breaks: ["23:00"], days: [Mon, Wed], cost: 50, min: 1, max: 9}
          listed: {covers: ["Tue 00:00", "Tue 01:00"]}
  back:
    stage: s
    work: {lead: {hours_per_unit: 0.2, shifts: {all: {days: [Tue]}}}}
demands:
  calls: {origin: desk, sinks: [desk], volume: 500, profile: {days: [1, 2, 1.5], times: [1, 3, 2, 1]}}
  chats: {origin: desk, sinks: [desk], volume: 80, profile: [1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 1]}
  mail: {origin: back, sinks: [back], volume_by_interval: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12.5]}
  jobs: {origin: back, sinks: [back], volume: 40, profile: {times: [1, 2, 3, 4]}}
"""
"""Intervals (generated times that wrap past midnight), profiles of each form, volumes by interval,
shift patterns of each form, days_on and shrinkage (docs/model.md, Shifts); listed times with hours
per time come back in data/union-airways.yaml, a shipped scenario."""


def test_every_interval_and_shift_field_comes_back(tmp_path):
    path = tmp_path / "every-shift-field.yaml"
    path.write_text(EVERY_SHIFT_FIELD, encoding="utf-8")
    original = resolve(path).scenario
    assert original.nodes["desk"].work["agent"].shifts["night"].breaks == ["23:00"]
    assert scenario_of(read_workbook(book_of(path), "every-shift-field.xlsx")) == original


def test_a_shift_start_typed_as_a_time_reads_as_hh_mm():
    # Excel turns 06:00 typed into a cell into a time of day; the shift's start is its HH:MM label.
    import datetime

    def change(workbook: Workbook) -> None:
        sheet = workbook["shifts"]
        assert [c.value for c in sheet[1]][4] == "start (HH:MM)"
        sheet.cell(row_of(sheet, "desk"), 5).value = datetime.time(6, 0)

    book = book_of(DATA / "union-airways.yaml")
    data, _ = parse_yaml(read_workbook(edited(book, change), "BOOK.xlsx").decode(), "x.yaml")
    assert data["nodes"]["desk"]["work"]["agent"]["shifts"]["early"]["start"] == "06:00"


def test_a_volume_changed_in_the_book_imports_as_that_change(appliance_book):
    # data/appliance-co.yaml: repairs_north's volume is [1900, 1600, 1200] (2027-01..03); 2027-02 -> 1725.
    def change(workbook: Workbook) -> None:
        sheet = workbook["volumes"]
        assert [c.value for c in sheet[1]][:4] == ["demand", "2027-01", "2027-02", "2027-03"]
        sheet.cell(row_of(sheet, "repairs_north"), 3).value = 1725

    data, _ = parse_yaml(read_workbook(edited(appliance_book, change), "BOOK.xlsx").decode(), "x.yaml")
    original, _ = parse_yaml(APPLIANCE_FILE.read_text(encoding="utf-8"), "appliance-co.yaml")
    assert original["demands"]["repairs_north"]["volume"] == [1900, 1600, 1200]
    assert data["demands"]["repairs_north"]["volume"] == [1900, 1725, 1200]
    data["demands"]["repairs_north"]["volume"] = [1900, 1600, 1200]
    assert data == with_current_names(original)  # nothing else changed


def test_a_one_number_volume_is_edited_on_the_demands_sheet():
    # data/tiny.yaml: repairs' volume is 1000 in its one period; 1000 -> 1200.
    book = book_of(TINY_FILE)

    def change(workbook: Workbook) -> None:
        sheet = workbook["demands"]
        assert sheet["E1"].value == "volume (units per period, every period)"
        assert sheet["E2"].value == 1000
        sheet["E2"] = 1200

    data, _ = parse_yaml(read_workbook(edited(book, change), "BOOK.xlsx").decode(), "x.yaml")
    assert data["demands"]["repairs"]["volume"] == 1200


def test_the_yaml_names_the_book_and_keeps_the_usual_key_order(appliance_book):
    text = read_workbook(appliance_book, "plan.xlsx").decode()
    assert text.startswith("# Imported by e2eopt from the workbook plan.xlsx.\n")
    sections = [line.split(":")[0] for line in text.splitlines() if re.match(r"^[a-z]", line)]
    assert sections == ["scenario", "stages", "roles", "nodes", "arcs", "demands", "solver"]


# ---- what the planner sees -----------------------------------------------------------------


def validation_at(sheet: Any, cell: str) -> Any:
    found = [dv for dv in sheet.data_validations.dataValidation if cell in dv.sqref]
    assert len(found) == 1, (sheet.title, cell, found)
    return found[0]


def names_in(workbook: Workbook, formula: str) -> list[str]:
    """The non-empty values of the range a list validation's formula names (`nodes!$A$2:$A$100001`)."""
    sheet, cells = formula.split("!")
    return [cell.value for (cell,) in workbook[sheet][cells.replace("$", "")] if cell.value is not None]


def test_name_cells_offer_the_names_of_their_sheet(appliance_book):
    workbook = load_workbook(io.BytesIO(appliance_book))
    nodes = list(resolve(APPLIANCE_FILE).scenario.nodes)
    for sheet, cell in [("work", "A2"), ("staff", "A40"), ("arcs", "B2"), ("demands", "B2"), ("stock", "A900")]:
        rule = validation_at(workbook[sheet], cell)
        assert rule.type == "list"
        assert names_in(workbook, rule.formula1) == nodes, (sheet, cell)
    scenario = resolve(APPLIANCE_FILE).scenario
    assert names_in(workbook, validation_at(workbook["work"], "B5").formula1) == list(scenario.roles)
    assert names_in(workbook, validation_at(workbook["nodes"], "B5").formula1) == scenario.stages
    assert names_in(workbook, validation_at(workbook["volumes"], "A9").formula1) == list(scenario.demands)
    assert names_in(workbook, validation_at(workbook["scenario"], "B4").formula1) == ["minute", "hour", "day", "week"]
    assert workbook["scenario"]["A4"].value == "time_unit"
    assert workbook["lists"].sheet_state == "hidden"


def test_number_cells_carry_their_range_and_headers_their_unit(appliance_book):
    workbook = load_workbook(io.BytesIO(appliance_book))
    roles = workbook["roles"]
    assert roles["B1"].value == "cost_per_fte (EUR per FTE per period)"
    money = validation_at(roles, "B500")
    assert (money.type, money.operator, money.formula1, money.formula2) == ("decimal", "between", "0", "1000000000000")
    assert money.showErrorMessage and "0, or 1e-9 to 1e12 EUR" in money.error  # appliance-co's currency
    share = validation_at(workbook["nodes"], "G3")  # quality
    assert workbook["nodes"]["G1"].value == "quality (share, 0 to 1)"
    assert (share.formula1, share.formula2) == ("1E-06", "1")
    volume = validation_at(workbook["volumes"], "D3")
    assert (volume.type, volume.formula1, volume.formula2) == ("decimal", "0", "1000000000")
    assert workbook["nodes"]["D1"].value == "processing_time (hours)"
    assert roles.freeze_panes == "A2" and roles["A1"].font.b
    rebate = validation_at(workbook["arcs"], "C2")  # an arc's cost may be negative (a rebate)
    assert workbook["arcs"]["C1"].value == "cost (EUR per unit)"
    assert (rebate.formula1, rebate.formula2) == ("-1000000000000", "1000000000000")
    assert "0, or -1e12 to -1e-9 or 1e-9 to 1e12 EUR" in rebate.error


def test_the_notes_sheet_comes_first_and_names_the_source(appliance_book):
    workbook = load_workbook(io.BytesIO(appliance_book))
    assert workbook.sheetnames[0] == "notes"
    text = "\n".join(str(row[0].value) for row in workbook["notes"].iter_rows() if row[0].value)
    assert f"from {APPLIANCE_FILE}" in text
    assert "comma" in text and "drop-down" in text


# ---- broken books -------------------------------------------------------------------------


def test_a_name_not_in_the_list_is_located_with_the_closest(appliance_book):
    def change(workbook: Workbook) -> None:
        workbook["work"]["A5"] = "plant_aa"  # the row of plant_a's assemblers

    problems = problems_of(edited(appliance_book, change))
    [problem] = [p for p in problems if p.path == "nodes.plant_aa.work.assembler"]
    assert problem.file == "BOOK.xlsx, sheet 'work', row 5, column A (node)"
    # plant_a's staff bounds for assemblers now have no work row: the same problem a YAML file gives
    assert {p.path for p in problems} == {problem.path, "nodes.plant_a.staff.assembler"}
    assert "unknown node 'plant_aa'" in problem.message and "Did you mean 'plant_a'?" in problem.hint


def test_an_unknown_stage_is_located_by_the_schema_checks(appliance_book):
    def change(workbook: Workbook) -> None:
        sheet = workbook["nodes"]
        sheet.cell(row_of(sheet, "plant_b"), 2).value = "manufactoring"

    problems = problems_of(edited(appliance_book, change))
    [problem] = [p for p in problems if p.path == "nodes.plant_b.stage"]
    row = row_of(load_workbook(io.BytesIO(appliance_book))["nodes"], "plant_b")
    assert problem.file == f"BOOK.xlsx, sheet 'nodes', row {row}, column B (stage)"
    assert problem.message == "unknown stage 'manufactoring'" and problem.hint == "Did you mean 'manufacturing'?"


def test_text_in_a_number_cell(appliance_book):
    def change(workbook: Workbook) -> None:
        sheet = workbook["volumes"]
        sheet.cell(row_of(sheet, "repairs_north"), 3).value = "many"

    [problem] = problems_of(edited(appliance_book, change))
    row = row_of(load_workbook(io.BytesIO(appliance_book))["volumes"], "repairs_north")
    assert problem.file == f"BOOK.xlsx, sheet 'volumes', row {row}, column C (2027-02)"
    assert problem.path == "demands.repairs_north.volume[1]"
    assert problem.message == "'many' is not a number"
    assert "0, or 1e-6 to 1e9 units per period" in problem.hint


def test_a_figure_out_of_range_is_the_schema_s_problem_at_its_cell(appliance_book):
    def change(workbook: Workbook) -> None:
        workbook["roles"]["B2"] = -5

    [problem] = problems_of(edited(appliance_book, change))
    role = load_workbook(io.BytesIO(appliance_book))["roles"]["A2"].value
    assert problem.file == "BOOK.xlsx, sheet 'roles', row 2, column B (cost_per_fte)"
    assert problem.path == f"roles.{role}.cost_per_fte"
    assert problem.message.startswith("-5 is not allowed: input should be greater than or equal to 0")


def test_a_missing_sheet_says_which_sheets_a_book_needs(appliance_book):
    [problem] = problems_of(edited(appliance_book, lambda workbook: workbook.remove(workbook["nodes"])))
    assert problem.file == "BOOK.xlsx"
    assert problem.message == "the workbook has no sheet 'nodes'"
    assert "needs the sheets scenario, stages, nodes, demands" in problem.hint


def test_a_missing_required_column(appliance_book):
    [problem] = problems_of(edited(appliance_book, lambda workbook: workbook["work"].delete_cols(3)))
    assert problem.file == "BOOK.xlsx, sheet 'work', row 1"
    assert problem.path == "nodes.*.work.*.hours_per_unit"
    assert problem.message == "sheet 'work' has no column 'hours_per_unit', which is required"


def test_duplicate_names(appliance_book):
    def change(workbook: Workbook) -> None:
        sheet = workbook["roles"]
        sheet.append([sheet["A2"].value, 1, 1])

    [problem] = problems_of(edited(appliance_book, change))
    workbook = load_workbook(io.BytesIO(appliance_book))
    last = workbook["roles"].max_row + 1
    assert problem.file == f"BOOK.xlsx, sheet 'roles', row {last}, column A (role)"
    assert problem.path == f"roles.{workbook['roles']['A2'].value}"
    assert problem.message.endswith("is listed twice on sheet 'roles' (first at row 2)")


def test_a_formula_is_read_by_its_saved_value(appliance_book):
    """openpyxl saves no values with formulas; Excel does: the saved value is put in the XML by hand."""
    role = load_workbook(io.BytesIO(appliance_book))["roles"]["A2"].value
    with_value = _formula_in_roles(appliance_book, "B2", "3000*2", "6000")
    data, _ = parse_yaml(read_workbook(with_value, "BOOK.xlsx").decode(), "x.yaml")
    assert data["roles"][role]["cost_per_fte"] == 6000
    [problem] = problems_of(_formula_in_roles(appliance_book, "B2", "3000*2", None))
    assert problem.file == "BOOK.xlsx, sheet 'roles', row 2, column B (cost_per_fte)"
    assert problem.message == "a formula with no saved value (=3000*2)"
    last = load_workbook(io.BytesIO(appliance_book))["roles"].max_row  # the last row too
    [problem] = problems_of(_formula_in_roles(appliance_book, f"C{last}", "70*2", None))
    assert problem.file == f"BOOK.xlsx, sheet 'roles', row {last}, column C (hours_per_fte)"


def _formula_in_roles(book: bytes, ref: str, formula: str, value: str | None) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(book))
    names = load_workbook(io.BytesIO(book)).sheetnames
    sheet = f"xl/worksheets/sheet{names.index('roles') + 1}.xml"
    xml = source.read(sheet).decode()
    cell = re.search(rf'<c r="{ref}"[^>]*>.*?</c>', xml)
    assert cell is not None
    saved = f"<v>{value}</v>" if value is not None else ""
    xml = xml.replace(cell.group(0), f'<c r="{ref}"><f>{formula}</f>{saved}</c>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, xml if item.filename == sheet else source.read(item.filename))
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty, not an .xlsx workbook"),
        (b"node,stage\ndesk,front\n", "not an .xlsx workbook (it is text: a CSV or YAML file?)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "an encrypted (password-protected) workbook or an old .xls"),
        ("zip", "a zip archive, but not an .xlsx workbook (it has no xl/workbook.xml)"),
        ("cut", "a damaged zip archive"),
    ],
    ids=["empty", "csv", "encrypted", "zip", "cut-short"],
)
def test_files_that_are_no_workbook(appliance_book, content, message):
    if content == "zip":
        stream = io.BytesIO()
        with zipfile.ZipFile(stream, "w") as archive:
            archive.writestr("notes.txt", "hello")
        content = stream.getvalue()
    elif content == "cut":
        content = appliance_book[: len(appliance_book) // 2]
    [problem] = problems_of(content)
    assert problem.file == "BOOK.xlsx" and message in problem.message


def test_a_misspelt_sheet_is_named_with_the_one_it_should_be(appliance_book):
    problems = problems_of(edited(appliance_book, lambda workbook: setattr(workbook["demands"], "title", "demand")))
    assert [(p.file, p.message) for p in problems] == [
        ("BOOK.xlsx, sheet 'demand'", "unknown sheet 'demand'"),
        ("BOOK.xlsx", "the workbook has no sheet 'demands'"),
    ]
    assert problems[0].hint == "Did you mean 'demands'?"


@pytest.mark.parametrize("sheet", ["work", "staff", "stock", "stock_by_demand", "arcs", "demands", "volumes"])
def test_each_sheet_without_its_key_column_is_one_problem(appliance_book, sheet):
    [problem] = problems_of(edited(appliance_book, lambda workbook: workbook[sheet].delete_cols(1)))
    assert problem.file == f"BOOK.xlsx, sheet '{sheet}', row 1"
    assert "has no column" in problem.message and "which is required" in problem.message


def test_optional_columns_may_be_deleted(appliance_book):
    """A column left out is every cell of it empty: here the demands' stages (so any path goes)."""
    data, _ = parse_yaml(
        read_workbook(edited(appliance_book, lambda workbook: workbook["demands"].delete_cols(4)), "B.xlsx").decode(),
        "x.yaml",
    )
    assert all("stages" not in demand for demand in data["demands"].values())
    assert data["demands"]["repairs_north"]["sinks"] == ["service_north", "partner_north"]


def test_a_stock_given_twice_is_refused_where_the_second_is(appliance_book):
    # plant_a's stock: initial per demand on sheet stock_by_demand (retail_orders: 300, row 2); one number too.
    def change(workbook: Workbook) -> None:
        assert workbook["stock"]["D1"].value == "initial (units)" and workbook["stock"]["A2"].value == "plant_a"
        workbook["stock"]["D2"] = 450

    problems = problems_of(edited(appliance_book, change))
    assert {(p.file, p.path) for p in problems} == {
        ("BOOK.xlsx, sheet 'stock_by_demand', row 2, column C (initial)", "nodes.plant_a.stock.initial.retail_orders"),
        ("BOOK.xlsx, sheet 'stock_by_demand', row 3, column C (initial)", "nodes.plant_a.stock.initial.online_orders"),
    }
    assert problems[0].message == "the stock's initial is one number on sheet 'stock' and per demand here"


def test_a_period_added_in_the_book_is_a_period_more(appliance_book):
    """A label on sheet 'periods' and a column on sheet 'volumes': appliance-co's quarter becomes four months."""

    def change(workbook: Workbook) -> None:
        assert workbook["scenario"]["A6"].value == "periods" and workbook["scenario"]["B6"].value is None
        workbook["periods"].append(["2027-04"])
        volumes = workbook["volumes"]
        volumes["E1"] = "2027-04"
        for row in volumes.iter_rows(min_row=2):
            if row[1].value is not None:  # a demand with volumes per period
                row[4].value = 100

    data, _ = parse_yaml(read_workbook(edited(appliance_book, change), "BOOK.xlsx").decode(), "x.yaml")
    assert data["scenario"]["periods"] == ["2027-01", "2027-02", "2027-03", "2027-04"]
    assert data["demands"]["repairs_north"]["volume"] == [1900, 1600, 1200, 100]


def test_numbers_come_back_to_the_last_bit(tmp_path):
    """openpyxl alone writes 16 significant digits: 1000.0000000000001 (1000 and one bit, as a what-if's
    arithmetic makes) came back as 1000, another scenario."""
    path = tmp_path / "bits.yaml"
    text = TINY_FILE.read_text(encoding="utf-8").replace("cost_per_fte: 5200", "cost_per_fte: 5200.000000000001")
    path.write_text(text.replace("volume: 1000", "volume: 1000.0000000000001"), encoding="utf-8")
    scenario = resolve(path).scenario
    assert scenario.roles["technician"].cost_per_fte == 5200.000000000001 != 5200
    assert scenario.demands["repairs"].volume == 1000.0000000000001 != 1000
    assert f"{1000.0000000000001:.16g}" == "1000"
    assert scenario_of(read_workbook(book_of(path), "bits.xlsx")) == scenario


# ---- from Python: a Scenario in, a Scenario out ---------------------------------------------


@pytest.fixture(scope="module")
def book_of_object() -> bytes:
    """appliance-co's book written from the Scenario object `model.load_scenario` gives."""
    stream = io.BytesIO()
    write_template(load_scenario(APPLIANCE_FILE), stream, source_name="appliance-co.yaml")
    return stream.getvalue()


def test_a_scenario_object_writes_a_book_that_reads_back_to_it(book_of_object):
    # read by the one-step function, and by the YAML text route (a second method): both equal the file's
    assert read_workbook_scenario(book_of_object, "a.xlsx") == load_scenario(APPLIANCE_FILE)
    assert scenario_of(read_workbook(book_of_object, "a.xlsx")) == load_scenario(APPLIANCE_FILE)


def test_a_scenario_object_s_book_leaves_defaults_empty_and_names_arc_ends(book_of_object, appliance_book):
    """Only the fields the file gives are written (a default stays an empty cell), arcs under from/to:
    the same cells as the book of the file's plain data."""
    from_object, from_data = (load_workbook(io.BytesIO(b)) for b in (book_of_object, appliance_book))
    for sheet in ("roles", "nodes", "work", "staff", "arcs", "demands", "volumes", "solver"):
        cells = [[c.value for c in row] for row in from_object[sheet].iter_rows()]
        assert cells == [[c.value for c in row] for row in from_data[sheet].iter_rows()], sheet
    assert from_object["arcs"]["A1"].value == "from" and from_object["arcs"]["B1"].value == "to"
    assert from_object["nodes"].cell(row_of(from_object["nodes"], "retail_partners"), 3).value is None  # unit_cost


def test_read_workbook_scenario_refuses_a_bad_book_as_read_workbook_does(appliance_book):
    bad = edited(appliance_book, lambda workbook: workbook["roles"].__setitem__("B2", "lots"))
    with pytest.raises(ScenarioError) as raised:
        read_workbook_scenario(bad, "BOOK.xlsx")
    assert raised.value.problems == problems_of(bad)
    [problem] = raised.value.problems
    assert problem.file == "BOOK.xlsx, sheet 'roles', row 2, column B (cost_per_fte)"


# ---- the trial's findings: a deleted volumes sheet, the problems' order, money in the currency ----


def test_a_deleted_volumes_sheet_is_one_problem_naming_the_sheet(appliance_book):
    [problem] = problems_of(edited(appliance_book, lambda workbook: workbook.remove(workbook["volumes"])))
    assert problem.file == "BOOK.xlsx"  # the sheet is gone: no cell of sheet 'demands' is at fault
    assert problem.path == "demands.*.volume"
    # appliance-co's six demands all have volumes per period (none has one number on sheet 'demands')
    demands = list(load_scenario(APPLIANCE_FILE).demands)
    assert len(demands) == 6
    assert problem.message == (
        "the workbook has no sheet 'volumes', which holds the volumes per period: demand "
        + ", ".join(repr(d) for d in demands[:5])
        + " and 1 more have no volume"
    )
    assert "Add the sheet back" in problem.hint and "volume column of sheet 'demands'" in problem.hint


def test_without_a_volumes_sheet_volumes_on_sheet_demands_are_enough(appliance_book):
    def change(workbook: Workbook) -> None:
        workbook.remove(workbook["volumes"])
        for row in range(2, workbook["demands"].max_row + 1):
            workbook["demands"].cell(row, 5).value = 100 * row  # column E: volume, one number per period

    scenario = read_workbook_scenario(edited(appliance_book, change), "BOOK.xlsx")
    volumes = {name: demand.volume for name, demand in scenario.demands.items()}
    names = list(load_scenario(APPLIANCE_FILE).demands)  # in the rows' order, from row 2
    assert volumes == {name: 100 * (index + 2) for index, name in enumerate(names)}


def test_problems_come_in_the_book_s_order_sheet_row_column(appliance_book):
    def change(workbook: Workbook) -> None:  # made in the reverse of the book's order
        workbook["volumes"]["C3"] = "many"
        workbook["demands"]["B2"] = "nowhere"
        workbook["nodes"]["C4"] = -1
        workbook["roles"]["C3"] = "x"
        workbook["roles"]["B3"] = -5
        workbook["roles"]["B2"] = "lots"

    places = [p.file for p in problems_of(edited(appliance_book, change))]
    planted = [
        "BOOK.xlsx, sheet 'roles', row 2, column B (cost_per_fte)",
        "BOOK.xlsx, sheet 'roles', row 3, column B (cost_per_fte)",
        "BOOK.xlsx, sheet 'roles', row 3, column C (hours_per_fte)",
        "BOOK.xlsx, sheet 'nodes', row 4, column C (unit_cost)",
        "BOOK.xlsx, sheet 'demands', row 2, column B (origin)",
        "BOOK.xlsx, sheet 'volumes', row 3, column C (2027-02)",
    ]
    assert [p for p in places if p in planted] == planted
    # and every problem (the consequences too) in order: parsed back from its text
    sheets = load_workbook(io.BytesIO(appliance_book)).sheetnames

    def key(place: str) -> tuple[int, int, str]:
        found = re.match(r"BOOK\.xlsx, sheet '(\w+)'(?:, row (\d+))?(?:, column ([A-Z]+))?", place)
        assert found, place
        return sheets.index(found[1]), int(found[2] or 0), f"{found[3] or '':>3}"

    assert [key(p) for p in places] == sorted(key(p) for p in places)


def test_money_is_named_in_the_scenario_s_currency(appliance_book):
    def change(workbook: Workbook) -> None:
        workbook["roles"]["B2"] = "lots"  # not a number: the book's hint
        workbook["roles"]["D2"] = 5e12  # out of range: the schema's message

    text, out_of_range = problems_of(edited(appliance_book, change))
    assert text.hint == "An amount of money: 0, or 1e-9 to 1e12 EUR."
    assert out_of_range.file == "BOOK.xlsx, sheet 'roles', row 2, column D (hire_cost)"
    assert "0, or 1e-9 to 1e12 EUR" in out_of_range.message and "currency" not in out_of_range.message


def test_a_rule_in_the_book_is_one_row_and_its_mistakes_name_their_cell():
    # data/business-rules.yaml: partner_cap is the first rule; its filters are one cell's text.
    book = book_of(RULES_FILE)

    def change(workbook: Workbook) -> None:
        sheet = workbook["rules"]
        assert [c.value for c in sheet[1]][:4] == ["rule", "about", "sum", "where (key=name; key=a, b)"]
        row = row_of(sheet, "partner_cap")
        assert sheet.cell(row, 4).value == "demand=repairs_premium; node=partner_*"
        assert [sheet.cell(row, c).value for c in (5, 6, 7, 8, 9)] == [
            "at_most",
            0.3,
            "units",
            "demand=repairs_premium; stage=service",
            None,
        ]
        sheet.cell(row, 4).value = "demand=repairs_premium; node=partnr_*"

    with pytest.raises(ScenarioError) as raised:
        read_workbook(edited(book, change), "BOOK.xlsx")
    (problem,) = raised.value.problems
    assert problem.file == "BOOK.xlsx, sheet 'rules', row 2, column D (where)"
    assert (problem.path, problem.message) == ("rules.partner_cap.where.node", "'partnr_*' matches no node")


def test_labels_in_one_cell_read_back_and_a_malformed_one_is_located(tmp_path):
    """A demand's labels are one cell, `channel=web; region=north`; a part without `=` is refused,
    naming the sheet, row and column."""
    path = tmp_path / "every-field.yaml"
    path.write_text(EVERY_FIELD, encoding="utf-8")
    book = book_of(path)

    def look(workbook: Workbook) -> None:
        sheet = workbook["demands"]
        headers = [c.value for c in sheet[1]]
        column = headers.index("labels (label=value; label=value)") + 1
        assert sheet.cell(row_of(sheet, "jobs"), column).value == "channel=web; region=north"
        assert sheet.cell(row_of(sheet, "calls"), headers.index("segment") + 1).value == "retail"
        sheet.cell(row_of(sheet, "jobs"), column).value = "channel=web; north"

    with pytest.raises(ScenarioError) as raised:
        read_workbook(edited(book, look), "BOOK.xlsx")
    problem = raised.value.problems[0]
    assert "sheet 'demands'" in problem.file and "labels" in problem.file
    assert "'north' is not label=value" in problem.message
