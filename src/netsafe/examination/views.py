"""Examination pages: queue a triage from the exhibit, follow it, read its report,
grade the images it found, and the queue of devices awaiting triage.

Every view takes its records through :mod:`.access`, so another force's job,
report or picture is "not found".
"""

from __future__ import annotations

from pathlib import Path

from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Subquery, Value, When
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from netsafe.audit import record
from netsafe.casework import access as casework_access
from netsafe.casework.models import Device
from netsafe.casework.querysets import band_rank

from . import access, bank, evidence, grading, jobs
from .models import GRADE_KEYS, PRIORITY_RANK, Grade, JobStatus, ReviewImage, TriageJob
from .thumbnails import ThumbnailError, thumbnail

#: Images on one page of the review grid (each is a thumbnail read from the evidence).
REVIEW_PAGE = 60
#: Most rows each list of the queue page shows.
QUEUE_LIMIT = 200


@require_POST
@login_required
def queue(request, pk: int):
    """Queue a triage of the chosen evidence item for a device (examiners of its force)."""
    device = get_object_or_404(access.devices_to_examine(request.user), pk=pk)
    try:
        job = jobs.queue(device, request.POST.get("evidence", ""), request.user)
    except (evidence.EvidencePathError, ValueError) as exc:
        messages.error(request, str(exc))
        return redirect(reverse("casework:device-detail", args=[pk]) + "#triage")
    jobs.launch(job)
    messages.success(request, f"Triage of {job.evidence} queued.")
    return redirect(job)


@require_GET
@login_required
@never_cache
def status(request, pk: int):
    """A job's progress as JSON, for the exhibit page to poll."""
    job = get_object_or_404(access.jobs_readable(request.user), pk=pk)
    return JsonResponse(
        {
            "status": job.status,
            "label": job.get_status_display(),
            "percent": job.percent,
            "files_done": job.files_done,
            "files_total": job.files_total,
            "finished": job.finished,
            "error": job.error,
        }
    )


#: The scan's HTML report carries its own style sheet inline; it may use that and nothing else.
_REPORT_CSP = {
    "default-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
    "frame-ancestors": ["'none'"],
    "sandbox": [""],
}


@require_GET
@login_required
@never_cache
@csp_replace(_REPORT_CSP)
def report(request, pk: int):
    """The scan's HTML report, through the access rules (never a public file)."""
    job = get_object_or_404(access.jobs_readable(request.user).done(), pk=pk)
    path = Path(job.out_dir) / "report.html"
    if not path.is_file():
        raise Http404("The report file is missing.")
    record("view", job, detail="HTML triage report")
    # A summary for people (kilobytes), read whole: no file handle outlives the request.
    return HttpResponse(path.read_bytes(), content_type="text/html; charset=utf-8")


@require_GET
@login_required
def review(request, pk: int):
    """The review grid of a triaged device's matched and unknown images."""
    job = get_object_or_404(
        access.jobs_to_review(request.user).done().select_related("device"), pk=pk
    )
    images = job.images.alias(
        matched=Case(
            When(match_kind="", then=Value(1)), default=Value(0), output_field=IntegerField()
        )
    ).order_by("matched", "suggested", "path", "id")
    page = Paginator(images, REVIEW_PAGE).get_page(request.GET.get("page"))
    record("view", job, detail=f"review grid, page {page.number}")
    graded, total = grading.progress(job)
    return render(
        request,
        "examination/review.html",
        {
            "job": job,
            "device": job.device,
            "images": page.object_list,
            "elsewhere": bank.elsewhere(page.object_list),
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "grades": Grade.choices,
            "keys": {v: k.upper() for k, v in GRADE_KEYS.items()},
            "confirmed": grading.confirmed_counts(job),
            "graded": graded,
            "total": total,
        },
    )


@require_GET
@login_required
def image(request, pk: int):
    """A thumbnail made now from the evidence, never cached or stored."""
    img = get_object_or_404(access.images_to_review(request.user).select_related("job"), pk=pk)
    return thumbnail_response(img)


