"""Charts are SVG pictures with a title, text labels and escaped text."""

import pytest

from portal.dashboards.svg import Series, axis, proportion_bar, sparkline, stacked_bars


@pytest.mark.parametrize(
    ("largest", "expected"),
    [(0, (1, 1)), (1, (1, 1)), (3, (3, 3)), (7, (8, 4)), (50, (60, 3)), (67, (80, 4)), (1234, (1500, 3))],
)
def test_it_draws_axes_with_round_whole_steps(largest, expected):
    assert axis(largest) == expected


def test_it_draws_stacked_bars_with_titles_and_labels():
    chart = stacked_bars(
        title="Runs <by> status",
        labels=["May 1", "May 2"],
        series=[Series("Succeeded", "#1e8e3e", [3, 0]), Series('Fail"ed', "#c5221f", [1, 2])],
    )

    assert chart.startswith("<svg") and 'role="img"' in chart
    assert "<title id=" in chart and "Runs &lt;by&gt; status" in chart
    assert chart.count("<rect") == 3
    assert "May 1 · Succeeded: 3" in chart and "May 2 · Fail&quot;ed: 2" in chart
    assert ">May 2</text>" in chart


def test_it_says_so_when_there_is_nothing_to_draw():
    chart = stacked_bars(title="Runs", labels=["a"], series=[Series("x", "#000", [0])], empty="No runs")

    assert "No runs</text>" in chart and "<rect" not in chart


def test_it_draws_a_sparkline_and_a_proportion_bar():
    line = sparkline(title="Records per day", values=[0, 5, 10])
    bar = proportion_bar(
        title="Customer Add", segments=[("Succeeded", "#1e8e3e", 3), ("Failed", "#c5221f", 1)]
    )

    assert "<polyline" in line and "Records per day" in line
    assert 'width="165.0"' in bar and "Failed: 1" in bar
