"""Charts as server-rendered SVG: no script, no CDN, nothing the strict CSP would block.

The one place charts are drawn: the statistics' lines and grouped bars
(:func:`line_chart`, :func:`bar_chart`) and the prevention pages' bars across
(:func:`horizontal_bar_chart`), with one palette, font and accessible markup.

Every chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that
screen readers announce, and the pages put a table of the same figures beside
it. Colours are set with presentation attributes (not ``style``), which the
content security policy allows, and WeasyPrint draws the same SVG in the PDF.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

#: GOV.UK colours: blue, a darker orange, green, purple, red, dark grey. Every one has a
#: contrast of 3:1 or more against the white page (WCAG 1.4.11, graphics): GOV.UK's own
#: orange #f47738 has 2.78:1, so the orange here is darkened to #c35a00 (4.39:1).
PALETTE = ("#1d70b8", "#c35a00", "#00703c", "#4c2c92", "#d4351c", "#505a5f")
#: The page behind the charts.
BACKGROUND = "#ffffff"
WIDTH, HEIGHT = 720, 348
#: The width of the phone drawing (at 1:1 on a 375 px screen, 12 px text stays 12 px):
#: each chart is drawn at both widths and CSS shows the one that fits (stats.css).
NARROW = 340
#: The legend's line height, when its entries wrap on a narrow drawing.
LEGEND_LINE = 18
#: About the width of one character of 11 px Arial (for how far a turned label drops).
CHAR_11PX = 6.2
#: Room above the plot for the marker's label (so it never sits on a bar), and below it
#: for the turned month labels and, under them, the legend (they must not touch).
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 30, 90
#: The least distance along the axis between two turned (45 degree) labels: 11 px text
#: needs about 15 px between the slanted lines, 22 px along the axis.
TURNED_GAP = 22


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    #: ``line``, ``dashed`` or ``points``.
    style: str = "line"


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round axis values from 0 to at least ``top`` (0, 100, 200 ... not 0, 97, 194)."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return ticks


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def _open(
    ident: str,
    title: str,
    desc: str,
    width: int = WIDTH,
    height: int = HEIGHT,
    fixed: bool = False,
) -> list[str]:
    """The opening of an SVG ``width`` x ``height`` units, drawn as wide as the page, or,
    when ``fixed``, at that size in pixels (at most the page's width)."""
    narrow = " netsafe-chart--narrow" if width < WIDTH and not fixed else ""
    drawn = f'width="{width}" height="{height}"' if fixed else 'width="100%"'
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="netsafe-chart{narrow}" role="img" '
        'font-family="Arial, Helvetica, sans-serif" '
        f'viewBox="0 0 {width} {height}" {drawn} '
        f'aria-labelledby="{ident}-title {ident}-desc" id="{ident}" data-chart="{ident}">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
    ]


def shown_labels(count: int, step: float) -> list[int]:
    """Which of ``count`` axis labels ``step`` px apart to write: every k-th one, so that
    no two are closer than :data:`TURNED_GAP`, and always the last (the one before it
    is left out when it would be too close)."""
    if count <= 0:
        return []
    every = max(1, math.ceil(TURNED_GAP / step)) if step > 0 else count
    shown = list(range(0, count, every))
    last = count - 1
    if shown[-1] != last:
        if (last - shown[-1]) * step < TURNED_GAP and len(shown) > 1:
            shown.pop()
        shown.append(last)
    return shown


def _axes(ticks: list[float], labels: Sequence[str], x_of, width: int = WIDTH) -> list[str]:
    top = ticks[-1]
    parts = []
    for tick in ticks:
        y = _y(tick, top)
        parts.append(
            f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#b1b4b6" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#0b0c0c">{_number(tick)}</text>'
        )
    # A few short categories (forces, bands) fit level; many (months) are turned to fit.
    step = x_of(1) - x_of(0) if len(labels) > 1 else width
    longest = max((len(label) for label in labels), default=0)
    level = len(labels) <= 6 and longest * 6.5 <= step - 4
    for i in range(len(labels)) if level else shown_labels(len(labels), step):
        label = labels[i]
        x, y = x_of(i), HEIGHT - BOTTOM + 16
        turn = "" if level else f' transform="rotate(-45 {x:.1f} {y})"'
        parts.append(
            f'<text x="{x:.1f}" y="{y}" text-anchor="{"middle" if level else "end"}" '
            f'font-size="{12 if level else 11}" fill="#0b0c0c"{turn} data-axis="x">'
            f"{escape(label)}</text>"
        )
    return parts


