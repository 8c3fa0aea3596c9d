"""Examination pages: queue a triage from the exhibit, follow it, read its report,
grade the images it found, and the queue of devices awaiting triage.

Every view takes its records through :mod:`.access`, so another force's job,
report or picture is "not found".
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from netsafe.audit import record
from netsafe.casework import access as casework_access
from netsafe.casework.models import Device
from netsafe.casework.querysets import band_rank

from . import access, bank, evidence, grading, jobs, stacks, videos
from .models import (
    GRADE_KEYS,
    PRIORITY_RANK,
    Grade,
    GradeAction,
    JobStatus,
    ReviewImage,
    ReviewImageQuerySet,
    TriageJob,
)
from .thumbnails import (
    GRID_SIZE,
    LARGE_SIZE,
    SIZE,
    ThumbnailError,
    contact_sheet,
    frames_of,
    thumbnail,
)

#: Tiles on one page of the gallery: 12 rows of 8 (or 10 rows of 10), at least 40 of
#: them on a 1280x800 screen.
REVIEW_PAGE = 96
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


#: The scan's HTML report carries its own style sheet inline; it may use that, its own
#: thumbnails and nothing else. Sandboxed without scripts; same origin kept so that the
#: thumbnails and the pages it links to are asked for with the examiner's session.
_REPORT_CSP = {
    "default-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["'self'"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
    "frame-ancestors": ["'none'"],
    "sandbox": ["allow-same-origin"],
}

#: The files of a report folder the pages may show: the report, its pages and thumbnails
#: (names as :mod:`netsafe.triage.report_html` writes them; nothing else is served).
_REPORT_FILES = re.compile(
    r"(?P<html>report\.html|report-files/e\d+-c\d+-p\d+\.html)"
    r"|(?P<jpeg>report-files/thumbnails/[0-9a-f]{40}\.jpg)"
)


@require_GET
@login_required
@never_cache
@csp_replace(_REPORT_CSP)
def report(request, pk: int, name: str = "report.html"):
    """The scan's HTML report, its pages of matched files and their thumbnails, through
    the access rules (never public files). The thumbnails are for examiners only: to
    anyone else they are not found, and the report shows their alternative text."""
    wanted = _REPORT_FILES.fullmatch(name)
    if wanted is None:
        raise Http404("No such part of the report.")
    # Pictures only for those who review them; the force's officers read the words.
    readable = access.jobs_readable if wanted["html"] else access.jobs_to_review
    job = get_object_or_404(readable(request.user).done(), pk=pk)
    path = Path(job.out_dir) / name
    if not path.is_file():
        raise Http404("The report file is missing.")
    if wanted["html"]:
        record("view", job, detail=f"HTML triage report: {name}"[:200])
    # Pages of at most a few hundred rows and small thumbnails, read whole: no file
    # handle outlives the request.
    kind = "text/html; charset=utf-8" if wanted["html"] else "image/jpeg"
    return HttpResponse(path.read_bytes(), content_type=kind)


#: Filters of the gallery: suggested category (a grade, or "unknown"), stacks only,
#: deleted or carved only.
UNKNOWN = "unknown"


#: The gallery's filters by name (what a larger view and a grade carry back to it).
FILTERS = ("suggested", "stacks", "deleted", "review")


def filter_query(params) -> str:
    """The gallery's filters in ``params`` (a query string or dict) as a query string, and
    nothing else (never a value given for something else)."""
    given = QueryDict(params) if isinstance(params, str) else params
    return urlencode([(k, given[k]) for k in FILTERS if given.get(k)])


def _filters(request, job) -> tuple[dict, ReviewImageQuerySet]:
    """The gallery's filters as given, and the tiles they leave, in gallery order."""
    chosen = {
        "suggested": request.GET.get("suggested", ""),
        "stacks": request.GET.get("stacks") == "1",
        "deleted": request.GET.get("deleted") == "1",
        "review": request.GET.get("review") == "1",
    }
    tiles = job.images.tiles()
    if chosen["suggested"] == UNKNOWN:
        tiles = tiles.filter(suggested="")
    elif chosen["suggested"]:
        tiles = tiles.filter(suggested=chosen["suggested"])
    if chosen["stacks"]:
        tiles = tiles.filter(count__gt=1)
    if chosen["deleted"]:
        tiles = tiles.filter(
            Exists(
                ReviewImage.objects.filter(tile_id=OuterRef("pk")).filter(
                    Q(deleted=True) | Q(carved=True)
                )
            )
        )
    if chosen["review"]:
        tiles = tiles.filter(
            Exists(ReviewImage.objects.filter(tile_id=OuterRef("pk")).exclude(second_opinion=""))
        )
    return chosen, tiles


