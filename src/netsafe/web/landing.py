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

from django.urls import reverse


def landing_url(user) -> str:
    """The page ``user`` should start on (see the module's docstring)."""
    from netsafe.casework.access import reads_casework
    from netsafe.prevention.landing import start_page
    from netsafe.stats.access import sees_dashboard

    if reads_casework(user):
        return reverse("casework:my-work")
    if sees_dashboard(user):
        return reverse("stats:dashboard")
    return start_page(user) or reverse("casework:home")
