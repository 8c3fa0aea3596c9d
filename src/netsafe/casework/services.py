"""The casework's state changes, as explicit functions the pages, the API and returns call.

Saving a record can move its case on: a risk assessment sets its referral's
band and due date, an executed warrant, an arrest or an interview marks the
referral acted on, and a new identifier, address or subject is compared with
the other forces' subjects (deconfliction). These used to hide in ``save()``
overrides and signals, which ran on every save from anywhere (the returns
importer triggered each of them per row, a test factory or a shell session
alike). Here they are named and called where a record is saved on purpose:
:func:`save` is what every writer of casework calls.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from . import deconfliction
from .models import (
    Address,
    Arrest,
    Identifier,
    Referral,
    RiskAssessment,
    Subject,
    VoluntaryInterview,
    Warrant,
)


def save(obj, **kwargs):
    """Save a casework record and let its case follow (:func:`follow`); returns ``obj``."""
    with transaction.atomic():
        obj.save(**kwargs)
        follow(obj)
    return obj


def follow(obj) -> None:
    """What saving ``obj`` changes elsewhere in its case."""
    if isinstance(obj, RiskAssessment):
        assessed(obj)
    elif isinstance(obj, Warrant):
        if obj.executed:
            mark_actioned(obj.subject.referral, obj.executed)
    elif isinstance(obj, Arrest | VoluntaryInterview):
        mark_actioned(obj.subject.referral, obj.date)
    if isinstance(obj, Identifier | Address | Subject):
        deconflict(obj)


def assessed(assessment: RiskAssessment) -> None:
    """The referral carries the band and due date of its latest assessment."""
    referral = assessment.referral
    latest = referral.assessments.order_by("-assessed_on", "-id").first()
    if latest is None or latest.pk != assessment.pk:
        return
    if (referral.risk, referral.action_due) != (assessment.band, assessment.action_due):
        referral.risk, referral.action_due = assessment.band, assessment.action_due
        referral.save(update_fields=["risk", "action_due", "updated"])


def mark_actioned(referral: Referral, on: date | None) -> None:
    """Record that the referral was acted on (warrant executed, arrest or interview), once."""
    if referral.actioned is None and on is not None:
        referral.actioned = on
        referral.save(update_fields=["actioned", "updated"])


def deconflict(obj: Identifier | Address | Subject) -> int:
    """Compare the person ``obj`` is about with other forces'; how many alerts were raised."""
    if isinstance(obj, Subject):
        return deconfliction.check(obj) if obj.name_key else 0
    if isinstance(obj, Address):
        return deconfliction.check(obj.subject)
    raised = deconfliction.check(obj.owner)
    if obj.subject_id is None and obj.referral_id is not None:
        # A key on a referral is a key of its subjects too.
        for subject in obj.referral.subjects.all():
            raised += deconfliction.check(subject)
    return raised
