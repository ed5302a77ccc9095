"""End-to-end process cost optimiser: the cheapest staffing and routing of a value chain that meets
each demand's quality and response-time targets.

The public API, for scripts and notebooks:

    import model
    scenario = model.load_scenario("data/appliance-co.yaml")   # raises model.ScenarioError
    outcome = model.optimise(scenario)                          # status returned, never raised
    outcome.status, outcome.objective, outcome.tables["costs"]  # pandas DataFrames
    folder = model.write_run(outcome, "data/appliance-co.yaml") # optional: a run folder
"""

from model.errors import E2EError, Problem, ScenarioError
from model.optimise import Outcome, optimise, optimise_options
from model.runs import read_run, write_run
from model.scenario import Scenario, load_scenario, read_scenario
from model.scenario.overrides import Change, Override, apply_overrides, resolve
from model.solve import SolveOptions

__all__ = [
    "Change",
    "E2EError",
    "Outcome",
    "Override",
    "Problem",
    "Scenario",
    "ScenarioError",
    "SolveOptions",
    "apply_overrides",
    "load_scenario",
    "optimise",
    "optimise_options",
    "read_run",
    "read_scenario",
    "resolve",
    "write_run",
]
