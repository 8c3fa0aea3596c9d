"""The helpline's bar charts fit a phone at full size, whatever their labels."""

from __future__ import annotations

from netsafe.prevention.charts import bar_chart


def test_a_chart_with_long_labels_is_no_wider_than_a_small_phone():
    rows = [("Police (at arrest or interview)", 40), ("A friend or family member", 12)]
    chart = bar_chart("How they heard of us", rows)
    # Drawn at 1:1 on a 320 px screen: 13 px text stays 13 px.
    assert chart.width <= 320
    for bar in chart.bars:
        assert bar.text_y < bar.y  # each label on its own line, above its bar
        assert bar.value_x + 6 * len(str(bar.value)) <= chart.width
    assert chart.bars[0].width > chart.bars[1].width > 0
