"""`e2eopt solve FILE --set path=value` end to end: what the run folder keeps, and that it reproduces.

The files are tests/scenario/overrides/: whatif.yaml extends base.yaml, raising the technician's
cost by 5 % (line 4: 3400 -> 3570), repairs' volume by a fifth (line 5) and removing the partner
node (line 7), which takes the arc desk->partner and the filters' sink with it.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from conftest import OVERRIDES_FOLDER, TINY_FILE, e2eopt, only_folder
from ruamel.yaml import YAML

from model import load_scenario, optimise, resolve, write_run

BASE, WHATIF = OVERRIDES_FOLDER / "base.yaml", OVERRIDES_FOLDER / "whatif.yaml"


@pytest.fixture(scope="module")
def whatif_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, Path]:
    work = tmp_path_factory.mktemp("whatif")
    result = e2eopt("solve", str(WHATIF), "--set", "demands.filters.volume=*2", "--out", str(work / "runs"), cwd=work)
    assert result.returncode == 0, result.stderr
    return result, only_folder(work / "runs")


def test_the_run_keeps_the_inputs_as_read(whatif_run):
    _, folder = whatif_run
    assert (folder / "inputs" / "whatif.yaml").read_bytes() == WHATIF.read_bytes()
    assert (folder / "inputs" / "base.yaml").read_bytes() == BASE.read_bytes()


def test_overrides_yaml_lists_the_inputs_and_every_change(whatif_run):
    _, folder = whatif_run
    record = YAML(typ="safe").load((folder / "overrides.yaml").read_text())
    assert record["inputs"] == [
        {"file": "whatif.yaml", "sha256": hashlib.sha256(WHATIF.read_bytes()).hexdigest()},
        {"file": "base.yaml", "sha256": hashlib.sha256(BASE.read_bytes()).hexdigest()},
    ]
    changes = {c["path"]: c for c in record["changes"]}
    assert list(changes) == [
        "nodes.partner",
        "arcs.desk->partner",
        "demands.filters.sinks",
        "roles.technician.cost_per_fte",
        "demands.repairs.volume",
        "demands.filters.volume",
    ]
    assert changes["roles.technician.cost_per_fte"] == {
        "path": "roles.technician.cost_per_fte",
        "old": 3400,
        "new": 3570,
        "override": "roles.technician.cost_per_fte",
        "value": "+5%",
        "origin": f"{WHATIF}:4",
    }
    assert (changes["demands.repairs.volume"]["old"], changes["demands.repairs.volume"]["new"]) == (
        [1000, 1200],
        [1200, 1440],
    )
    assert changes["demands.filters.volume"]["new"] == 600 and changes["demands.filters.volume"]["origin"] == "--set"
    assert changes["nodes.partner"]["new"] is None and changes["demands.filters.sinks"]["new"] == ["team"]


def test_summary_lists_the_overrides_applied(whatif_run):
    _, folder = whatif_run
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["overrides"] == [
        {"override": "nodes.partner", "value": "removed", "origin": f"{WHATIF}:7", "fields_changed": 3},
        {"override": "roles.technician.cost_per_fte", "value": "+5%", "origin": f"{WHATIF}:4", "fields_changed": 1},
        {"override": "demands.repairs.volume", "value": "*1.2", "origin": f"{WHATIF}:5", "fields_changed": 1},
        {"override": "demands.filters.volume", "value": "*2", "origin": "--set", "fields_changed": 1},
    ]


def test_summary_hashes_the_file_as_given_and_the_scenario_solved(whatif_run):
    """input.file names the override file: file_sha256 is of its bytes; scenario_sha256 is of the
    resolved scenario that was solved (the run's scenario.yaml). They differ."""
    _, folder = whatif_run
    given = json.loads((folder / "summary.json").read_text())["input"]
    assert given["file"].endswith("whatif.yaml")
    assert given["file_sha256"] == hashlib.sha256(WHATIF.read_bytes()).hexdigest()
    assert given["scenario_sha256"] == hashlib.sha256((folder / "scenario.yaml").read_bytes()).hexdigest()
    assert given["file_sha256"] != given["scenario_sha256"]


def test_the_resolved_scenario_reproduces_the_run(whatif_run, tmp_path):
    _first, folder = whatif_run
    scenario_yaml = folder / "scenario.yaml"
    assert scenario_yaml.read_text().startswith(f"# Resolved by e2eopt from {WHATIF} (extends {BASE})")
    again = e2eopt("solve", str(scenario_yaml), "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    rerun = only_folder(tmp_path / "runs")
    objective = json.loads((folder / "summary.json").read_text())["objective"]
    assert json.loads((rerun / "summary.json").read_text())["objective"] == pytest.approx(objective, rel=1e-9)
    assert (rerun / "scenario.yaml").read_bytes() == scenario_yaml.read_bytes()  # a plain file now
    assert not (rerun / "overrides.yaml").exists() and not (rerun / "inputs").exists()
    # The kept inputs resolve, with the same option, to the very same scenario.
    kept = resolve(folder / "inputs" / "whatif.yaml", ["demands.filters.volume=*2"]).scenario
    assert kept == load_scenario(scenario_yaml)


def test_without_overrides_the_run_keeps_the_input_bytes(tmp_path):
    result = e2eopt("solve", str(BASE), "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder = only_folder(tmp_path / "runs")
    assert (folder / "scenario.yaml").read_bytes() == BASE.read_bytes()
    assert not (folder / "overrides.yaml").exists() and not (folder / "inputs").exists()
    assert "overrides" not in json.loads((folder / "summary.json").read_text())


def test_a_bad_set_exits_2_naming_the_option_and_the_closest_path(tmp_path):
    result = e2eopt(
        "solve",
        str(WHATIF),
        "--set",
        "roles.technican.cost_per_fte=*1.05",
        "--set",
        "nodes.vendor.capacity=lots",
        "--out",
        str(tmp_path / "runs"),
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "--set  nodes.vendor.capacity: 'lots' is not a number or a change of one" in result.stderr
    assert not (tmp_path / "runs").exists()
    result = e2eopt(
        "solve",
        str(WHATIF),
        "--set",
        "roles.technican.cost_per_fte=*1.05",
        "--out",
        str(tmp_path / "runs"),
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "--set  roles.technican.cost_per_fte: matches nothing" in result.stderr
    assert "Did you mean 'roles.technician.cost_per_fte'" in result.stderr
    assert not (tmp_path / "runs").exists()


def test_validate_takes_set_and_remove_and_says_what_they_changed(tmp_path):
    result = e2eopt(
        "validate", str(BASE), "--set", "roles.*.cost_per_fte=+1%", "--remove", "nodes.partner", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "Override roles.*.cost_per_fte: +1% (--set) changed 2 fields" in result.stdout
    assert "Override nodes.partner: removed (--remove) changed 3 fields" in result.stdout
    assert "is valid" in result.stdout


def test_write_run_with_a_fixed_folder_name(tmp_path):
    outcome = optimise(load_scenario(TINY_FILE))
    folder = write_run(outcome, TINY_FILE, tmp_path / "points", folder_name="0001")
    assert folder == tmp_path / "points" / "0001" and (folder / "summary.json").exists()
    with pytest.raises(FileExistsError):
        write_run(outcome, TINY_FILE, tmp_path / "points", folder_name="0001")
    assert sorted(p.name for p in (tmp_path / "points").iterdir()) == ["0001"]  # nothing half-written left
