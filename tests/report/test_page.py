"""render() and write_html(): one self-contained page, text escaped, written whole or not at all."""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

from model.report.page import Section, render, write_html


def two_figures() -> list[go.Figure]:
    first = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
    second = go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2]))
    return [first, second]


def test_plotly_js_is_inlined_once_and_nothing_is_fetched():
    text = render("Page", ["line"], [Section("One", figures=two_figures()), Section("Two", figures=two_figures())])
    bundle = get_plotlyjs()
    assert text.count(bundle) == 1  # once, in the head, for four figures
    assert text.index(bundle) < text.index("<body>")
    assert text.count('class="plotly-graph-div"') == 4
    page_only = text.replace(bundle, "")  # plotly.js names URLs in its code; the page itself must name none
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page_only), "the page loads something"
    assert "cdn" not in page_only.lower() and "mathjax" not in page_only.lower()
    assert re.search(r'"displaylogo":\s*false', page_only)  # no link to plotly's site in the mode bar


def test_every_text_is_escaped_and_read_as_written():
    frame = pd.DataFrame({"name <b>": ["<script>x</script>", "file:100:3"], "cost (EUR)": [1.5, None]})
    text = render(
        "A & <B>",
        ["Total <i>cost</i>: [bold]1[/bold] EUR"],
        [Section("<h1>Section</h1>", intro=['Tom\'s "plan" > yours'], tables=[("<caption>", frame)])],
    )
    assert "<title>A &amp; &lt;B&gt;</title>" in text
    assert "<p>Total &lt;i&gt;cost&lt;/i&gt;: [bold]1[/bold] EUR</p>" in text  # brackets are not markup either
    assert "<h2>&lt;h1&gt;Section&lt;/h1&gt;</h2>" in text
    assert "Tom&#x27;s &quot;plan&quot; &gt; yours" in text
    assert "<th>name &lt;b&gt;</th>" in text
    assert "<td>&lt;script&gt;x&lt;/script&gt;</td>" in text
    assert "<td>file:100:3</td>" in text
    assert "<td></td></tr>" in text  # a missing value is an empty cell, not 'nan' or 'None'
    assert "<script>x</script>" not in text


def test_a_figures_text_cannot_end_its_script():
    figure = go.Figure(go.Bar(x=["</script><script>alert(1)</script>"], y=[1]))
    text = render("Page", [], [Section("S", figures=[figure])])
    assert "alert(1)</script>" not in text


def test_write_html_replaces_the_file_whole_or_leaves_it(tmp_path):
    path = tmp_path / "report.html"
    assert write_html("<p>first</p>", path) == path
    assert path.read_text() == "<p>first</p>"
    with pytest.raises(TypeError):
        write_html(b"not text", path)  # type: ignore[arg-type]  # fails half-way through the write
    assert path.read_text() == "<p>first</p>"  # the old page is still there, whole
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # and no temporary file is left
    write_html("<p>second</p>", path)
    assert path.read_text() == "<p>second</p>"
    assert path.stat().st_mode & 0o777 == 0o644
