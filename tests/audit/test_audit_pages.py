"""The audit log pages: supervisors see their force, administrators all, others nothing."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from tests.audit.test_audit_chain import _raw
from tests.factories import PASSWORD, make_user

from netsafe.audit import record
from netsafe.audit.context import audit_context
from netsafe.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    people = {
        "sw_officer": make_user("sw-officer", "south-wales", "officer"),
        "sw_super": make_user("sw-super", "south-wales", "supervisor"),
        "gw_officer": make_user("gw-officer", "gwent", "officer"),
        "gw_super": make_user("gw-super", "gwent", "supervisor"),
        "admin": make_user("op-admin", None, "admin"),
        "lead": make_user("op-lead", None, "operation-lead"),
        "analyst": make_user("op-analyst", None, "analyst"),
    }
    with audit_context(user=people["sw_officer"]):
        record("view", people["sw_officer"], detail="south wales officer looked")
    with audit_context(user=people["gw_officer"]):
        record("search", people["gw_officer"], detail="gwent officer searched")
    with audit_context(user=people["lead"]):
        # The operation lead (no force) reading a Gwent record shows in Gwent's log.
        record("view", people["gw_officer"], detail="lead read gwent record")
    return people


def _get(client, who, url="/audit/", **params):
    assert client.login(username=who.username, password=PASSWORD)
    return client.get(url, params)


def _details(response) -> set[str]:
    return {e.detail for e in response.context["entries"] if e.detail}


def test_supervisor_sees_own_force_users_and_records_only(client, people):
    response = _get(client, people["gw_super"])
    assert response.status_code == 200
    details = _details(response)
    assert {"gwent officer searched", "lead read gwent record"} <= details
    assert "south wales officer looked" not in details
    assert all("gwent" in (e.force, e.object_force) for e in response.context["entries"]), (
        "a supervisor saw another force's entry"
    )


def _who_did(response) -> set[tuple[str, str]]:
    return {(e.username, e.action) for e in response.context["entries"]}


def test_administrator_sees_every_force(client, people):
    response = _get(client, people["admin"])
    assert {("gw-officer", "search"), ("sw-officer", "view")} <= _who_did(response)
    # Figures only: a search's terms are content, withheld from administrators.
    details = _details(response)
    assert "south wales officer looked" in details
    assert "gwent officer searched" not in details


@pytest.mark.parametrize("who", ["sw_officer", "lead", "analyst"])
def test_others_get_not_found(client, people, who):
    assert _get(client, people[who]).status_code == 404
    entry = AuditEntry.objects.order_by("seq").first()
    assert _get(client, people[who], f"/audit/{entry.seq}/").status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_another_forces_entry_answers_not_found(client, people):
    south_wales = AuditEntry.objects.get(detail="south wales officer looked")
    assert _get(client, people["gw_super"], f"/audit/{south_wales.seq}/").status_code == 404
    response = _get(client, people["sw_super"], f"/audit/{south_wales.seq}/")
    assert response.status_code == 200
    assert "south wales officer looked" in response.content.decode()


def test_filters_narrow_the_log(client, people):
    admin = people["admin"]
    assert _who_did(_get(client, admin, user="gw-off")) == {("gw-officer", "search")}
    assert _who_did(_get(client, admin, action="search")) == {("gw-officer", "search")}
    by_force = _who_did(_get(client, admin, force="gwent"))
    assert {("gw-officer", "search"), ("op-lead", "view")} <= by_force
    assert ("sw-officer", "view") not in by_force
    assert _get(client, admin, model="accounts.user").context["page"].paginator.count >= 3
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    assert _details(_get(client, admin, date_from=tomorrow.isoformat())) == set()
    assert ("gw-officer", "search") in _who_did(
        _get(client, admin, date_from=today.isoformat(), date_to=today.isoformat())
    )


def test_a_backwards_date_range_is_an_error_in_the_summary(client, people):
    response = _get(client, people["admin"], date_from="2018-01-02", date_to="2018-01-01")
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert '<a href="#id_date_to">The end date must be the same as or after the start date' in html
    assert html.startswith("<!DOCTYPE html>") or "<title>Error: Audit log" in html


def test_reading_the_log_is_itself_logged(client, people):
    response = _get(client, people["gw_super"], action="view")
    assert response.status_code == 200
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.username, entry.action, entry.model) == ("gw-super", "view", "audit.auditentry")
    assert entry.detail == "action=view"
    assert entry.actor == "web: GET /audit/"
    detail = _get(client, people["gw_super"], f"/audit/{entry.seq}/")
    assert detail.status_code == 200
    last = AuditEntry.objects.order_by("-seq").first()
    assert (last.action, last.object_id) == ("view", str(entry.pk))


def test_pages_of_fifty(client, people):
    with audit_context(user=people["gw_officer"]):
        for i in range(60):
            record("view", people["gw_officer"], detail=f"bulk {i}")
    first = _get(client, people["gw_super"], action="view")
    assert len(first.context["entries"]) == 50
    html = first.content.decode()
    assert 'class="govuk-pagination"' in html
    assert "?action=view&amp;page=2" in html
    second = _get(client, people["gw_super"], action="view", page=2)
    assert second.context["page"].number == 2
    # Older entries on page 2 (reading page 1 added an entry, so one entry repeats).
    assert max(e.seq for e in second.context["entries"]) <= min(
        e.seq for e in first.context["entries"]
    )


def test_administrators_check_the_chain_from_a_page(client, people):
    client.force_login(people["admin"])
    assert "Check the log" in client.get("/audit/check/").content.decode()
    intact = client.post("/audit/check/").content.decode()
    assert "The log is intact" in intact
    entry = AuditEntry.objects.filter(action="view").order_by("seq")[1]
    _raw("UPDATE audit_auditentry SET detail = 'rewritten' WHERE id = %s", [entry.pk])
    broken = client.post("/audit/check/").content.decode()
    assert "The log has been altered" in broken
    assert f"entry #{entry.seq} was altered" in broken
    assert f'href="/audit/{entry.seq}/"' in broken
    last = AuditEntry.objects.order_by("-seq").first()
    assert (last.action, last.username) == ("verify", "op-admin")
    assert "broken: entry" in last.detail


@pytest.mark.parametrize("who", ["gw_super", "sw_officer"])
def test_only_administrators_check_the_chain(client, people, who):
    client.force_login(people[who])
    assert client.get("/audit/check/").status_code == 404
    assert client.post("/audit/check/").status_code == 404


@pytest.fixture
def changed_device():
    """A Gwent officer records a case, then changes the laptop to a phone seized elsewhere."""
    from tests.casework import factories as cf

    from netsafe.casework.choices import DeviceKind

    officer = make_user("gw-writer", "gwent", "officer")
    with audit_context(user=officer):
        case = cf.case("gwent")
        device = case.device
        device.kind = DeviceKind.PHONE
        device.seized_where = "Kitchen drawer"
        device.save()
    return AuditEntry.objects.filter(model="casework.device", action="update").latest("seq")


def test_the_log_names_records_fields_and_values_in_words(client, people, changed_device):
    page = _get(client, people["gw_super"]).content.decode()
    # Record types in words, in the table and in the filter.
    assert ">casework.custodyevent<" not in page
    assert '<span class="govuk-body-s">Chain-of-custody entry</span>' in page
    assert '<option value="casework.custodyevent">Chain-of-custody entry</option>' in page
    assert "Kind, Seized where, Updated" in page  # which fields changed, not how many

    detail = _get(client, people["gw_super"], f"/audit/{changed_device.seq}/")
    rows = {(c["field"], c["old"], c["new"]) for c in detail.context["changes"]}
    assert {("Kind", "Laptop", "Phone"), ("Seized where", "Bedroom 1", "Kitchen drawer")} < rows
    assert '<dd class="govuk-summary-list__value">Device</dd>' in detail.content.decode()
    # Forces by their names, not their slugs.
    assert '<dd class="govuk-summary-list__value">Gwent Police</dd>' in detail.content.decode()
    assert '<span class="govuk-body-s">Gwent Police</span>' in page


def test_administrators_see_which_fields_changed_but_not_the_values(client, people, changed_device):
    page = _get(client, people["admin"]).content.decode()
    assert "Kind, Seized where, Updated" in page
    detail = _get(client, people["admin"], f"/audit/{changed_device.seq}/")
    rows = {(c["field"], c["old"], c["new"]) for c in detail.context["changes"]}
    assert {(name, old, new) for name, old, new in rows if name != "Updated"} == {
        ("Kind", "(withheld)", "(withheld)"),
        ("Seized where", "(withheld)", "(withheld)"),
    }
    assert "Kitchen drawer" not in detail.content.decode()


def test_every_action_recorded_by_the_code_has_words():
    from netsafe.audit.bulk import BULK_ACTIONS
    from netsafe.audit.models import Action

    recorded = {"grade", "triage-queue", "stats", "returns import", "returns export"}
    recorded |= {"grant-requested", "demo load"} | set(BULK_ACTIONS)
    assert recorded <= set(Action.values)
