"""Figures by device for the statistics dashboard: triaged, awaiting, with matches,
and images by category (matched by the hash sets, and confirmed by examiners)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from netsafe.accounts.models import Force
from netsafe.casework.choices import ForensicStatus
from netsafe.casework.models import Device

from .models import Grade, ReviewImage, TriageJob


def device_figures(force=None, as_at: date | None = None) -> dict:
    """Counts for one force (a :class:`~netsafe.accounts.models.Force`) or the operation (None),
    of devices seized and triages finished by the end of ``as_at`` (everything when None).

    ``devices``: seized; ``awaiting``: awaiting triage; ``triaged``: with a
    finished triage; ``with_matches``: whose latest finished triage matched
    anything; ``matched_by_category``: matched files per category label over
    those latest triages; ``confirmed_by_category``: images examiners graded
    per grade.
    """
    devices = Device.objects.of_force(force).seized(as_at)
    jobs = TriageJob.objects.of_force(force).done().order_by("device_id", "-finished_at", "-id")
    images = ReviewImage.objects.of_force(force)
    if as_at is not None:
        end = _end_of(as_at)
        jobs = jobs.filter(finished_at__lt=end)
        images = images.filter(graded_at__lt=end)
    latest: dict[int, dict] = {}
    # Only the categories of each report are read, in the database: a report is a few
    # kilobytes, and the operation has thousands.
    for device_id, categories in jobs.values_list("device_id", "report__summary__categories"):
        latest.setdefault(device_id, categories or {})
    matched: dict[str, int] = {}
    with_matches = 0
    for categories in latest.values():
        if categories:
            with_matches += 1
        for label, counts in categories.items():
            matched[label] = matched.get(label, 0) + counts["files"]
    graded = dict(images.exclude(grade="").values_list("grade").annotate(n=Count("id")).order_by())
    counts = devices.aggregate(
        devices=Count("id"),
        awaiting=Count("id", filter=Q(forensic_status=ForensicStatus.AWAITING_TRIAGE)),
    )
    return {
        "devices": counts["devices"],
        "awaiting": counts["awaiting"],
        "triaged": len(latest),
        "with_matches": with_matches,
        "matched_by_category": dict(sorted(matched.items())),
        "confirmed_by_category": {g: graded.get(g, 0) for g in Grade.values},
    }


def device_figures_by_force(as_at: date | None = None) -> dict[str, dict]:
    """:func:`device_figures` of each force, by force slug (for a per-force table or chart)."""
    return {f.slug: device_figures(f, as_at) for f in Force.objects.order_by("name")}


def _end_of(day: date) -> datetime:
    """The first moment after ``day`` in the operation's time zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