@require_GET
@login_required
def review(request, pk: int):
    """The gallery of a triaged device's pictures: one tile per stack, dense, paged; it
    opens at the first tile still to grade."""
    job = get_object_or_404(
        access.jobs_to_review(request.user).done().select_related("device"), pk=pk
    )
    chosen, tiles = _filters(request, job)
    number = request.GET.get("page")
    first = tiles.filter(grade="").only("position").first()
    if not number:
        ahead = tiles.filter(position__lt=first.position).count() if first else 0
        number = ahead // REVIEW_PAGE + 1
    page = Paginator(tiles, REVIEW_PAGE).get_page(number)
    shown = list(page.object_list)
    _annotate_tiles(shown)
    record("view", job, detail=f"review gallery, page {page.number}")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "examination/review.html",
        {
            "job": job,
            "device": job.device,
            "tiles": shown,
            "elsewhere": bank.elsewhere(shown),
            "first_ungraded": first.pk if first else None,
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "query": query.urlencode(),
            "filters_query": filter_query(request.GET),
            "grades": Grade.choices,
            "keys": {v: k.upper() for k, v in GRADE_KEYS.items()},
            "tally": grading.tally(job),
            "filters": chosen,
            "suggestions": _suggestions(job),
            "blur": request.session.get(BLUR_SESSION_KEY, True),
        },
    )


def _suggestions(job) -> list[str]:
    return list(
        job.images.exclude(suggested="")
        .order_by("suggested")
        .values_list("suggested", flat=True)
        .distinct()
    )


#: The most pictures a near-identical stack's tile shows (stacks.NEAR_MOST).
MOSAIC = 4


def _annotate_tiles(tiles: list[ReviewImage]) -> None:
    """Give each tile what it stands for: its pictures (one per content, all shown), and
    whether any is deleted or carved, in two queries for the page."""
    ids = [t.pk for t in tiles]
    pictures: dict[int, list[int]] = {}
    for tile_id, leader in (
        ReviewImage.objects.filter(tile_id__in=ids, stack_id=F("id"))
        .order_by("position")
        .values_list("tile_id", "id")
    ):
        pictures.setdefault(tile_id, []).append(leader)
    flagged = set(
        ReviewImage.objects.filter(tile_id__in=ids)
        .filter(Q(deleted=True) | Q(carved=True))
        .values_list("tile_id", flat=True)
    )
    opinions = second_opinions(ids)
    for tile in tiles:
        tile.pictures = pictures.get(tile.pk, [tile.pk])[:MOSAIC]
        tile.flagged = tile.pk in flagged
        tile.review = opinions.get(tile.pk, "")


def second_opinions(tile_ids: list[int]) -> dict[int, str]:
    """For each tile an item of which a supervisor's second opinion flagged for review
    (graded otherwise): that second opinion."""
    return dict(
        ReviewImage.objects.filter(tile_id__in=tile_ids)
        .exclude(second_opinion="")
        .order_by("tile_id", "position")
        .values_list("tile_id", "second_opinion")
    )


#: The session key of the examiner's "blur until focused" setting (on unless turned off).
BLUR_SESSION_KEY = "netsafe_review_blur"


