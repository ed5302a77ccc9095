"""One self-contained HTML page from sections of text, plotly figures and small tables.

The page opens offline and fetches nothing: plotly.js is inlined once (not per figure, and not
from a CDN), MathJax is left out, no web font is named, and the mode bar's plotly logo (a link)
is switched off. Every piece of text a caller gives is escaped, so a name such as `<b>` or
`file:100:3` reads as written.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from model.errors import ReportError
from model.staging import staged_file

FIGURE_CONFIG = {"displaylogo": False, "responsive": True}
"""plotly.js settings of every figure: no link to plotly's site, resizes with the window."""

SANKEY_LABELS = "full_labels"
"""The key, in a Sankey trace's `meta`, of its nodes' full names: the page fits the labels to the room
between the columns (FIT_SANKEY_LABELS), and the hover gives the full name from the node's customdata."""

FIT_SANKEY_LABELS = r"""
(function () {
  var div = document.getElementById('{plot_id}');
  function fit() {
    (div.data || []).forEach(function (trace, i) {
      if (trace.type !== 'sankey' || !trace.meta || !trace.meta.KEY) return;
      var full = trace.meta.KEY, margin = div._fullLayout.margin, x = trace.node.x;
      var columns = Array.from(new Set(x)).sort(function (a, b) { return a - b; });
      var plot = div.clientWidth - margin.l - margin.r;
      var gap = columns.length > 1 ? plot * (columns[1] - columns[0]) : plot;
      var last = columns[columns.length - 1], before = columns[columns.length - 2];
      var labels = full.map(function (name, n) {
        // a label reads to the right of its node, but the last column's to the left: the last two
        // columns share their gap, the others have it whole (less the node's width)
        var room = (x[n] === last || x[n] === before ? gap / 2 : gap) - 22;
        var chars = Math.floor(room / 6);
        return chars < 4 ? '' : name.length <= chars ? name : name.slice(0, chars - 1) + '\u2026';
      });
      if (JSON.stringify(labels) !== JSON.stringify(trace.node.label)) {
        Plotly.restyle(div, {'node.label': [labels]}, [i]);
      }
    });
  }
  fit();
  window.addEventListener('resize', fit);
})();
""".replace("KEY", SANKEY_LABELS)
"""A Sankey's node labels on a narrow screen: cut to the room between the columns (about 6 px a
character), ending in an ellipsis, and hidden where fewer than 4 characters fit; full names on hover.
Run by the page after the figure is drawn and again whenever the window is resized."""

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 0 auto;
       max-width: 1200px; padding: 1em 2em; color: #222; }
h1 { margin-bottom: 0.2em; }
.headline p { margin: 0.15em 0; font-size: 1.1em; }
nav ul { columns: 2; padding-left: 1.2em; }
section { margin-top: 2em; border-top: 1px solid #ddd; }
.warning { background: #fff3cd; border-left: 4px solid #b45309; padding: 0.3em 0.6em; font-weight: 600; }
.table { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
caption { text-align: left; font-weight: 600; padding: 0.3em 0; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }
td { font-variant-numeric: tabular-nums; white-space: nowrap; }
td.long { white-space: normal; min-width: 16em; }
.figure { margin: 1em 0; }
"""


@dataclass(frozen=True)
class Section:
    """One part of a report: a title, paragraphs of plain text, figures and small tables.

    Figures are plotly figures whose axis titles and hover texts carry their units; tables are
    small frames, shown as they are (format the numbers first), with the units in the headers."""

    title: str
    intro: Sequence[str] = ()
    figures: Sequence[go.Figure] = ()
    tables: Sequence[tuple[str, pd.DataFrame]] = ()


def render(title: str, headline: Sequence[str], sections: Sequence[Section]) -> str:
    """One self-contained HTML page: plotly.js inlined once, nothing fetched, every figure a
    `<div class="plotly-graph-div">` drawn by the script that follows it."""
    nav = "".join(f'<li><a href="#s{i}">{_text(s.title)}</a></li>' for i, s in enumerate(sections, 1))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_text(title)}</title>",
        f"<style>{STYLE}</style>",
        f"<script>{_plotly_js()}</script>",
        "</head><body>",
        f"<h1>{_text(title)}</h1>",
        '<div class="headline">' + "".join(_paragraph(line) for line in headline) + "</div>",
        f"<nav><ul>{nav}</ul></nav>" if len(sections) > 1 else "",
        *(_section(i, section) for i, section in enumerate(sections, 1)),
        "</body></html>",
    ]
    return "\n".join(parts)


def write_html(text: str, path: Path) -> Path:
    """Write the page whole or not at all (model.staging.staged_file: a temporary file beside `path`,
    renamed onto it)."""
    path = Path(path)
    with staged_file(path) as staging:
        staging.write_text(text, encoding="utf-8")
    return path


def _section(number: int, section: Section) -> str:
    """A section's HTML: its title, paragraphs, figures, then tables."""
    body = [f'<section id="s{number}"><h2>{_text(section.title)}</h2>']
    body += [_paragraph(paragraph) for paragraph in section.intro]
    body += [f'<div class="figure">{_figure(figure)}</div>' for figure in section.figures]
    body += [_table(caption, frame) for caption, frame in section.tables]
    body.append("</section>")
    return "\n".join(body)


WARNING = "Warning: "
"""A headline or intro line that starts so is shown as a warning (boxed, bold): e.g. a base run of another scenario."""


def _paragraph(line: str) -> str:
    """A line of text as a paragraph; a warning (WARNING first) stands out."""
    shown = ' class="warning"' if line.startswith(WARNING) else ""
    return f"<p{shown}>{_text(line)}</p>"


def _figure(figure: go.Figure) -> str:
    """The figure's div and the script that draws it (plotly.js itself is in the page's head).
    plotly escapes `<`, `>` and `/` in the figure's JSON, so no text can end the script early."""
    height = figure.layout.height or 450
    sankey = any(trace.type == "sankey" and SANKEY_LABELS in (trace.meta or {}) for trace in figure.data)
    return pio.to_html(
        figure,
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        config=FIGURE_CONFIG,
        default_width="100%",
        default_height=f"{height}px",
        post_script=FIT_SANKEY_LABELS if sankey else None,
    )


LONG_CELL = 40
"""Characters above which a cell may wrap (a sentence, a list of values); shorter cells (names, periods,
numbers) never wrap: a period `2027-01` must not read `2027-` over `01`. A wide table scrolls sideways."""


def _table(caption: str, frame: pd.DataFrame) -> str:
    """A small table in a container that scrolls sideways when it is wider than the page; every header
    and cell escaped; missing values are empty cells."""
    head = "".join(f"<th>{_text(column)}</th>" for column in frame.columns)
    rows = "".join(
        "<tr>" + "".join(_cell(value) for value in row) + "</tr>" for row in frame.itertuples(index=False, name=None)
    )
    return (
        f'<div class="table"><table><caption>{_text(caption)}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def _cell(value: object) -> str:
    """A table cell: empty for a missing value (None, NaN, pandas' NA), else the value escaped; a long
    text may wrap (class `long`), a short one does not."""
    missing = value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
    text = "" if missing else _text(value)
    return f'<td class="long">{text}</td>' if len(str(value)) > LONG_CELL and not missing else f"<td>{text}</td>"


def _text(value: object) -> str:
    """Plain text made safe for HTML: `<`, `>`, `&` and quotes escaped."""
    return html.escape(str(value), quote=True)


def _plotly_js() -> str:
    """plotly.js as shipped with the plotly package (imported here: only a report needs it)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


__all__ = ["SANKEY_LABELS", "ReportError", "Section", "render", "write_html"]
