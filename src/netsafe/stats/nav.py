"""The statistics link in the navigation (see ``NETSAFE_NAVIGATION``)."""

from __future__ import annotations

from django.urls import reverse

from .access import sees_dashboard


def items(user) -> list[tuple[str, str]]:
    """ "Statistics" for analysts and operation leads."""
    return [("Statistics", reverse("stats:dashboard"))] if sees_dashboard(user) else []
