"""One search page across the casework, force-scoped, with the API giving the same answer."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.casework import factories as cf
from tests.factories import make_user

from netsafe.accounts.roles import Role
from netsafe.audit.models import AuditEntry
from netsafe.casework.choices import IdentifierKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client):
    user = make_user("gw-officer", "gwent", Role.OFFICER)
    client.force_login(user)
    return user


@pytest.fixture
def cases():
    ours = cf.case("gwent", given_names="Aled", family_name="Dunn", email="aled@example.com")
    cf.identifier(ours.referral, IdentifierKind.ACCOUNT, "adunn24", service="Kik")
    theirs = cf.case("south-wales", given_names="Aled", family_name="Dunn", email="x@example.com")
    cf.identifier(theirs.referral, IdentifierKind.ACCOUNT, "adunn24", service="Kik")
    return ours, theirs


def _page(client, q):
    response = client.get(reverse("casework:search"), {"q": q})
    assert response.status_code == 200
    return {s.key: [h.url for h in hits] for s, hits in response.context["sections"]}


def _api(client, q):
    body = client.get("/api/search/", {"q": q}).json()["results"]
    return {key: [h["url"] for h in hits] for key, hits in body.items()}


@pytest.mark.parametrize(
    ("q", "section"),
    [
        ("adunn24", "referrals"),  # an online account held on the referral
        ("@ADunn24", "subjects"),  # ... and the subject of that referral
        ("adunn24", "identifiers"),
        ("Dunn", "subjects"),
        ("Dunn", "warrants"),
        ("aled@example.com", "subjects"),
    ],
)
def test_one_search_finds_every_kind_of_record_of_the_force(client, officer, cases, q, section):
    _ours, theirs = cases
    found = _page(client, q)
    assert found == _api(client, q)
    assert found[section]
    urls = [u for hits in found.values() for u in hits]
    # Never another force's record.
    for record in theirs.records():
        if hasattr(record, "get_absolute_url"):
            assert record.get_absolute_url() not in urls


def test_devices_by_exhibit_and_references_and_the_search_is_logged(client, officer, cases):
    ours, theirs = cases
    assert _page(client, ours.device.exhibit_ref)["devices"] == [ours.device.get_absolute_url()]
    assert _page(client, theirs.device.exhibit_ref)["devices"] == []
    assert _page(client, ours.referral.ref)["referrals"] == [ours.referral.get_absolute_url()]
    logged = AuditEntry.objects.filter(action="search", detail__startswith="all: ")
    assert logged.count() == 3
    # Each search names the records it showed (a bulk read, issue 12).
    assert logged.get(detail=f"all: {ours.device.exhibit_ref}").changes == {
        "ids": [f"device:{ours.device.pk}"]
    }


def test_the_search_api_logs_the_records_it_answered(client, officer, cases):
    ours, _theirs = cases
    client.get("/api/search/", {"q": ours.referral.ref})
    entry = AuditEntry.objects.get(action="search", detail=f"api all: {ours.referral.ref}")
    assert f"referral:{ours.referral.pk}" in entry.changes["ids"]


def test_the_identifiers_list_finds_an_online_account_by_its_handle(client, officer, cases):
    """Issue 13: /casework/identifiers/?q=adunn24 found nothing (the API found it)."""
    page = client.get(reverse("casework:identifier-list"), {"q": "adunn24"})
    assert len(page.context["object_list"]) == 1
    api = client.get("/api/identifiers/", {"search": "adunn24"}).json()
    assert [r["id"] for r in api["results"]] == [page.context["object_list"][0].pk]
