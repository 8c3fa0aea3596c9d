"""The REST API: same records, same rules, same audit as the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.casework import factories as cf
from tests.factories import make_user

from netsafe.accounts.roles import Role
from netsafe.audit.models import AuditEntry
from netsafe.casework import models as m
from netsafe.casework.registry import RECORD_TYPES

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client):
    user = make_user("gw-officer", "gwent", Role.OFFICER)
    client.force_login(user)
    return user


def test_create_read_and_change_through_the_api(client, officer):
    response = client.post(
        reverse("api:referral-list"),
        {"source": "nca-ceop", "received": "2017-04-01", "package_ref": "CEOP/1"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["force"], body["ref"], body["risk"]) == ("gwent", "GW-REF-00001", "")
    referral = m.Referral.objects.get(pk=body["id"])
    response = client.post(
        reverse("api:riskassessment-list"),
        {"referral": referral.pk, "assessed_on": "2017-04-02", "online_contact": True},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["band"], response.json()["action_due"]) == ("very-high", "2017-04-03")
    response = client.post(
        reverse("api:subject-list"),
        {"referral": referral.pk, "given_names": "Dai", "family_name": "Rees"},
        content_type="application/json",
    )
    subject_id = response.json()["id"]
    response = client.post(
        reverse("api:arrest-list"),
        {"subject": subject_id, "date": "2017-04-05", "offences": ["86/10", "99/1"]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "offences" in response.json()
    response = client.patch(
        reverse("api:subject-detail", args=[subject_id]),
        {"postcode_district": "np20"},
        content_type="application/json",
    )
    assert response.json()["postcode_district"] == "NP20"
    listed = client.get(reverse("api:subject-list")).json()
    assert [s["id"] for s in listed["results"]] == [subject_id]
    assert "name_key" not in listed["results"][0]


def test_retrieving_a_subject_is_logged_as_a_view(client, officer):
    subject = cf.subject("gwent")
    client.get(reverse("api:subject-detail", args=[subject.pk]))
    entry = AuditEntry.objects.get(action="view")
    assert (entry.model, entry.object_id, entry.username) == (
        "casework.subject",
        str(subject.pk),
        "gw-officer",
    )


def test_model_rules_apply_to_the_api(client, officer):
    subject = cf.subject("gwent")
    response = client.post(
        reverse("api:warrant-list"),
        {"subject": subject.pk, "address": "x", "executed": "2017-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "issued" in response.json()


def test_the_schema_documents_every_record_type_and_the_docs_page_is_self_hosted(client, officer):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json").json()
    for rt in RECORD_TYPES:
        assert f"/api/{rt.slug}/" in schema["paths"], rt.slug
    docs = client.get(reverse("api:docs")).content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in docs
    # The CSP forbids inline scripts and other origins.
    assert "<script>" not in docs
    assert "https://" not in docs
    client.logout()
    assert client.get(reverse("api:schema")).status_code in (401, 403)


def test_api_lists_filter_and_search_and_searches_are_logged(client, officer):
    cf.subject("gwent", family_name="Prosser")
    cf.subject("gwent", family_name="Vaughan", postcode_district="NP44")
    url = reverse("api:subject-list")
    found = client.get(url, {"search": "pross"}).json()["results"]
    assert [s["family_name"] for s in found] == ["Prosser"]
    found = client.get(url, {"postcode_district": "NP44"}).json()["results"]
    assert [s["family_name"] for s in found] == ["Vaughan"]
    assert AuditEntry.objects.get(action="search").detail == "api subjects: pross"
    # The browsable API renders the filter form too.
    assert client.get(url, HTTP_ACCEPT="text/html").status_code == 200


def test_the_openapi_schema_is_valid_and_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/subjects/{id}/" in out.read_text()
