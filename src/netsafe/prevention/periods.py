"""The fixed periods the charity counts in: months and counting years.

Months and the launch day are the operation's calendar (:mod:`netsafe.periods`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from netsafe.periods import add_months, launch_day, month_end

__all__ = ["add_months", "counting_year", "launch_day", "local_bounds", "month_end"]


def counting_year(day: date) -> tuple[date, date]:
    """The counting year (12 months from the launch's month and day) that holds ``day``.

    Counted in whole years from the launch, so that a launch on 29 February gives
    years that follow each other without a gap (28 February when there is no 29th).
    """
    launch = launch_day()
    years = day.year - launch.year
    if add_months(launch, 12 * years) > day:
        years -= 1
    return add_months(launch, 12 * years), add_months(launch, 12 * (years + 1)) - timedelta(days=1)


def local_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """Aware datetimes from the start of ``first`` to the start of the day after ``last``.

    Filtering ``occurred_at`` between these uses its index, where a filter on
    the date part (``occurred_at__date``) makes the database convert every row.
    """
    tz = timezone.get_current_timezone()
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
    return start, end
