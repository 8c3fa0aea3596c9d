"""The SVG charts: colours anyone can tell from the page, axis labels that never overlap."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest

from netsafe.web.charts import (
    BACKGROUND,
    BAR_AREA,
    NARROW,
    PALETTE,
    TURNED_GAP,
    WIDTH,
    Chart,
    Series,
    bar_chart,
    bar_svg,
    horizontal_bar_chart,
    line_chart,
    line_svg,
)


def _luminance(colour: str) -> float:
    """WCAG 2.2 relative luminance of ``#rrggbb``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2.2 contrast ratio of two colours."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula_gives_the_published_figures():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#f47738", "#ffffff") == pytest.approx(2.78, abs=0.01)  # GOV.UK orange


@pytest.mark.parametrize("colour", PALETTE)
def test_every_series_colour_has_3_to_1_contrast_with_the_page(colour):
    # WCAG 1.4.11: parts of graphics needed to understand them, 3:1 against what is next.
    assert contrast(colour, BACKGROUND) >= 3, colour


def test_series_colours_are_all_different():
    assert len(set(PALETTE)) == len(PALETTE)


def _months(n: int) -> list[str]:
    return [f"{2016 + (10 + i) // 12}-{(10 + i) % 12 + 1:02d}" for i in range(n)]


def _x_labels(svg: str) -> list[tuple[float, str]]:
    return [
        (float(x), text)
        for x, text in re.findall(r'<text x="([\d.]+)"[^>]*data-axis="x">([^<]*)</text>', svg)
    ]


@pytest.mark.parametrize("width", [WIDTH, NARROW])
@pytest.mark.parametrize("draw", [line_svg, bar_svg])
@pytest.mark.parametrize("n", [7, 15, 26, 34, 61, 122])
def test_month_labels_never_overlap_and_the_last_month_is_named(draw, n, width):
    labels = _months(n)
    svg = draw(Chart("c", "t", "d", labels, [Series("s", list(range(n)))]), width)
    shown = _x_labels(svg)
    assert shown[0][1] == labels[0]
    assert shown[-1][1] == labels[-1]
    gaps = [b[0] - a[0] for a, b in pairwise(shown)]
    assert min(gaps) >= TURNED_GAP, (n, gaps)
    # Enough of them to read the axis: at least one label for every 60 px of the plot.
    assert len(shown) >= min(n, (width - 80) // 60)


def test_each_chart_comes_drawn_for_a_screen_and_for_a_phone():
    chart = Chart("c", "t", "d", _months(15), [Series("one", [1] * 15), Series("two", [2] * 15)])
    for draw in (line_chart, bar_chart):
        svg = draw(chart)
        assert re.findall(r'viewBox="0 0 (\d+) ', svg) == [str(WIDTH), str(NARROW)]
        assert 'id="c"' in svg
        assert 'id="c-narrow"' in svg
        assert 'class="netsafe-chart netsafe-chart--narrow"' in svg


def test_on_a_phone_the_legend_wraps_inside_the_drawing_and_force_names_turn():
    names = ["Warrants executed", "People arrested", "Devices seized", "Children safeguarded"]
    series = [Series(name, [1, 2, 3, 4]) for name in names]
    forces = ["South Wales", "Gwent", "Dyfed-Powys", "North Wales"]
    svg = bar_svg(Chart("c", "t", "d", forces, series), NARROW)
    height = int(re.search(r'viewBox="0 0 \d+ (\d+)"', svg).group(1))
    legend = [
        (float(x), float(y), text)
        for x, y, text in re.findall(
            r'<text x="([\d.]+)" y="([\d.]+)" font-size="12" fill="#0b0c0c">([^<]+)</text>', svg
        )
        if text in names
    ]
    assert len(legend) == len(names)
    for x, y, text in legend:
        assert x + 7 * len(text) <= NARROW, text  # inside the drawing, 12 px Arial
        assert y <= height
    assert len({y for _x, y, _t in legend}) > 1  # more than one line
    # Four force names do not fit level in 340 units: they are turned, not overlapped.
    assert "rotate(" in svg
    wide = bar_svg(Chart("c", "t", "d", forces, series))
    assert "rotate(" not in wide


def test_a_few_categories_are_all_named_level():
    svg = bar_svg(Chart("c", "t", "d", ["Gwent", "Dyfed-Powys"], [Series("s", [1, 2])]))
    assert [text for _x, text in _x_labels(svg)] == ["Gwent", "Dyfed-Powys"]
    assert "rotate(" not in svg


def test_turned_month_labels_end_above_the_legend_and_the_marker_sits_above_the_plot():
    labels = _months(15)
    svg = line_svg(Chart("c", "t", "d", labels, [Series("s", list(range(15)))], (0, "Launch")))
    label_y = float(re.search(r'<text x="[\d.]+" y="([\d.]+)"[^>]*data-axis="x"', svg).group(1))
    # A 7-character label in 11 px Arial is about 46 px long; turned 45 degrees it drops 33.
    lowest = label_y + 46 * 0.7071 + 4
    legend_y = min(
        float(y)
        for y in re.findall(r'<text x="[\d.]+" y="([\d.]+)" font-size="12" fill="#0b0c0c">s<', svg)
    )
    assert lowest < legend_y - 12, (lowest, legend_y)  # the legend text's top
    marker_y = float(re.search(r'<text x="[\d.]+" y="([\d.]+)"[^>]*>Launch<', svg).group(1))
    plot_top = min(float(y) for y in re.findall(r'<line x1="64" x2="704" y1="([\d.]+)"', svg))
    assert marker_y < plot_top


def test_long_turned_labels_end_above_the_legend():
    forces = ["Dyfed-Powys Police", "Gwent Police", "North Wales Police", "South Wales Police"]
    svg = bar_svg(Chart("c", "t", "d", forces, [Series("Warrants executed", [1, 2, 3, 4])]), NARROW)
    assert "rotate(" in svg
    label_y = float(re.search(r'<text x="[\d.]+" y="([\d.]+)"[^>]*data-axis="x"', svg).group(1))
    lowest = label_y + len("Dyfed-Powys Police") * 6 * 0.7071  # 11 px Arial, turned 45 degrees
    legend_y = float(
        re.search(r'y="([\d.]+)" font-size="12" fill="#0b0c0c">Warrants', svg).group(1)
    )
    assert lowest < legend_y - 12, (lowest, legend_y)
    height = int(re.search(r'viewBox="0 0 \d+ (\d+)"', svg).group(1))
    assert legend_y <= height


def test_bars_across_are_drawn_by_the_same_code_as_the_statistics_charts():
    # The prevention pages' chart: the same accessible SVG, palette and number format.
    chart = Chart(
        "heard",
        "How they heard",
        "One bar each",
        ["Search <warning>", "Friend"],
        [Series("s", [1350, 675])],
    )
    svg = horizontal_bar_chart(chart)
    assert svg.startswith(
        '<svg xmlns="http://www.w3.org/2000/svg" class="netsafe-chart" role="img"'
    )
    assert '<title id="heard-title">How they heard</title>' in svg
    assert "Search &lt;warning&gt;" in svg
    widths = [int(w) for w in re.findall(r'<rect [^>]*width="(\d+)"', svg)]
    assert widths == [BAR_AREA, BAR_AREA // 2]  # scaled to the largest value
    assert f'fill="{PALETTE[0]}"' in svg
    assert ">1,350<" in svg
    with pytest.raises(ValueError, match="negative"):
        horizontal_bar_chart(Chart("c", "t", "d", ["x"], [Series("s", [-1])]))
