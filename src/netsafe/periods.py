"""The operation's calendar: its launch day, calendar months, the years before and after.

The one definition of these periods. A leaf module, importing nothing of NetSafe,
that neither area owns: the prevention side counts help-seeking in them
(:mod:`netsafe.prevention.aggregates`) and the statistics evaluate the same
periods (:mod:`netsafe.stats.evaluation`), though prevention never imports the
statistics.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.conf import settings


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


def year_after_launch() -> tuple[date, date]:
    """The first and last day of the 12 months from launch (the help-seeking "after")."""
    launch = launch_day()
    return launch, add_months(launch, 12) - timedelta(days=1)


def year_before_launch() -> tuple[date, date]:
    """The first and last day of the 12 months before launch (the help-seeking "before")."""
    launch = launch_day()
    return add_months(launch, -12), launch - timedelta(days=1)
