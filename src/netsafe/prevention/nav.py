"""Navigation links for charity staff (settings ``NETSAFE_NAVIGATION``)."""

from __future__ import annotations

from django.urls import reverse

from .access import LOG_CONTACTS, SEE_FIGURES, can


def items(user) -> list[tuple[str, str]]:
    """The prevention links ``user`` may follow: none at all for police users."""
    links: list[tuple[str, str]] = []
    if can(user, LOG_CONTACTS):
        links.append(("Today's contacts", reverse("prevention:today")))
        links.append(("Log a contact", reverse("prevention:contact-new")))
        links.append(("Escalations", reverse("prevention:escalations")))
    if can(user, SEE_FIGURES):
        links.append(("Trends", reverse("prevention:trends")))
        links.append(("What brings people", reverse("prevention:heard")))
    return links
