"""Casework's links in the navigation (see ``NETSAFE_NAVIGATION``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from netsafe.accounts.permissions import READ, allowed

from . import access
from .registry import RECORD_TYPES


def items(user) -> list[tuple[str, str]]:
    """Home for everyone with figures; My work, the record lists and alerts for casework users."""
    links: list[tuple[str, str]] = []
    if access.sees_figures(user):
        links.append((_("Home"), reverse("casework:home")))
    if not access.reads_casework(user):
        return links
    links.append((_("My work"), reverse("casework:my-work")))
    links.append((_("Search"), reverse("casework:search")))
    for rt in RECORD_TYPES:
        if rt.listed and rt.name in _NAVIGATION:
            links.append((rt.verbose_name_plural.capitalize(), reverse(f"casework:{rt.name}-list")))
    if allowed(user, READ, "alerts"):
        links.append((_("Alerts"), reverse("casework:alert-list")))
    return links


#: The lists worth a place in the menu; the others are reached from a record's page.
_NAVIGATION = {"referral", "subject", "warrant", "device", "safeguarding"}
