"""The figures as sentences a press office can use (``netsafe stats --press``).

Every number in a sentence comes from the figures: exact where the press gave
exact figures (warrants, arrests), a round figure below the true one where it
said "more than" (devices), words for children ("dozens of"), and never a
count from 1 to 9 (written "fewer than 10": :mod:`netsafe.small_numbers`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from netsafe import small_numbers
from netsafe.small_numbers import SUPPRESSED, is_small

REGION_NAMES = {
    "wales": "Wales",
    "england": "England",
    "scotland": "Scotland",
    "northern-ireland": "Northern Ireland",
}


def fewer_than() -> str:
    """What is said instead of a small count: "fewer than 10"."""
    return f"fewer than {small_numbers.SMALL[1] + 1}"


def exact(count: int) -> str:
    """``count`` with thousands separators; a small count is not given."""
    if is_small(count):
        return fewer_than()
    return f"{count:,}"


def round_down(count: int) -> int:
    """``count`` rounded down to two significant figures (2,047 -> 2,000; 486 -> 480)."""
    if count < 100:
        return count
    unit = 10 ** (len(str(count)) - 2)
    return count // unit * unit


def more_than(count: int) -> str:
    """ "more than 2,000" for 2,047: a round figure below the true count (exact when round)."""
    if is_small(count):
        return fewer_than()
    floor = round_down(count)
    return f"{count:,}" if floor == count else f"more than {floor:,}"


def how_many(count: int) -> str | None:
    """Words for a count of children: "dozens of", "hundreds of", "more than 10" (for 11
    to 19), the count when round; None for none or a small count."""
    if count >= 2000:
        return "thousands of"
    if count >= 200:
        return "hundreds of"
    if count >= 24:
        return "dozens of"
    if count == 0 or is_small(count):
        return None
    floor = count // 10 * 10
    return f"more than {floor}" if floor < count else f"{count}"


def per_cent_change(change: float) -> str:
    """ "a 50 per cent increase on" / "a 10 per cent fall from" / "the same as"."""
    points = round(change * 100)
    if points > 0:
        return f"a {points} per cent increase on"
    if points < 0:
        return f"a {-points} per cent fall from"
    return "the same as"


def press_lines(stats: dict[str, Any]) -> list[str]:
    """Sentences from the ``stats --json`` object (true totals; help-seeking as released)."""
    name = stats["operation"]
    launched = date.fromisoformat(stats["launched"])
    totals = stats["totals"]
    lines = [
        f"Since launching in {launched:%B %Y}, Operation {name} has seen "
        f"{exact(totals['warrants_executed'])} warrants executed, with "
        f"{exact(totals['people_arrested'])} people arrested and "
        f"{more_than(totals['devices_seized'])} devices being seized."
    ]
    children = how_many(totals["children_safeguarded"])
    if children:
        lines.append(f"Officers have safeguarded {children} children.")
    help_line = _help_seeking_line(name, stats.get("help_seeking"))
    if help_line:
        lines.append(help_line)
    return lines


def _help_seeking_line(name: str, figures: dict[str, Any] | None) -> str | None:
    if not figures or figures.get("after") in (None, SUPPRESSED, 0):
        return None
    region = REGION_NAMES.get(figures["region"], figures["region"])
    sentence = (
        f"In the 12 months after Operation {name} was launched, a total of "
        f"{figures['after']:,} people from {region} used either resource"
    )
    change = figures.get("change")
    if change is None:
        return sentence + "."
    return (
        f"{sentence} - {per_cent_change(change)} the number of people seeking help in "
        "the year prior to the operation's launch."
    )
