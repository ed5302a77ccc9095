"""The Python API in a notebook's order (docs/api.md): load, solve, read the tables with their units,
a what-if, write the run folders, compare them.

Each `# %%` cell runs as it stands in Jupyter (jupytext) or VS Code's interactive window;
`python docs/example_notebook.py` runs them all and writes two run folders under ./runs of the
current folder. The tests run it so, in a temporary folder, and check the figures it prints.
"""

# %% Load a scenario: model.resolve reads a scenario or a what-if file (and any overrides)
from pathlib import Path

import model

DATA = Path(__file__).resolve().parent.parent / "data"  # the repository's example scenarios

base = model.resolve(DATA / "appliance-co.yaml")  # model.ScenarioError, listing every problem, if it is bad
print(base.scenario)  # the name and how much it holds: stages, roles, nodes, arcs, demands, periods

# %% Solve it: the status is returned, never raised
outcome = model.optimise(base.scenario, source=base.source)  # `source`: a diagnosis names YAML lines
print(outcome)
print(f"base objective: {outcome.objective:.2f} {outcome.currency}")

# %% Every table is a pandas DataFrame; outcome.units gives each numeric column's unit
costs = outcome.tables["costs"]
print(f"costs table total: {costs.amount.sum():.2f} {outcome.units['costs']['amount']}")
print(costs.groupby("stage", sort=False).amount.sum().round(2).to_string())

staffing = outcome.tables["staffing"]
first = staffing.period == base.scenario.periods[0]
print(f"staff in {base.scenario.periods[0]}: {staffing[first].fte.sum():.2f} {outcome.units['staffing']['fte']}")

kpis = outcome.tables["demand_kpis"]
units = outcome.units["demand_kpis"]
for row in kpis[kpis.period == base.scenario.periods[0]].itertuples():
    print(
        f"  {row.demand}: quality {row.quality:.2%} ({units['quality']}), "
        f"mean response {row.mean_response_time:.1f} {units['mean_response_time']}"
    )

# %% A what-if: the wage-rise file, and every role's cost per FTE 10% above that
whatif = model.resolve(DATA / "whatif-wage-rise.yaml", ["roles.*.cost_per_fte=*1.1"])
print(whatif)  # the file, the scenario, how many fields changed, the input files
variant = model.optimise(whatif.scenario, source=whatif.source)
print(f"what-if objective: {variant.objective:.2f} {variant.currency}")

# %% Write both run folders: give write_run what was solved (the Resolved), so that the folder's
# scenario.yaml is the what-if's resolved scenario, with overrides.yaml and the input files
base_folder = model.write_run(outcome, base, "runs")
whatif_folder = model.write_run(variant, whatif, "runs")
print(f"base run folder: {base_folder}")
print(f"what-if run folder: {whatif_folder}")

# %% Compare them: what changed, and a cost bridge that adds up to the change
comparison = model.compare(base_folder, whatif_folder)
print(comparison)
bridge = comparison.bridge.set_index("stage")[["change", "volume", "rate", "mix", "routing"]]
print(bridge.round(2).to_string())  # one row per stage, then the (total) row
print(f"bridge total change: {bridge.loc['(total)', 'change']:.2f} {comparison.currency}")
