"""Server-rendered SVG bar charts: no JavaScript, no CDN, and a table beside each.

The chart is drawn by ``prevention/includes/bar_chart.html`` from the geometry
computed here; the same rows are shown as a table, which is what screen
readers and anyone who prefers numbers use.

Each label sits on its own line above its bar, so the chart is as narrow as a phone
(:data:`WIDTH`, 320 px) whatever the labels: a label column beside the bars made
the chart 600 px wide, shrunk to half size (7 px text) on a 375 px screen.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The longest bar, and the room after it for the number.
BAR_AREA = 260
VALUE_WIDTH = 60
#: The whole chart's width: it fits a 320 CSS px screen at full size.
WIDTH = BAR_AREA + VALUE_WIDTH
#: One row: the label's line (13 px text), then the bar.
ROW_HEIGHT = 42
BAR_HEIGHT = 16
LABEL_LINE = 18


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    #: The bar's top; its label's baseline (above it); its number's baseline (beside it).
    y: int
    width: int
    text_y: int
    value_y: int

    @property
    def value_x(self) -> int:
        """Where the number starts: just after the end of the bar."""
        return self.width + 6


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart: one labelled bar per row, scaled to the largest value."""

    title: str
    bars: tuple[Bar, ...]
    width: int
    height: int

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
            y=i * ROW_HEIGHT + LABEL_LINE + 2,
            width=round(BAR_AREA * value / top),
            text_y=i * ROW_HEIGHT + LABEL_LINE - 4,
            value_y=i * ROW_HEIGHT + LABEL_LINE + 2 + BAR_HEIGHT - 3,
        )
        for i, (label, value) in enumerate(rows)
    )
    return BarChart(
        title=title, bars=bars, width=WIDTH, height=max(ROW_HEIGHT, ROW_HEIGHT * len(rows))
    )
