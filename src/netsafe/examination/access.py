"""Who may do what in examination, in one place.

- Reading a device's triage status and report follows casework: the device's
  force (and the operation lead, read-only).
- Queuing a scan, seeing the images and grading them is for examiners of the
  device's force only.
- The operation bank (hashes and categories) is for the graders and supervisors
  of every force; a disagreement is settled by a supervisor of a force party to it.
- The charging document follows casework reading, like the report.
"""

from __future__ import annotations

from netsafe.accounts.permissions import EXAMINE, READ, allowed
from netsafe.casework.models import Device, Subject

from .models import Disagreement, ReviewImage, TriageJob


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


def reads_bank(user) -> bool:
    """A grader or supervisor of a force: may see and export the operation bank."""
    return allowed(user, READ, "bank")


def disagreements_for(user):
    """The grading disagreements ``user`` settles: a supervisor of a force party to them."""
    return Disagreement.objects.for_supervisor(user)


def charging_devices(user):
    """The devices whose charging document ``user`` may read (casework readers of the force)."""
    if not allowed(user, READ, "examination"):
        return Device.objects.none()
    return Device.objects.visible_to(user)


def charging_subjects(user):
    """The subjects whose charging document ``user`` may read."""
    if not allowed(user, READ, "examination"):
        return Subject.objects.none()
    return Subject.objects.visible_to(user)


def images_of_force(user):
    """The pictures of ``user``'s own force (a supervisor's view for a second opinion)."""
    return ReviewImage.objects.editable_by(user)
