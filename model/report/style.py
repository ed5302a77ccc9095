"""The look every report chart shares, whatever the kind of folder: colours, grid, legend, margins.

Each kind of report (run, sweep, frontier, comparison) draws its own figures and gives them this
look, so that every page reads like the others. Numbers are formatted by model.formatting.
"""

from __future__ import annotations

import textwrap

import plotly.graph_objects as go
from plotly.colors import qualitative

COLOURS = qualitative.Plotly + qualitative.D3 + qualitative.Set2
"""One colour per demand (or per role, per category): plotly's qualitative palettes in turn."""
GRID = "#e5e5e5"
"""The axes' grid lines (on white: plotly's own templates cost 0.1 s per figure to copy, and 8 kB of page)."""
AXIS_LINES = "#999999"
"""The axes' lines and zero lines."""


TITLE_LINE = 80
"""Characters of a chart's title on one line at most: a longer one (a sweep's long field paths) is
broken into lines, which at 800 px would run past the chart's right edge and be cut off."""


def wrapped(title: str) -> str:
    """The title broken at spaces into lines of at most TITLE_LINE characters (plotly's `<br>`)."""
    if len(title) <= TITLE_LINE or "<br>" in title:
        return title
    return "<br>".join(textwrap.wrap(title, TITLE_LINE, break_long_words=False, break_on_hyphens=False))


def layout(figure: go.Figure, title: str, x_title: str, y_title: str) -> None:
    """The layout every chart shares: its title (wrapped), the axis titles (with units), the legend on top.

    One batch of updates: plotly parses every property path of each update when its batch ends, so
    three updates in one batch cost a quarter less than three batches (the same figure either way);
    the workbench draws seven figures per what-if."""
    with figure.batch_update():
        _layout(figure, title, x_title, y_title)


def _layout(figure: go.Figure, title: str, x_title: str, y_title: str) -> None:
    figure.update_layout(
        title={"text": wrapped(title)},
        template={},
        plot_bgcolor="white",
        xaxis_title=x_title or None,
        yaxis_title=y_title or None,
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.0, "yanchor": "bottom"},
        margin={"t": 90, "l": 70, "r": 30, "b": 60},
        hoverlabel={"namelength": -1},
    )
    figure.update_xaxes(gridcolor=GRID, linecolor=AXIS_LINES, zerolinecolor=AXIS_LINES, automargin=True)
    figure.update_yaxes(gridcolor=GRID, linecolor=AXIS_LINES, zerolinecolor=AXIS_LINES, automargin=True)


def look(figure: go.Figure) -> go.Figure:
    """Give a finished figure the shared look (`layout`: white ground, light grid, legend on top),
    keeping the title and axis titles it has, so a sweep's page reads like a run's. A figure of
    subplots titles its other axes after this."""
    layout(
        figure,
        figure.layout.title.text or "",
        figure.layout.xaxis.title.text or "",
        figure.layout.yaxis.title.text or "",
    )
    return figure


def translucent(colour: str, alpha: float = 0.5) -> str:
    """A `#rrggbb` or `rgb(r, g, b)` colour with transparency, for the Sankey's bands."""
    if colour.startswith("#"):
        red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    else:
        red, green, blue = (int(part) for part in colour[colour.index("(") + 1 : -1].split(",")[:3])
    return f"rgba({red}, {green}, {blue}, {alpha})"
