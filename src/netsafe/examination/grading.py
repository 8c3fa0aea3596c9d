"""Grading: the examiner's decision on each image, audited, and the confirmed counts
per category that charging uses."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from netsafe.audit import record

from . import bank, leads
from .models import Grade, ReviewImage, TriageJob


def grade(image: ReviewImage, category: str, user) -> ReviewImage:
    """Set ``image``'s grade to ``category`` (a :class:`Grade` value) and audit the decision."""
    if category not in Grade.values:
        raise ValueError(f"{category!r} is not a grade: choose one of {', '.join(Grade.values)}")
    with transaction.atomic():
        old = image.grade
        image.grade = category
        image.graded_by = user
        image.graded_at = timezone.now()
        image.save(update_fields=["grade", "graded_by", "graded_at", "updated"])
        record(
            "grade",
            image,
            changes={"grade": [old, category]},
            detail=f"{image.job.device.ref}: {image.path} (suggested {image.suggested or 'none'})",
            user=user,
        )
        bank.record_grade(image)
        leads.reprioritise(image.job)
    return image


def confirmed_counts(job: TriageJob) -> dict[str, int]:
    """Images graded in each category (every grade listed, zero included): what charging uses."""
    found = dict(
        job.images.exclude(grade="").values_list("grade").annotate(n=Count("id")).order_by()
    )
    return {value: found.get(value, 0) for value in Grade.values}


def progress(job: TriageJob) -> tuple[int, int]:
    """(graded, total) images of ``job``."""
    total = job.images.count()
    return total - job.images.filter(grade="").count(), total
