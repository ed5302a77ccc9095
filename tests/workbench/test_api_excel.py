"""The workbench's Excel download and upload (GET/POST /api/template, POST /api/import): the book the
server writes reads back to the scenario the YAML file holds, an edit made in the request or in the
book arrives in the scenario, and a broken book is answered 422 with its problems located by sheet,
row, column and field path, as `e2eopt import` locates them.

tiny.yaml by hand (tests/workbench/test_api.py): 1000 repairs cost 53,485.71 EUR at the optimum,
each repair 53.4857... EUR for any volume below 1,333."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import TINY_FILE

import model
from model.scenario.excel import read_workbook

from .conftest import PER_REPAIR

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def scenario_of(yaml_text: bytes | str, tmp_path: Path) -> model.Scenario:
    path = tmp_path / "imported.yaml"
    path.write_bytes(yaml_text.encode() if isinstance(yaml_text, str) else yaml_text)
    return model.load_scenario(path)


def volume_cell(book: bytes, demand: str) -> tuple[str, int, int]:
    """The sheet, row and column of `demand`'s volume: the `demands` sheet's `volume` column (tiny's
    volume is one number)."""
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(book))["demands"]
    headers = [str(cell.value or "") for cell in sheet[1]]
    column = next(i for i, header in enumerate(headers, 1) if header.split(" (")[0] == "volume")
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == demand)
    return "demands", row, column


def edited(book: bytes, value: object) -> bytes:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(book))
    sheet_name, row, column = volume_cell(book, "repairs")
    workbook[sheet_name].cell(row, column).value = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_the_downloaded_book_reads_back_to_the_file_s_scenario(client: TestClient, tmp_path: Path) -> None:
    answer = client.get("/api/template", params={"path": "tiny.yaml"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == XLSX
    assert answer.headers["content-disposition"] == 'attachment; filename="tiny.xlsx"'
    assert scenario_of(read_workbook(answer.content, "tiny.xlsx"), tmp_path) == model.load_scenario(TINY_FILE)


def test_a_what_if_s_book_holds_its_edits(client: TestClient, tmp_path: Path) -> None:
    answer = client.post("/api/template", json={"scenario": "tiny.yaml", "set": {"demands.repairs.volume": "*1.2"}})
    assert answer.status_code == 200, answer.text
    scenario = scenario_of(read_workbook(answer.content, "tiny.xlsx"), tmp_path)
    assert scenario.demands["repairs"].volume == pytest.approx(1200)  # 1000 x 1.2, by hand


def test_an_uploaded_book_is_the_scenario_it_holds(client: TestClient, tmp_path: Path) -> None:
    book = edited(client.get("/api/template", params={"path": "tiny.yaml"}).content, 1100)
    answer = client.post("/api/import", params={"name": "plan.xlsx"}, content=book)
    assert answer.status_code == 200, answer.text
    assert answer.json()["name"] == "plan.xlsx"
    outcome = model.optimise(scenario_of(answer.json()["yaml"], tmp_path), sensitivity=False)
    assert outcome.objective == pytest.approx(1100 * PER_REPAIR, abs=0.01)  # the book's volume, solved


def test_a_broken_book_is_answered_with_located_problems(client: TestClient) -> None:
    book = client.get("/api/template", params={"path": "tiny.yaml"}).content
    _, row, column = volume_cell(book, "repairs")
    answer = client.post("/api/import", params={"name": "plan.xlsx"}, content=edited(book, "many"))
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["problems"]
    letter = chr(ord("A") + column - 1)
    assert problem["file"].startswith(f"plan.xlsx, sheet 'demands', row {row}, column {letter}")
    assert problem["path"] == "demands.repairs.volume"
    assert "'many'" in problem["message"]


@pytest.mark.parametrize("content", [b"", b"name,volume\nrepairs,1000\n", b"PK\x03\x04 not really a zip"])
def test_what_is_not_a_workbook_is_refused_with_422(client: TestClient, content: bytes) -> None:
    answer = client.post("/api/import", params={"name": "plan.xlsx"}, content=content)
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["problems"]
    assert problem["file"] == "plan.xlsx"
    assert "workbook" in problem["message"]


def test_a_template_outside_the_folder_or_missing_is_refused(client: TestClient) -> None:
    assert client.get("/api/template", params={"path": "../tiny.yaml"}).status_code == 403
    assert client.get("/api/template", params={"path": "nothing.yaml"}).status_code == 404
    bad = client.post("/api/template", json={"scenario": "tiny.yaml", "set": {"demands.nope.volume": "1"}})
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["path"] == "demands.nope.volume"
