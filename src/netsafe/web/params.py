"""Dates asked for in a page's query string, bounded so that calendar arithmetic cannot overflow.

``?day=0001-01-01`` or ``?month=9999-12`` are valid ISO dates, but the pages step a
day or a month either side of them (and the statistics count every month since the
launch), which overflows Python's calendar and gave a 500. A date outside
:data:`EARLIEST`-:data:`LATEST` is a bad request: a 400 page that says what was
wrong and where, like a date that does not parse.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import BadRequest

#: The dates a page may be asked about: wide enough for any record, far from the limits.
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


class BadParameter(BadRequest):
    """A query parameter that cannot be used; its message is shown on the 400 page."""


def bounded(day: date, name: str, value: str) -> date:
    """``day`` when within :data:`EARLIEST`-:data:`LATEST`, else :class:`BadParameter`."""
    if not EARLIEST <= day <= LATEST:
        raise BadParameter(
            f"{name}={value}: the date must be between {EARLIEST.isoformat()} "
            f"and {LATEST.isoformat()}"
        )
    return day


def parse_day(value: str, name: str) -> date:
    """``value`` as a bounded ``YYYY-MM-DD`` date, or :class:`BadParameter` naming ``name``."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise BadParameter(f"{name}={value}: not a date like 2016-11-24") from None
    return bounded(day, name, value)
