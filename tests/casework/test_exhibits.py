"""Exhibits: a reference is required and names one exhibit in the operation (issue 13).

Two devices with exhibit reference UX/1 were saved in one case, the reference
was optional, and one evidence item was triaged for two different exhibits.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from tests.casework import factories as cf
from tests.factories import make_user

from netsafe.accounts.roles import Role
from netsafe.casework import models as m

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client):
    user = make_user("gw-officer", "gwent", Role.OFFICER)
    client.force_login(user)
    return user


def _device(subject, exhibit: str) -> dict:
    return {
        "subject": subject.ref,
        "kind": "phone",
        "seized": "2017-03-03",
        "forensic_status": "awaiting-triage",
        "exhibit_ref": exhibit,
    }


def test_the_exhibit_reference_is_required(client, officer):
    subject = cf.subject("gwent")
    response = client.post(reverse("casework:device-create"), _device(subject, ""))
    assert response.status_code == 200
    assert response.context["form"].errors["exhibit_ref"] == ["Enter the exhibit reference."]
    response = client.post(
        "/api/devices/",
        {"subject": subject.pk, "kind": "phone", "seized": "2017-03-03"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "exhibit_ref" in response.json()
    assert not m.Device.objects.exists()


@pytest.mark.parametrize("again", ["UX/1", "ux/1", " UX/1 "])
def test_an_exhibit_reference_names_one_exhibit_in_the_operation(client, officer, again):
    subject = cf.subject("gwent")
    assert (
        client.post(reverse("casework:device-create"), _device(subject, "UX/1")).status_code == 302
    )
    response = client.post(reverse("casework:device-create"), _device(subject, again))
    assert response.context["form"].errors["exhibit_ref"] == [
        f"Exhibit reference {again.strip()} is already used in the operation: "
        "each exhibit has its own reference."
    ]
    # Another force's exhibit too: the message does not say whose it is.
    theirs = cf.subject("south-wales")
    m.Device.objects.create(subject=theirs, kind="phone", exhibit_ref="SW/9")
    response = client.post(
        "/api/devices/",
        {"subject": subject.pk, "kind": "phone", "seized": "2017-03-03", "exhibit_ref": "sw/9"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "already used in the operation" in response.json()["exhibit_ref"][0]
    assert "south" not in response.content.decode().lower()
    assert m.Device.objects.count() == 2
    # The database holds the rule too, whatever writes to it.
    with pytest.raises(IntegrityError), transaction.atomic():
        m.Device.objects.create(subject=subject, kind="phone", exhibit_ref="Ux/1")


def test_devices_from_returns_carry_no_exhibit_and_do_not_collide():
    subject = cf.subject("gwent")
    m.Device.objects.create(subject=subject, kind="phone")
    m.Device.objects.create(subject=subject, kind="laptop")
    assert m.Device.objects.filter(exhibit_ref="").count() == 2
