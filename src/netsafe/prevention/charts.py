"""Server-rendered SVG bar charts: no JavaScript, no CDN, and a table beside each.

The chart is drawn by ``prevention/includes/bar_chart.html`` from the geometry
computed here; the same rows are shown as a table, which is what screen
readers and anyone who prefers numbers use.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Roughly the width of one character at the chart's 13px font, to size the label column.
CHAR_WIDTH = 7
BAR_AREA = 330
VALUE_WIDTH = 60
ROW_HEIGHT = 22
BAR_HEIGHT = 16


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: int
    width: int
    text_y: int


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart: one labelled bar per row, scaled to the largest value."""

    title: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int

    @property
    def value_x(self) -> int:
        """Where the numbers beside the bars start."""
        return self.label_width + BAR_AREA + 6

    @property
    def total(self) -> int:
        """The sum of the bars' values."""
        return sum(b.value for b in self.bars)


def bar_chart(title: str, rows: list[tuple[str, int]]) -> BarChart:
    """Lay out ``rows`` of (label, value) as horizontal bars."""
    if any(v < 0 for _, v in rows):
        raise ValueError(f"{title}: bar values cannot be negative")
    top = max((v for _, v in rows), default=0) or 1
    bars = tuple(
        Bar(
            label=label,
            value=value,
            y=i * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2,
            width=round(BAR_AREA * value / top),
            text_y=i * ROW_HEIGHT + ROW_HEIGHT // 2 + 5,
        )
        for i, (label, value) in enumerate(rows)
    )
    label_width = CHAR_WIDTH * max((len(label) for label, _ in rows), default=0) + 12
    return BarChart(
        title=title,
        bars=bars,
        label_width=label_width,
        width=label_width + BAR_AREA + VALUE_WIDTH,
        height=max(ROW_HEIGHT, ROW_HEIGHT * len(rows)),
    )
