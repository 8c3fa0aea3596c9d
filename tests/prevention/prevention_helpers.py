"""Helpers shared by the prevention tests."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

#: Both databases: users live in ``default``, the helpline log in ``prevention``.
BOTH = ["default", "prevention"]


def local(*args) -> datetime:
    """An aware local datetime, e.g. ``local(2017, 3, 4, 10, 30)``."""
    return timezone.make_aware(datetime(*args))
