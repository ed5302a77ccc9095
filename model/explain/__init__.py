"""Explaining an answer: why a scenario is infeasible, what binds, what each target costs."""
