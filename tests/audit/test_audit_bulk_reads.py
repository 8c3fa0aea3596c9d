"""Bulk reads are audited (issue 12, finding 2).

"As operation lead, /api/subjects/?page=1..13 returned all 606 subjects with dates of
birth and notes and wrote no audit entry; list pages and filters (?born=1980) write
none either. Only single-record views and ?q= searches are logged."

Each list, filter or search page, and each API list page, writes ONE entry naming the
ids of the records it showed.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from tests.casework import factories as cf
from tests.factories import make_user

from netsafe.accounts.roles import Role
from netsafe.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def subjects():
    """Sixty subjects: thirty of Gwent born in 1980, thirty of South Wales born in 1975."""
    made = []
    for i in range(30):
        made.append(cf.subject("gwent", family_name=f"Gwent{i}", date_of_birth=date(1980, 1, 2)))
        made.append(cf.subject("south-wales", family_name=f"Sw{i}", date_of_birth=date(1975, 3, 4)))
    return made


def _new_entries(since: int):
    return list(AuditEntry.objects.filter(seq__gt=since).order_by("seq"))


def _last_seq() -> int:
    newest = AuditEntry.objects.order_by("-seq").first()
    return newest.seq if newest else 0


def test_each_api_list_page_writes_one_entry_naming_the_subjects_returned(client, subjects):
    client.force_login(make_user("lead", None, Role.OPERATION_LEAD))
    seen: set[int] = set()
    for page in (1, 2):
        before = _last_seq()
        body = client.get(reverse("api:subject-list"), {"page": page}).json()
        ids = [row["id"] for row in body["results"]]
        (entry,) = [e for e in _new_entries(before) if e.action != "login"]
        assert (entry.action, entry.model, entry.username) == ("list", "casework.subject", "lead")
        assert entry.changes == {"ids": ids}
        assert f"page={page}" in entry.detail
        seen |= set(ids)
    assert seen == {s.pk for s in subjects}


def test_an_api_search_is_one_entry_with_terms_and_ids(client, subjects):
    client.force_login(make_user("gw-off", "gwent", Role.OFFICER))
    before = _last_seq()
    body = client.get(reverse("api:subject-list"), {"search": "Gwent1"}).json()
    (entry,) = _new_entries(before)
    assert entry.action == "search"
    assert entry.detail == "api subjects: Gwent1"
    assert sorted(entry.changes["ids"]) == sorted(row["id"] for row in body["results"])
    assert entry.object_force == "gwent"


def test_a_filtered_list_page_writes_one_entry_naming_the_subjects_shown(client, subjects):
    client.force_login(make_user("gw-sup", "gwent", Role.SUPERVISOR))
    before = _last_seq()
    page = client.get(reverse("casework:subject-list"), {"born": "1980"})
    assert page.status_code == 200
    shown = [s.pk for s in page.context["object_list"]]
    assert len(shown) == 25
    (entry,) = _new_entries(before)
    assert (entry.action, entry.model) == ("list", "casework.subject")
    assert entry.changes == {"ids": shown}
    assert "born=1980" in entry.detail
    # Gwent's records only, so Gwent's supervisors read the entry.
    assert entry.object_force == "gwent"


def test_a_search_page_writes_one_entry_with_its_terms_and_ids(client, subjects):
    client.force_login(make_user("sw-off", "south-wales", Role.OFFICER))
    before = _last_seq()
    page = client.get(reverse("casework:subject-list"), {"q": "Sw2"})
    shown = [s.pk for s in page.context["object_list"]]
    assert shown
    (entry,) = _new_entries(before)
    assert entry.action == "search"
    assert entry.detail == "subjects: Sw2"
    assert entry.changes == {"ids": shown}


def test_every_record_list_page_is_audited(client):
    from netsafe.casework.registry import RECORD_TYPES

    case = cf.case("gwent")
    assert case
    client.force_login(make_user("gw-off2", "gwent", Role.OFFICER))
    for rt in RECORD_TYPES:
        before = _last_seq()
        assert client.get(reverse(f"casework:{rt.name}-list")).status_code == 200, rt.slug
        entries = _new_entries(before)
        assert [(e.action, e.model) for e in entries] == [("list", rt.model._meta.label_lower)]


def test_the_audit_entry_page_shows_the_ids_shown(client, subjects):
    client.force_login(make_user("gw-sup2", "gwent", Role.SUPERVISOR))
    client.get(reverse("casework:subject-list"), {"born": "1980"})
    entry = AuditEntry.objects.filter(action="list").latest("seq")
    html = client.get(reverse("audit:detail", args=[entry.seq])).content.decode()
    assert ", ".join(str(i) for i in entry.changes["ids"][:3]) in html


def test_my_work_writes_one_entry_naming_every_record_it_lists(client):
    case = cf.case("gwent")
    client.force_login(make_user("gw-off3", "gwent", Role.OFFICER))
    before = _last_seq()
    assert client.get(reverse("casework:my-work")).status_code == 200
    (entry,) = _new_entries(before)
    assert (entry.action, entry.detail) == ("list", "my work")
    assert entry.changes["ids"], entry.changes
    assert all(":" in label for label in entry.changes["ids"])
    assert case
