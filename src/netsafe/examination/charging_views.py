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


def _device_document(request, pk: int):
    device = get_object_or_404(
        access.charging_devices(request.user).select_related("subject__referral", "force"), pk=pk
    )
    record("view", device, detail="charging document")
    return device, charging.for_device(device)


def _subject_document(request, pk: int):
    subject = get_object_or_404(
        access.charging_subjects(request.user).select_related("referral", "force"), pk=pk
    )
    record("view", subject, detail="charging document")
    return subject, charging.for_subject(subject)


def _page(document, pdf_url: str, back_url: str) -> HttpResponse:
    html = charging.render_html(document, pdf_url=pdf_url, back_url=back_url)
    response = HttpResponse(html)
    response["Cache-Control"] = "no-store, private"
    return response


def _pdf(document, name: str) -> HttpResponse:
    response = HttpResponse(charging.render_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store, private"
    return response


@require_GET
@login_required
def device_charging(request, pk: int):
    """The charging document of one exhibit."""
    device, document = _device_document(request, pk)
    pdf = reverse("examination:charging-device-pdf", args=[pk])
    return _page(document, pdf, device.get_absolute_url())


@require_GET
@login_required
def device_charging_pdf(request, pk: int):
    """The charging document of one exhibit, as tagged PDF."""
    device, document = _device_document(request, pk)
    return _pdf(document, f"charging-{device.ref}.pdf")


@require_GET
@login_required
def subject_charging(request, pk: int):
    """The charging document of every exhibit of a subject."""
    subject, document = _subject_document(request, pk)
    pdf = reverse("examination:charging-subject-pdf", args=[pk])
    return _page(document, pdf, subject.get_absolute_url())


@require_GET
@login_required
def subject_charging_pdf(request, pk: int):
    """The charging document of every exhibit of a subject, as tagged PDF."""
    subject, document = _subject_document(request, pk)
    return _pdf(document, f"charging-{subject.ref}.pdf")


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
