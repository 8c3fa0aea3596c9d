"""Every page each role can reach, walked in a real browser: no WCAG 2.2 AA violation that
axe-core finds, and no page that scrolls sideways at 320 CSS px (WCAG 1.4.10) or at 1280 px.

The pages are found as a person finds them, by following links from where sign-in lands
(tests/web/crawl.py); the records behind the detail pages are a whole case of each kind
built by the test factories, a finished triage, a helpline contact and an escalation.
"""

from __future__ import annotations

import pytest
from tests.casework import factories as cf
from tests.factories import PASSWORD, WELSH_FORCES, force, make_user
from tests.web.crawl import crawl, sign_in

from netsafe.accounts.roles import Role
from netsafe.audit import record
from netsafe.audit.context import audit_context

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, databases=["default", "prevention"]),
]

#: (user name, force, role): each role as a person of that role signs in.
PEOPLE = [
    ("crawl-officer", "gwent", Role.OFFICER),
    ("crawl-supervisor", "gwent", Role.SUPERVISOR),
    ("crawl-examiner", "gwent", Role.EXAMINER),
    ("crawl-safeguarding", "gwent", Role.SAFEGUARDING),
    ("crawl-lead", None, Role.OPERATION_LEAD),
    ("crawl-analyst", None, Role.ANALYST),
    ("crawl-handler", None, Role.CALL_HANDLER),
    ("crawl-helpline-supervisor", None, Role.HELPLINE_SUPERVISOR),
    ("crawl-charity-analyst", None, Role.CHARITY_ANALYST),
    ("crawl-admin", None, Role.ADMINISTRATOR),
]


@pytest.fixture
def world(tmp_path):
    """A Gwent case with every kind of record, a finished triage of its laptop with an image
    to grade, an audit entry, a helpline contact with an escalation."""
    from tests.prevention.prevention_helpers import local

    from netsafe.casework import models as m
    from netsafe.examination.models import ReviewImage, TriageJob
    from netsafe.prevention.models import Contact, Escalation

    for slug in WELSH_FORCES:  # transactional tests empty the tables the migrations filled
        force(slug)
    case = cf.case("gwent")
    other = cf.subject("south-wales", family_name="Other")
    cf.identifier(other, "email", "alun.p@example.com")  # raises an alert for Gwent
    assert m.Alert.objects.filter(force__slug="gwent").exists()
    (tmp_path / "report.html").write_text("<html>report</html>", "utf-8")
    report = {"summary": {"files": 1}, "priority": {"band": "low", "score": 0, "reasons": []}}
    job = TriageJob.objects.create(
        force=case.device.force,
        device=case.device,
        evidence="x",
        status="done",
        out_dir=str(tmp_path),
        report=report,
    )
    ReviewImage.objects.create(force=job.force, job=job, path="DCIM/a.jpg")
    contact = Contact.objects.create(
        occurred_at=local(2017, 3, 4, 10, 30),
        caller_type="self",
        region="wales-gwent",
        duration_minutes=20,
    )
    Escalation.objects.create(contact=contact, concern="ongoing", made_to="police-101")
    with audit_context(user=make_user("crawl-writer", "gwent", Role.OFFICER)):
        record("view", case.subject, changes={"note": ["before", "after"]})
    return case


@pytest.mark.parametrize(("username", "force_slug", "role"), PEOPLE, ids=[p[2] for p in PEOPLE])
def test_every_page_of_a_role_passes_axe_and_reflows(
    page, live_server, world, username, force_slug, role
):
    extra = {"is_staff": True, "is_superuser": True} if role == Role.ADMINISTRATOR else {}
    make_user(username, force_slug, role, **extra)
    sign_in(page, live_server.url, username, PASSWORD)
    walked = crawl(page, live_server.url)
    assert len(walked.visited) >= 3, walked.visited
    assert not walked.problems, "\n".join(str(p) for p in walked.problems)


def test_every_public_page_passes_axe_and_reflows(page, live_server, world):
    page.goto(f"{live_server.url}/help/")
    walked = crawl(page, live_server.url)
    login = crawl(page, live_server.url, start=f"{live_server.url}/accounts/login/", limit=1)
    assert len(walked.visited) >= 3, walked.visited
    problems = walked.problems + login.problems
    assert not problems, "\n".join(str(p) for p in problems)
