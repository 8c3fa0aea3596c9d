"""Deconfliction: tell two forces when they hold the same person, and nothing more.

When a referral or a subject shares an identifier (e-mail, phone, online
account, IP address, address, or name plus date of birth, all compared in
normal form) with a subject held by another force, the supervisors of both
forces get an :class:`~netsafe.casework.models.Alert`. Each alert names the
other force, the other force's reference and its contact desk only: the
details of the other force's subject never leave that force.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q

from .choices import IdentifierKind
from .models import Address, Alert, Identifier, Referral, Subject

ADDRESS = "address"
NAME_AND_BIRTH = "name and date of birth"


def _keys(record: Referral | Subject) -> Iterator[tuple[str, str, str]]:
    """(what, model of the other side's key, normal form) for each key of ``record``.

    A subject's keys include those held on its referral (the online account a
    CEOP package names is on the referral, not copied to the subject).
    """
    idents = Identifier.objects.filter(
        Q(subject=record) | Q(referral_id=record.referral_id)
        if isinstance(record, Subject)
        else Q(referral=record)
    )
    for kind, normalised in idents.values_list("kind", "normalised").distinct():
        yield IdentifierKind(kind).label, kind, normalised
    if isinstance(record, Subject):
        for normalised in record.addresses.exclude(normalised="").values_list(
            "normalised", flat=True
        ):
            yield ADDRESS, ADDRESS, normalised
        if record.name_key:
            yield NAME_AND_BIRTH, NAME_AND_BIRTH, record.name_key


def _matching_subjects(record: Referral | Subject, kind: str, normalised: str):
    """Subjects of other forces with the same key."""
    others = Subject.objects.exclude(force_id=record.force_id)
    if kind == ADDRESS:
        ids = Address.objects.filter(normalised=normalised).values("subject_id")
        return others.filter(pk__in=ids)
    if kind == NAME_AND_BIRTH:
        return others.filter(name_key=normalised)
    same = Identifier.objects.filter(kind=kind, normalised=normalised)
    # Held on the subject, or on the referral the subject came from.
    return others.filter(
        Q(pk__in=same.filter(subject__isnull=False).values("subject_id"))
        | Q(referral_id__in=same.filter(referral__isnull=False).values("referral_id"))
    )


def _alert(mine: Referral | Subject, theirs: Referral | Subject, matched_on: str) -> bool:
    """Tell ``mine``'s force that ``theirs`` (another force's) matches; True when new."""
    own = mine._meta.model_name
    key = f"{own}:{mine.pk}|{theirs._meta.model_name}:{theirs.pk}|{matched_on}"
    _, created = Alert.objects.get_or_create(
        key=key,
        defaults={
            "force_id": mine.force_id,
            own: mine,
            "matched_on": matched_on,
            "other_force_id": theirs.force_id,
            # With the force's code: "NS-SUB-00002" alone named a record in each force.
            "other_ref": theirs.operation_ref,
            "other_contact": theirs.force.contact or theirs.force.name,
        },
    )
    return created


def _matching_referrals(subject: Subject, kind: str, normalised: str):
    """Referrals of other forces, not yet linked to a subject, holding the same identifier."""
    if kind in (ADDRESS, NAME_AND_BIRTH):
        return Referral.objects.none()
    ids = Identifier.objects.filter(kind=kind, normalised=normalised, referral__isnull=False)
    # A referral with a subject is matched through its subject (no second alert).
    return Referral.objects.exclude(force_id=subject.force_id).filter(
        pk__in=ids.values("referral_id"), subjects__isnull=True
    )


def check(record: Referral | Subject) -> int:
    """Compare ``record`` with other forces' subjects; return how many new alerts were raised.

    Both sides are told: our supervisors about the other force's subject, the
    other force's supervisors about our record.
    """
    if record.pk is None:
        return 0
    raised = 0
    for label, kind, normalised in _keys(record):
        others = list(_matching_subjects(record, kind, normalised).select_related("force"))
        if isinstance(record, Subject):
            # A referral held before the subject it names is known matches too.
            others += _matching_referrals(record, kind, normalised).select_related("force")
        for other in others:
            raised += _alert(record, other, label)
            raised += _alert(other, record, label)
    return raised
