"""Custody hand-overs through the API (issue 13): the page's rules, the page's function.

``POST /api/devices/{id}/custody/seizure/``, ``.../hand-over/`` and
``.../correct/`` add one entry each, under the ledger's rules (from the
current holder, to a named user or a named outside body with its reference,
after the entry before); entries are never edited or deleted; another force's
device is "not found"; each entry is audited; the schema documents them.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from tests.casework import factories as cf
from tests.factories import make_user

from netsafe.accounts.roles import Role
from netsafe.audit.models import AuditEntry
from netsafe.casework import custody
from netsafe.casework import models as m

pytestmark = pytest.mark.django_db


@pytest.fixture
def device():
    return m.Device.objects.create(
        subject=cf.subject("gwent"), kind="laptop", seized=date(2017, 3, 3), exhibit_ref="SH/1"
    )


def url(device, what: str) -> str:
    return reverse(f"api:device-custody-{what}", args=[device.pk])


def post(client, address: str, data: dict):
    return client.post(address, data, content_type="application/json")


def test_the_api_records_a_chain_by_the_page_rules(client, officer, device):
    colleague = make_user("gw-dfu", "gwent", Role.EXAMINER, first_name="Huw", last_name="Rees")
    dfu = {"body": "Gwent DFU", "body_reference": "DFU/17/1", "location": "Cwmbran"}
    # No hand-over before the seizure.
    response = post(client, url(device, "handover"), {"at": "2017-03-03T09:00:00Z", **dfu})
    assert response.status_code == 400
    assert "Record the seizure first" in str(response.json())
    response = post(
        client,
        url(device, "seizure"),
        {"at": "2017-03-03T07:00:00Z", "receiver": "gw-officer", "location": "Bedroom 1"},
    )
    assert response.status_code == 201, response.json()
    first = response.json()
    assert (first["number"], first["kind"], first["received_by"]) == (
        1,
        "seizure",
        "Sian Hughes (gw-officer)",
    )
    assert response["Location"] == reverse("api:custodyevent-detail", args=[first["id"]])
    # Before the entry before it: refused next to the time.
    response = post(client, url(device, "handover"), {"at": "2017-03-03T06:00:00Z", **dfu})
    assert response.status_code == 400
    assert "must be after the entry before it" in response.json()["at"][0]
    # To whoever holds it already: refused next to the receiver.
    response = post(
        client,
        url(device, "handover"),
        {"at": "2017-03-03T08:00:00Z", "receiver": "gw-officer", "location": "x"},
    )
    assert "already holds the device" in response.json()["receiver"][0]
    # An outside body needs its reference.
    response = post(
        client,
        url(device, "handover"),
        {"at": "2017-03-03T08:00:00Z", "body": "Mr Jones", "location": "Station"},
    )
    assert response.json() == {"body_reference": ["Enter the outside body's reference."]}
    # A named user of the force, then an outside body with its reference.
    response = post(
        client,
        url(device, "handover"),
        {"at": "2017-03-03T08:00:00Z", "receiver": "gw-dfu", "location": "Cwmbran"},
    )
    assert response.status_code == 201
    assert response.json()["handed_by"] == "Sian Hughes (gw-officer)"
    response = post(client, url(device, "handover"), {"at": "2017-03-03T09:00:00Z", **dfu})
    assert response.status_code == 201
    entry = response.json()
    assert (entry["number"], entry["handed_by"], entry["received_by"]) == (
        3,
        "Huw Rees (gw-dfu)",
        "Gwent DFU (ref. DFU/17/1)",
    )
    assert custody.holder(device).received_by == "Gwent DFU (ref. DFU/17/1)"
    assert colleague.pk == device.custody.get(number=2).receiver_id
    # Written by the API user, as on the page.
    assert set(device.custody.values_list("recorded_by", flat=True)) == {officer.pk}


def test_a_correction_through_the_api_points_at_what_it_corrects(client, officer, device):
    custody.record_seizure(device, at=_at("07:00"), by=officer, location="Bedroom 1")
    wrong = custody.hand_over(
        device,
        at=_at("09:00"),
        to=custody.Receiver(body="DFU", reference="1"),
        location="Cwmbran",
    )
    fixed = {
        "corrects": wrong.pk,
        "at": "2017-03-03T09:30:00Z",
        "body": "Gwent DFU",
        "body_reference": "DFU/17/7",
        "location": "Cwmbran",
    }
    response = post(client, url(device, "correct"), fixed)
    assert response.json() == {"reason": ["This field is required."]}
    response = post(client, url(device, "correct"), fixed | {"reason": "Wrong reference"})
    assert response.status_code == 201, response.json()
    assert (response.json()["kind"], response.json()["corrects"]) == ("correction", wrong.pk)
    wrong.refresh_from_db()
    assert wrong.received_by == "DFU (ref. 1)"  # the entry corrected stays as it was
    # An entry of another device is not one to correct here.
    other = m.Device.objects.create(
        subject=device.subject, kind="phone", seized=date(2017, 3, 3), exhibit_ref="SH/2"
    )
    theirs = custody.record_seizure(other, at=_at("07:00"), by=officer, location="Kitchen")
    response = post(client, url(device, "correct"), fixed | {"corrects": theirs.pk, "reason": "x"})
    assert response.status_code == 400
    assert "corrects" in response.json()


def _at(clock: str):
    from datetime import datetime

    from django.utils import timezone

    hour, minute = map(int, clock.split(":"))
    return timezone.make_aware(datetime(2017, 3, 3, hour, minute))


def test_entries_are_never_edited_or_deleted_through_the_api(client, officer, device):
    entry = custody.record_seizure(device, at=_at("07:00"), by=officer, location="Bedroom 1")
    detail = reverse("api:custodyevent-detail", args=[entry.pk])
    for method in ("put", "patch"):
        response = getattr(client, method)(
            detail, {"location": "x"}, content_type="application/json"
        )
        assert response.status_code == 405
    assert client.delete(detail).status_code == 405
    for what in ("seizure", "handover", "correct"):
        assert client.delete(url(device, what)).status_code == 405
        assert client.put(url(device, what), {}, content_type="application/json").status_code == 405
    entry.refresh_from_db()
    assert entry.location == "Bedroom 1"


def test_another_forces_device_or_user_is_not_found(client, officer):
    theirs = m.Device.objects.create(
        subject=cf.subject("south-wales"), kind="phone", seized=date(2017, 3, 3), exhibit_ref="X/1"
    )
    sent = {"at": "2017-03-03T07:00:00Z", "receiver": "gw-officer", "location": "x"}
    assert post(client, url(theirs, "seizure"), sent).status_code == 404
    assert not theirs.custody.exists()
    ours = m.Device.objects.create(
        subject=cf.subject("gwent"), kind="phone", seized=date(2017, 3, 3), exhibit_ref="Y/1"
    )
    make_user("sw-officer", "south-wales", Role.OFFICER)
    response = post(client, url(ours, "seizure"), sent | {"receiver": "sw-officer"})
    assert response.json() == {"receiver": ["No user of your force has the user name sw-officer."]}


def test_a_reader_who_may_not_change_casework_is_refused(client, device):
    lead = make_user("op-lead", None, Role.OPERATION_LEAD)
    client.force_login(lead)
    sent = {"at": "2017-03-03T07:00:00Z", "receiver": "op-lead", "location": "x"}
    assert post(client, url(device, "seizure"), sent).status_code == 404
    assert not device.custody.exists()


def test_each_entry_is_in_the_audit_log(client, officer, device):
    response = post(
        client,
        url(device, "seizure"),
        {"at": "2017-03-03T07:00:00Z", "receiver": "gw-officer", "location": "Bedroom 1"},
    )
    logged = AuditEntry.objects.get(action="create", model="casework.custodyevent")
    assert (logged.object_id, logged.username) == (str(response.json()["id"]), "gw-officer")
    assert logged.actor.startswith("api: POST /api/devices/")


def test_the_schema_documents_the_custody_endpoints(client, officer):
    schema = client.get(reverse("api:schema"), {"format": "json"}).json()
    for path, required in (
        ("/api/devices/{id}/custody/seizure/", {"at", "receiver", "location"}),
        ("/api/devices/{id}/custody/hand-over/", {"at", "location"}),
        ("/api/devices/{id}/custody/correct/", {"at", "location", "corrects", "reason"}),
    ):
        operation = schema["paths"][path]["post"]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        body = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert set(body["required"]) == required, path
        assert {"201", "400", "404"} <= set(operation["responses"]), path
        assert operation["summary"]
    handover = schema["paths"]["/api/devices/{id}/custody/hand-over/"]["post"]
    assert "body_reference" in str(schema["components"]["schemas"])
    assert "current holder" in (handover["description"])
