"""The sweep's screen table names each axis by its path's tail when the path is long (issue 16's
second trial, part 2 finding 9: two level axes of one node showed the same cut prefix)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from model.cli.sweep import _axis_column


def test_a_long_axis_path_keeps_its_tail():
    # 24 characters at most: the ellipsis and the last 23 characters, a leading dot dropped
    assert _axis_column("nodes.plant.capacity_levels.2.cost").header == "…capacity_levels.2.cost"
    assert _axis_column("nodes.plant.capacity_levels.2.capacity").header == "…acity_levels.2.capacity"
    assert _axis_column("arcs.a->b.cost").header == "arcs.a->b.cost"


def test_two_level_axes_stay_apart_on_a_narrow_screen():
    table = Table(
        "point",
        _axis_column("nodes.plant.capacity_levels.2.cost"),
        _axis_column("nodes.plant.capacity_levels.2.capacity"),
        "status",
    )
    table.add_row("1", "500", "700", "optimal")
    console = Console(file=io.StringIO(), width=80)
    console.print(table)
    text = console.file.getvalue()
    assert "…capacity_levels.2.cost" in text and "…acity_levels.2.capacity" in text
