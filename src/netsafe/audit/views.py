"""The audit log pages: supervisors read their force's entries, administrators all."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from netsafe.accounts.permissions import READ, READ_CONTENT, VERIFY, allowed

from .bulk import BULK_ACTIONS
from .chain import verify
from .forms import AuditFilterForm
from .models import AuditEntry
from .recording import record
from .words import changed_fields, field_name, record_type, value_text

PAGE_SIZE = 50


def _readable_entries(user):
    """The entries ``user`` may read; anyone the gate refuses gets a 404."""
    if not allowed(user, READ, "audit"):
        raise Http404("no audit log for this user")
    return AuditEntry.objects.visible_to(user)


def _force_names() -> dict[str, str]:
    """Force slugs (as entries store them) to the names people use: "Gwent Police"."""
    from netsafe.accounts.models import Force

    return dict(Force.objects.values_list("slug", "name"))


def _withhold(entry: AuditEntry, user, forces: dict[str, str] | None = None) -> AuditEntry:
    """``entry`` for display: its content blanked when ``user`` may read only its figures.

    An administrator sees who, when, what kind and which record (type and id), never
    the record's name, the values changed, search terms, filters or reasons. The
    instance is only displayed: an audit entry can never be saved again.
    """
    entry.withheld = not allowed(user, READ_CONTENT, entry)
    if entry.withheld:
        entry.object_repr = entry.detail = entry.reason = entry.recipient = ""
    # In words: "custody event", and which fields changed (names are figures, not content).
    entry.record_type = record_type(entry.model)
    forces = _force_names() if forces is None else forces
    entry.force_name = forces.get(entry.force, entry.force)
    entry.object_force_name = forces.get(entry.object_force, entry.object_force)
    entry.fields_changed = (
        [] if entry.action in BULK_ACTIONS else changed_fields(entry.model, entry.changes)
    )
    return entry


@login_required
def entry_list(request):
    """The log, newest first, filtered and paginated; the reading itself is logged."""
    entries = _readable_entries(request.user)
    form = AuditFilterForm(request.GET or None, entries=entries)
    filtered = form.filter(entries) if form.is_bound else entries
    page = Paginator(filtered.order_by("-seq"), PAGE_SIZE).get_page(request.GET.get("page"))
    # Read before this reading is itself logged.
    forces = _force_names()
    shown = [_withhold(e, request.user, forces) for e in page.object_list]
    record("view", AuditEntry, detail=request.GET.urlencode())
    return render(request, "audit/list.html", {"filter_form": form, "page": page, "entries": shown})


@login_required
def entry_detail(request, seq: int):
    """One entry with every changed field; the reading itself is logged."""
    entry = _withhold(get_object_or_404(_readable_entries(request.user), seq=seq), request.user)
    record("view", entry)
    label = entry.model
    if entry.withheld and entry.action not in BULK_ACTIONS:
        # Which fields changed is a figure; what they held is content.
        changes = [
            {"field": field_name(label, name), "old": "(withheld)", "new": "(withheld)"}
            for name in sorted(entry.changes)
        ]
    elif entry.action in BULK_ACTIONS:
        # {"ids": [...]} of the records a list, search or export showed: not old and new.
        changes = [
            {"field": field_name(label, name), "old": None, "new": ", ".join(map(str, values))}
            for name, values in sorted(entry.changes.items())
        ]
    else:
        changes = []
        for name, values in sorted(entry.changes.items()):
            old, new = values if isinstance(values, list) and len(values) == 2 else (None, values)
            changes.append(
                {
                    "field": field_name(label, name),
                    "old": None if old is None else value_text(label, name, old),
                    "new": None if new is None else value_text(label, name, new),
                }
            )
    return render(request, "audit/detail.html", {"entry": entry, "changes": changes})


@login_required
@require_http_methods(["GET", "POST"])
def chain_check(request):
    """Administrators walk the whole hash chain (the same check as ``netsafe audit verify``)."""
    if not allowed(request.user, VERIFY, "audit"):
        raise Http404("only administrators check the chain")
    result = None
    if request.method == "POST":
        # Checked before this check is logged, so the result covers the log as it was.
        result = verify()
        outcome = "intact" if result.ok else f"broken: {result.problem}"
        record("verify", AuditEntry, detail=f"{result.checked} entries checked; {outcome}")
    return render(request, "audit/check.html", {"result": result})