def _y(value: float, top: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / top)


def _marker(x: float, text: str) -> str:
    """A dashed vertical line with a label, e.g. the launch."""
    return (
        f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" stroke="#0b0c0c" '
        f'stroke-width="2" stroke-dasharray="2 3" data-marker="{escape(text)}"/>'
        f'<text x="{x + 4:.1f}" y="{TOP - 10}" font-size="12" font-weight="bold" '
        f'fill="#0b0c0c">{escape(text)}</text>'
    )


def _labels_bottom(labels: Sequence[str], turned: bool) -> float:
    """How far down the axis labels reach: a long turned label (a force's name) drops
    further than the month labels :data:`BOTTOM` leaves room for."""
    y = HEIGHT - BOTTOM + 16
    if not turned:
        return y + 4
    longest = max((len(label) for label in labels), default=0)
    return y + longest * CHAR_11PX * math.sqrt(0.5) + 4


def _legend(
    names: Sequence[tuple[str, str, str]], width: int = WIDTH, below: float = 0
) -> tuple[list[str], int]:
    """The legend's parts under the plot and its axis labels (``below``), wrapping onto
    more lines when the drawing is too narrow for one; and the height it adds."""
    parts, x = [], LEFT
    y = max(HEIGHT - 12, math.ceil(below) + 16)
    for name, colour, style in names:
        needed = 22 + 7 * len(name)
        if x > LEFT and x + needed > width - RIGHT:
            x, y = LEFT, y + LEGEND_LINE
        if style == "points":
            parts.append(f'<circle cx="{x + 8}" cy="{y - 4}" r="4" fill="{colour}"/>')
        else:
            dash = ' stroke-dasharray="6 4"' if style == "dashed" else ""
            parts.append(
                f'<line x1="{x}" x2="{x + 16}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" '
                f'stroke-width="3"{dash}/>'
            )
        parts.append(
            f'<text x="{x + 22}" y="{y}" font-size="12" fill="#0b0c0c">{escape(name)}</text>'
        )
        x += 40 + 7 * len(name)
    return parts, y - (HEIGHT - 12)


@dataclass(frozen=True)
class Chart:
    """What a chart shows: ``ident`` (its element id), the title and description read
    out by screen readers, the category ``labels``, the ``series`` and an optional
    ``marker``: a labelled vertical line at a label's index (the launch)."""

    ident: str
    title: str
    desc: str
    labels: Sequence[str]
    series: Sequence[Series]
    marker: tuple[int, str] | None = None

    def start(self) -> tuple[list[str], list[float]]:
        """The opening of the SVG (its height set by :meth:`close`) and the value ticks."""
        values = [v for s in self.series for v in s.values if v is not None]
        return [""], nice_ticks(max(values, default=0))

    def close(
        self, parts: list[str], legend: list[tuple[str, str, str]], width: int = WIDTH
    ) -> SafeString:
        """The legend and the end of the SVG, tall enough for the legend's lines."""
        turned = any("rotate(" in part and 'data-axis="x"' in part for part in parts)
        key, extra = _legend(legend, width, _labels_bottom(self.labels, turned))
        ident = self.ident if width == WIDTH else f"{self.ident}-narrow"
        parts[0] = "".join(_open(ident, self.title, self.desc, width, HEIGHT + extra))
        parts += key
        parts.append("</svg>")
        return mark_safe("".join(parts))  # every text in it is escaped above


def both_widths(draw, chart: Chart) -> SafeString:
    """The chart drawn for a wide screen and for a phone; stats.css shows one of them."""
    return mark_safe(draw(chart) + draw(chart, NARROW))  # both escaped by draw


def line_chart(chart: Chart) -> SafeString:
    """:func:`line_svg` at both widths."""
    return both_widths(line_svg, chart)