def thumbnail_response(img: ReviewImage) -> HttpResponse:
    """The thumbnail of a review item, made now and sent never to be stored; not found
    when it cannot be read back (also the supervisor's view of a disagreement)."""
    try:
        data = thumbnail(evidence.resolve(img.job.evidence), img.path)
    except (ThumbnailError, evidence.EvidencePathError) as exc:
        raise Http404(str(exc)) from None
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "no-store, private"
    return response


@require_POST
@login_required
def grade(request, pk: int):
    """Record the examiner's grade of one image (JSON for the grid's script, else back to it)."""
    img = get_object_or_404(
        access.images_to_review(request.user).select_related("job__device"), pk=pk
    )
    choice = request.POST.get("grade", "")
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    try:
        grading.grade(img, choice, request.user)
    except ValueError as exc:
        if wants_json:
            return JsonResponse({"error": str(exc)}, status=400)
        messages.error(request, str(exc))
        return redirect(_grid_url(img, request.POST.get("page", "")))
    if wants_json:
        graded, total = grading.progress(img.job)
        return JsonResponse(
            {
                "grade": img.grade,
                "label": img.get_grade_display(),
                "confirmed": grading.confirmed_counts(img.job),
                "graded": graded,
                "total": total,
            }
        )
    return redirect(_grid_url(img, request.POST.get("page", "")))


def _grid_url(img, page: str) -> str:
    """The review grid at ``img`` (on its page, when the form said which)."""
    query = f"?page={int(page)}" if page.isdigit() else ""
    return reverse("examination:review", args=[img.job_id]) + f"{query}#image-{img.pk}"


def _priority_rank(path: str) -> Case:
    return Case(
        *(When(**{path: band}, then=Value(rank)) for band, rank in PRIORITY_RANK.items()),
        default=Value(len(PRIORITY_RANK)),
        output_field=IntegerField(),
    )


@require_GET
@login_required
def queue_list(request):
    """The examiners' queue, most urgent first.

    Devices awaiting triage by the subject's risk band, then by the triage
    priority of a scan already tried (failed or running), then by seizure;
    and triaged devices with images still to grade by risk band, then triage
    priority (band, then score).
    """
    if not casework_access.reads_casework(request.user):
        raise Http404("No casework here.")
    latest = TriageJob.objects.filter(device=OuterRef("pk")).order_by("-queued_at", "-id")
    awaiting = (
        Device.objects.visible_to(request.user)
        .awaiting_triage()
        .select_related("subject__referral", "force")
        .annotate(
            job_status=Subquery(latest.values("status")[:1]),
            job_band=Subquery(latest.values("priority_band")[:1]),
            job_score=Subquery(latest.values("priority_score")[:1]),
        )
        .alias(rank=band_rank("subject__referral__risk"), prank=_priority_rank("job_band"))
        .order_by("rank", "prank", F("job_score").desc(nulls_last=True), "seized", "id")
    )
    to_grade = (
        access.jobs_readable(request.user)
        .done()
        .filter(Exists(ReviewImage.objects.filter(job=OuterRef("pk"), grade="")))
        .select_related("device__subject__referral", "force")
        .alias(
            rank=band_rank("device__subject__referral__risk"),
            prank=_priority_rank("priority_band"),
        )
        .order_by("rank", "prank", F("priority_score").desc(nulls_last=True), "finished_at")
    )
    return render(
        request,
        "examination/queue.html",
        {
            "awaiting": awaiting[:QUEUE_LIMIT],
            "awaiting_count": awaiting.count(),
            "to_grade": to_grade[:QUEUE_LIMIT],
            "to_grade_count": to_grade.count(),
            "limit": QUEUE_LIMIT,
            "show_force": casework_access.reads_all_forces(request.user),
            "statuses": dict(JobStatus.choices),
        },
    )
