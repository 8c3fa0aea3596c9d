"""Where the charity's staff start after signing in (asked by :mod:`netsafe.web.landing`).

It answers with a URL only, so the sign-in code never reads the helpline's tables itself.
"""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import timezone

from .access import LOG_CONTACTS, SEE_FIGURES, can
from .models import Contact
from .periods import local_bounds


def latest_contact_day(today: date | None = None) -> date | None:
    """The latest day up to ``today`` (default: today) with a helpline contact, or None."""
    today = today or timezone.localdate()
    latest = (
        Contact.objects.filter(occurred_at__lt=local_bounds(today, today)[1])
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    return timezone.localtime(latest).date() if latest else None


def start_page(user) -> str | None:
    """Call handlers: the latest day with contacts (today when today has some); the
    charity's analyst: the trends; anyone else: None."""
    if can(user, LOG_CONTACTS):
        today = reverse("prevention:today")
        day = latest_contact_day()
        if day is None or day == timezone.localdate():
            return today
        return f"{today}?day={day.isoformat()}"
    if can(user, SEE_FIGURES):
        return reverse("prevention:trends")
    return None
