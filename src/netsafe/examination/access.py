"""Who may do what in examination, in one place.

- Reading a device's triage status and report follows casework: the device's
  force (and the operation lead, read-only).
- Queuing a scan, seeing the images and grading them is for examiners of the
  device's force only.
"""

from __future__ import annotations

from netsafe.accounts.permissions import EXAMINE, allowed
from netsafe.casework.models import Device

from .models import ReviewImage, TriageJob


def is_examiner(user) -> bool:
    """An examiner of a force (who may queue, view images and grade for that force)."""
    return allowed(user, EXAMINE, "examination")


def devices_to_examine(user):
    """The devices ``user`` may queue for triage."""
    if not is_examiner(user):
        return Device.objects.none()
    return Device.objects.editable_by(user)


def jobs_readable(user):
    """The triage jobs whose status and report ``user`` may read."""
    return TriageJob.objects.visible_to(user)


def jobs_to_review(user):
    """The triage jobs whose images ``user`` may see and grade."""
    if not is_examiner(user):
        return TriageJob.objects.none()
    return TriageJob.objects.editable_by(user)


def images_to_review(user):
    """The found images ``user`` may see and grade."""
    if not is_examiner(user):
        return ReviewImage.objects.none()
    return ReviewImage.objects.editable_by(user)
