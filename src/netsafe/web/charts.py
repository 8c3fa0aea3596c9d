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
    ident: str, title: str, desc: str, size: tuple[int, int] = (WIDTH, HEIGHT), fixed: bool = False
) -> list[str]:
    """The opening of an SVG ``size`` (width, height) units; ``fixed``: drawn at that size
    in pixels (at most the page's width) rather than as wide as the page."""
    width, height = size
    drawn = f'width="{width}" height="{height}"' if fixed else 'width="100%"'
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="netsafe-chart" role="img" '
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


def _axes(ticks: list[float], labels: Sequence[str], x_of) -> list[str]:
    top = ticks[-1]
    parts = []
    for tick in ticks:
        y = _y(tick, top)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#b1b4b6" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#0b0c0c">{_number(tick)}</text>'
        )
    # A few categories (forces, bands) fit level; many (months) are turned to fit.
    level = len(labels) <= 6
    step = x_of(1) - x_of(0) if len(labels) > 1 else WIDTH
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


def _legend(names: Sequence[tuple[str, str, str]]) -> list[str]:
    parts, x = [], LEFT
    y = HEIGHT - 12
    for name, colour, style in names:
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
    return parts


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
        """The opening of the SVG and the value axis's ticks."""
        values = [v for s in self.series for v in s.values if v is not None]
        return _open(self.ident, self.title, self.desc), nice_ticks(max(values, default=0))


def _close(parts: list[str], legend: list[tuple[str, str, str]]) -> SafeString:
    """The legend and the end of the SVG."""
    parts += _legend(legend)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text in it is escaped above


def line_chart(chart: Chart) -> SafeString:
    """Lines (or points) over the labels; the marker a labelled vertical line."""
    parts, ticks = chart.start()
    labels, series, marker = chart.labels, chart.series, chart.marker
    top = ticks[-1]
    n = max(len(labels), 2)
    span = WIDTH - LEFT - RIGHT

    def x_of(i: float) -> float:
        return LEFT + span * i / (n - 1)

    parts += _axes(ticks, labels, x_of)
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
    return _close(parts, legend)


def bar_chart(chart: Chart) -> SafeString:
    """Grouped bars: one group per label, one bar per series."""
    parts, ticks = chart.start()
    labels, series, marker = chart.labels, chart.series, chart.marker
    top = ticks[-1]
    n = max(len(labels), 1)
    group = (WIDTH - LEFT - RIGHT) / n
    bar = group * 0.8 / max(len(series), 1)

    def x_of(i: float) -> float:
        return LEFT + group * (i + 0.5)

    parts += _axes(ticks, labels, x_of)
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
    return _close(parts, legend)


#: The bars across: roughly one character's width at 13 px (to size the label column),
#: the bars' length at the largest value, the room for the values, a row and a bar.
CHAR_WIDTH, BAR_AREA, VALUE_WIDTH, ROW_HEIGHT, BAR_HEIGHT = 7, 330, 60, 22, 16


def horizontal_bar_chart(chart: Chart) -> SafeString:
    """One bar across per label (the first series), scaled to the largest value, with the
    label before it and the value after it: for a few rows with long labels."""
    values = [v or 0 for v in chart.series[0].values] if chart.series else []
    if any(v < 0 for v in values):
        raise ValueError(f"{chart.title}: bar values cannot be negative")
    top = max(values, default=0) or 1
    label_width = CHAR_WIDTH * max((len(label) for label in chart.labels), default=0) + 12
    size = (label_width + BAR_AREA + VALUE_WIDTH, max(ROW_HEIGHT, ROW_HEIGHT * len(values)))
    parts = _open(chart.ident, chart.title, chart.desc, size, fixed=True)
    for i, (label, value) in enumerate(zip(chart.labels, values, strict=True)):
        text_y = i * ROW_HEIGHT + ROW_HEIGHT // 2 + 5
        parts.append(
            f'<text x="{label_width - 8}" y="{text_y}" text-anchor="end" font-size="13" '
            f'fill="#0b0c0c">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{i * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2}" '
            f'width="{round(BAR_AREA * value / top)}" height="{BAR_HEIGHT}" fill="{PALETTE[0]}"/>'
            f'<text x="{label_width + BAR_AREA + 6}" y="{text_y}" font-size="13" '
            f'fill="#0b0c0c">{_number(value)}</text>'
        )
    return _close(parts, [])
