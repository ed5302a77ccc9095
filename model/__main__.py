"""`python -m model` is the `e2eopt` command."""

from model.cli import run

run()
