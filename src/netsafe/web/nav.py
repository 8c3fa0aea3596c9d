"""The shell's own navigation links (see ``NETSAFE_NAVIGATION``)."""

from __future__ import annotations

from django.urls import reverse

from netsafe.accounts.roles import Role


def items(user) -> list[tuple[str, str]]:
    """The audit log for supervisors and administrators; the admin site for administrators."""
    links = []
    if user.is_superuser or user.has_role(Role.SUPERVISOR, Role.ADMINISTRATOR):
        links.append(("Audit log", reverse("audit:list")))
    if user.is_staff and (user.is_superuser or user.has_role(Role.ADMINISTRATOR)):
        links.append(("Administration", reverse("admin:index")))
    return links
