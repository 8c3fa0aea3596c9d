"""The supervisors' upload page shows the same validation report as the command."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.factories import PASSWORD, make_user
from tests.returns.test_returns import good_records, jsonl, stored_counts

from netsafe.accounts.roles import Role
from netsafe.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def upload(client, name: str, content: str):
    return client.post(
        "/returns/upload/", {"return_file": SimpleUploadedFile(name, content.encode("utf-8"))}
    )


@pytest.fixture
def supervisor(client):
    make_user("gwent-sup", "gwent", Role.SUPERVISOR)
    assert client.login(username="gwent-sup", password=PASSWORD)
    return client


def test_a_bad_return_is_listed_by_line_and_nothing_is_stored(supervisor):
    before = stored_counts()
    records = good_records()
    records[1]["referral_ref"] = "NOPE"
    lines = jsonl(*records).splitlines()
    lines[3] = "{not json"
    page = upload(supervisor, "bad.jsonl", "\n".join(lines) + "\n").content.decode()
    assert "bad.jsonl was rejected: nothing was stored" in page
    assert "2: subject &#x27;GS1&#x27;: referral_ref &#x27;NOPE&#x27; is not a referral" in page
    assert "4: bad JSON" in page
    assert stored_counts() == before


def test_a_good_return_is_imported_and_the_counts_shown(supervisor):
    page = upload(supervisor, "gwent.jsonl", jsonl(*good_records())).content.decode()
    assert "gwent.jsonl was imported." in page
    assert '<th scope="row" class="govuk-table__header">device</th>' in page
    entry = AuditEntry.objects.get(action="returns import")
    assert entry.username == "gwent-sup"
    again = upload(supervisor, "gwent.jsonl", jsonl(*good_records())).context["result"]
    assert all(c["added"] == c["replaced"] == 0 for c in again.counts.values())


def test_a_supervisor_uploads_only_their_own_forces_records(supervisor):
    page = upload(supervisor, "sw.jsonl", jsonl(*good_records("south-wales", "S")))
    report = page.context["result"].checked.report()
    assert report[0] == (
        "1: referral: force 'south-wales' is not yours (gwent): upload your own force's return"
    )
    assert len(report) == len(good_records())


@pytest.mark.parametrize(
    ("force", "role"),
    [("gwent", Role.OFFICER), (None, Role.ANALYST), (None, Role.OPERATION_LEAD)],
)
def test_other_roles_get_not_found(client, force, role):
    make_user("other", force, role)
    client.login(username="other", password=PASSWORD)
    assert client.get("/returns/upload/").status_code == 404
    assert upload(client, "x.jsonl", json.dumps(good_records()[0])).status_code == 404
