"""The supervisors' upload page shows the same validation report as the command."""

from __future__ import annotations

import json
from datetime import date

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


@pytest.fixture(autouse=True)
def pending_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path / "returns-pending"


def confirm(client, **fields):
    token = client.session["returns-pending"]["token"]
    return client.post("/returns/upload/", {"token": token, **fields})


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
    response = upload(supervisor, "bad.jsonl", "\n".join(lines) + "\n")
    assert response.status_code == 400
    page = response.content.decode()
    assert "bad.jsonl was rejected: nothing was stored" in page
    assert "2: subject &#x27;GS1&#x27;: referral_ref &#x27;NOPE&#x27; is not a referral" in page
    assert "4: bad JSON" in page
    assert stored_counts() == before


def test_a_good_return_is_previewed_then_stored_when_confirmed(supervisor, pending_in_tmp):
    before = stored_counts()
    response = upload(supervisor, "gwent.jsonl", jsonl(*good_records()))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing of gwent.jsonl is stored yet" in page
    assert response.context["result"].counts["device"] == {
        "added": 2,
        "replaced": 0,
        "unchanged": 0,
    }
    assert '<th scope="row" class="govuk-table__header">device</th>' in page
    # The preview stored nothing, not even an audit entry.
    assert stored_counts() == before
    assert not AuditEntry.objects.filter(action="returns import").exists()
    assert len(list(pending_in_tmp.iterdir())) == 1

    page = confirm(supervisor).content.decode()
    assert "gwent.jsonl was imported." in page
    entry = AuditEntry.objects.get(action="returns import")
    assert entry.username == "gwent-sup"
    assert not list(pending_in_tmp.iterdir())
    # A second confirmation finds nothing waiting.
    assert supervisor.post("/returns/upload/", {"token": "x" * 20}).status_code == 400
    upload(supervisor, "gwent.jsonl", jsonl(*good_records()))
    again = confirm(supervisor).context["result"]
    assert all(c["added"] == c["replaced"] == 0 for c in again.counts.values())


def test_another_users_token_is_refused(supervisor, client):
    upload(supervisor, "gwent.jsonl", jsonl(*good_records()))
    token = supervisor.session["returns-pending"]["token"]
    from django.test import Client

    other = Client()
    make_user("gwent-sup2", "gwent", Role.SUPERVISOR)
    other.login(username="gwent-sup2", password=PASSWORD)
    assert other.post("/returns/upload/", {"token": token}).status_code == 400
    assert not AuditEntry.objects.filter(action="returns import").exists()


def test_replacing_a_record_entered_on_screen_needs_the_box_ticked(supervisor):
    from tests.casework import factories as cf

    referral = cf.referral("gwent", received=date(2017, 1, 9))  # typed on the pages
    line = good_records()[0] | {"ref": referral.ref, "source": "ncmec"}
    response = upload(supervisor, "gwent.jsonl", jsonl(line))
    assert response.status_code == 200
    assert response.context["result"].on_screen == [(1, "referral", referral.ref)]
    assert f"line 1: referral {referral.ref}" in response.content.decode()
    refused = confirm(supervisor)
    assert refused.status_code == 400
    assert (
        f"1: referral &#x27;{referral.ref}&#x27; was entered on screen and this return would "
        "replace it" in refused.content.decode()
    )
    referral.refresh_from_db()
    assert (referral.source, referral.received) == ("nca-ceop", date(2017, 1, 9))
    done = confirm(supervisor, replace_on_screen="on")
    assert "gwent.jsonl was imported." in done.content.decode()
    referral.refresh_from_db()
    assert (referral.source, referral.received) == ("ncmec", date(2016, 11, 2))


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
