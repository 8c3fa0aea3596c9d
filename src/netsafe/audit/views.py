"""The audit log pages: supervisors read their force's entries, administrators all."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from netsafe.accounts.roles import Role

from .bulk import BULK_ACTIONS
from .chain import verify
from .forms import AuditFilterForm
from .models import AuditEntry
from .recording import record

PAGE_SIZE = 50


def _readable_entries(user):
    """The entries ``user`` may read; anyone but supervisors and administrators gets a 404."""
    if not (user.is_superuser or user.has_role(Role.SUPERVISOR, Role.ADMINISTRATOR)):
        raise Http404("no audit log for this user")
    return AuditEntry.objects.visible_to(user)


@login_required
def entry_list(request):
    """The log, newest first, filtered and paginated; the reading itself is logged."""
    entries = _readable_entries(request.user)
    form = AuditFilterForm(request.GET or None, entries=entries)
    filtered = form.filter(entries) if form.is_bound else entries
    page = Paginator(filtered.order_by("-seq"), PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)  # read before this reading is itself logged
    record("view", AuditEntry, detail=request.GET.urlencode())
    return render(request, "audit/list.html", {"filter_form": form, "page": page, "entries": shown})


@login_required
def entry_detail(request, seq: int):
    """One entry with every changed field; the reading itself is logged."""
    entry = get_object_or_404(_readable_entries(request.user), seq=seq)
    record("view", entry)
    if entry.action in BULK_ACTIONS:
        # {"ids": [...]} of the records a list, search or export showed: not old and new.
        changes = [
            {"field": name, "old": None, "new": ", ".join(map(str, values))}
            for name, values in sorted(entry.changes.items())
        ]
    else:
        changes = [
            {"field": name, "old": values[0], "new": values[1]}
            if isinstance(values, list) and len(values) == 2
            else {"field": name, "old": None, "new": values}
            for name, values in sorted(entry.changes.items())
        ]
    return render(request, "audit/detail.html", {"entry": entry, "changes": changes})


@login_required
@require_http_methods(["GET", "POST"])
def chain_check(request):
    """Administrators walk the whole hash chain (the same check as ``netsafe audit verify``)."""
    user = request.user
    if not (user.is_superuser or user.has_role(Role.ADMINISTRATOR)):
        raise Http404("only administrators check the chain")
    result = None
    if request.method == "POST":
        # Checked before this check is logged, so the result covers the log as it was.
        result = verify()
        outcome = "intact" if result.ok else f"broken: {result.problem}"
        record("verify", AuditEntry, detail=f"{result.checked} entries checked; {outcome}")
    return render(request, "audit/check.html", {"result": result})
