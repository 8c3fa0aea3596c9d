"""Casework models: references, links within a force, what the querysets name."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from tests.casework import factories as cf
from tests.factories import force

from netsafe.casework import models as m
from netsafe.casework.choices import ForensicStatus, RiskBand

pytestmark = pytest.mark.django_db


def test_a_whole_case_saves_with_generated_references_and_the_force_of_its_parent():
    case = cf.case("gwent")
    gwent = force("gwent")
    for record in case.records():
        assert record.force_id == gwent.pk, record
    assert case.referral.ref == "GW-REF-00001"
    assert case.subject.ref == "GW-SUB-00001"
    assert case.device.subject == case.subject
    assert case.subject.born == 1980


def test_references_carry_the_force_and_the_given_one_is_kept():
    # Issue 13: each force's NS-SUB-00002 was another record; now the force's code says whose.
    one = cf.referral("gwent")
    other = cf.referral("north-wales")
    second = cf.referral("gwent")
    given = cf.referral("gwent", ref="GW/17/123")
    assert (one.ref, other.ref, second.ref, given.ref) == (
        "GW-REF-00001",
        "NW-REF-00001",
        "GW-REF-00002",
        "GW/17/123",
    )
    assert (one.operation_ref, given.operation_ref) == ("GW-REF-00001", "GW-GW/17/123")


def test_a_new_reference_costs_the_same_however_many_the_force_has():
    # Issue 11: every new record counted its force's references while holding the audit
    # chain's lock, so each audited write in the operation waited on a count of records.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    existing = [cf.referral("gwent") for _ in range(3)]  # numbered before counters
    m.ReferenceCounter.objects.all().delete()
    typed = cf.referral("gwent", ref="GW-REF-00005")  # a number ahead, typed by hand
    after = cf.referral("gwent")  # counting starts after the numbers in use (4 of them)
    with CaptureQueriesContext(connection) as asked:
        next_one = cf.referral("gwent")
    assert [r.ref for r in existing] == ["GW-REF-00001", "GW-REF-00002", "GW-REF-00003"]
    assert (typed.ref, after.ref, next_one.ref) == ("GW-REF-00005", "GW-REF-00006", "GW-REF-00007")
    counted = [q["sql"] for q in asked.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counted == []
    assert cf.referral("north-wales").ref == "NW-REF-00001"  # each force its own numbers
    assert cf.subject("gwent").ref == "GW-SUB-00001"  # and each kind of record


def test_a_record_cannot_link_to_another_forces_record():
    theirs = cf.subject("gwent")
    warrant = m.Warrant(force=force("south-wales"), subject=theirs, address="1 High St")
    with pytest.raises(ValidationError) as err:
        warrant.full_clean()
    assert "subject" in err.value.message_dict


def test_assessment_sets_the_referrals_band_and_due_date_and_overdue_lists_it():
    referral = cf.referral("dyfed-powys")
    assert list(m.Referral.objects.awaiting_assessment()) == [referral]
    cf.create(
        m.RiskAssessment, referral=referral, assessed_on=date(2017, 1, 2), online_contact=True
    )
    referral.refresh_from_db()
    assert referral.risk == RiskBand.VERY_HIGH
    assert referral.action_due == date(2017, 1, 3)
    assert not m.Referral.objects.awaiting_assessment().exists()
    assert list(m.Referral.objects.overdue(on=date(2017, 1, 4))) == [referral]
    assert not m.Referral.objects.overdue(on=date(2017, 1, 3)).exists()


def test_executing_a_warrant_marks_the_referral_actioned_so_it_is_no_longer_overdue():
    case = cf.case("south-wales")
    case.referral.refresh_from_db()
    assert case.referral.actioned == case.warrant.executed
    assert not m.Referral.objects.overdue(on=date(2030, 1, 1)).exists()


def test_warrant_states():
    subj = cf.subject("gwent")
    applied = cf.create(m.Warrant, subject=subj, address="a", applied=date(2017, 1, 1))
    issued = cf.create(
        m.Warrant, subject=subj, address="b", applied=date(2017, 1, 1), issued=date(2017, 1, 2)
    )
    done = cf.create(
        m.Warrant, subject=subj, address="c", issued=date(2017, 1, 2), executed=date(2017, 1, 5)
    )
    assert list(m.Warrant.objects.awaiting_issue()) == [applied]
    assert list(m.Warrant.objects.to_execute()) == [issued]
    assert list(m.Warrant.objects.executed()) == [done]
    assert not m.Warrant.objects.executed(as_at=date(2017, 1, 4)).exists()
    bad = m.Warrant(force=subj.force, subject=subj, address="d", executed=date(2017, 1, 1))
    with pytest.raises(ValidationError, match="issued before"):
        bad.full_clean()


def test_devices_awaiting_triage_come_highest_risk_first():
    low = cf.subject("gwent")
    high = cf.subject("gwent")
    cf.create(m.RiskAssessment, referral=low.referral)
    cf.create(m.RiskAssessment, referral=high.referral, works_with_children=True)
    old_low = m.Device.objects.create(subject=low, kind="phone", seized=date(2017, 1, 1))
    new_high = m.Device.objects.create(subject=high, kind="phone", seized=date(2017, 2, 1))
    m.Device.objects.create(subject=high, kind="phone", forensic_status=ForensicStatus.TRIAGED)
    assert list(m.Device.objects.awaiting_triage().by_risk()) == [new_high, old_low]
    assert m.Device.objects.awaiting_triage().most_urgent(5) == [new_high, old_low]
    assert m.Device.objects.awaiting_triage().most_urgent(1) == [new_high]


def test_most_urgent_takes_the_same_records_as_sorting_by_risk():
    referrals = []
    for n, answers in enumerate(
        [{}, {"online_contact": True}, {"crisis": True}, None, {"concern": True}, {}, None]
    ):
        referral = cf.referral("gwent", received=date(2017, 1, 1 + n))
        if answers is not None:
            cf.create(
                m.RiskAssessment, referral=referral, assessed_on=date(2017, 2, 1 + n), **answers
            )
        referrals.append(referral)
    everything = list(m.Referral.objects.by_risk())
    assert [r.risk for r in everything] == ["very-high", "high", "medium", "low", "low", "", ""]
    for n in range(1, 8):
        assert m.Referral.objects.most_urgent(n) == everything[:n]
        # Counted first and few: one query sorting them all, the same records.
        assert m.Referral.objects.most_urgent(n, total=len(everything)) == everything[:n]


def test_offences_are_home_office_codes_and_a_conviction_needs_a_sentence():
    subj = cf.subject("gwent")
    arrest = m.Arrest(force=subj.force, subject=subj, offences=["86/10", "99/9"])
    with pytest.raises(ValidationError, match="99/9"):
        arrest.full_clean()
    outcome = m.Outcome(force=subj.force, subject=subj, outcome="convicted")
    with pytest.raises(ValidationError, match="sentence"):
        outcome.full_clean()
    outcome.sentence = "8 months suspended, SHPO 5 years"
    outcome.full_clean()


def test_a_child_is_seventeen_or_younger():
    case = cf.case("gwent")
    child = m.Child(
        force=case.subject.force, safeguarding=case.safeguarding, age=18, relationship="own-child"
    )
    with pytest.raises(ValidationError, match="17"):
        child.full_clean()


def test_due_dates_per_band():
    day = date(2017, 6, 1)
    for answers, band, days in [
        ({}, RiskBand.LOW, 30),
        ({"crisis": True}, RiskBand.MEDIUM, 14),
        ({"concern": True}, RiskBand.HIGH, 7),
        ({"online_contact": True}, RiskBand.VERY_HIGH, 1),
    ]:
        ra = cf.create(m.RiskAssessment, referral=cf.referral("gwent"), assessed_on=day, **answers)
        assert (ra.band, ra.action_due) == (band, day + timedelta(days=days))


def test_every_casework_model_has_pages_and_an_endpoint_and_is_audited():
    from django.apps import apps

    from netsafe.audit.models import AuditEntry
    from netsafe.casework.registry import RECORD_TYPES

    models = set(apps.get_app_config("casework").get_models())
    # Alerts have pages of their own; a risk assessment in progress is the wizard's; a
    # reference counter is the numbering's own.
    others = {m.Alert, m.AssessmentDraft, m.ReferenceCounter}
    assert models - {rt.model for rt in RECORD_TYPES} == others
    for rt in RECORD_TYPES:
        # Django writes "Model(field, ...)" when the class has no docstring of its own.
        assert not rt.model.__doc__.startswith(rt.model.__name__ + "("), rt.model
        for name in (*rt.fields, *rt.filters, *rt.parents):
            rt.model._meta.get_field(name)  # a typo fails here, not on a page
        for path in rt.search:
            model = rt.model
            *links, last = path.lstrip("=^").split("__")
            for link in links:
                model = model._meta.get_field(link).related_model
            model._meta.get_field(last)
            if path.startswith("^"):  # searched by its beginning: needs the lower-case copy
                model._meta.get_field(f"{last}_lower")
    case = cf.case("gwent")
    cf.identifier(cf.subject("north-wales"), "email", case.identifier.value)
    m.AssessmentDraft.objects.create(referral=case.referral, answers={"crisis": "no"})
    logged = set(AuditEntry.objects.filter(action="create").values_list("model", flat=True))
    assert {model._meta.label_lower for model in models} <= logged
