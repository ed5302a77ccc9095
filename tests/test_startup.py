"""Start-up stays light: `import model`, `import model.scenario` and the command line (`e2eopt --help`)
load none of the solver machinery (Pyomo, HiGHS, scipy) until it is used. Each check runs in a fresh
interpreter, since this test session has long loaded everything. Which modules are loaded is what is
asserted, not wall times (benchmarks/startup.py measures those).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT

SOLVER = ("pyomo", "highspy", "scipy")
"""Never loaded before an LP is built."""
HEAVY = (*SOLVER, "pandas", "numpy", "networkx", "pyarrow", "matplotlib", "plotly", "duckdb", "fastapi", "uvicorn")
"""Not needed to parse a command line or to define the scenario schema."""


def loaded(code: str) -> dict:
    """Run `code` in a fresh interpreter at the repository's root; the top-level packages of HEAVY it
    loaded (`heavy`) and whatever the code put in the dict `result`."""
    program = textwrap.dedent(code) + textwrap.dedent(f"""
        import json as _json, sys as _sys
        _result = globals().get("result", {{}})
        _result["heavy"] = sorted(name for name in {HEAVY!r} if name in _sys.modules)
        print(_json.dumps(_result))
    """)
    process = subprocess.run(
        [sys.executable, "-c", "result = {}\n" + program], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout.splitlines()[-1])


def test_import_model_scenario_loads_no_solver_nor_pandas():
    assert loaded("import model.scenario")["heavy"] == []


def test_import_model_scenario_submodules_load_no_solver():
    code = "import model.scenario.overrides, model.scenario.loader, model.scenario.schema"
    assert loaded(code)["heavy"] == []


def test_import_model_loads_nothing_heavy_until_an_attribute_is_used():
    assert loaded("import model")["heavy"] == []


def test_the_errors_and_the_scenario_through_the_public_api_load_no_solver():
    result = loaded("""
        import model
        result["names"] = [model.ScenarioError.__name__, model.Scenario.__name__, model.load_scenario.__name__]
    """)
    assert result["names"] == ["ScenarioError", "Scenario", "load_scenario"]
    assert not set(result["heavy"]) & set(SOLVER)


def test_the_command_line_loads_nothing_heavy():
    assert loaded("import model.cli")["heavy"] == []


def test_building_the_commands_for_help_loads_nothing_heavy():
    """What `e2eopt --help` does: Typer turns every command into a click command (their annotations
    evaluated), and prints the help."""
    result = loaded("""
        import typer.main
        import model.cli
        group = typer.main.get_group(model.cli.app)
        result["commands"] = sorted(group.commands)
    """)
    assert result["commands"] == [
        "compare",
        "export",
        "frontier",
        "generate",
        "report",
        "runs",
        "schema",
        "serve",
        "solve",
        "sweep",
        "validate",
    ]
    assert result["heavy"] == []


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["solve"],
        ["validate"],
        ["sweep"],
        ["frontier"],
        ["compare"],
        ["generate"],
        ["report"],
        ["export"],
        ["schema"],
        ["serve"],
        ["runs"],
        ["runs", "query"],
    ],
)
def test_help_of_every_command_loads_nothing_heavy(command):
    result = loaded(f"""
        import sys
        import model.cli
        sys.argv = ["e2eopt", *{command!r}, "--help"]
        try:
            model.cli.main()
        except SystemExit as exit:
            result["code"] = exit.code
    """)
    assert result["code"] in (0, None)
    assert result["heavy"] == []


def test_optimise_resolves_through_the_lazy_api():
    result = loaded("""
        import model
        from model import optimise
        result["same"] = optimise is model.optimise
        result["module"] = optimise.__module__
        result["callable"] = callable(optimise)
    """)
    assert (result["same"], result["module"], result["callable"]) == (True, "model.optimise", True)


def test_optimise_stays_the_function_once_its_module_is_imported_directly():
    """`from model.optimise import ...` makes the import system bind the submodule as `model.optimise`;
    the public name must still be the function."""
    result = loaded("""
        import model
        from model.optimise import optimise_options
        result["callable"] = callable(model.optimise)
        result["function"] = model.optimise.__name__
    """)
    assert result["callable"] and result["function"] == "optimise"


def test_every_public_name_resolves_and_dir_lists_them():
    result = loaded("""
        import model
        result["dir"] = dir(model)
        result["all"] = model.__all__
        result["missing"] = [name for name in model.__all__ if getattr(model, name, None) is None]
    """)
    assert set(result["all"]) <= set(result["dir"])
    assert result["missing"] == []


def test_an_unknown_name_is_an_attribute_error():
    result = loaded("""
        import model
        try:
            model.no_such_name
        except AttributeError as error:
            result["error"] = str(error)
    """)
    assert result["error"] == "module 'model' has no attribute 'no_such_name'"
    assert result["heavy"] == []


# --- how the command ends -------------------------------------------------------------------------------


def test_the_command_ends_at_once_with_its_output_and_exit_code(tmp_path):
    """`run()` ends the process without the interpreter's teardown: what it printed is all there, and
    the exit code is the command's (2: a scenario that does not exist; a message: 1, printed)."""
    done = subprocess.run([sys.executable, "-m", "model", "validate", str(ROOT / "data/tiny.yaml")], **RUN)
    assert done.returncode == 0 and "is valid" in done.stdout and done.stdout.rstrip().endswith("constraints")
    missing = subprocess.run([sys.executable, "-m", "model", "solve", str(tmp_path / "none.yaml")], **RUN)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    message = subprocess.run(
        [sys.executable, "-c", "import model.cli, sys; model.cli.main = lambda: sys.exit('gone'); model.cli.run()"],
        **RUN,
    )
    assert (message.returncode, message.stderr) == (1, "gone\n")


def test_a_profiled_command_still_writes_its_profile(tmp_path):
    """Under a profiler (or a debugger, or coverage) the command ends the usual way, so that the tool
    writes what it found."""
    profile = tmp_path / "help.prof"
    done = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "model", "--help"], **RUN)
    assert done.returncode == 0 and profile.stat().st_size > 0


RUN = {"cwd": ROOT, "capture_output": True, "text": True, "check": False, "timeout": 120}
