"""Uncontrolled counts of people who sought help: for the prevention side only.

Nothing here may leave the prevention side: police-side code reads
:mod:`netsafe.prevention.aggregates`, which applies disclosure control to
these numbers (a test of the import graph keeps it so).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, Sum

from .models import Contact, SelfHelpVisits


def true_count(nation: str, start: date, end: date, period: str) -> int:
    """The true count of a cell: helpline callers plus self-help visitors from ``nation``."""
    return helpline_people(nation, start, end) + selfhelp_people(nation, start, end, period)


def helpline_people(nation: str, start: date, end: date) -> int:
    """Distinct helpline callers from ``nation`` with a contact on ``start``..``end``."""
    contacts = Contact.objects.in_nation(nation).between(start, end)
    counts = contacts.aggregate(
        codes=Count("caller_code", distinct=True, filter=~Q(caller_code="")),
        anonymous=Count("pk", filter=Q(caller_code="")),
    )
    return counts["codes"] + counts["anonymous"]


def selfhelp_people(nation: str, start: date, end: date, period: str) -> int:
    """Self-help visitors who said they live in ``nation``.

    For a month, that month's distinct visitors; for a year, its months summed.
    """
    rows = SelfHelpVisits.objects.filter(
        period="month", nation=nation, start__gte=start, start__lte=end
    )
    if period == "month":
        rows = rows.filter(start=start)
    return rows.aggregate(n=Sum("visitors"))["n"] or 0
