"""The one permission gate, as one table of role x action x object (issue 12, "One permission
gate"), checked two ways for every role:

- ``allowed(user, action, area)`` answers as the table says, for every row of the gate;
- every URL pattern and API route, walked from the resolver (a new page is covered, or
  fails here, as soon as it exists), answers a user of that role as the table says for
  the (action, area) the page serves: a page of the user's own force's record when the
  table allows it, "not found" (or the sign-in page) when it does not.
"""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse
from tests.casework import factories as cf
from tests.casework.test_access import model_of, walk
from tests.factories import PASSWORD, make_user

from netsafe.accounts import permissions as gate
from netsafe.accounts.models import RoleGrant, User
from netsafe.accounts.roles import Role
from netsafe.audit import record
from netsafe.audit.context import audit_context
from netsafe.audit.models import AuditEntry
from netsafe.casework import models as m

pytestmark = pytest.mark.django_db(databases=["default", "prevention"])

R = Role
FORCE = {R.OFFICER, R.SUPERVISOR, R.EXAMINER, R.SAFEGUARDING}
CASEWORK_READERS = FORCE | {R.OPERATION_LEAD}
CHARITY = {R.CALL_HANDLER, R.HELPLINE_SUPERVISOR, R.CHARITY_ANALYST}
EVERYONE = {*R.values, "anonymous"}
SIGNED_IN = set(R.values)

#: (action, area) -> the roles allowed (on their own force's records). The gate's table.
TABLE: dict[tuple[str, str], set[str]] = {
    (gate.READ, "casework"): CASEWORK_READERS,
    (gate.CHANGE, "casework"): FORCE,
    (gate.READ_FIGURES, "casework"): FORCE | {R.ANALYST, R.OPERATION_LEAD, R.ADMINISTRATOR},
    (gate.READ, "alerts"): {R.SUPERVISOR},
    (gate.CHANGE, "alerts"): {R.SUPERVISOR},
    (gate.UPLOAD, "returns"): {R.SUPERVISOR},
    (gate.READ, "examination"): CASEWORK_READERS,
    (gate.EXAMINE, "examination"): {R.EXAMINER},
    (gate.READ, "bank"): {R.SUPERVISOR, R.EXAMINER},
    (gate.CHANGE, "bank"): {R.SUPERVISOR},
    (gate.READ, "prevention"): CHARITY,
    (gate.READ_FIGURES, "prevention"): CHARITY,
    (gate.LOG, "prevention"): {R.CALL_HANDLER, R.HELPLINE_SUPERVISOR},
    (gate.CHANGE, "prevention"): {R.CALL_HANDLER, R.HELPLINE_SUPERVISOR},
    (gate.READ, "stats"): {R.ANALYST, R.OPERATION_LEAD},
    (gate.READ, "audit"): {R.SUPERVISOR, R.ADMINISTRATOR},
    (gate.READ_CONTENT, "audit"): {R.SUPERVISOR},
    (gate.VERIFY, "audit"): {R.ADMINISTRATOR},
    (gate.MANAGE, "accounts"): {R.ADMINISTRATOR},
    (gate.APPROVE, "accounts"): {R.ADMINISTRATOR},
    (gate.USE, "api"): CASEWORK_READERS,
    # Not rows of the gate: pages for everyone, or for anyone signed in.
    ("read", "public"): EVERYONE,
    ("read", "self"): SIGNED_IN,
}

ROLES = [*R.values, "anonymous"]

#: Actions the fixture's records are past (the warrant is executed): "not found" for
#: everyone, so only their refusal of the roles the table refuses is checked.
STATE_DEPENDENT = {
    "casework:warrant-issue",
    "casework:warrant-execute",
    # The picture is read from the evidence store, which the fixture does not have.
    "examination:image",
    # The picture of a disagreement is read from the evidence store too.
    "examination:disagreement-image",
    # Requests are made by the role pages (accounts.grants), never added by hand.
    "admin:accounts_rolegrant_add",
}


def _user(role: str):
    if role == "anonymous":
        return None
    existing = User.objects.filter(username=f"t-{role}").first()
    if existing is not None:
        return existing
    if role == R.ADMINISTRATOR:
        return make_user(f"t-{role}", None, role, is_staff=True, is_superuser=True)
    force = "gwent" if role in FORCE else None
    return make_user(f"t-{role}", force, role)


