"""The shell's own navigation links (see ``NETSAFE_NAVIGATION``)."""

from __future__ import annotations

from django.urls import reverse

from netsafe.accounts.permissions import MANAGE, READ, allowed


def items(user) -> list[tuple[str, str]]:
    """The audit log for supervisors and administrators; the admin site for administrators."""
    links = []
    if allowed(user, READ, "audit"):
        links.append(("Audit log", reverse("audit:list")))
    if user.is_staff and allowed(user, MANAGE, "accounts"):
        links.append(("Administration", reverse("admin:index")))
        links.append(("Role requests", reverse("grant-list")))
    return links
