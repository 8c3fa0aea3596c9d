"""The chain of custody is an append-only ledger (issue 13).

Written from the findings: a hand-over before the seizure, the same person as
giver and receiver, an officer handing over at 09:00 what she had already
handed over at 08:00, a free-text receiver who is no user, and editing an entry
afterwards with no history, were all accepted; the seizure was not the first
entry.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from tests.casework import factories as cf
from tests.factories import make_user

from netsafe.accounts.roles import Role
from netsafe.casework import custody
from netsafe.casework import models as m

pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(2017, 3, day, hour, minute))


@pytest.fixture
def device():
    subject = cf.subject("gwent")
    return m.Device.objects.create(
        subject=subject, kind="laptop", seized=date(2017, 3, 3), exhibit_ref="SH/1"
    )


@pytest.fixture
def seized(device, officer):
    custody.record_seizure(device, at=at(3, 7), by=officer, location="Bedroom 1")
    return device


def test_the_seizure_is_entry_one_and_a_hand_over_needs_it(device, officer):
    with pytest.raises(ValidationError, match="Record the seizure first"):
        custody.hand_over(
            device, at=at(3, 9), to=custody.Receiver(body="DFU", reference="1"), location="x"
        )
    first = custody.record_seizure(device, at=at(3, 7), by=officer, location="Bedroom 1")
    assert (first.number, first.kind, first.received_by) == (
        1,
        "seizure",
        "Sian Hughes (gw-officer)",
    )
    with pytest.raises(ValidationError, match="already recorded"):
        custody.record_seizure(device, at=at(3, 8), by=officer, location="Bedroom 1")


def test_a_hand_over_before_the_seizure_or_before_the_last_entry_is_refused(seized):
    dfu = custody.Receiver(body="Gwent DFU", reference="DFU/17/1")
    with pytest.raises(ValidationError) as exc:
        custody.hand_over(seized, at=at(3, 6), to=dfu, location="Cwmbran")
    assert "must be after the entry before it (03/03/2017 07:00)" in exc.value.message_dict["at"][0]
    custody.hand_over(seized, at=at(3, 8), to=dfu, location="Cwmbran")
    # She handed it over at 08:00: at 09:00 it is the DFU's to hand on, not hers, and
    # nothing can be slotted in before 08:00.
    with pytest.raises(ValidationError):
        custody.hand_over(seized, at=at(3, 7, 30), to=dfu, location="Cwmbran")
    store = custody.Receiver(body="Property store", reference="PS/9")
    entry = custody.hand_over(seized, at=at(3, 9), to=store, location="Cwmbran")
    assert entry.handed_by == "Gwent DFU (ref. DFU/17/1)"
    assert entry.number == 3


def test_the_holder_cannot_hand_it_to_themselves(seized, officer):
    with pytest.raises(ValidationError) as exc:
        custody.hand_over(seized, at=at(3, 9), to=custody.Receiver(user=officer), location="x")
    assert "already holds the device" in exc.value.message_dict["receiver"][0]


def test_the_receiver_is_a_user_of_the_force_or_a_named_body_with_its_reference(seized):
    with pytest.raises(ValidationError) as exc:
        custody.hand_over(seized, at=at(3, 9), to=custody.Receiver(), location="x")
    assert "receiver" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        custody.hand_over(seized, at=at(3, 9), to=custody.Receiver(body="DFU"), location="x")
    assert exc.value.message_dict["body_reference"] == ["Enter the outside body's reference."]
    stranger = make_user("sw-officer", "south-wales", Role.OFFICER)
    with pytest.raises(ValidationError) as exc:
        custody.hand_over(seized, at=at(3, 9), to=custody.Receiver(user=stranger), location="x")
    assert exc.value.message_dict["receiver"] == ["Choose an active user of your force."]
    with pytest.raises(ValidationError, match="today"):
        custody.hand_over(
            seized,
            at=timezone.now() + timezone.timedelta(days=2),
            to=custody.Receiver(body="DFU", reference="1"),
            location="x",
        )


def test_entries_cannot_be_changed_or_deleted(seized):
    entry = seized.custody.get()
    entry.location = "Somewhere else"
    with pytest.raises(m.AppendOnly):
        entry.save()
    with pytest.raises(m.AppendOnly):
        entry.delete()
    with pytest.raises(m.AppendOnly):
        m.CustodyEvent.objects.filter(pk=entry.pk).update(location="x")
    with pytest.raises(m.AppendOnly):
        m.CustodyEvent.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.location == "Bedroom 1"


def test_a_correction_is_a_new_entry_pointing_at_what_it_corrects(seized, officer):
    wrong = custody.hand_over(
        seized, at=at(3, 9), to=custody.Receiver(body="DFU", reference="1"), location="Cwmbran"
    )
    with pytest.raises(ValidationError) as exc:
        custody.correct(
            wrong,
            at=at(3, 9),
            to=custody.Receiver(body="DFU", reference="1"),
            location="x",
            reason="",
        )
    assert "reason" in exc.value.message_dict
    fixed = custody.correct(
        wrong,
        at=at(3, 10),
        to=custody.Receiver(body="Gwent DFU", reference="DFU/17/7"),
        location="Cwmbran",
        reason="Wrong reference and time",
    )
    assert (fixed.number, fixed.kind, fixed.corrects_id) == (3, "correction", wrong.pk)
    assert seized.custody.count() == 3  # the corrected entry stays
    assert custody.holder(seized) == fixed
    # The next hand-over is after the corrected time, from the corrected holder.
    with pytest.raises(ValidationError):
        custody.hand_over(
            seized, at=at(3, 9, 30), to=custody.Receiver(user=officer), location="Cwmbran"
        )
    back = custody.hand_over(
        seized, at=at(3, 11), to=custody.Receiver(user=officer), location="Cwmbran"
    )
    assert back.handed_by == "Gwent DFU (ref. DFU/17/7)"
    # A correction cannot move an entry past its neighbours.
    with pytest.raises(ValidationError, match="before the entry after it"):
        custody.correct(
            wrong,
            at=at(3, 12),
            to=custody.Receiver(body="Gwent DFU", reference="DFU/17/7"),
            location="Cwmbran",
            reason="x",
        )


def test_the_pages_record_the_ledger_and_show_the_whole_history(client, officer, device):
    page = client.get(device.get_absolute_url()).content.decode()
    assert "Record the seizure" in page
    assert "Hand over custody" not in page
    url = reverse("casework:device-custody-seizure", args=[device.pk])
    response = client.post(
        url, {"at": "2017-03-03T07:00", "receiver": officer.pk, "location": "Bedroom 1"}
    )
    assert response.status_code == 302
    handover = reverse("casework:device-custody-handover", args=[device.pk])
    # A free-text receiver without a reference, and a time before the seizure: refused.
    response = client.post(
        handover, {"at": "2017-03-03T06:00", "body": "Mr Jones", "location": "Station"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["body_reference"] == ["Enter the outside body's reference."]
    response = client.post(
        handover,
        {"at": "2017-03-03T06:00", "body": "DFU", "body_reference": "D1", "location": "x"},
    )
    assert "must be after the entry before it" in response.context["form"].errors["at"][0]
    client.post(
        handover,
        {"at": "2017-03-03T09:00", "body": "DFU", "body_reference": "D1", "location": "Cwmbran"},
    )
    wrong = device.custody.get(number=2)
    response = client.post(
        reverse("casework:device-custody-correct", args=[device.pk]),
        {
            "corrects": wrong.pk,
            "at": "2017-03-03T09:30",
            "body": "Gwent DFU",
            "body_reference": "DFU/17/7",
            "location": "Cwmbran",
            "reason": "Wrong reference",
        },
    )
    assert response.status_code == 302
    page = client.get(device.get_absolute_url()).content.decode()
    for text in (
        "Sian Hughes (gw-officer)",
        "DFU (ref. D1)",
        "Gwent DFU (ref. DFU/17/7)",
        "Wrong reference",
        "Correction",
    ):
        assert text in page
    # There is no page to change or add an entry other than these.
    with pytest.raises(NoReverseMatch):
        reverse("casework:custodyevent-update", args=[wrong.pk])
    with pytest.raises(NoReverseMatch):
        reverse("casework:custodyevent-create")


def test_the_api_reads_the_ledger_and_cannot_change_it(client, officer, seized):
    entry = seized.custody.get()
    url = reverse("api:custodyevent-detail", args=[entry.pk])
    assert client.get(url).json()["received_by"] == "Sian Hughes (gw-officer)"
    assert client.patch(url, {"location": "x"}, content_type="application/json").status_code == 405
    assert client.put(url, {"location": "x"}, content_type="application/json").status_code == 405
    assert client.delete(url).status_code == 405
    response = client.post(
        reverse("api:custodyevent-list"),
        {"device": seized.pk, "at": "2017-03-03T06:00:00Z", "received_by": "x", "location": "x"},
        content_type="application/json",
    )
    assert response.status_code == 405
    assert seized.custody.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_each_existing_chain_a_ledger_starting_with_the_seizure():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        ("casework", "0005_partial_and_figure_indexes"),
        ("casework", "0006_custody_ledger"),
    )
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    # A transactional test before this one on the same worker may have emptied the table.
    force, _ = old.get_model("accounts", "Force").objects.get_or_create(
        slug="gwent", defaults={"name": "Gwent Police"}
    )
    referral = old.get_model("casework", "Referral").objects.create(
        force=force, ref="R1", source="ncmec", received=date(2017, 3, 1)
    )
    subject = old.get_model("casework", "Subject").objects.create(
        force=force, ref="S1", referral=referral, given_names="A", family_name="B"
    )
    device = old.get_model("casework", "Device").objects.create(
        force=force,
        ref="D1",
        subject=subject,
        kind="phone",
        seized=date(2017, 3, 3),
        seized_where="Kitchen",
        seized_by="DC Evans",
    )
    event = old.get_model("casework", "CustodyEvent")
    for hour, giver, receiver in ((14, "DC Evans", "Store"), (9, "DC Evans", "DS Price")):
        event.objects.create(
            force=force,
            device=device,
            at=at(3, hour),
            handed_by=giver,
            received_by=receiver,
            location="Newport",
        )
    executor = MigrationExecutor(connection)
    executor.migrate([after])
    new = executor.loader.project_state([after]).apps
    rows = list(
        new.get_model("casework", "CustodyEvent")
        .objects.filter(device_id=device.pk)
        .order_by("number")
        .values_list("number", "kind", "at", "received_by", "location")
    )
    assert rows == [
        (1, "seizure", at(3, 8, 59), "DC Evans", "Kitchen"),  # just before the first
        (2, "handover", at(3, 9), "DS Price", "Newport"),
        (3, "handover", at(3, 14), "Store", "Newport"),
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_admin_cannot_change_or_delete_an_entry(rf, seized):
    from django.contrib import admin

    superuser = make_user("root", None, Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    request = rf.get("/admin/")
    request.user = superuser
    entry = seized.custody.get()
    model_admin = admin.site._registry.get(m.CustodyEvent)
    if model_admin is not None:  # listed for reading at most
        assert not model_admin.has_change_permission(request, entry)
        assert not model_admin.has_delete_permission(request, entry)
        assert not model_admin.has_add_permission(request)
    # Whatever the admin offers, the model itself refuses (its delete action included).
    with pytest.raises(m.AppendOnly):
        m.CustodyEvent.objects.filter(pk=entry.pk).delete()
