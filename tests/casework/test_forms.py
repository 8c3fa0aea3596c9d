"""Forms an officer can rely on (issue 13): errors name their field, nothing is "saved"
that did not change, an action asks for what it records, an arrest has its time."""

from __future__ import annotations

from datetime import date

import pytest
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


def test_error_messages_name_the_field(client, officer):
    response = client.post(reverse("casework:subject-create"), {"date_of_birth": "1980-02-30"})
    errors = response.context["form"].errors
    assert errors["given_names"] == ["Enter the given names."]
    assert errors["family_name"] == ["Enter the family name."]
    assert errors["referral"] == ["Enter the referral reference."]
    assert errors["date_of_birth"] == ["Date of birth must be a real date"]
    text = response.content.decode()
    assert "This field is required." not in text
    response = client.post(reverse("casework:referral-create"), {})
    assert response.context["form"].errors["source"] == ["Select the source."]
    assert response.context["form"].errors["received"] == ["Enter the date received"]


def test_record_the_issue_with_a_blank_date_is_an_error_not_saved(client, officer):
    subject = cf.subject("gwent")
    warrant = cf.create(m.Warrant, subject=subject, address="1 Stryd", applied=date(2017, 3, 1))
    url = reverse("casework:warrant-issue", args=[warrant.pk])
    response = client.post(url, {"issued": ""}, follow=True)
    assert response.status_code == 200
    assert response.context["form"].errors["issued"] == ["Enter the date issued"]
    assert "Warrant saved." not in response.content.decode()
    warrant.refresh_from_db()
    assert warrant.issued is None


def test_saving_an_unchanged_form_says_nothing_changed(client, officer):
    referral = cf.referral("gwent", received=date(2017, 3, 1))
    url = reverse("casework:referral-update", args=[referral.pk])
    data = {
        "ref": referral.ref,
        "source": referral.source,
        "package_ref": referral.package_ref,
        "received": "2017-03-01",
        "summary": "",
        "officer": "",
        "status": "open",
    }
    page = client.post(url, data, follow=True).content.decode()
    assert "Nothing was changed." in page
    assert "Referral saved." not in page
    page = client.post(url, data | {"summary": "New intelligence"}, follow=True).content.decode()
    assert "Referral saved." in page


def test_an_arrest_is_recorded_with_its_time(client, officer):
    subject = cf.subject("gwent")
    data = {"subject": subject.ref, "date": "2017-03-05", "disposal": "rui"}
    response = client.post(reverse("casework:arrest-create"), data)
    assert response.context["form"].errors["time"] == ["Enter the time of arrest."]
    response = client.post(reverse("casework:arrest-create"), data | {"time": "06:45"})
    assert response.status_code == 302
    assert f"{subject.arrests.get().time:%H:%M}" == "06:45"