@require_POST
@login_required
def review_settings(request):
    """Keep the examiner's gallery setting (blur pictures until focused) in the session."""
    if not access.is_examiner(request.user):
        raise Http404("No review here.")
    request.session[BLUR_SESSION_KEY] = request.POST.get("blur") == "1"
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"blur": request.session[BLUR_SESSION_KEY]})
    back = request.POST.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("examination:queue")
    return redirect(back)


def _sizes() -> dict[str, int]:
    return {"grid": GRID_SIZE, "large": LARGE_SIZE, "": SIZE}


@require_GET
@login_required
def image(request, pk: int):
    """A thumbnail (a contact sheet for a video) made now from the item's exact place in
    the evidence and checked against its content; never cached or stored. A place that
    holds other content is refused (409), never shown as the item."""
    img = get_object_or_404(access.images_to_review(request.user).select_related("job"), pk=pk)
    return thumbnail_response(img, _sizes().get(request.GET.get("size", ""), SIZE))


def thumbnail_response(img: ReviewImage, size: int = SIZE) -> HttpResponse:
    """The thumbnail of a review item (a contact sheet for a video), made now and sent
    never to be stored, checked against its content (409 when the place holds other
    content); not found when it cannot be read back. Also the supervisor's view of a
    disagreement."""
    try:
        where = evidence.resolve(img.job.evidence)
        if img.is_video:
            data = contact_sheet(frames_of(where, img.locator, img.sha1), size)
        else:
            data = thumbnail(where, img.locator, img.sha1, size)
    except evidence.ContentMismatch as exc:
        record("thumbnail-refused", img, detail=str(exc)[:200])
        return HttpResponse(str(exc), status=409, content_type="text/plain; charset=utf-8")
    except (ThumbnailError, evidence.EvidencePathError) as exc:
        raise Http404(str(exc)) from None
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "no-store, private"
    return response


