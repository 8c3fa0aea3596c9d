"""Role requests: a second administrator approves or rejects roles another one asked for."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import grants
from .models import RoleGrant
from .permissions import APPROVE, MANAGE, allowed
from .services import AccountError


@login_required
def grant_list(request):
    """Pending role requests (and the latest decided), for administrators."""
    if not allowed(request.user, MANAGE, "accounts"):
        raise Http404("administrators only")
    pending = RoleGrant.objects.filter(status=RoleGrant.Status.PENDING).select_related(
        "user", "force", "requested_by"
    )
    decided = (
        RoleGrant.objects.exclude(status=RoleGrant.Status.PENDING)
        .select_related("user", "force", "requested_by", "decided_by")
        .order_by("-decided_at")[:20]
    )
    rows = [(g, allowed(request.user, APPROVE, g)) for g in pending]
    return render(request, "accounts/grants.html", {"rows": rows, "decided": decided})


@login_required
@require_POST
def grant_decide(request, pk: int, decision: str):
    """Approve or reject one request (never the administrator who asked)."""
    if not allowed(request.user, MANAGE, "accounts") or decision not in {"approve", "reject"}:
        raise Http404("administrators only")
    grant = get_object_or_404(RoleGrant, pk=pk)
    try:
        (grants.approve if decision == "approve" else grants.reject)(grant, by=request.user)
    except AccountError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Request {grant.pk} {decision}d.")
    return redirect("grant-list")
