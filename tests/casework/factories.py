"""Casework test data: a small case for a force, built through the models.

``case("south-wales")`` gives a referral, a subject with an e-mail address and
an address, an assessment, an executed warrant, an arrest, a device with a
hand-over, a safeguarding record with one child, signposting and an outcome.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone
from tests.factories import force as get_force

from netsafe.casework import models as m
from netsafe.casework import services
from netsafe.casework.choices import (
    DeviceKind,
    Disposal,
    IdentifierKind,
    Offence,
    OutcomeKind,
    ReferredTo,
    Relationship,
    SignpostedTo,
    Source,
)


def create(model, *args, **fields):
    """A record saved as the pages save one: its case follows (casework.services)."""
    return services.save(model(*args, **fields))


#: Exhibit references are unique in the operation: each case's device has its own.
_EXHIBITS = itertools.count(1)


def referral(force_slug: str, **fields) -> m.Referral:
    """An open referral of ``force_slug`` received today from NCA-CEOP."""
    fields.setdefault("source", Source.NCA_CEOP)
    fields.setdefault("package_ref", "CEOP-2017-0001")
    return create(m.Referral, force=get_force(force_slug), **fields)


def subject(force_slug: str, *, referral_obj: m.Referral | None = None, **fields) -> m.Subject:
    """A subject on a new (or the given) referral of ``force_slug``."""
    fields.setdefault("given_names", "Alun")
    fields.setdefault("family_name", "Pritchard")
    fields.setdefault("date_of_birth", date(1980, 5, 17))
    fields.setdefault("postcode_district", "CF10")
    return create(
        m.Subject,
        referral=referral_obj or referral(force_slug),
        force=get_force(force_slug),
        **fields,
    )


def identifier(owner: m.Referral | m.Subject, kind: str, value: str, **fields) -> m.Identifier:
    """An identifier of ``kind`` on a referral or subject."""
    key = "subject" if isinstance(owner, m.Subject) else "referral"
    return create(m.Identifier, **{key: owner}, kind=kind, value=value, **fields)


def address(owner: m.Subject, line1: str = "12 Heol y Felin", postcode: str = "CF10 1AA"):
    return create(m.Address, subject=owner, line1=line1, town="Cardiff", postcode=postcode)


def _custody(device: m.Device) -> m.CustodyEvent:
    """The seizure by an officer of the device's force, then a hand-over to the DFU store."""
    from netsafe.accounts.models import User
    from netsafe.casework import custody

    seizer, _ = User.objects.get_or_create(
        username=f"{device.force.slug}-seizer",
        defaults={"force": device.force, "first_name": "Rhys", "last_name": "Evans"},
    )
    custody.record_seizure(
        device,
        at=timezone.make_aware(
            datetime.combine(device.seized, datetime.min.time()).replace(hour=7)
        ),
        by=seizer,
        location=device.seized_where or "the address searched",
    )
    return custody.hand_over(
        device,
        at=timezone.make_aware(datetime(2017, 3, 3, 14, 0)),
        to=custody.Receiver(body="DFU store", reference="DFU/17/0042"),
        location="Bridgend",
        reason="For triage",
    )


@dataclass
class Case:
    """Every record of one case, for tests that walk them all."""

    referral: m.Referral
    subject: m.Subject
    identifier: m.Identifier
    address: m.Address
    assessment: m.RiskAssessment
    warrant: m.Warrant
    arrest: m.Arrest
    interview: m.VoluntaryInterview
    device: m.Device
    custody: m.CustodyEvent
    safeguarding: m.Safeguarding
    child: m.Child
    signposting: m.Signposting
    outcome: m.Outcome

    def records(self) -> list:
        return list(vars(self).values())


def case(force_slug: str, *, email: str = "alun.p@example.com", **subject_fields) -> Case:
    """A whole case of ``force_slug``, from referral to outcome."""
    ref = referral(force_slug)
    subj = subject(force_slug, referral_obj=ref, **subject_fields)
    ident = identifier(subj, IdentifierKind.EMAIL, email)
    addr = address(subj)
    start = date(2017, 3, 1)
    assessment = create(m.RiskAssessment, referral=ref, assessed_on=start, lives_with_children=True)
    warrant = create(
        m.Warrant,
        subject=subj,
        address=str(addr),
        applied=start,
        issued=start + timedelta(days=1),
        executed=start + timedelta(days=2),
        outcome="Two devices seized",
    )
    arrest = create(
        m.Arrest,
        subject=subj,
        warrant=warrant,
        date=warrant.executed,
        offences=[Offence.POSSESSION],
        disposal=Disposal.RUI,
    )
    interview = create(
        m.VoluntaryInterview,
        subject=subj,
        date=warrant.executed + timedelta(days=10),
        offences=[Offence.POSSESSION],
    )
    device = create(
        m.Device,
        warrant=warrant,
        kind=DeviceKind.LAPTOP,
        make="Lenovo",
        model_name="T460",
        serial="PF0XYZ12",
        seized=warrant.executed,
        seized_where="Bedroom 1",
        seized_by="DC Evans 1234",
        exhibit_ref=f"RE/{next(_EXHIBITS)}",
    )
    custody = _custody(device)
    safeguarding = create(
        m.Safeguarding,
        subject=subj,
        date=warrant.executed,
        children=1,
        referred_to=ReferredTo.MASH,
        referral_date=warrant.executed,
    )
    child = create(m.Child, safeguarding=safeguarding, age=7, relationship=Relationship.OWN_CHILD)
    signposting = create(
        m.Signposting, warrant=warrant, to=SignpostedTo.FAMILY, date=warrant.executed
    )
    outcome = create(m.Outcome, subject=subj, date=date(2017, 9, 1), outcome=OutcomeKind.CHARGED)
    return Case(
        ref,
        subj,
        ident,
        addr,
        assessment,
        warrant,
        arrest,
        interview,
        device,
        custody,
        safeguarding,
        child,
        signposting,
        outcome,
    )
