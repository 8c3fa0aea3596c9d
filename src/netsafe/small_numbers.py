"""The small-number rule: what a count may look like when it leaves the system.

DESIGN.md, "Small numbers stay private" (the ONS convention for sensitive
tables; ``stats --public`` in contracts/returns.md): a count from 1 to 9 is
suppressed, written ``"<10"``; every other count is rounded to the nearest 5;
0 stays 0.

The one definition of the rule. A leaf module, importing nothing of NetSafe,
that neither area owns: the prevention side controls its counts with it before
they leave (:mod:`netsafe.prevention.aggregates`), and the statistics apply it
to every figure they publish (:mod:`netsafe.stats.disclosure`), though
prevention never imports the statistics. Its names are read when called, so a
stricter threshold here is everybody's.
"""

from __future__ import annotations

#: The counts that are never given as they are: 1 to 9 (0 is given).
SMALL = (1, 9)
#: How a suppressed count is written.
SUPPRESSED = "<10"


def is_small(count: int) -> bool:
    """Whether ``count`` is one that is never given as it is: 1 to 9 (0 is given)."""
    return SMALL[0] <= count <= SMALL[1]


def round5(count: int) -> int:
    """``count`` rounded to the nearest 5, halves up (12 -> 10, 13 -> 15)."""
    return (count + 2) // 5 * 5


def control(count: int) -> int | None:
    """One count made fit to leave: ``None`` when small (1-9), else rounded to 5 (0 stays 0).

    Raises TypeError for anything but a whole number, ValueError for a negative count.
    """
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError(f"a count is a whole number, not {count!r}")
    if count < 0:
        raise ValueError(f"a count cannot be negative: {count}")
    if is_small(count):
        return None
    return round5(count)
