"""Navigation links for charity staff (settings ``NETSAFE_NAVIGATION``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from .access import LOG_CONTACTS, SEE_FIGURES, can


def items(user) -> list[tuple[str, str]]:
    """The prevention links ``user`` may follow: none at all for police users."""
    links: list[tuple[str, str]] = []
    if can(user, LOG_CONTACTS):
        links.append((_("Today's contacts"), reverse("prevention:today")))
        links.append((_("Log a contact"), reverse("prevention:contact-new")))
        links.append((_("Escalations"), reverse("prevention:escalations")))
    if can(user, SEE_FIGURES):
        links.append((_("Trends"), reverse("prevention:trends")))
        links.append((_("What brings people"), reverse("prevention:heard")))
    return links
