"""One set of plausibility rules: each refused on the pages, through the API and in a return.

Every rule of the returns contract ("Plausibility") and the casework's bail,
custody and outcome rules, written from the findings of issue 13: each record
below was saved before (a referral received in 2030, a subject born in 1700, a
warrant issued in 2031, an arrest before its warrant was executed, "bail" with
no bail date, 5,000 children in one safeguarding record...).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.casework import factories as cf
from tests.factories import make_user
from tests.returns.test_returns import good_records, jsonl, stored_counts
from typer.testing import CliRunner

from netsafe.accounts.roles import Role
from netsafe.casework import models as m
from netsafe.casework import plausibility
from netsafe.returns.cli import app as returns_app
from netsafe.returns.importer import import_return

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
FUTURE = (TODAY + timedelta(days=1)).isoformat()
THIS_YEAR = TODAY.year


@dataclass
class Rule:
    """A record that breaks one rule: as a page/API would send it, and as a return line."""

    name: str
    #: The model (its registry name) and the fields sent: links as records of the case.
    model: str
    fields: Any  # Callable[[cf.Case], dict]
    #: The field the refusal is shown next to, and a part of its message.
    field: str
    message: str
    #: The return's version: (index of good_records() to change, changes), and the
    #: problem expected on that line.
    line: tuple[int, dict] | None = None
    problem: str = ""
    #: Set-up done on the case first (e.g. a warrant not yet executed).
    prepare: Any = None
    extra: dict = field(default_factory=dict)


def _unexecuted(c: cf.Case) -> None:
    m.Warrant.objects.filter(pk=c.warrant.pk).update(executed=None)
    c.warrant.refresh_from_db()


RULES = [
    Rule(
        "referral received tomorrow",
        "referral",
        lambda c: {"source": "nca-ceop", "received": FUTURE, "status": "open"},
        "received",
        f"must be today ({TODAY.isoformat()}) or earlier, not {FUTURE}",
        (0, {"received": FUTURE}),
        f"1: referral 'GR1': received must be today ({TODAY.isoformat()}) or earlier, not {FUTURE}",
    ),
    Rule(
        "referral received before 1990",
        "referral",
        lambda c: {"source": "nca-ceop", "received": "1989-12-31", "status": "open"},
        "received",
        "must be in 1990 or later, not 1989-12-31",
        (0, {"received": "1989-12-31"}),
        "1: referral 'GR1': received must be in 1990 or later, not 1989-12-31",
    ),
    Rule(
        "subject born in 1700",
        "subject",
        lambda c: {"referral": c.referral, "given_names": "A", "family_name": "B", "born": 1700},
        "born",
        f"must be a year from 1900 to {THIS_YEAR - 10}, not 1700",
        (1, {"born": 1700}),
        f"2: subject 'GS1': born must be a year from 1900 to {THIS_YEAR - 10}, not 1700",
    ),
    Rule(
        "subject born five years ago",
        "subject",
        lambda c: {
            "referral": c.referral,
            "given_names": "A",
            "family_name": "B",
            "date_of_birth": f"{THIS_YEAR - 5}-01-01",
        },
        "date_of_birth",
        f"must be a year from 1900 to {THIS_YEAR - 10}, not {THIS_YEAR - 5}",
        (1, {"born": THIS_YEAR - 5}),
        f"2: subject 'GS1': born must be a year from 1900 to {THIS_YEAR - 10}, not {THIS_YEAR - 5}",
    ),
    Rule(
        "warrant issued tomorrow",
        "warrant",
        lambda c: {"subject": c.subject, "address": "1 Stryd", "issued": FUTURE},
        "issued",
        f"not {FUTURE}",
        (2, {"issued": FUTURE, "executed": None}),
        f"3: warrant 'GW1': issued must be today ({TODAY.isoformat()}) or earlier, not {FUTURE}",
    ),
    Rule(
        "warrant executed before it was issued",
        "warrant",
        lambda c: {
            "subject": c.subject,
            "address": "1 Stryd",
            "issued": "2017-03-05",
            "executed": "2017-03-04",
        },
        "executed",
        "must be on or after the day it was issued (2017-03-05), not 2017-03-04",
        (2, {"executed": "2016-11-04"}),
        "3: warrant 'GW1': executed must be on or after the day it was issued (2016-11-05), "
        "not 2016-11-04",
    ),
    Rule(
        "arrest before its warrant was executed",
        "arrest",
        lambda c: {"subject": c.subject, "warrant": c.warrant, "date": "2017-03-02"},
        "date",
        "must be on or after the day warrant",
        (3, {"date": "2016-11-07"}),
        "4: arrest 'GA1': date must be on or after the day warrant GW1 was executed "
        "(2016-11-08), not 2016-11-07",
    ),
    Rule(
        "arrest under a warrant not executed",
        "arrest",
        lambda c: {"subject": c.subject, "warrant": c.warrant, "date": "2017-03-05"},
        "warrant",
        "has not been executed",
        (2, {"executed": None}),
        "4: arrest 'GA1': warrant_ref GW1 has not been executed: record its execution first",
        prepare=_unexecuted,
    ),
    Rule(
        "interview before its warrant was executed",
        "voluntaryinterview",
        lambda c: {"subject": c.subject, "warrant": c.warrant, "date": "2017-03-01"},
        "date",
        "must be on or after the day warrant",
        (4, {"warrant_ref": "GW1", "date": "2016-11-06"}),
        "5: voluntary_interview 'GV1': date must be on or after the day warrant GW1 was "
        "executed (2016-11-08), not 2016-11-06",
    ),
    # Rules of fields a return does not carry (the contract has no `applied`, no bail):
    # refused on the page and through the API.
    Rule(
        "warrant issued before it was applied for",
        "warrant",
        lambda c: {
            "subject": c.subject,
            "address": "1 Stryd",
            "applied": "2017-03-05",
            "issued": "2017-03-04",
        },
        "issued",
        "must be on or after the day it was applied for (2017-03-05), not 2017-03-04",
    ),
    Rule(
        "bail date for someone not bailed",
        "arrest",
        lambda c: {
            "subject": c.subject,
            "date": "2017-03-05",
            "time": "06:45",
            "disposal": "rui",
            "bail_until": "2017-04-01",
        },
        "bail_until",
        "is only for someone bailed",
    ),
    Rule(
        "bail with no bail date",
        "arrest",
        lambda c: {"subject": c.subject, "date": "2017-03-05", "disposal": "bail"},
        "bail_until",
        "must be given for someone bailed",
    ),
    Rule(
        "bail date before the arrest",
        "arrest",
        lambda c: {
            "subject": c.subject,
            "date": "2017-03-05",
            "disposal": "bail",
            "bail_until": "2017-03-01",
        },
        "bail_until",
        "must be after the day of the arrest (2017-03-05), not 2017-03-01",
    ),
    Rule(
        "device seized before its warrant was executed",
        "device",
        lambda c: {
            "warrant": c.warrant,
            "subject": c.subject,
            "kind": "phone",
            "seized": "2017-03-01",
            "exhibit_ref": "AB/9",
            "forensic_status": "awaiting-triage",
        },
        "seized",
        "must be on or after the day warrant",
        (5, {"seized": "2016-11-01"}),
        "6: device 'GD1': seized must be on or after the day warrant GW1 was executed "
        "(2016-11-08), not 2016-11-01",
    ),
    Rule(
        "5,000 children in one record",
        "safeguarding",
        lambda c: {"subject": c.subject, "date": "2017-03-05", "children": 5000, "status": "open"},
        "children",
        "must be a whole number from 1 to 30, not 5000",
        (7, {"children": 5000}),
        "8: safeguarding 'GG1': children must be a whole number from 1 to 30, not 5000 "
        "(a real case with more children is recorded as several records)",
    ),
    Rule(
        "no children in a safeguarding record",
        "safeguarding",
        lambda c: {"subject": c.subject, "date": "2017-03-05", "children": 0, "status": "open"},
        "children",
        "must be a whole number from 1 to 30, not 0",
        (7, {"children": 0}),
        "8: safeguarding 'GG1': children must be a whole number from 1 to 30, not 0",
    ),
    Rule(
        "convicted before being charged",
        "outcome",
        lambda c: {
            "subject": c.subject,
            "date": "2017-08-01",
            "outcome": "convicted",
            "sentence": "2 years",
        },
        "date",
        "must be on or after the subject was charged (2017-09-01), not 2017-08-01",
        (8, {"outcome": "convicted", "ref": "GO2", "date": "2017-02-01"}),
        "11: outcome 'GO2': date must be on or after the subject was charged (2017-03-01), "
        "not 2017-02-01",
    ),
    Rule(
        "signposting dated tomorrow",
        "signposting",
        lambda c: {"warrant": c.warrant, "to": "family", "date": FUTURE},
        "date",
        f"not {FUTURE}",
    ),
    Rule(
        "safeguarding referred before 1990",
        "safeguarding",
        lambda c: {
            "subject": c.subject,
            "date": "2017-03-05",
            "children": 1,
            "referred_to": "mash",
            "referral_date": "1980-01-01",
            "status": "open",
        },
        "referral_date",
        "must be in 1990 or later, not 1980-01-01",
    ),
]

IDS = [r.name for r in RULES]


def _form_data(values: dict) -> dict:
    return {k: (v.ref if isinstance(v, m.CaseRecord) else v) for k, v in values.items()}


def _api_data(values: dict) -> dict:
    return {k: (v.pk if isinstance(v, m.CaseRecord) else v) for k, v in values.items()}


@pytest.fixture
def case():
    c = cf.case("gwent")
    return c


@pytest.fixture
def officer(client):
    user = make_user("gw-officer", "gwent", Role.OFFICER)
    client.force_login(user)
    return user


def _counts() -> dict[str, int]:
    return {
        name: model.objects.count()
        for name, model in (
            ("referral", m.Referral),
            ("subject", m.Subject),
            ("warrant", m.Warrant),
            ("arrest", m.Arrest),
            ("voluntaryinterview", m.VoluntaryInterview),
            ("device", m.Device),
            ("safeguarding", m.Safeguarding),
            ("outcome", m.Outcome),
            ("signposting", m.Signposting),
        )
    }


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_the_page_refuses_it_next_to_the_field(client, officer, case, rule):
    if rule.prepare:
        rule.prepare(case)
    before = _counts()
    response = client.post(reverse(f"casework:{rule.model}-create"), _form_data(rule.fields(case)))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(rule.message in e for e in form.errors.get(rule.field, [])), form.errors
    text = response.content.decode()
    assert "There is a problem" in text
    # The message names its field, as the error summary shows it (a date by the name its
    # date input gives it: "Date received").
    label = str(type(form.instance)._meta.get_field(rule.field).verbose_name)
    label = getattr(form.fields.get(rule.field), "error_name", None) or label
    assert f"{label[0].upper()}{label[1:]} " in form.errors[rule.field][0]
    assert _counts() == before


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_the_api_refuses_it(client, officer, case, rule):
    if rule.prepare:
        rule.prepare(case)
    before = _counts()
    slug = {
        "referral": "referrals",
        "subject": "subjects",
        "warrant": "warrants",
        "arrest": "arrests",
        "voluntaryinterview": "interviews",
        "device": "devices",
        "safeguarding": "safeguarding",
        "outcome": "outcomes",
        "signposting": "signposting",
    }[rule.model]
    response = client.post(
        f"/api/{slug}/", _api_data(rule.fields(case)), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    errors = response.json()
    assert any(rule.message in e for e in errors.get(rule.field, [])), errors
    assert _counts() == before


RETURN_RULES = [r for r in RULES if r.line]


@pytest.mark.parametrize("rule", RETURN_RULES, ids=[r.name for r in RETURN_RULES])
def test_a_return_refuses_it_as_that_lines_problem(rule):
    records = good_records()
    index, changes = rule.line
    changed = dict(records[index])
    for key, value in changes.items():
        if value is None:
            changed.pop(key, None)
        else:
            changed[key] = value
    if "ref" in changes:
        records.append(changed)  # a second record beside the first (a later conviction)
    else:
        records[index] = changed
    before = stored_counts()
    result = import_return(jsonl(*records), "gwent.jsonl")
    assert rule.problem in result.checked.report(), result.checked.report()
    assert stored_counts() == before


@pytest.mark.django_db(databases=["default", "prevention"])
def test_the_command_lists_them_and_exits_2(tmp_path):
    records = good_records()
    records[0]["received"] = "2030-01-01"
    records[1]["born"] = 1700
    records[7]["children"] = 5000
    path = tmp_path / "gwent.jsonl"
    path.write_text(jsonl(*records), encoding="utf-8")
    result = CliRunner().invoke(returns_app, ["import", str(path)])
    assert result.exit_code == 2
    assert f"1: referral 'GR1': received must be today ({TODAY.isoformat()}) or earlier" in (
        result.stderr
    )
    assert "2: subject 'GS1': born must be a year from 1900" in result.stderr
    assert "8: safeguarding 'GG1': children must be a whole number from 1 to 30" in result.stderr
    assert not m.Referral.objects.exists()


def test_a_charge_sent_in_the_same_return_counts_and_a_stored_one_too():
    records = good_records()
    conviction = {"type": "outcome", "force": "gwent", "ref": "GO2", "subject_ref": "GS1"}
    conviction |= {"date": "2017-04-01", "outcome": "convicted"}
    assert import_return(jsonl(*records, conviction), "gwent.jsonl").ok
    # Stored: a conviction before the stored charge is refused in a later return.
    early = conviction | {"ref": "GO3", "date": "2017-02-01"}
    report = import_return(jsonl(early), "later.jsonl").checked.report()
    assert report == [
        "1: outcome 'GO3': date must be on or after the subject was charged (2017-03-01), "
        "not 2017-02-01"
    ]
    # The same file moving the charge earlier is judged as the file has it.
    moved = records[8] | {"date": "2017-01-15"}
    assert import_return(jsonl(moved, early), "moved.jsonl").ok


def test_thirty_children_pass_everywhere_but_more_than_ten_need_a_supervisor_on_the_page(
    client, case
):
    records = good_records()
    records[7]["children"] = 30
    assert import_return(jsonl(*records), "gwent.jsonl").ok
    data = _form_data(
        {"subject": case.subject, "date": "2017-03-05", "children": 12, "status": "open"}
    )
    officer = make_user("gw-officer", "gwent", Role.OFFICER)
    client.force_login(officer)
    response = client.post(reverse("casework:safeguarding-create"), data)
    assert response.status_code == 200
    assert (
        "12 children in one record needs a supervisor's confirmation"
        in (response.context["form"].errors["children"][0])
    )
    supervisor = make_user("gw-sup", "gwent", Role.SUPERVISOR)
    client.force_login(supervisor)
    response = client.post(reverse("casework:safeguarding-create"), data)
    assert response.context["form"].errors["confirm_children"] == [
        "Confirm that 12 children were safeguarded in this one record."
    ]
    response = client.post(
        reverse("casework:safeguarding-create"), data | {"confirm_children": "on"}
    )
    assert response.status_code == 302
    assert m.Safeguarding.objects.filter(children=12).count() == 1
    # The API takes up to 30 as a return does (no one to confirm there), never more.
    client.force_login(officer)
    api = client.post(
        "/api/safeguarding/",
        _api_data({"subject": case.subject, "date": "2017-03-05", "children": 30}),
        content_type="application/json",
    )
    assert api.status_code == 201, api.content


def test_an_action_form_shows_a_rule_about_a_field_it_does_not_hold(client, officer, case):
    # "Record the execution" holds executed, outcome and notes; the issue date is not on
    # it, but its rule (executed on or after issued) still has to be shown, not crash.
    warrant = cf.create(
        m.Warrant,
        subject=case.subject,
        address="2 Stryd",
        applied=date(2017, 4, 1),
        issued=date(2017, 4, 2),
    )
    response = client.post(
        reverse("casework:warrant-execute", args=[warrant.pk]), {"executed": "2017-04-01"}
    )
    assert response.status_code == 200
    assert "must be on or after the day it was issued (2017-04-02)" in response.content.decode()
    warrant.refresh_from_db()
    assert warrant.executed is None


def test_a_risk_assessment_dated_in_the_future_is_refused(client, officer, case):
    from netsafe.casework.risk import STEPS

    referral = cf.referral("gwent")
    for number, step in enumerate(STEPS, 1):
        client.post(
            reverse("casework:referral-assess", args=[referral.pk, number]),
            {q.field: "no" for q in step.questions},
        )
    response = client.post(
        reverse("casework:referral-assess-check", args=[referral.pk]),
        {"assessed_on": "2035-01-01", "rationale": "x"},
    )
    assert response.status_code == 200
    assert "Date of the assessment must be today" in response.content.decode()
    assert not referral.assessments.exists()


def test_the_rules_module_is_the_one_place():
    """The returns validator and the models both ask :func:`plausibility.check`."""
    found = plausibility.check("safeguarding", {"children": 31, "date": date(2017, 1, 1)})
    assert [f.field for f in found] == ["children"]
    assert plausibility.check("warrant", {"issued": date(2017, 1, 2), "executed": None}) == []
    assert json.dumps(plausibility.CHILDREN_MAX) == "30"


def test_an_arrest_later_today_than_now_is_refused_on_the_page_and_the_api(
    client, officer, case, monkeypatch
):
    # Noon today, whatever the clock says: a few minutes later is always still today.
    real = timezone.localtime

    def at_noon(value=None, tz=None):
        if value is not None:
            return real(value, tz)
        return real(None, tz).replace(hour=12, minute=0, second=0, microsecond=0)

    monkeypatch.setattr(timezone, "localtime", at_noon)
    later = "12:05"
    sent = {"subject": case.subject, "date": TODAY.isoformat(), "time": later, "disposal": "rui"}
    before = _counts()
    response = client.post(reverse("casework:arrest-create"), _form_data(sent))
    assert response.context["form"].errors["time"] == [
        f"Time of arrest must be now or earlier, not {later} today."
    ]
    response = client.post("/api/arrests/", _api_data(sent), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["time"] == [f"Time of arrest must be now or earlier, not {later} today."]
    assert _counts() == before
