"""The charging document of a device or a subject (HTML and PDF), and a device's camera
leads for its examiner."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from netsafe.audit import record

from . import access, charging, leads

#: What a charging document is of: its records for the user, related rows, and the builder.
_OF = {
    "device": (access.charging_devices, ("subject__referral", "force"), charging.for_device),
    "subject": (access.charging_subjects, ("referral", "force"), charging.for_subject),
}


def _document(request, of: str, pk: int, *, pdf: bool) -> HttpResponse:
    """The charging document of the device or subject ``pk`` (not found for another force),
    as a page or as tagged PDF, its reading audited."""
    records, related, build = _OF[of]
    obj = get_object_or_404(records(request.user).select_related(*related), pk=pk)
    record("view", obj, detail="charging document")
    document = build(obj)
    if pdf:
        response = HttpResponse(charging.render_pdf(document), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="charging-{obj.ref}.pdf"'
    else:
        pdf_url = reverse(f"examination:charging-{of}-pdf", args=[pk])
        response = HttpResponse(
            charging.render_html(document, pdf_url=pdf_url, back_url=obj.get_absolute_url())
        )
    response["Cache-Control"] = "no-store, private"
    return response


@require_GET
@login_required
def device_charging(request, pk: int):
    """The charging document of one exhibit."""
    return _document(request, "device", pk, pdf=False)


@require_GET
@login_required
def device_charging_pdf(request, pk: int):
    """The charging document of one exhibit, as tagged PDF."""
    return _document(request, "device", pk, pdf=True)


@require_GET
@login_required
def subject_charging(request, pk: int):
    """The charging document of every exhibit of a subject."""
    return _document(request, "subject", pk, pdf=False)


@require_GET
@login_required
def subject_charging_pdf(request, pk: int):
    """The charging document of every exhibit of a subject, as tagged PDF."""
    return _document(request, "subject", pk, pdf=True)


@require_GET
@login_required
def job_leads(request, pk: int):
    """The cameras of a triaged device, and its possibly first-generation pictures."""
    job = get_object_or_404(
        access.jobs_to_review(request.user).done().select_related("device"), pk=pk
    )
    cameras = leads.cameras(job)
    record("view", job, detail="camera leads")
    return render(
        request,
        "examination/leads.html",
        {
            "job": job,
            "device": job.device,
            "cameras": cameras,
            "flagged": sum(len(c.flagged) for c in cameras),
        },
    )
