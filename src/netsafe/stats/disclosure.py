"""Disclosure control for every figure that leaves the operation.

The rules (DESIGN.md, the ONS convention for sensitive tables):

- a count from 1 to 9 is *suppressed*: written ``"<10"``;
- every other count, totals included, is rounded to the nearest 5 (0 stays 0)
  (these two, for one count, are :mod:`netsafe.small_numbers`, which the
  prevention side applies too);
- a percentage is never computed from a suppressed cell (:func:`percent`);
- no differencing: a table whose published cells and total would let
  someone work a small count out again has a second cell suppressed as well
  (*complementary suppression*, written ``"[c]"``), or in the last resort its
  total withheld.

How differencing is checked
    A reader who knows these rules knows that a rounded figure ``r`` hides a
    true count in ``r-2 .. r+2`` (and at least 10), that ``"<10"`` hides 1 to 9,
    that a withheld ``"[c]"`` figure hides 0 or any count from 10 (so nothing
    better than "0 or more") and that a ``0`` is exact. Cells of a table add
    up to its total, and several tables of one measure (by force, by month)
    share that total. :func:`exposure` works out
    from exactly that knowledge the narrowest range each suppressed cell could
    lie in; a table is safe when every ``"<10"`` cell could still be any of
    1 to 9. :func:`protect` suppresses further cells, smallest first, until
    that holds.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import Any

from netsafe import small_numbers
from netsafe.small_numbers import SUPPRESSED, is_small

#: A cell withheld to protect a small count elsewhere in its table.
COMPLEMENTARY = "[c]"

Published = int | str


def control(count: int) -> Published:
    """One count made public (:func:`netsafe.small_numbers.control`): 0 stays 0, a small
    count (1-9) becomes ``"<10"``, others round to 5."""
    published = small_numbers.control(count)
    return SUPPRESSED if published is None else published


def bounds(published: Published | None) -> tuple[float, float]:
    """What a reader can tell of the true count behind one published cell."""
    low, high = small_numbers.SMALL  # read when called: the rule has one definition
    if published is None or published == COMPLEMENTARY:  # withheld: 0, or above the small
        return (0, math.inf)
    if published == SUPPRESSED:
        return (low, high)
    if published == 0:
        return (0, 0)
    return (max(published - 2, high + 1), published + 2)


def percent(part: Published | None, whole: Published | None, digits: int = 0) -> float | None:
    """``part`` as a percentage of ``whole``, from published figures only.

    None when either is suppressed or withheld (a percentage of a suppressed
    cell could give the count back) or when ``whole`` is 0.
    """
    if not isinstance(part, int) or not isinstance(whole, int) or whole == 0:
        return None
    return round(100 * part / whole, digits)


def exposure(
    tables: Mapping[Hashable, Mapping[Hashable, Published]], total: Published | None
) -> dict[tuple[Hashable, Hashable], tuple[float, float]]:
    """For every ``"<10"`` cell, the narrowest range a reader can put its true count in.

    ``tables`` are tables of one measure whose cells each add up to the same
    ``total`` (e.g. by force and by month); ``total`` is the published total
    (None or ``"[c]"`` when withheld).
    """
    low, high = bounds(total)
    cell_bounds = {
        name: {key: bounds(value) for key, value in cells.items()} for name, cells in tables.items()
    }
    # Each table's cells add up to the total: that narrows the total too.
    for cells in cell_bounds.values():
        low = max(low, sum(lo for lo, _ in cells.values()))
        high = min(high, sum(hi for _, hi in cells.values()))
    exposed = {}
    for name, cells in tables.items():
        sum_low = sum(lo for lo, _ in cell_bounds[name].values())
        sum_high = sum(hi for _, hi in cell_bounds[name].values())
        for key, value in cells.items():
            if value != SUPPRESSED:
                continue
            own_low, own_high = cell_bounds[name][key]
            others_low, others_high = sum_low - own_low, sum_high - own_high
            exposed[(name, key)] = (
                max(own_low, low - others_high),
                min(own_high, high - others_low),
            )
    return exposed


def is_safe(exposed: Mapping[Any, tuple[float, float]]) -> bool:
    """True when no small cell can be narrowed below the whole of 1 to 9."""
    low, high = small_numbers.SMALL
    return all(lo <= low and hi >= high for lo, hi in exposed.values())


def protect(
    tables: Mapping[Hashable, Mapping[Hashable, int]], total: int
) -> tuple[dict[Hashable, dict[Hashable, Published]], Published]:
    """Publish tables of one measure that share ``total``, safe against differencing.

    Returns the published tables and the published total. Cells are
    controlled one by one (:func:`control`); then, while some ``"<10"`` cell
    could be narrowed (:func:`exposure`), another cell of that cell's table is
    withheld as ``"[c]"``: the smallest of at least 10, else a zero, else
    another small cell (so the total, a headline figure, stays published).
    Only when the table has nothing left is the total withheld, and after that
    a cell of another table.
    """
    published = {
        name: {key: control(value) for key, value in cells.items()}
        for name, cells in tables.items()
    }
    public_total: Published = control(total)

    def withhold(name: Hashable, exposed_key: Hashable, *, small: bool) -> bool:
        if small:  # another small cell of the table, the largest first
            candidates = [
                (-value, str(key), key)
                for key, value in tables[name].items()
                if published[name][key] == SUPPRESSED and key != exposed_key
            ]
        else:
            candidates = [
                # Withholding a zero widens the other cells' ranges downwards only;
                # a count above the small ones, both ways.
                (value == 0, value, str(key), key)
                for key, value in tables[name].items()
                if not is_small(value) and published[name][key] != COMPLEMENTARY
            ]
        if not candidates:
            return False
        published[name][min(candidates)[-1]] = COMPLEMENTARY
        return True

    while True:
        exposed = exposure(published, public_total)
        unsafe = [where for where, span in exposed.items() if not is_safe({where: span})]
        if not unsafe:
            return published, public_total
        table, key = unsafe[0]
        if withhold(table, key, small=False) or withhold(table, key, small=True):
            continue
        if public_total != COMPLEMENTARY:
            public_total = COMPLEMENTARY
            continue
        if not any(withhold(name, None, small=False) for name in tables if name != table):
            # Nothing left to withhold: only the cells' own ranges remain.
            return published, public_total


def public(stats: Mapping[str, Any]) -> dict[str, Any]:
    """The ``stats --json`` object made safe to publish (``stats --public``).

    Each measure's by-force and by-month tables are protected together with
    its total; the help-seeking counts (controlled already by the prevention
    service, ``None`` when suppressed) are written ``"<10"`` and the change is
    computed from published figures only.
    """
    totals: dict[str, Published] = {}
    by_force: dict[str, dict[str, Published]] = {slug: {} for slug in stats["by_force"]}
    months = [dict(month=row["month"]) for row in stats["by_month"]]
    for name, total in stats["totals"].items():
        tables: dict[str, dict[Any, int]] = {
            "by_force": {slug: row[name] for slug, row in stats["by_force"].items()}
        }
        if stats["by_month"] and name in stats["by_month"][0]:
            tables["by_month"] = {row["month"]: row[name] for row in stats["by_month"]}
        published, totals[name] = protect(tables, total)
        for slug, value in published["by_force"].items():
            by_force[slug][name] = value
        for row in months:
            if "by_month" in published:
                row[name] = published["by_month"][row["month"]]
    return {
        **{k: v for k, v in stats.items() if k not in {"totals", "by_force", "by_month"}},
        "totals": totals,
        "by_force": by_force,
        "by_month": months,
        "help_seeking": _public_help_seeking(stats.get("help_seeking")),
        "disclosure_control": (
            'Counts of 1 to 9 are shown as "<10"; other counts are rounded to the nearest 5; '
            '"[c]" marks a figure withheld so that a small count cannot be worked out from '
            "the others and the total."
        ),
    }


def _public_help_seeking(figures: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if figures is None:
        return None
    after, before = figures["after"], figures["before"]
    # The prevention service releases only controlled figures; control again in
    # case a caller passed true counts.
    after_p = SUPPRESSED if after is None else control(after)
    before_p = SUPPRESSED if before is None else control(before)
    change = None
    if isinstance(after_p, int) and isinstance(before_p, int) and before_p:
        change = round(after_p / before_p - 1, 4)
    return {**figures, "after": after_p, "before": before_p, "change": change}
