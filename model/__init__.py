"""End-to-end process cost optimiser: the cheapest staffing and routing of a value chain that meets
each demand's quality and response-time targets.

The public API, for scripts and notebooks (docs/api.md describes every name):

    import model
    resolved = model.resolve("data/whatif-wage-rise.yaml", ["roles.*.cost_per_fte=*1.1"])  # or load_scenario
    outcome = model.optimise(resolved.scenario)                 # status returned, never raised
    outcome.status, outcome.objective, outcome.tables["costs"]  # pandas DataFrames
    outcome.units["costs"]                                      # {"amount": "EUR"}: every column's unit
    folder = model.write_run(outcome, resolved)                 # a run folder that reproduces it
    model.compare(base_folder, folder).bridge                   # also model.sweep, model.frontier

`import model` is cheap: each name is imported from its module when first used (PEP 562), so the
solver machinery (Pyomo, HiGHS, scipy, pandas) loads only with `model.optimise` and the like, and
`import model.scenario` or the command line's `--help` do not pay for it.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from model.compare import compare
    from model.errors import E2EError, Problem, ScenarioError
    from model.export import export
    from model.frontier import frontier
    from model.optimise import Outcome, optimise, optimise_options, write_lp
    from model.report import write_report
    from model.resolver import Resolver
    from model.runs import ScenarioMismatch, read_run, write_run
    from model.scenario import Scenario, load_scenario, read_scenario
    from model.scenario.json_schema import json_schema
    from model.scenario.overrides import Change, Override, Resolved, apply_overrides, resolve
    from model.solve import SolveOptions
    from model.sweep import sweep

_MODULES = {
    "Change": "model.scenario.overrides",
    "E2EError": "model.errors",
    "Outcome": "model.optimise",
    "Override": "model.scenario.overrides",
    "Problem": "model.errors",
    "Resolved": "model.scenario.overrides",
    "Resolver": "model.resolver",
    "Scenario": "model.scenario",
    "ScenarioError": "model.errors",
    "ScenarioMismatch": "model.runs",
    "SolveOptions": "model.solve",
    "apply_overrides": "model.scenario.overrides",
    "compare": "model.compare",
    "export": "model.export",
    "frontier": "model.frontier",
    "json_schema": "model.scenario.json_schema",
    "load_scenario": "model.scenario",
    "optimise": "model.optimise",
    "optimise_options": "model.optimise",
    "read_run": "model.runs",
    "read_scenario": "model.scenario",
    "resolve": "model.scenario.overrides",
    "sweep": "model.sweep",
    "write_lp": "model.optimise",
    "write_report": "model.report",
    "write_run": "model.runs",
}
"""Each public name and the module it is imported from on first use."""

__all__ = [
    "Change",
    "E2EError",
    "Outcome",
    "Override",
    "Problem",
    "Resolved",
    "Resolver",
    "Scenario",
    "ScenarioError",
    "ScenarioMismatch",
    "SolveOptions",
    "apply_overrides",
    "compare",
    "export",
    "frontier",
    "json_schema",
    "load_scenario",
    "optimise",
    "optimise_options",
    "read_run",
    "read_scenario",
    "resolve",
    "sweep",
    "write_lp",
    "write_report",
    "write_run",
]

SUBMODULES = ("catalogue", "tables")
"""Modules a script reaches as `model.<name>` after `import model` (imported on first use, like the
names above): the catalogue of run folders (`model.catalogue.scan`), the table declaration."""


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use and then kept in this module's globals."""
    if name in SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")  # the import binds it in this module
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """This package, keeping a public name that is also a submodule's name (`optimise`, `sweep`,
    `frontier`, `compare`) bound to the public function: the import system sets `model.optimise` to
    the submodule once it is first loaded (`from model.optimise import ...` anywhere), which would
    hide the function `model.optimise`. The submodules stay importable by name
    (`from model.sweep import plan_sweep`)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and value.__name__ == f"{__name__}.{name}" and name in _MODULES:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