def bar_chart(chart: Chart) -> SafeString:
    """:func:`bar_svg` at both widths."""
    return both_widths(bar_svg, chart)


def line_svg(chart: Chart, width: int = WIDTH) -> SafeString:
    """Lines (or points) over the labels; the marker a labelled vertical line."""
    parts, ticks = chart.start()
    labels, series, marker = chart.labels, chart.series, chart.marker
    top = ticks[-1]
    n = max(len(labels), 2)
    span = width - LEFT - RIGHT

    def x_of(i: float) -> float:
        return LEFT + span * i / (n - 1)

    parts += _axes(ticks, labels, x_of, width)
    if marker is not None:
        parts.append(_marker(x_of(marker[0]), marker[1]))
    legend = []
    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        legend.append((s.name, colour, s.style))
        points = [(x_of(i), _y(v, top), v) for i, v in enumerate(s.values) if v is not None]
        if s.style == "points":
            parts += [
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}" data-value="{v:g}"/>'
                for x, y, v in points
            ]
            continue
        dash = ' stroke-dasharray="6 4"' if s.style == "dashed" else ""
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _v in points)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}'
            f' data-series="{escape(s.name)}"/>'
        )
    return chart.close(parts, legend, width)


def bar_svg(chart: Chart, width: int = WIDTH) -> SafeString:
    """Grouped bars: one group per label, one bar per series."""
    parts, ticks = chart.start()
    labels, series, marker = chart.labels, chart.series, chart.marker
    top = ticks[-1]
    n = max(len(labels), 1)
    group = (width - LEFT - RIGHT) / n
    bar = group * 0.8 / max(len(series), 1)

    def x_of(i: float) -> float:
        return LEFT + group * (i + 0.5)

    parts += _axes(ticks, labels, x_of, width)
    legend = []
    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        legend.append((s.name, colour, "line"))
        for i, v in enumerate(s.values):
            if v is None:
                continue
            x = LEFT + group * i + group * 0.1 + bar * k
            y = _y(v, top)
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                f'height="{HEIGHT - BOTTOM - y:.1f}" fill="{colour}" '
                f'data-series="{escape(s.name)}">'
                f"<title>{escape(labels[i])}: {escape(s.name)} {_number(v)}</title></rect>"
            )
    if marker is not None:
        parts.append(_marker(LEFT + group * marker[0], marker[1]))
    return chart.close(parts, legend, width)


#: The bars across. Each label sits on its own line above its bar, so the chart is as
#: narrow as a phone (:data:`BARS_WIDTH`, 320 px) whatever the labels: a label column
#: beside the bars made it 600 px wide, shrunk to half size (7 px text) on a 375 px screen.
BAR_AREA, VALUE_WIDTH = 260, 60
BARS_WIDTH = BAR_AREA + VALUE_WIDTH
#: One row: the label's line (13 px text), then the bar.
ROW_HEIGHT, BAR_HEIGHT, LABEL_LINE = 42, 16, 18


def horizontal_bar_chart(chart: Chart) -> SafeString:
    """One bar across per label (the first series), scaled to the largest value, with the
    label above it and the value after it: for a few rows with long labels."""
    values = [v or 0 for v in chart.series[0].values] if chart.series else []
    if any(v < 0 for v in values):
        raise ValueError(f"{chart.title}: bar values cannot be negative")
    top = max(values, default=0) or 1
    height = max(ROW_HEIGHT, ROW_HEIGHT * len(values))
    parts = _open(chart.ident, chart.title, chart.desc, BARS_WIDTH, height, fixed=True)
    for i, (label, value) in enumerate(zip(chart.labels, values, strict=True)):
        bar_y = i * ROW_HEIGHT + LABEL_LINE + 2
        width = round(BAR_AREA * value / top)
        parts.append(
            f'<text x="0" y="{i * ROW_HEIGHT + LABEL_LINE - 4}" font-size="13" '
            f'fill="#0b0c0c">{escape(label)}</text>'
            f'<rect x="0" y="{bar_y}" width="{width}" height="{BAR_HEIGHT}" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{width + 6}" y="{bar_y + BAR_HEIGHT - 3}" font-size="13" '
            f'fill="#0b0c0c">{_number(value)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text in it is escaped above
