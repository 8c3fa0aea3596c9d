"""Who sees the statistics pages: analysts and operation leads, nobody else."""

from __future__ import annotations

from netsafe.accounts.roles import Role


def sees_dashboard(user) -> bool:
    """The operation-wide figures (true counts) are for analysts and operation leads."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.has_role(Role.ANALYST, Role.OPERATION_LEAD)
    )
