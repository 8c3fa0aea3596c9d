"""The helpline's bar charts fit a phone at full size, whatever their labels."""

from __future__ import annotations

import re

from netsafe.web.charts import Chart, Series, horizontal_bar_chart


def test_a_chart_with_long_labels_is_no_wider_than_a_small_phone():
    labels = ["Police (at arrest or interview)", "A friend or family member"]
    svg = horizontal_bar_chart(
        Chart("heard", "How they heard of us", "d", labels, [Series("s", [40, 12])])
    )
    # Drawn at 1:1 (its own width in pixels) on a 320 px screen: 13 px text stays 13 px.
    width = int(re.search(r'viewBox="0 0 (\d+) \d+" width="(\d+)"', svg).group(2))
    assert width <= 320
    texts = [
        (float(y), text)
        for y, text in re.findall(r'<text x="[\d.]+" y="([\d.]+)"[^>]*>([^<]*)<', svg)
    ]
    bars = [
        (float(y), float(w))
        for y, w in re.findall(r'<rect x="0" y="([\d.]+)" width="([\d.]+)"', svg)
    ]
    label_y = {text: y for y, text in texts}
    for label, (bar_y, _w) in zip(labels, bars, strict=True):
        assert label_y[label] < bar_y  # each label on its own line, above its bar
    for (_y, bar_width), value in zip(bars, ("40", "12"), strict=True):
        value_x = float(re.search(rf'<text x="([\d.]+)"[^>]*>{value}<', svg).group(1))
        assert value_x >= bar_width
        assert value_x + 7 * len(value) <= width
    assert bars[0][1] > bars[1][1] > 0
