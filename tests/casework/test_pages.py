"""The pages an officer works a case through, and what each leaves in the audit log."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from tests.casework import factories as cf
from tests.factories import make_user

from netsafe.accounts.roles import Role
from netsafe.audit.models import AuditEntry
from netsafe.casework import models as m
from netsafe.casework import services
from netsafe.casework.choices import ForensicStatus, RiskBand
from netsafe.casework.querysets import RiskOrderedQuerySet
from netsafe.casework.risk import STEPS

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client):
    user = make_user(
        "dp-officer", "dyfed-powys", Role.OFFICER, first_name="Ceri", last_name="Jones"
    )
    client.force_login(user)
    return user


def _post(client, name, data, *args, query=""):
    url = reverse(f"casework:{name}", args=args) + query
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return response["Location"]


def test_an_officer_works_a_case_from_referral_to_outcome(client, officer):
    where = _post(
        client,
        "referral-create",
        {"source": "ncmec", "package_ref": "CT-998877", "received": "2017-02-01", "status": "open"},
    )
    referral = m.Referral.objects.get(package_ref="CT-998877")
    assert where == referral.get_absolute_url()
    assert (referral.force.slug, referral.ref, referral.officer) == (
        "dyfed-powys",
        "DP-REF-00001",
        None,
    )

    # The four steps, then check and save.
    for number, step in enumerate(STEPS, 1):
        answers = {q.field: "no" for q in step.questions}
        if step.slug == "access":
            answers["lives_with_children"] = "yes"
        where = _post(client, "referral-assess", answers, referral.pk, number)
    assert where == reverse("casework:referral-assess-check", args=[referral.pk])
    page = client.get(where)
    assert b"Risk band: High" in page.content
    where = _post(
        client,
        "referral-assess-check",
        {"assessed_on": "2017-02-02", "rationale": "Child at home"},
        referral.pk,
    )
    referral.refresh_from_db()
    assert (referral.risk, referral.action_due) == (RiskBand.HIGH, date(2017, 2, 9))

    _post(
        client,
        "subject-create",
        {
            "referral": referral.ref,
            "given_names": "Gareth",
            "family_name": "Llewellyn",
            "date_of_birth": "1969-07-01",
        },
    )
    subject = m.Subject.objects.get(family_name="Llewellyn")
    assert subject.born == 1969
    _post(
        client,
        "identifier-create",
        {"subject": subject.ref, "kind": "phone", "value": "07700 900456"},
    )
    _post(
        client,
        "warrant-create",
        {"subject": subject.ref, "address": "3 Maes y Coed, SA31 1AA", "applied": "2017-02-03"},
    )
    warrant = subject.warrants.get()
    _post(client, "warrant-issue", {"issued": "2017-02-04"}, warrant.pk)
    _post(
        client,
        "warrant-execute",
        {"executed": "2017-02-06", "outcome": "Laptop seized"},
        warrant.pk,
    )
    warrant.refresh_from_db()
    assert warrant.executed == date(2017, 2, 6)
    referral.refresh_from_db()
    assert referral.actioned == date(2017, 2, 6)

    # The arrest form is reached from the warrant: the subject comes with it.
    page = client.get(reverse("casework:arrest-create") + f"?warrant={warrant.pk}")
    assert f'value="{subject.ref}"'.encode() in page.content
    _post(
        client,
        "arrest-create",
        {
            "subject": subject.ref,
            "warrant": warrant.ref,
            "date": "2017-02-06",
            "time": "07:10",
            "offences": ["86/2", "86/10"],
            "disposal": "bail",
            "bail_until": "2017-03-06",
        },
    )
    arrest = subject.arrests.get()
    assert arrest.offences == ["86/2", "86/10"]
    assert f"{arrest.time:%H:%M}" == "07:10"

    _post(
        client,
        "device-create",
        {
            "warrant": warrant.ref,
            "subject": subject.ref,
            "kind": "laptop",
            "make": "Dell",
            "seized": "2017-02-06",
            "seized_where": "Back bedroom",
            "seized_by": "DC Jones 4411",
            "forensic_status": "awaiting-triage",
            "exhibit_ref": "CJ/1",
        },
    )
    device = subject.devices.get()
    _post(
        client,
        "device-custody-seizure",
        {"at": "2017-02-06T07:30", "receiver": officer.pk, "location": "Back bedroom"},
        device.pk,
    )
    _post(
        client,
        "device-custody-handover",
        {
            "at": "2017-02-06T18:30",
            "body": "DFU store",
            "body_reference": "DFU/17/1",
            "location": "Carmarthen",
        },
        device.pk,
    )
    assert device.custody.count() == 2
    _post(client, "device-status", {"forensic_status": "triaged"}, device.pk)
    device.refresh_from_db()
    assert device.forensic_status == ForensicStatus.TRIAGED

    _post(
        client,
        "safeguarding-create",
        {
            "subject": subject.ref,
            "date": "2017-02-06",
            "children": "2",
            "referred_to": "mash",
            "referral_date": "2017-02-07",
            "status": "open",
        },
    )
    safeguarding = subject.safeguarding.get()
    _post(
        client,
        "child-create",
        {"safeguarding": safeguarding.ref, "age": "9", "relationship": "step-child"},
    )
    _post(
        client, "signposting-create", {"warrant": warrant.ref, "to": "family", "date": "2017-02-06"}
    )
    _post(
        client,
        "outcome-create",
        {
            "subject": subject.ref,
            "date": "2017-09-01",
            "outcome": "convicted",
            "sentence": "12 months, SHPO",
        },
    )

    home = client.get("/").content.decode()
    for figure, label in [
        (1, "warrants executed"),
        (1, "people arrested"),
        (1, "devices seized"),
        (2, "children safeguarded"),
    ]:
        assert f'number">{figure}</span> <span class="netsafe-figure__label">{label}' in home

    # Every change was logged with the officer's name and force.
    entries = AuditEntry.objects.filter(model__startswith="casework.", username="dp-officer")
    models = set(entries.values_list("model", flat=True))
    for model in (
        "referral",
        "riskassessment",
        "subject",
        "warrant",
        "arrest",
        "device",
        "custodyevent",
        "safeguarding",
        "child",
        "signposting",
        "outcome",
    ):
        assert f"casework.{model}" in models
    updates = entries.filter(model="casework.warrant", action="update")
    execute = next(e for e in updates if "executed" in e.changes)
    assert execute.changes["executed"] == [None, "2017-02-06"]
    assert execute.force == "dyfed-powys"


def test_viewing_a_subject_and_searching_are_logged(client, officer):
    subject = cf.subject("dyfed-powys", family_name="Bevan")
    client.get(subject.get_absolute_url())
    viewed = AuditEntry.objects.filter(action="view").get()
    assert (viewed.model, viewed.object_id, viewed.username) == (
        "casework.subject",
        str(subject.pk),
        "dp-officer",
    )
    page = client.get(reverse("casework:subject-list") + "?q=bev")
    assert b"Bevan" in page.content
    search = AuditEntry.objects.filter(action="search").get()
    assert "bev" in search.detail


def test_bad_input_gets_an_error_summary_and_nothing_is_saved(client, officer):
    subject = cf.subject("dyfed-powys")
    response = client.post(
        reverse("casework:warrant-create"),
        {"subject": subject.ref, "address": "x", "issued": "2017-01-01", "executed": "2016-12-01"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "There is a problem" in text
    assert (
        # Named as its date input names it (issue 13, the GOV.UK date input).
        "Date executed must be on or after the day it was issued (2017-01-01), not 2016-12-01"
        in text
    )
    assert not m.Warrant.objects.exists()
    response = client.post(reverse("casework:referral-assess", args=[subject.referral.pk, 1]), {})
    assert "Answer yes or no" in response.content.decode()


def test_lists_filter_by_state_and_page(client, officer):
    for n in range(30):
        referral = cf.referral("dyfed-powys", received=date(2017, 1, 1) + timedelta(days=n))
        if n % 2:
            cf.create(m.RiskAssessment, referral=referral, assessed_on=date(2017, 1, 1))
    url = reverse("casework:referral-list")
    page = client.get(url + "?state=awaiting-assessment")
    assert page.context["paginator"].count == 15
    page = client.get(url + "?state=overdue")
    assert page.context["paginator"].count == 15
    page = client.get(url + "?risk=low&page=1")
    assert page.context["paginator"].count == 15
    assert client.get(url + "?state=nonsense").status_code == 404
    assert client.get(url + "?page=2").context["page_obj"].number == 2


def test_my_work_orders_devices_by_risk_for_an_examiner(client):
    examiner = make_user("nw-examiner", "north-wales", Role.EXAMINER)
    client.force_login(examiner)
    low = cf.subject("north-wales", family_name="Low")
    high = cf.subject("north-wales", family_name="High")
    cf.create(m.RiskAssessment, referral=low.referral)
    cf.create(m.RiskAssessment, referral=high.referral, online_contact=True)
    first = m.Device.objects.create(subject=low, kind="phone", seized=date(2017, 1, 1))
    second = m.Device.objects.create(subject=high, kind="tablet", seized=date(2017, 5, 1))
    sections = {s.title: s for s in client.get(reverse("casework:my-work")).context["sections"]}
    assert list(sections) == ["Devices awaiting triage"]
    assert sections["Devices awaiting triage"].rows == [second, first]


def test_home_shows_operation_wide_figures_to_the_analyst_and_none_to_the_charity(client):
    cf.case("gwent")
    cf.case("north-wales")
    client.force_login(make_user("analyst", None, Role.ANALYST))
    page = client.get("/")
    assert page.context["figures"]["warrants_executed"] == 2
    assert "the whole operation" in page.content.decode()
    client.force_login(make_user("handler", None, Role.CALL_HANDLER))
    page = client.get("/")
    # The charity's staff go to their own pages: no police figures.
    assert page.status_code == 302
    assert page["Location"] == reverse("prevention:today")


def test_a_bad_identifier_is_refused_beside_its_field(client, officer):
    subject = cf.subject("dyfed-powys")
    response = client.post(
        reverse("casework:identifier-create"),
        {"subject": subject.ref, "kind": "ip", "value": "300.1.2.3"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["value"] == ["'300.1.2.3' is not an IP address"]
    assert not m.Identifier.objects.exists()


def test_a_subject_is_found_by_name_or_by_an_identifier_however_written(client, officer):
    subject = cf.subject("dyfed-powys", family_name="Gwilym")
    cf.identifier(subject, "phone", "07700 900123")
    cf.subject("dyfed-powys", family_name="Other")
    url = reverse("casework:subject-list")
    for query in ("gwil", "+44 (0)7700-900123".replace("(0)", ""), "07700900123"):
        found = list(client.get(url, {"q": query}).context["object_list"])
        assert found == [subject], query


def test_a_list_names_its_state_and_offers_any_in_its_filters(client, officer):
    page = client.get(reverse("casework:device-list") + "?state=awaiting-triage")
    text = page.content.decode()
    assert "Devices: awaiting triage</h1>" in text
    assert '<option value="" selected>Any</option>' in text
    assert "---------" not in text
    # A date filter is the GOV.UK date input, as on the forms.
    assert 'id="id_seized_day" name="seized_day"' in text


def test_a_reference_already_used_by_the_force_is_refused_on_the_page_and_the_api(client, officer):
    cf.referral("dyfed-powys", ref="DP/17/1")
    cf.referral("gwent", ref="DP/17/2")
    response = client.post(
        reverse("casework:referral-create"),
        {"ref": "DP/17/1", "source": "other", "received": "2017-01-01", "status": "open"},
    )
    assert response.context["form"].errors["ref"] == ["Your force already has a referral DP/17/1."]
    response = client.post(
        reverse("api:referral-list"),
        {"ref": "DP/17/1", "source": "other", "received": "2017-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "ref" in response.json()
    # Another force's reference is no concern of ours.
    response = client.post(
        reverse("api:referral-list"),
        {"ref": "DP/17/2", "source": "other", "received": "2017-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 201


def test_closing_a_referral_and_recording_the_agencys_response(client, officer):
    case = cf.case("dyfed-powys")
    referral_page = case.referral.get_absolute_url()
    assert b"Close the referral" in client.get(referral_page).content
    _post(client, "referral-close", {"status": "closed"}, case.referral.pk)
    assert b"Close the referral" not in client.get(referral_page).content
    assert (
        client.get(reverse("casework:referral-close", args=[case.referral.pk])).status_code == 404
    )
    _post(
        client,
        "safeguarding-response",
        {
            "referred_to": "mash",
            "referral_date": "2017-03-04",
            "agency_outcome": "Strategy meeting; child protection plan",
            "status": "closed",
        },
        case.safeguarding.pk,
    )
    case.safeguarding.refresh_from_db()
    assert case.safeguarding.agency_outcome.startswith("Strategy meeting")
    assert not m.Safeguarding.objects.open().exists()


def test_a_search_with_too_many_matches_asks_to_be_narrowed(client, officer, monkeypatch):
    from netsafe.casework import views

    monkeypatch.setattr(views, "SEARCH_LIMIT", 3)
    for n in range(5):
        cf.subject("dyfed-powys", family_name=f"Morgan{n}")
    page = client.get(reverse("casework:subject-list"), {"q": "morgan"})
    assert page.context["paginator"].count == 3
    assert "More than 3 subjects match" in page.content.decode()
    page = client.get(reverse("casework:subject-list"), {"q": "morgan4"})
    assert [s.family_name for s in page.context["object_list"]] == ["Morgan4"]


def test_a_search_finds_by_each_term_and_shows_only_the_users_force(client, officer):
    by_name = cf.subject("dyfed-powys", family_name="Gwilym", given_names="Rhodri")
    by_ref = cf.subject("dyfed-powys", ref="DP/SUB/7", family_name="Jenkins")
    by_district = cf.subject("dyfed-powys", family_name="Hughes", postcode_district="SA31")
    by_email = cf.subject("dyfed-powys", family_name="Lloyd")
    cf.identifier(by_email, "email", "Rhod.Lloyd+x@Example.com")
    theirs = cf.subject("gwent", family_name="Gwilym", ref="DP/SUB/7", postcode_district="SA31")
    cf.identifier(theirs, "email", "rhod.lloyd@example.com")
    url = reverse("casework:subject-list")

    def found(query):
        return list(client.get(url, {"q": query}).context["object_list"])

    assert found("gwi") == [by_name]  # the beginning of the family name, any case
    assert found("RHOD") == [by_name]  # ... or of the given names
    assert found("wilym") == []  # not the middle of a name
    assert found("DP/SUB/7") == [by_ref]
    assert found("sa31") == [by_district]
    assert found("rhod.lloyd@example.com") == [by_email]
    lead = make_user("lead", None, Role.OPERATION_LEAD)
    client.force_login(lead)
    assert found("gwilym") == [by_name, theirs] or found("gwilym") == [theirs, by_name]
    assert set(found("DP/SUB/7")) == {by_ref, theirs}


def test_search_results_are_paged_in_the_lists_order(client, officer):
    names = [f"Morgan{n:02d}" for n in range(30)]
    for name in reversed(names):
        cf.subject("dyfed-powys", family_name=name)
    cf.subject("gwent", family_name="Morgan00")
    url = reverse("casework:subject-list")
    first = client.get(url, {"q": "morgan"})
    assert first.context["paginator"].count == 30
    assert [s.family_name for s in first.context["object_list"]] == names[:25]
    second = client.get(url, {"q": "morgan", "page": 2})
    assert [s.family_name for s in second.context["object_list"]] == names[25:]
    assert "Page 2 of 2" in second.content.decode()
    # Filters narrow a search as they narrow the list.
    cf.subject("dyfed-powys", family_name="Morgan99", born=1990, date_of_birth=None)
    found = client.get(url, {"q": "morgan", "born": 1990}).context["object_list"]
    assert [s.family_name for s in found] == ["Morgan99"]


@pytest.mark.parametrize("sort_all_up_to", [50, 0], ids=["sorted-whole", "band-by-band"])
def test_my_work_lists_overdue_referrals_and_warrants_to_execute_band_by_band(
    client, officer, monkeypatch, sort_all_up_to
):
    # A few records are sorted in one query; many are read a band at a time: the same rows.
    monkeypatch.setattr(RiskOrderedQuerySet, "SORT_ALL_UP_TO", sort_all_up_to)

    def assessed(on, **answers):
        referral = cf.referral("dyfed-powys", received=on)
        cf.create(m.RiskAssessment, referral=referral, assessed_on=on, **answers)
        return referral

    low_early = assessed(date(2017, 1, 2))
    low_late = assessed(date(2017, 3, 1))
    high = assessed(date(2017, 6, 1), online_contact=True, lives_with_children=True)
    actioned = assessed(date(2017, 1, 1), online_contact=True, lives_with_children=True)
    services.mark_actioned(actioned, date(2017, 1, 3))
    closed = assessed(date(2017, 1, 1))
    closed.status = "closed"
    closed.save()
    cf.referral("gwent", action_due=date(2017, 1, 1), risk=RiskBand.VERY_HIGH)
    newer = cf.referral("dyfed-powys", received=date(2017, 5, 1))
    older = cf.referral("dyfed-powys", received=date(2017, 4, 1))
    cf.referral("dyfed-powys", received=date(2017, 3, 1), status="closed")
    cf.referral("gwent", received=date(2017, 3, 1))
    warrants = []
    for referral, issued in ((low_early, date(2017, 2, 1)), (high, date(2017, 8, 1))):
        subject = cf.subject("dyfed-powys", referral_obj=referral)
        warrants.append(
            cf.create(m.Warrant, subject=subject, address="x", applied=issued, issued=issued)
        )
    # Applied for and not issued; executed: neither is to execute.
    subject = cf.subject("dyfed-powys", referral_obj=low_late)
    cf.create(m.Warrant, subject=subject, address="x", applied=date(2017, 2, 1))
    subject = cf.subject("dyfed-powys", referral_obj=actioned)
    cf.create(
        m.Warrant, subject=subject, address="x", issued=date(2017, 1, 2), executed=date(2017, 1, 3)
    )
    sections = {s.title: s for s in client.get(reverse("casework:my-work")).context["sections"]}
    overdue = sections["Overdue actions"]
    assert high.risk != low_early.risk
    assert overdue.rows == [high, low_early, low_late]
    assert overdue.total == 3
    awaiting = sections["Referrals awaiting assessment"]
    assert (awaiting.rows, awaiting.total) == ([older, newer], 2)
    to_execute = sections["Warrants to execute"]
    assert to_execute.rows == [warrants[1], warrants[0]]
    assert to_execute.total == 2


def _answer_step(client, referral, number, yes=()):
    answers = {q.field: "yes" if q.field in yes else "no" for q in STEPS[number - 1].questions}
    return _post(client, "referral-assess", answers, referral.pk, number)


def test_risk_answers_are_kept_on_the_referral_through_a_sign_out(client, officer):
    referral = cf.referral("dyfed-powys")
    _answer_step(client, referral, 1)
    _answer_step(client, referral, 2, yes={"lives_with_children"})
    # The session ends (signed out, or timed out); the officer comes back later.
    client.logout()
    client.force_login(officer)
    step2 = client.get(reverse("casework:referral-assess", args=[referral.pk, 2]))
    assert step2.context["form"].initial["lives_with_children"] == "yes"
    _answer_step(client, referral, 3)
    where = _answer_step(client, referral, 4)
    assert b"Risk band: High" in client.get(where).content
    _post(client, "referral-assess-check", {"assessed_on": "2017-02-02"}, referral.pk)
    assessment = m.RiskAssessment.objects.get(referral=referral)
    assert assessment.lives_with_children is True
    # Saved: the draft is gone, the next assessment starts afresh.
    assert not m.AssessmentDraft.objects.filter(referral=referral).exists()
    fresh = client.get(reverse("casework:referral-assess", args=[referral.pk, 2]))
    assert "lives_with_children" not in fresh.context["form"].initial


def test_editing_an_assessment_asks_yes_or_no_as_the_questionnaire_does(client, officer):
    from netsafe.casework.risk import QUESTION_FIELDS

    referral = cf.referral("dyfed-powys")
    assessment = cf.create(
        m.RiskAssessment, referral=referral, assessed_on=date(2017, 3, 1), online_contact=True
    )
    url = reverse("casework:riskassessment-update", args=[assessment.pk])
    page = client.get(url)
    html = page.content.decode()
    assert 'type="checkbox"' not in html
    assert html.count('type="radio"') == 2 * len(QUESTION_FIELDS)
    assert page.context["form"].initial["online_contact"] == "yes"
    assert page.context["form"].initial["lives_with_children"] == "no"

    data = {name: "no" for name in QUESTION_FIELDS}
    data.update(referral=referral.ref, assessed_on="2017-03-01", lives_with_children="yes")
    del data["online_contact"]
    refused = client.post(url, data)
    question = next(q for s in STEPS for q in s.questions if q.field == "online_contact")
    assert refused.context["form"].errors["online_contact"] == [
        f"Answer yes or no: {question.text}"
    ]
    data["online_contact"] = "no"
    _post(client, "riskassessment-update", data, assessment.pk)
    assessment.refresh_from_db()
    assert (assessment.online_contact, assessment.lives_with_children) == (False, True)
