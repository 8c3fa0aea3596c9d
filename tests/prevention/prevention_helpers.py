"""Helpers shared by the prevention tests."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

#: Both databases: users live in ``default``, the helpline log in ``prevention``.
BOTH = ["default", "prevention"]


def local(*args) -> datetime:
    """An aware local datetime, e.g. ``local(2017, 3, 4, 10, 30)``."""
    return timezone.make_aware(datetime(*args))


_serial = iter(range(1, 10**6))


def add_people(n: int, year: int, month: int, region: str = "wales-gwent", *, contacts_each=1):
    """``n`` distinct coded callers from ``region``, each with ``contacts_each`` contacts
    in that month."""
    from netsafe.prevention.models import Contact

    rows = []
    for _ in range(n):
        code = f"T-{next(_serial)}"
        rows += [
            Contact(
                occurred_at=local(year, month, 1 + i % 27, 12, 0),
                caller_type="self",
                region=region,
                duration_minutes=10,
                caller_code=code,
            )
            for i in range(contacts_each)
        ]
    Contact.objects.bulk_create(rows)
