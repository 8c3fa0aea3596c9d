"""The only way anything leaves the prevention side: disclosure-controlled counts.

The statistics code (police side) calls :func:`help_seeking` and
:func:`before_after`; nothing else of prevention is readable from there.

What is counted
    *People who sought help* in a nation and period = distinct helpline callers
    from that nation (a returning caller, known by the code they chose or were
    given, counts once in the period; a contact without a code counts as one
    person) + distinct visitors of the self-help site who said they live in that
    nation. The two cannot be linked (that is the point of the service), so a
    person who used both counts twice. The self-help site counts distinct
    visitors per month without any identifier that outlives the month
    (``netsafe.prevention.counting``), so over a year a self-help visitor counts
    once per month in which they came: the year figure is an upper bound.

Disclosure control, applied here, inside the prevention side
    A count of 1 to 9 is suppressed (``people is None``, which the statistics
    write ``"<10"``); any other count is rounded to the nearest 5; 0 stays 0 (the
    one definition of the rule is :mod:`netsafe.small_numbers`, which the
    statistics apply too).

Differencing, and why these queries cannot reveal a count below 10
    1. *Fixed cells only.* A query names whole cells, never an arbitrary range:
       a calendar month, or a counting year (12 months from the operation's
       launch day, 1 November). Regions are whole nations (Wales, England,
       Scotland, Northern Ireland), which do not overlap; Welsh force areas and
       English regions are never published, so no two published regions nest.
       Two different months never contain one another; subtracting one month
       from another counts nobody in particular.
    2. *Closed periods only.* A cell is answered only after it has ended, so
       asking about "this month" today and again tomorrow cannot reveal the
       people who came in between.
    3. *The first answer is final.* Each released cell is kept in
       :class:`~netsafe.prevention.models.Release` and given again, unchanged,
       however the log changes later (late entries, corrections), so two
       answers for one cell never differ.
    4. *Secondary suppression of the one nesting left.* A month lies inside its
       counting year. If the year's true count minus the month's is 1 to 9,
       publishing both would let someone subtract their way to a handful of
       people. A month is therefore suppressed when its year is (or, not yet
       released, would be) published and the gap is 1 to 9; a year is
       suppressed when a month already published is 1 to 9 short of it (late
       corrections can make that happen). The reason is kept with the release.

The uncontrolled counts are computed in :mod:`netsafe.prevention.counts`,
which nothing outside the prevention app may import (a test walks the import
graph); the true count of each released cell is kept in the prevention
database only, for the checks above.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, overload

from django.db import IntegrityError, transaction
from django.utils import timezone

from netsafe.periods import year_after_launch, year_before_launch
from netsafe.small_numbers import control, is_small

from .choices import Nation
from .counts import true_count as _true_count
from .models import Release, SuppressedBecause
from .periods import add_months, counting_year, launch_day, month_end

__all__ = [
    "PUBLISHED_REGIONS",
    "Figure",
    "QueryRefused",
    "before_after",
    "control",
    "help_seeking",
]

#: Regions the interface answers for: nations that never overlap.
PUBLISHED_REGIONS = (
    Nation.WALES.value,
    Nation.ENGLAND.value,
    Nation.SCOTLAND.value,
    Nation.NORTHERN_IRELAND.value,
)


class QueryRefused(ValueError):
    """The aggregate interface will not answer this question (the message says why)."""


@dataclass(frozen=True)
class Figure:
    """One released, disclosure-controlled cell.

    ``people`` is 0, or a multiple of 5 that is at least 10, or ``None`` when
    the true count was 1 to 9 (or had to be suppressed against differencing).
    """

    region: str
    start: date
    end: date
    people: int | None


def before_after(region: str = "wales") -> dict:
    """The help-seeking comparison of the statistics contract (``help_seeking`` in returns.md).

    Returns ``{"region", "after", "before", "change", "after_period", "before_period"}``:
    ``after`` is the counting year from launch, ``before`` the 12 months before
    it; each is a released figure (int) or ``None`` when suppressed; ``change``
    is ``after / before - 1`` computed from the released figures (``None`` when
    either is suppressed or ``before`` is 0); periods are ISO date pairs.
    """
    after = help_seeking(region, *year_after_launch())
    before = help_seeking(region, *year_before_launch())
    change = None
    if after.people is not None and before.people:
        change = round(after.people / before.people - 1, 4)
    return {
        "region": region,
        "after": after.people,
        "before": before.people,
        "change": change,
        "after_period": [after.start.isoformat(), after.end.isoformat()],
        "before_period": [before.start.isoformat(), before.end.isoformat()],
    }


@overload
def help_seeking(
    region: str = ..., start: date | None = ..., end: date | None = ..., by: None = ...
) -> Figure: ...
@overload
def help_seeking(
    region: str = ..., start: date | None = ..., end: date | None = ..., *, by: Literal["month"]
) -> list[Figure]: ...


def help_seeking(region="wales", start=None, end=None, by=None):
    """Distinct people from ``region`` who used the helpline or the self-help, controlled.

    - ``by=None``: ``start``..``end`` must be one counting year (1 November to
      31 October with the default launch); default: the year from launch.
      Returns one :class:`Figure`.
    - ``by="month"``: ``start`` the first day of a month, ``end`` the last day
      of a month; returns a list of :class:`Figure`, one per calendar month.

    ``region`` is one of ``wales``, ``england``, ``scotland``,
    ``northern-ireland``. Raises :class:`QueryRefused` for anything else, for a
    period that has not ended yet, or for a range that is not made of whole
    fixed cells.
    """
    if region not in PUBLISHED_REGIONS:
        raise QueryRefused(
            f"region {region!r} is not published; choose one of {', '.join(PUBLISHED_REGIONS)}"
        )
    if by is None:
        return _year(region, start, end)
    if by != "month":
        raise QueryRefused(f"by must be None or 'month', not {by!r}")
    return _months(region, start, end)


def _year(region: str, start, end) -> Figure:
    """The figure of one closed counting year (default: the year from launch)."""
    if start is None and end is None:
        start, end = year_after_launch()
    start, end = _as_date(start, "start"), _as_date(end, "end")
    year = counting_year(start)
    if (start, end) != year:
        raise QueryRefused(
            f"{start}..{end} is not a counting year: whole-period figures are given only "
            f"for the 12 months from {launch_day():%d %B} (e.g. {year[0]}..{year[1]}); "
            "ask by='month' for months"
        )
    _require_closed(end)
    return _release(region, "year", start, end)


def _months(region: str, start, end) -> list[Figure]:
    """The figures of whole calendar months from ``start`` to ``end``, all closed."""
    if start is None or end is None:
        raise QueryRefused("by='month' needs start (first day of a month) and end (last day)")
    start, end = _as_date(start, "start"), _as_date(end, "end")
    if start.day != 1:
        raise QueryRefused(f"start {start} is not the first day of a month")
    if end != month_end(end):
        raise QueryRefused(f"end {end} is not the last day of a month")
    if end < start:
        raise QueryRefused(f"end {end} is before start {start}")
    _require_closed(end)
    figures = []
    year_counts: dict[date, int] = {}  # true counts of counting years, for this call only
    month = start
    # One transaction: the month's releases are written together (one commit).
    with transaction.atomic(using=Release.objects.db):
        while month <= end:
            figures.append(_release(region, "month", month, month_end(month), year_counts))
            month = add_months(month, 1)
    return figures


def _release(
    nation: str, period: str, start: date, end: date, year_counts: dict | None = None
) -> Figure:
    kept = Release.objects.filter(nation=nation, period=period, start=start).first()
    if kept is None:
        memo = {} if year_counts is None else year_counts
        kept = _first_release(nation, period, start, end, memo)
    return Figure(region=nation, start=kept.start, end=kept.end, people=kept.released)


def _first_release(
    nation: str, period: str, start: date, end: date, year_counts: dict[date, int]
) -> Release:
    true = _true_count(nation, start, end, period)
    released, reason = control(true), ""
    if released is None:
        reason = SuppressedBecause.PRIMARY
    else:
        for other_true in _nested_released_counts(nation, period, start, end, year_counts):
            if is_small(abs(other_true - true)):
                released, reason = None, SuppressedBecause.SECONDARY
                break
    try:
        with transaction.atomic(using=Release.objects.db):
            return Release.objects.create(
                nation=nation,
                period=period,
                start=start,
                end=end,
                true_count=true,
                released=released,
                reason=reason,
            )
    except IntegrityError:
        # Another request released this cell first: its answer stands.
        return Release.objects.get(nation=nation, period=period, start=start)


def _nested_released_counts(
    nation: str, period: str, start: date, end: date, year_counts: dict[date, int]
) -> list[int]:
    """True counts of the cells this one nests with, that are (or will be) published."""
    if period == "month":
        year_start, year_end = counting_year(start)
        year = Release.objects.filter(nation=nation, period="year", start=year_start).first()
        if year is None:
            # Not released yet: protect the year's future release by checking now
            # (a year that would itself be suppressed reveals nothing to subtract from).
            if year_start not in year_counts:
                year_counts[year_start] = _true_count(nation, year_start, year_end, "year")
            year_true = year_counts[year_start]
            return [] if control(year_true) is None else [year_true]
        return [] if year.released is None else [year.true_count]
    months = Release.objects.filter(
        nation=nation, period="month", start__gte=start, start__lte=end, released__isnull=False
    )
    return list(months.values_list("true_count", flat=True))


def _as_date(value, what: str) -> date:
    if isinstance(value, datetime):
        raise QueryRefused(f"{what} must be a date, not a date and time ({value!r})")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise QueryRefused(f"{what} must be a date (or YYYY-MM-DD), not {value!r}")


def _require_closed(end: date) -> None:
    today = timezone.localdate()
    if end >= today:
        raise QueryRefused(
            f"the period ending {end} has not ended yet (today is {today}); figures are "
            "given only for closed periods, so that asking again later reveals nobody"
        )
