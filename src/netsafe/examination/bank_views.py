"""Pages of the operation bank: what it holds, its exports, and the grading disagreements
the supervisors of the forces involved settle with a second opinion.

Nothing here names another force's case, subject, device, examiner or force: the
bank's pages show content hashes, categories and counts; a disagreement shows the
categories given across the operation and the supervisor's own force's copies.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from netsafe.accounts.roles import Role
from netsafe.audit import record

from . import access, bank
from .models import BankEntry, BankStatus, Grade
from .views import thumbnail_response


def _require_bank(user) -> None:
    if not access.reads_bank(user):
        raise Http404("The operation bank is for graders and supervisors of a force.")


@require_GET
@login_required
def bank_page(request):
    """The operation bank: pictures by category and status, and its exports."""
    _require_bank(request.user)
    by_category = dict(BankEntry.objects.values_list("category").annotate(n=Count("id")).order_by())
    by_status = dict(BankEntry.objects.values_list("status").annotate(n=Count("id")).order_by())
    return render(
        request,
        "examination/bank.html",
        {
            "by_category": [(label, by_category.get(value, 0)) for value, label in Grade.choices],
            "by_status": [(label, by_status.get(value, 0)) for value, label in BankStatus.choices],
            "exportable": BankEntry.objects.exportable().count(),
            "open_disagreements": access.disagreements_for(request.user).open().count(),
            "settles": request.user.has_role(Role.SUPERVISOR),
            "vics_categories": ",".join(f"{k}={v}" for k, v in bank.UK_VICS_CATEGORIES.items()),
        },
    )


def _export(request, fmt: str) -> HttpResponse:
    _require_bank(request.user)
    suffix, mime = bank.FORMATS[fmt]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"bank{suffix}"
        bank.export(fmt, path, request.user, detail=f"operation bank as {fmt} (download)")
        data = path.read_bytes()
    response = HttpResponse(data, content_type=f"{mime}; charset=utf-8")
    name = f"netsafe-bank-{timezone.localdate().isoformat()}{suffix}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store, private"
    return response


@require_GET
@login_required
def export_vics(request):
    """The bank as VICS 2.0 JSON (UK category numbers), logged as an export."""
    return _export(request, "vics")


@require_GET
@login_required
def export_csv(request):
    """The bank as a CSV hash set, logged as an export."""
    return _export(request, "csv")


def _require_supervisor(user) -> None:
    if not access.reads_bank(user) or not user.has_role(Role.SUPERVISOR):
        raise Http404("Disagreements are for supervisors.")


@require_GET
@login_required
def disagreement_list(request):
    """The disagreements the supervisor's force is party to, open ones first."""
    _require_supervisor(request.user)
    rows = (
        access.disagreements_for(request.user)
        .select_related("entry")
        .order_by("-resolved_at", "-opened")
    )
    shown = list(rows.filter(resolved_at__isnull=True)) + list(
        rows.filter(resolved_at__isnull=False)[:50]
    )
    return render(
        request,
        "examination/disagreement_list.html",
        {"rows": [(d, bank.given_categories(d.entry)) for d in shown]},
    )


def _own_copies(disagreement, user):
    """The supervisor's own force's copies of the picture (never another force's)."""
    return (
        access.images_of_force(user)
        .filter(sha1=disagreement.entry.sha1)
        .select_related("job__device", "graded_by")
        .order_by("id")
    )


@require_GET
@login_required
def disagreement_detail(request, pk: int):
    """One disagreement: the picture (the force's own copy), the categories given, the form."""
    d = get_object_or_404(access.disagreements_for(request.user).select_related("entry"), pk=pk)
    record("view", d, detail=f"picture {d.entry.sha1}")
    return render(
        request,
        "examination/disagreement_detail.html",
        {
            "d": d,
            "given": bank.given_categories(d.entry),
            "copies": _own_copies(d, request.user),
            "grades": Grade.choices,
        },
    )


@require_GET
@login_required
def disagreement_image(request, pk: int):
    """A thumbnail of the picture, made from the supervisor's own force's copy."""
    d = get_object_or_404(access.disagreements_for(request.user).select_related("entry"), pk=pk)
    copy = _own_copies(d, request.user).first()
    if copy is None:
        raise Http404("Your force holds no copy of this picture.")
    return thumbnail_response(copy)


@require_POST
@login_required
def disagreement_resolve(request, pk: int):
    """The second opinion: a supervisor of a force involved chooses the category, with a reason."""
    d = get_object_or_404(access.disagreements_for(request.user), pk=pk)
    try:
        bank.resolve(
            d, request.POST.get("category", ""), request.POST.get("reason", ""), request.user
        )
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Second opinion recorded."))
    return redirect(d)