@require_GET
@login_required
def item(request, pk: int):
    """The larger view of a tile: every picture it stands for, with its place in the
    evidence; for a video its frames, each matched against the image hash sets."""
    img = get_object_or_404(
        access.images_to_review(request.user).select_related("job__device"), pk=pk
    )
    tile = img if img.is_tile else ReviewImage.objects.get(pk=img.tile_id)
    members = list(stacks.members(tile).order_by("position"))
    frames = []
    frame_error = ""
    if tile.is_video:
        try:
            found = frames_of(evidence.resolve(tile.job.evidence), tile.locator, tile.sha1)
            frames = videos.matched_frames(found, jobs.hashsets())
            videos.keep_suggestion(tile, frames)
        except evidence.ContentMismatch as exc:
            return HttpResponse(str(exc), status=409, content_type="text/plain; charset=utf-8")
        except (ThumbnailError, evidence.EvidencePathError) as exc:
            frame_error = str(exc)
    record("view", tile, detail=f"larger view of {tile.path}"[:200])
    # Back to the gallery as the examiner left it: its filters, the page of this tile.
    _chosen, tiles = _filters(request, tile.job)
    position = tiles.filter(position__lt=tile.position).count()
    filters = filter_query(request.GET)
    return render(
        request,
        "examination/item.html",
        {
            "tile": tile,
            "job": tile.job,
            "device": tile.job.device,
            "members": members,
            "elsewhere": bank.elsewhere([tile]),
            "review": next((m.second_opinion for m in members if m.second_opinion), ""),
            "pictures": [m for m in members if m.stack_id == m.pk],
            "frames": frames,
            "frame_error": frame_error,
            "grades": Grade.choices,
            "keys": {v: k.upper() for k, v in GRADE_KEYS.items()},
            "filters_query": filters,
            "back": _grid_url(tile, str(position // REVIEW_PAGE + 1), filters),
        },
    )


def _wants_json(request) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def _result(job, tiles: list[ReviewImage], action=None) -> dict:
    """What the gallery's script shows after a step: the tiles changed and the tally."""
    fresh = ReviewImage.objects.in_bulk([t.pk for t in tiles])
    opinions = second_opinions(list(fresh))
    tally = grading.tally(job)
    tile = fresh.get(action.tile_id) if action else None
    return {
        "tiles": {
            str(pk): {
                "grade": t.grade,
                "label": t.get_grade_display() if t.grade else "",
                "second_opinion": opinions.get(pk, ""),
            }
            for pk, t in fresh.items()
        },
        "tally": tally,
        "action": action.kind if action else None,
        "tile": action.tile_id if action else None,
        # The single picture's answer, as the grid of old read it.
        "grade": tile.grade if tile else "",
        "label": tile.get_grade_display() if tile and tile.grade else "",
        "confirmed": tally["confirmed"],
        "graded": tally["graded"],
        "total": tally["total"],
    }


@require_POST
@login_required
def grade(request, pk: int):
    """Grade the tile of one item: every picture it stands for (JSON for the gallery's
    script, else back to the gallery at the tile)."""
    choice = request.POST.get("grade", "")
    return _step(request, pk, lambda img: grading.grade(img, choice, request.user))


@require_POST
@login_required
def split(request, pk: int):
    """Split a stack of near-identical pictures into single pictures."""
    return _step(request, pk, lambda img: grading.split(img, request.user))


def _step(request, pk: int, take):
    """Take one step on an item's tile (``take(img)`` gives its action); answer in JSON for
    the gallery's script, else back to the gallery at the tile with any error."""
    img = get_object_or_404(
        access.images_to_review(request.user).select_related("job__device"), pk=pk
    )
    page = request.POST.get("page", "")
    filters = filter_query(request.POST.get("filters", ""))
    try:
        action = take(img)
    except ValueError as exc:
        if _wants_json(request):
            return JsonResponse({"error": str(exc)}, status=400)
        messages.error(request, str(exc))
        return redirect(_grid_url(img, page, filters))
    if _wants_json(request):
        return JsonResponse(_result(img.job, [action.tile], action))
    return redirect(_grid_url(action.tile, page, filters))


@require_POST
@login_required
def undo(request, pk: int):
    """Undo the examiner's last grade or split on this device."""
    job = get_object_or_404(access.jobs_to_review(request.user).done(), pk=pk)
    try:
        action = grading.undo(job, request.user)
    except grading.Conflict as exc:
        if _wants_json(request):
            return JsonResponse({"error": str(exc)}, status=409)
        messages.error(request, str(exc))
        return redirect(reverse("examination:review", args=[job.pk]))
    if action is None:
        message = gettext("Nothing to undo.")
        if _wants_json(request):
            return JsonResponse({"error": message, "tally": grading.tally(job)}, status=409)
        messages.info(request, message)
        return redirect(reverse("examination:review", args=[job.pk]))
    tiles = [action.tile]
    if action.kind == GradeAction.Kind.SPLIT:
        tiles += list(ReviewImage.objects.filter(pk__in=action.changes["leaders"]))
    if _wants_json(request):
        return JsonResponse(_result(job, tiles, action))
    return redirect(_grid_url(action.tile, ""))


def _grid_url(img, page: str, filters: str = "") -> str:
    """The gallery at ``img``'s tile (with its filters, on its page when the form said
    which)."""
    parts = [filters] if filters else []
    if page.isdigit():
        parts.append(f"page={int(page)}")
    query = f"?{'&'.join(parts)}" if parts else ""
    return reverse("examination:review", args=[img.job_id]) + f"{query}#tile-{img.pk}"


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
        # Pictures to grade, or graded otherwise than a later second opinion.
        .filter(
            Exists(
                ReviewImage.objects.filter(job=OuterRef("pk")).filter(
                    Q(grade="") | ~Q(second_opinion="")
                )
            )
        )
        .select_related("device__subject__referral", "force")
        .annotate(
            to_review=Subquery(
                ReviewImage.objects.filter(job=OuterRef("pk"))
                .exclude(second_opinion="")
                .order_by()
                .values("job")
                .annotate(n=Count("id"))
                .values("n")[:1]
            )
        )
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
