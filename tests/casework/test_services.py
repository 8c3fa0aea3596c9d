"""A case's state changes are explicit service calls, made by the pages, the API and returns.

They used to run from ``save()`` overrides and signals on every save from
anywhere; now a plain save changes its own record only.
"""

from __future__ import annotations

from datetime import date

import pytest
from tests.casework import factories as cf

from netsafe.casework import models as m
from netsafe.casework import services
from netsafe.casework.choices import IdentifierKind

pytestmark = pytest.mark.django_db


def test_a_plain_save_changes_its_own_record_only():
    subject = cf.subject("gwent")
    referral = subject.referral
    m.RiskAssessment(referral=referral, assessed_on=date(2017, 1, 2), online_contact=True).save()
    m.Warrant(
        subject=subject, address="x", issued=date(2017, 1, 3), executed=date(2017, 1, 4)
    ).save()
    referral.refresh_from_db()
    assert (referral.risk, referral.actioned) == ("", None)


def test_services_move_the_case_on():
    subject = cf.subject("gwent")
    referral = subject.referral
    assessment = services.save(
        m.RiskAssessment(referral=referral, assessed_on=date(2017, 1, 2), online_contact=True)
    )
    services.save(
        m.Warrant(subject=subject, address="x", issued=date(2017, 1, 3), executed=date(2017, 1, 4))
    )
    services.save(m.Arrest(subject=subject, date=date(2017, 1, 5)))
    referral.refresh_from_db()
    assert (referral.risk, referral.action_due) == (assessment.band, assessment.action_due)
    assert referral.actioned == date(2017, 1, 4)  # the first action, kept


def test_deconfliction_runs_when_a_key_is_saved_through_the_services():
    ours = cf.subject("gwent")
    theirs = cf.subject("south-wales", given_names="Other", family_name="Person")
    m.Identifier(subject=theirs, kind=IdentifierKind.PHONE, value="07700900777").save()
    assert not m.Alert.objects.exists()
    services.save(m.Identifier(subject=ours, kind=IdentifierKind.PHONE, value="07700 900777"))
    assert m.Alert.objects.count() == 2


def test_the_api_and_a_return_go_through_them(client):
    from tests.factories import make_user
    from tests.returns.test_returns import good_records, jsonl

    from netsafe.accounts.roles import Role
    from netsafe.returns.importer import import_return

    assert import_return(jsonl(*good_records()), "gwent.jsonl").ok
    assert m.Referral.objects.get(ref="GR1").actioned == date(2016, 11, 8)
    client.force_login(make_user("gw-officer", "gwent", Role.OFFICER))
    subject = cf.subject("gwent")
    response = client.post(
        "/api/assessments/",
        {"referral": subject.referral.pk, "assessed_on": "2017-04-02", "online_contact": True},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    subject.referral.refresh_from_db()
    assert subject.referral.risk == "very-high"
