"""The helpline log in Welsh: every page, form, code and choice; the language of each contact."""

from __future__ import annotations

import pytest
from prevention_helpers import BOTH, local
from tests.translations import untranslated

from netsafe.prevention.choices import ContactLanguage
from netsafe.prevention.models import Contact, Escalation
from netsafe.prevention.views import monthly_figures

pytestmark = pytest.mark.django_db(databases=BOTH)

#: The same in both languages by nature: names of organisations, codes, usernames, what a
#: handler typed, and each language's own name (the switch, the contact's language).
NAMES = {
    "NSPCC",
    "OAK-42",
    "helpline-handler-t",
    "helpline-supervisor-t",
    "NetSafe",
    "Gwent MASH duty team",
    "English",
    "Cymraeg",
}


@pytest.fixture
def escalated(contact, handler):
    Escalation.objects.create(
        contact=contact,
        made_at=local(2017, 3, 4, 11, 0),
        concern="ongoing",
        made_to="nspcc",
        detail="Gwent MASH duty team",
        recorded_by=handler.pk,
    )
    return contact


def both_languages(client, user, method, path, data=None):
    """The page rendered for ``user`` in English and then in Welsh (their account's choice)."""
    client.force_login(user)
    pages = []
    for language in ("en-gb", "cy"):
        user.language = language
        user.save(update_fields=["language"])
        response = client.post(path, data) if method == "post" else client.get(path)
        assert response.status_code == 200, (path, language, response.status_code)
        pages.append(response.content.decode())
    return pages


def handler_pages(contact):
    pk = contact.pk
    return [
        ("get", "/prevention/?day=2017-03-04", None),
        ("get", "/prevention/?day=2017-03-09", None),
        ("get", "/prevention/contacts/new/", None),
        ("get", f"/prevention/contacts/{pk}/", None),
        ("get", f"/prevention/contacts/{pk}/edit/", None),
        ("get", f"/prevention/contacts/{pk}/escalate/", None),
        ("get", "/prevention/escalations/?month=2017-03", None),
        ("get", "/prevention/escalations/?month=2017-05", None),
        ("get", "/prevention/trends/?to=2017-03", None),
        ("get", "/prevention/how-they-heard/?year=2016", None),
        ("get", "/accounts/language/", None),
        # Forms sent back with errors: the messages and the refused identifiers in Welsh.
        (
            "post",
            "/prevention/contacts/new/",
            {
                "occurred_at": "2017-03-04T10:00",
                "duration_minutes": "700",
                "caller_code": "07911123456",
                "notes": "Call back on 07911 123456 or dave@example.com, postcode CF10 1AA",
            },
        ),
        ("post", f"/prevention/contacts/{pk}/escalate/", {"made_at": "not a time"}),
    ]


def test_every_helpline_page_is_wholly_in_welsh(client, supervisor, escalated):
    failures = {}
    for method, path, data in handler_pages(escalated):
        english, welsh = both_languages(client, supervisor, method, path, data)
        assert '<html lang="cy"' in welsh, path
        # What the handler typed comes back as they typed it.
        left = untranslated(english, welsh, allowed=NAMES | set((data or {}).values()))
        if left:
            failures[f"{method} {path}"] = left
    assert failures == {}


def test_choices_and_codes_are_in_welsh(client, supervisor, escalated):
    english, welsh = both_languages(
        client, supervisor, "get", f"/prevention/contacts/{escalated.pk}/"
    )
    assert "Cymru: ardal Heddlu Gwent" in welsh
    assert "Worried about their own thoughts or behaviour" in english
    assert "Yn poeni am ei feddyliau neu ei ymddygiad ei hun" in welsh
    # Dates are written the Welsh way.
    assert "4 Mawrth 2017" in welsh


def test_an_identifier_is_refused_in_welsh(client, handler):
    handler.language = "cy"
    handler.save()
    client.force_login(handler)
    response = client.post(
        "/prevention/contacts/new/",
        {
            "occurred_at": "2017-03-04T10:00",
            "channel": "phone",
            "language": "cy",
            "caller_type": "self",
            "offending": "none",
            "region": "wales-gwent",
            "heard_from": "police",
            "duration_minutes": "10",
            "notes": "Ffoniwch ar 07911 123456",
        },
    )
    assert response.status_code == 200
    assert "Tynnwch rif ffôn (wrth nod 13)" in response.content.decode()
    assert not Contact.objects.exists()


def test_a_contact_records_the_language_it_was_held_in(client, handler):
    client.force_login(handler)
    response = client.post(
        "/prevention/contacts/new/",
        {
            "occurred_at": "2017-03-04T10:00",
            "channel": "phone",
            "language": "cy",
            "caller_type": "self",
            "offending": "none",
            "region": "wales-gwent",
            "heard_from": "police",
            "duration_minutes": "10",
        },
    )
    assert response.status_code == 302
    assert Contact.objects.get().language == ContactLanguage.WELSH


def test_a_handler_working_in_welsh_starts_with_welsh_checked(client, handler):
    client.force_login(handler)
    english = client.get("/prevention/contacts/new/").content.decode()
    handler.language = "cy"
    handler.save()
    welsh = client.get("/prevention/contacts/new/").content.decode()
    assert 'value="en" checked' in english
    assert 'value="cy" checked' in welsh


def test_a_contact_in_an_unknown_language_is_refused():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="language"):
        Contact.objects.create(
            occurred_at=local(2017, 3, 4, 10, 0),
            caller_type="self",
            duration_minutes=5,
            language="fr",
        )


def test_the_trends_show_contacts_held_in_welsh(client, analyst):
    for day, language in ((3, "cy"), (4, "cy"), (5, "en")):
        Contact.objects.create(
            occurred_at=local(2017, 3, day, 10, 0),
            caller_type="self",
            duration_minutes=5,
            language=language,
        )
    march = next(r for r in monthly_figures(local(2017, 3, 1).date(), local(2017, 3, 1).date()))
    assert (march["contacts"], march["in_welsh"]) == (3, 2)
    client.force_login(analyst)
    html = client.get("/prevention/trends/?to=2017-03").content.decode()
    assert "Held in Welsh" in html
    table = html[html.index("All figures by month") :]
    row = table[table.index("Mar 2017</th>") :].split("</tr>")[0]
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">2</td>' in row


def test_the_handlers_choice_is_remembered_on_their_account(client, handler):
    client.force_login(handler)
    page = client.get("/accounts/language/")
    assert page.status_code == 200
    response = client.post("/accounts/language/", {"language": "cy", "next": "/prevention/"})
    assert response.status_code == 302
    assert response["Location"] == "/prevention/"
    handler.refresh_from_db()
    assert handler.language == "cy"
    today = client.get("/prevention/")
    assert "Mae eich dewis iaith wedi&#x27;i gadw." in today.content.decode()
    assert '<html lang="cy"' in today.content.decode()
    # A fresh session (another computer) is in Welsh too: nothing is kept in a cookie.
    client.logout()
    client.force_login(handler)
    assert '<html lang="cy"' in client.get("/prevention/").content.decode()
    assert "django_language" not in client.cookies


def test_the_language_page_refuses_to_send_the_user_elsewhere(client, handler):
    client.force_login(handler)
    response = client.post(
        "/accounts/language/", {"language": "en-gb", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/accounts/language/"


def test_an_unknown_language_is_refused_on_the_language_page(client, handler):
    client.force_login(handler)
    response = client.post("/accounts/language/", {"language": "fr"})
    assert response.status_code == 200
    handler.refresh_from_db()
    assert handler.language == ""
