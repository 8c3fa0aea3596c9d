"""Police pages in Welsh: chosen on the account, the core journeys translated, the rest English.

Field labels still come from the casework models in English (not yet marked for
translation), so these tests hold the journeys' own words to Welsh and every
page to "never broken", rather than asking for every word.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.casework import factories as cf
from tests.factories import make_user
from tests.translations import untranslated

from netsafe.accounts.roles import Role
from netsafe.casework.registry import RECORD_TYPES
from netsafe.casework.risk import STEPS

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client):
    user = make_user("sw-officer-cy", "south-wales", Role.OFFICER, language="cy")
    client.force_login(user)
    return user


@pytest.fixture
def case(officer):
    return cf.case("south-wales")


def journey_paths(case) -> list[str]:
    """Sign-in to outcome: home, My work, every list, record, form and the risk assessment."""
    paths = [reverse("casework:home"), reverse("casework:my-work"), "/accounts/language/"]
    records = {type(r): r for r in case.records()}
    for rt in RECORD_TYPES:
        if rt.listed:
            paths.append(reverse(f"casework:{rt.name}-list"))
        record = records.get(rt.model)
        if record is not None:
            paths.append(reverse(f"casework:{rt.name}-detail", args=[record.pk]))
            if rt.editable:  # the custody ledger is never edited, only added to
                paths.append(reverse(f"casework:{rt.name}-update", args=[record.pk]))
        if rt.listed:
            paths.append(reverse(f"casework:{rt.name}-create"))
    paths.append(reverse("casework:device-custody-handover", args=[case.device.pk]))
    paths += [
        reverse("casework:referral-assess", args=[case.referral.pk, n])
        for n in range(1, len(STEPS) + 1)
    ]
    return paths


def test_every_core_journey_page_opens_in_welsh(client, officer, case):
    broken = {}
    for path in journey_paths(case):
        response = client.get(path)
        html = response.content.decode()
        if response.status_code != 200 or '<html lang="cy"' not in html:
            broken[path] = response.status_code
    assert broken == {}


def test_the_journeys_own_words_are_welsh(client, officer, case):
    my_work = client.get(reverse("casework:my-work")).content.decode()
    assert '<h1 class="govuk-heading-l">Fy ngwaith</h1>' in my_work
    assert "Atgyfeiriadau sy&#x27;n aros am asesiad" in my_work or "Camau sy" in my_work
    subject = client.get(reverse("casework:subject-detail", args=[case.subject.pk]))
    html = subject.content.decode()
    for welsh in ("Gwneud cais am warant", "Atafaelu dyfais", "Cofnodi canlyniad", "Arestiadau"):
        assert welsh in html
    step = client.get(reverse("casework:referral-assess", args=[case.referral.pk, 2]))
    assert "Mynediad at blant" in step.content.decode()
    assert "Ydy&#x27;r unigolyn yn byw gyda phlant" in step.content.decode()
    listing = client.get(reverse("casework:device-list")).content.decode()
    assert "Dyfeisiau" in listing


def test_the_shell_of_a_police_page_is_wholly_welsh(client, officer, case):
    """Header, menu, footer and the page's own text: only model field labels may stay English."""
    path = reverse("casework:home")
    officer.language = "en-gb"
    officer.save()
    english = client.get(path).content.decode()
    officer.language = "cy"
    officer.save()
    welsh = client.get(path).content.decode()
    assert (
        untranslated(
            english, welsh, allowed={"NetSafe", "sw-officer-cy", "English", "South Wales Police"}
        )
        == []
    )


def test_the_risk_assessment_is_saved_with_a_welsh_message(client, officer, case):
    referral = case.referral
    for number, step in enumerate(STEPS, 1):
        answers = {q.field: "no" for q in step.questions}
        response = client.post(
            reverse("casework:referral-assess", args=[referral.pk, number]), answers
        )
        assert response.status_code == 302
    response = client.post(
        reverse("casework:referral-assess-check", args=[referral.pk]),
        {"assessed_on": "2017-03-02", "rationale": "Dim pryderon yn y wybodaeth."},
        follow=True,
    )
    assert response.status_code == 200
    assert "Band risg isel: rhaid gweithredu erbyn 1 Ebrill 2017." in response.content.decode()


def test_the_sign_in_page_follows_a_welsh_browser(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="cy")
    html = page.content.decode()
    assert '<html lang="cy"' in html
    assert "Mewngofnodi i NetSafe" in html
    assert "Accept-Language" in page["Vary"]
    assert not page.cookies.get("django_language")
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-GB")
    assert '<html lang="en-GB"' in english.content.decode()


def test_the_account_choice_beats_the_browser(client, officer):
    english_user = make_user("sw-officer-en", "south-wales", Role.OFFICER, language="en-gb")
    client.force_login(english_user)
    page = client.get(reverse("casework:my-work"), HTTP_ACCEPT_LANGUAGE="cy")
    assert '<html lang="en-GB"' in page.content.decode()


def test_field_labels_and_hints_are_welsh_on_forms_and_record_pages(client, officer, case):
    form = client.get(reverse("casework:subject-update", args=[case.subject.pk]))
    html = form.content.decode()
    assert ">Enwau cyntaf" in html
    assert "Hanner cyntaf y cod post, er enghraifft CF10." in html
    page = client.get(reverse("casework:device-detail", args=[case.device.pk])).content.decode()
    assert "Cyfeirnod yr arddangosyn" in page
    assert "Gliniadur" in page
    # The triage panel of the device page.
    assert ">Brysbennu</h2>" in page
    assert "Heb ei brysbennu eto." in page
    # The same pages stay English for an English-speaking officer.
    officer.language = "en-gb"
    officer.save()
    assert (
        ">Given names"
        in client.get(reverse("casework:subject-update", args=[case.subject.pk])).content.decode()
    )
