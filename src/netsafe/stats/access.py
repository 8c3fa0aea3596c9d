"""Who sees the statistics pages: analysts and operation leads, nobody else (the gate's
``read`` on ``stats``)."""

from __future__ import annotations

from netsafe.accounts.permissions import READ, allowed


def sees_dashboard(user) -> bool:
    """The operation-wide figures (true counts) are for analysts and operation leads."""
    return allowed(user, READ, "stats")
