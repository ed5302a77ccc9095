"""The report of a run whose plan goes round loops (issue 16, item 1): the Sankey draws the bands that
run back to an earlier stage or within one, says so, and the page renders in Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import LOOP_NETWORK, varied

from model.report import write_report
from model.report.run import page

from .runs import solved_run

# The shared loop network with a dearer return (customer -> shop gains 12 EUR, at most 1) and no
# response-time target.
LOOPS = varied(
    LOOP_NETWORK,
    ("{from: customer, to: shop, cost: -4}", "{from: customer, to: shop, cost: -12, capacity: 1}"),
    (", max_mean_response_time: 10}", "}"),
)


@pytest.fixture(scope="module")
def loops_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("loops")
    (work / "loops.yaml").write_text(LOOPS)
    return solved_run(work / "loops.yaml", work / "runs")


def test_the_sankey_shows_the_loops_and_says_so(loops_run: Path):
    """Two loops pay and are saturated: repair -> test -> repair earns 20 - 10 - 1 = 9 EUR a round (at
    most 2), customer -> shop -> repair -> test -> customer earns 12 - 10 - 1 = 1 EUR (at most 1). So
    shop -> repair carries 5 + 1 = 6 units, repair -> test 6 + 2 = 8, test -> repair 2, test ->
    customer 6, customer -> shop 1; cost 5 x 11 - 2 x 9 - 1 = 36 EUR. Five bands: one back to an
    earlier stage (customer -> shop), two within the service stage."""
    _, headline, sections = page(loops_run)
    assert headline[1].startswith("Total cost: 36.00 EUR")
    chain = next(s for s in sections if s.title.startswith("The value chain"))
    sankey = chain.figures[0].data[0]
    labels = list(sankey.node.label)
    bands = {(labels[s], labels[t]): v for s, t, v in zip(sankey.link.source, sankey.link.target, sankey.link.value)}
    assert bands == pytest.approx(
        {
            ("shop", "repair"): 6.0,
            ("repair", "test"): 8.0,
            ("test", "repair"): 2.0,
            ("test", "customer"): 6.0,
            ("customer", "shop"): 1.0,
        }
    )
    said = " ".join(chain.intro)
    assert "hand-offs against the stage order (1 back to an earlier stage and 2 within a stage)" in said


def test_the_page_with_loops_renders(browser, loops_run: Path, tmp_path: Path):
    """Plotly draws a band that runs right to left as a loop round the nodes: the page must draw it
    without an error (open_report checks the console, the page errors and every chart's marks)."""
    from .conftest import open_report

    html = write_report(loops_run, out=tmp_path / "report.html")
    seen = open_report(browser, html, tmp_path / "loops.png")
    sankey = next(state for state in seen["state"] if state["title"].startswith("Demand through the value chain"))
    assert sankey["points"][0] == 5  # the five bands


def test_rebates_stack_below_zero_in_the_cost_bars(loops_run: Path):
    """Hand-off costs are booked at the receiving node: test -> repair 2 x -20 = -40 EUR in service,
    customer -> shop 1 x -12 = -12 EUR in market; processing 8 x 10 + 8 x 1 = 88 EUR in service. The
    rebates stack down from 0 (barmode relative), so the bars' parts are drawn as they are:
    88 - 40 - 12 = 36 EUR."""
    _, _, sections = page(loops_run)
    costs = next(s for s in sections if s.title.startswith("Cost by stage"))
    bars = costs.figures[0]
    assert bars.layout.barmode == "relative"
    parts = {(trace.name, x): y for trace in bars.data for x, y in zip(trace.x, trace.y)}
    assert parts[("handoffs", "service")] == pytest.approx(-40.0)
    assert parts[("handoffs", "market")] == pytest.approx(-12.0)
    assert parts[("processing", "service")] == pytest.approx(88.0)
