"""Calendar arithmetic for the fixed periods the charity counts in: months and counting years."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone


def launch_day() -> date:
    """The operation's launch, from settings ``NETSAFE_OPERATION['launched']``."""
    return date.fromisoformat(settings.NETSAFE_OPERATION["launched"])


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months (the day clipped to the month's length)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def counting_year(day: date) -> tuple[date, date]:
    """The counting year (12 months from the launch's month and day) that holds ``day``."""
    launch = launch_day()
    start = date(day.year, launch.month, launch.day)
    if start > day:
        start = date(day.year - 1, launch.month, launch.day)
    return start, add_months(start, 12) - timedelta(days=1)


def local_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """Aware datetimes from the start of ``first`` to the start of the day after ``last``.

    Filtering ``occurred_at`` between these uses its index, where a filter on
    the date part (``occurred_at__date``) makes the database convert every row.
    """
    tz = timezone.get_current_timezone()
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
    return start, end
