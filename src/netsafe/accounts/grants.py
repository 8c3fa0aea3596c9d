"""The two-person rule for police and charity roles.

An administrator who gives a user a police or charity role (or moves a user who
holds force roles to another force) does not change the user at once: a
:class:`~netsafe.accounts.models.RoleGrant` waits until a second administrator
approves it (:func:`approve`) or rejects it (:func:`reject`). Taking roles away,
and giving the administrator role, apply at once. Every step is in the audit log
(the user's role changes by :func:`netsafe.audit.track`, the request and decision as
``grant-requested``/``grant-approved``/``grant-rejected`` entries), and the first
administrator is told on their next page (:class:`GrantNoticeMiddleware`).

``netsafe createuser`` is the bootstrap path of whoever runs the server, not an
administrator's page, and creates users directly.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.db import transaction
from django.utils import timezone

from netsafe.audit import record

from .models import Force, RoleGrant, User
from .permissions import APPROVE, CONTENT_ROLES, allowed
from .roles import FORCE_ROLES
from .services import AccountError, check_roles


def needs_approval(user: User, roles: Iterable[str], force: Force | None) -> bool:
    """Whether giving ``user`` ``roles`` in ``force`` needs a second administrator."""
    old = set(user.roles) if user.pk else set()
    wanted = set(roles)
    added = (wanted - old) & CONTENT_ROLES
    moved = user.pk is not None and (force.pk if force else None) != user.force_id
    return bool(added) or bool(moved and wanted & FORCE_ROLES)


@transaction.atomic
def change_roles(
    user: User, roles: Iterable[str], force: Force | None, *, by: User
) -> RoleGrant | None:
    """Give ``user`` ``roles`` in ``force`` as administrator ``by`` asks.

    Applied at once when nothing needs approval; otherwise the roles the user keeps
    are applied (removals take effect now) and a pending grant is returned.
    """
    wanted = check_roles(roles, force)
    if not needs_approval(user, wanted, force):
        if (force.pk if force else None) != user.force_id:
            user.force = force
            user.save(update_fields=["force"])
        user.set_roles(wanted)
        return None
    kept = sorted(set(user.roles) & set(wanted))
    user.set_roles(kept)
    RoleGrant.objects.filter(user=user, status=RoleGrant.Status.PENDING).update(
        status=RoleGrant.Status.REJECTED, decided_by=by, decided_at=timezone.now()
    )
    grant = RoleGrant.objects.create(user=user, roles=wanted, force=force, requested_by=by)
    record(
        "grant-requested",
        user,
        changes={"roles": [kept, wanted]},
        detail=f"awaiting a second administrator (grant {grant.pk})",
        user=by,
    )
    return grant


@transaction.atomic
def approve(grant: RoleGrant, *, by: User) -> None:
    """A second administrator approves: the user gets the roles and force asked for."""
    grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.status != RoleGrant.Status.PENDING:
        raise AccountError("this request was already decided")
    if not allowed(by, APPROVE, grant):
        raise AccountError("a second administrator, not the one who asked, must approve")
    user = grant.user
    check_roles(grant.roles, grant.force)
    if (grant.force_id or None) != user.force_id:
        user.force = grant.force
        user.save(update_fields=["force"])
    user.set_roles(grant.roles)
    _decide(grant, RoleGrant.Status.APPROVED, by)


@transaction.atomic
def reject(grant: RoleGrant, *, by: User) -> None:
    """A second administrator rejects the request; the user keeps what they had."""
    grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.status != RoleGrant.Status.PENDING:
        raise AccountError("this request was already decided")
    if not allowed(by, APPROVE, grant):
        raise AccountError("a second administrator, not the one who asked, must decide")
    _decide(grant, RoleGrant.Status.REJECTED, by)


def _decide(grant: RoleGrant, status: str, by: User) -> None:
    grant.status = status
    grant.decided_by = by
    grant.decided_at = timezone.now()
    grant.save(update_fields=["status", "decided_by", "decided_at"])
    record(
        f"grant-{status}",
        grant.user,
        changes={"roles": [None, grant.roles]},
        detail=f"grant {grant.pk} asked by {grant.requested_by.username}",
        user=by,
    )


class GrantNoticeMiddleware:
    """Tells the administrator who asked for roles, on their next page, what was decided."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            decided = RoleGrant.objects.filter(requested_by=user, notified_at__isnull=True).exclude(
                status=RoleGrant.Status.PENDING
            )
            told = []
            for grant in decided.select_related("user", "decided_by"):
                told.append(grant.pk)
                messages.info(
                    request,
                    f"{grant.decided_by.username} {grant.get_status_display().lower()} "
                    f"your request to give {grant.user.username} the roles "
                    f"{', '.join(grant.roles)}.",
                )
            if told:
                RoleGrant.objects.filter(pk__in=told).update(notified_at=timezone.now())
        return self.get_response(request)