def _classify(ns: str, name: str) -> tuple[str, str] | None:
    """The (action, area) a page serves; None for the few with nothing to check."""
    if name == "logout":
        return None  # it would sign the walking user out
    if ns == "selfhelp" or name in {"login", "favicon"}:
        return ("read", "public")
    if ns == "" and (name.startswith("password_change") or name == "account-language"):
        return ("read", "self")
    if ns == "" and name.startswith("grant-"):
        return (gate.MANAGE, "accounts")
    if ns == "admin":
        if name in {"login", "logout", "jsi18n", "view_on_site", "autocomplete"}:
            return None  # the admin's own sign-in and helpers
        return (gate.MANAGE, "accounts")
    if ns == "audit":
        return (gate.VERIFY if name == "check" else gate.READ, "audit")
    if ns == "stats":
        return (gate.READ, "stats")
    if ns == "returns":
        return (gate.UPLOAD, "returns")
    if ns == "examination":
        if name in {"bank", "bank-export-vics", "bank-export-csv"}:
            return (gate.READ, "bank")
        if name.startswith("disagreement"):
            return (gate.CHANGE, "bank")
        if name in {"queue", "status", "report", "report-file"} or name.startswith("charging-"):
            return (gate.READ, "examination")
        return (gate.EXAMINE, "examination")
    if ns == "prevention":
        if name in {"trends", "heard"}:
            return (gate.READ_FIGURES, "prevention")
        if name == "today":
            return (gate.READ, "prevention")
        if name == "contact-edit":
            return (gate.CHANGE, "prevention")
        return (gate.LOG, "prevention")
    if ns == "casework":
        if name.startswith("alert-"):
            return (gate.CHANGE if name == "alert-acknowledge" else gate.READ, "alerts")
        if name == "home":
            return ("read", "self")  # figures, or a redirect to the user's own home page
        if name in {"my-work", "search"} or name.endswith(("-list", "-detail")):
            return (gate.READ, "casework")
        return (gate.CHANGE, "casework")
    if ns == "api":
        if name.startswith("alert-detail"):
            return (gate.READ, "alerts")
        if name.startswith("device-custody-"):
            return (gate.CHANGE, "casework")  # adds to a chain of custody
        return (gate.USE, "api")
    raise AssertionError(f"{ns}:{name} is not in the permission table: classify it here")


@pytest.fixture
def world(tmp_path):
    """Records of Gwent (the force of every force-role user) for each kind of page."""
    # The call handler of the table walks a contact they logged themselves.
    handler = make_user(f"t-{R.CALL_HANDLER}", None, R.CALL_HANDLER)
    case = cf.case("gwent")
    records = {type(r): r for r in case.records()}
    other = cf.subject("south-wales", family_name="Other")
    cf.identifier(other, "email", "alun.p@example.com")
    records[m.Alert] = m.Alert.objects.get(force__slug="gwent")
    from netsafe.examination.models import ReviewImage, TriageJob
    from netsafe.prevention.models import Contact

    device = records[m.Device]
    (tmp_path / "report.html").write_text("<html>report</html>", "utf-8")
    report = {"summary": {"files": 1}, "priority": {"band": "low", "score": 0, "reasons": []}}
    job = TriageJob.objects.create(
        force=device.force,
        device=device,
        evidence="x",
        status="done",
        out_dir=str(tmp_path),
        report=report,
    )
    image = ReviewImage.objects.create(force=device.force, job=job, path="DCIM/a.jpg")
    records[TriageJob] = job
    records[ReviewImage] = image
    from netsafe.examination.models import BankEntry, Disagreement

    entry = BankEntry.objects.create(
        sha1="a" * 40, category="B", status="disputed", first_confirmed=job.created
    )
    disagreement = Disagreement.objects.create(entry=entry)
    disagreement.forces.add(device.force, other.force)
    records[Disagreement] = disagreement
    from tests.prevention.prevention_helpers import local

    contact = Contact.objects.create(
        occurred_at=local(2017, 3, 4, 10, 30),
        caller_type="self",
        region="wales-gwent",
        duration_minutes=20,
        handler=handler.pk,
    )
    with audit_context(user=make_user("t-gw-officer", "gwent", R.OFFICER)):
        entry = record("view", records[m.Subject])
    admin2 = make_user("t-admin2", None, R.ADMINISTRATOR, is_staff=True)
    grant = RoleGrant.objects.create(user=handler, roles=[R.CALL_HANDLER], requested_by=admin2)
    return {"records": records, "contact": contact, "entry": entry, "grant": grant}


