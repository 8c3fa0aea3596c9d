"""Where each role starts after signing in: where its work is, not a page of figures.

- Police roles that read casework (officers, supervisors, examiners,
  safeguarding, the operation lead): **My work**, their next things to do.
- The operation's analyst: the statistics dashboard.
- Helpline call handlers and supervisors: the contacts of the latest day that
  has any (today when today has some), not an empty "today".
- The charity's analyst: the helpline trends.
- Anyone else (the administrator): the home page.
"""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import timezone


def latest_contact_day(today: date | None = None) -> date | None:
    """The latest day up to ``today`` (default: today) with a helpline contact, or None."""
    from netsafe.prevention.models import Contact
    from netsafe.prevention.periods import local_bounds

    today = today or timezone.localdate()
    latest = (
        Contact.objects.filter(occurred_at__lt=local_bounds(today, today)[1])
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    return timezone.localtime(latest).date() if latest else None


def landing_url(user) -> str:
    """The page ``user`` should start on (see the module's docstring)."""
    from netsafe.casework.access import reads_casework
    from netsafe.prevention.access import LOG_CONTACTS, SEE_FIGURES, can
    from netsafe.stats.access import sees_dashboard

    if reads_casework(user):
        return reverse("casework:my-work")
    if sees_dashboard(user):
        return reverse("stats:dashboard")
    if can(user, LOG_CONTACTS):
        today = reverse("prevention:today")
        day = latest_contact_day()
        if day is None or day == timezone.localdate():
            return today
        return f"{today}?day={day.isoformat()}"
    if can(user, SEE_FIGURES):
        return reverse("prevention:trends")
    return reverse("casework:home")