def _kwargs(ns, name, params, callback, world) -> dict | None:
    kwargs = {}
    for p in params:
        if p == "pk":
            if ns == "prevention":
                kwargs[p] = world["contact"].pk
            elif ns == "":
                kwargs[p] = world["grant"].pk
            else:
                model = model_of(callback)
                if ns == "examination" and name in {"image", "grade", "item", "split"}:
                    from netsafe.examination.models import ReviewImage

                    model = ReviewImage
                elif ns == "examination" and name in {
                    "status",
                    "report",
                    "report-file",
                    "review",
                    "leads",
                    "undo",
                }:
                    from netsafe.examination.models import TriageJob

                    model = TriageJob
                elif ns == "examination" and name.startswith("disagreement"):
                    from netsafe.examination.models import Disagreement

                    model = Disagreement
                elif ns == "examination" and name.startswith("charging-subject"):
                    model = m.Subject
                elif ns == "examination":
                    model = m.Device
                kwargs[p] = world["records"][model].pk
        elif p == "name" and ns == "examination":
            kwargs[p] = "report.html"
        elif p == "seq":
            kwargs[p] = world["entry"].seq
        elif p == "format":
            kwargs[p] = "json"
        elif p == "step":
            kwargs[p] = 1
        elif p == "decision":
            kwargs[p] = "reject"
        elif p == "module_slug":
            kwargs[p] = "your-behaviour"
        elif p == "page_slug":
            kwargs[p] = "why-change"
        elif p in {"object_id", "id"}:
            kwargs[p] = world["grant"].requested_by_id
        elif p == "app_label":
            kwargs[p] = "accounts"
        else:
            return None
    return kwargs


def _refused(response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    location = response.get("Location", "") if response.status_code == 302 else ""
    return "/login/" in location


@pytest.mark.parametrize("role", ROLES)
def test_the_gate_and_every_page_follow_the_table(client, world, role):
    user = _user(role)
    # 1. The gate answers as the table says, for every row it has.
    assert {k for k in TABLE if k[1] not in {"public", "self"}} == set(gate.RULES)
    for (action, area), roles in TABLE.items():
        if area in {"public", "self"}:
            continue
        assert gate.allowed(user, action, area) == (role in roles), (role, action, area)
    # 2. Every page and API route answers as the table says.
    if user is not None:
        assert client.login(username=user.username, password=PASSWORD)
    client.raise_request_exception = False
    wrong = []
    walked = 0
    for ns, name, params, callback in walk():
        if "format" in params or (ns == "admin" and name.startswith("axes_")):
            continue  # the same views as without a suffix; axes' admin is the admin's
        kind = _classify(ns, name)
        if kind is None:
            continue
        kwargs = _kwargs(ns, name, params, callback, world)
        try:
            url = reverse(f"{ns}:{name}" if ns else name, kwargs=kwargs)
        except NoReverseMatch:
            url = reverse(f"{ns}:{name}" if ns else name, kwargs={"format": ".json", **kwargs})
        response = client.get(url)
        if response.status_code == 405:  # POST-only: ask with a POST that changes nothing
            response = client.post(url, {})
        expected = role in TABLE[kind]
        if expected and f"{ns}:{name}" in STATE_DEPENDENT:
            continue  # refused by the record's state, not the role: checked for refusal only
        if _refused(response) == expected:
            wrong.append((url, kind, response.status_code, "allowed" if expected else "refused"))
        walked += 1
    assert walked > 120
    assert not wrong, "\n".join(map(str, wrong))


def test_every_row_of_the_gate_is_in_the_table():
    assert set(gate.RULES) <= set(TABLE)


def test_an_inactive_user_may_do_nothing():
    user = make_user("t-gone", "gwent", R.SUPERVISOR, is_active=False)
    assert not any(gate.allowed(user, action, area) for action, area in gate.RULES)


def test_another_forces_record_is_refused_by_the_gate_itself(world):
    officer = make_user("t-sw", "south-wales", R.OFFICER)
    subject = world["records"][m.Subject]
    assert not gate.allowed(officer, gate.READ, subject)
    assert not gate.allowed(officer, gate.CHANGE, subject)
    # A call handler changes the contacts they logged, not another handler's.
    contact = world["contact"]
    assert gate.allowed(User.objects.get(pk=contact.handler), gate.CHANGE, contact)
    other_handler = make_user("t-handler2", None, R.CALL_HANDLER)
    assert not gate.allowed(other_handler, gate.CHANGE, contact)
    assert gate.allowed(make_user("t-lead2", None, R.OPERATION_LEAD), gate.READ, subject)
    assert not gate.allowed(make_user("t-lead3", None, R.OPERATION_LEAD), gate.CHANGE, subject)
    gwent = make_user("t-gw2", "gwent", R.OFFICER)
    assert gate.allowed(gwent, gate.CHANGE, subject)
    assert AuditEntry.objects.exists()
