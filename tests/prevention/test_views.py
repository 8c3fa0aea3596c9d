"""The staff pages: logging a contact, refusing identifiers, escalations, trends."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from prevention_helpers import BOTH, add_people, local

from netsafe.prevention.models import Contact, Escalation, SelfHelpVisits

pytestmark = pytest.mark.django_db(databases=BOTH)


def contact_form(**changes) -> dict:
    data = {
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "channel": "phone",
        "caller_type": "self",
        "offending": "online",
        "region": "wales-dyfed-powys",
        "heard_from": "police",
        "topics": ["online-images", "arrest"],
        "offered": ["self-help", "call-back"],
        "duration_minutes": "35",
        "caller_code": "heron-21",
        "notes": "Talked through the evenings, when it is hardest.",
    }
    data.update(changes)
    return data


def test_a_handler_logs_a_contact(client, handler):
    client.force_login(handler)
    form_page = client.get(reverse("prevention:contact-new"))
    assert form_page.status_code == 200
    assert b"you can give them this one" in form_page.content
    response = client.post(reverse("prevention:contact-new"), contact_form())
    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("prevention:contact", args=[contact.pk])
    assert contact.caller_code == "HERON-21"
    assert contact.topics == ["online-images", "arrest"]
    assert contact.handler == handler.pk
    page = client.get(reverse("prevention:today")).content.decode()
    assert "HERON-21" in page
    assert handler.username in page


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("notes", "Ring him back on 07911 123456 tonight", "a phone number"),
        ("notes", "She gave her e-mail: sam@example.org", "an e-mail address"),
        ("notes", "Lives near NP20 1AB", "a postcode"),
        ("caller_code", "07911123456", "at most 4 digits"),
        ("occurred_at", "2099-01-01T10:00", "cannot be in the future"),
    ],
)
def test_identifiers_are_refused_with_a_clear_message(client, handler, field, value, said):
    client.force_login(handler)
    response = client.post(reverse("prevention:contact-new"), contact_form(**{field: value}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert said in html
    assert not Contact.objects.exists()


def test_escalation_is_an_event_about_the_contact(client, handler, contact):
    client.force_login(handler)
    url = reverse("prevention:escalate", args=[contact.pk])
    response = client.post(
        url,
        {
            "made_at": "2017-03-04T11:05",
            "concern": "immediate",
            "made_to": "police-999",
            "detail": "Gwent control room",
        },
    )
    assert response.status_code == 302
    escalation = Escalation.objects.get()
    assert escalation.contact == contact
    assert escalation.recorded_by == handler.pk
    detail = client.get(reverse("prevention:contact", args=[contact.pk])).content.decode()
    assert "Police (999, immediate risk)" in detail
    assert "Gwent control room" in detail


def test_only_the_handler_or_a_supervisor_may_change_a_contact(client, contact, supervisor):
    from tests.factories import make_user

    from netsafe.accounts.roles import Role

    other = make_user("other-handler", None, Role.CALL_HANDLER)
    client.force_login(other)
    assert client.get(reverse("prevention:contact-edit", args=[contact.pk])).status_code == 404
    client.force_login(supervisor)
    response = client.post(
        reverse("prevention:contact-edit", args=[contact.pk]),
        contact_form(occurred_at="2017-03-04T10:30", duration_minutes="25"),
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.duration_minutes == 25


def test_an_empty_day_points_to_the_last_day_with_contacts(client, handler, contact):
    client.force_login(handler)
    html = client.get(reverse("prevention:today"), {"day": "2017-03-10"}).content.decode()
    assert "No contacts logged on this day" in html
    assert "?day=2017-03-04" in html
    assert client.get(reverse("prevention:today"), {"day": "March"}).status_code == 404


def test_trends_show_months_with_a_chart_and_a_table(client, analyst):
    add_people(7, 2017, 1, contacts_each=2)
    add_people(3, 2017, 2, region="scotland")
    SelfHelpVisits.objects.create(
        period="month", start=local(2017, 1, 1, 0, 0).date(), nation="all", visitors=321
    )
    client.force_login(analyst)
    html = client.get(reverse("prevention:trends"), {"to": "2017-02"}).content.decode()
    assert "<svg" in html
    assert 'role="img"' in html
    assert "Jan 2017" in html
    assert ">14<" in html  # contacts in January (7 callers, 2 each)
    assert ">321<" in html  # self-help visitors in January
    assert client.get(reverse("prevention:trends"), {"to": "someday"}).status_code == 404


def test_what_brings_people(client, supervisor, contact):
    contact.heard_from = "search-warning"
    contact.save()
    client.force_login(supervisor)
    html = client.get(reverse("prevention:heard"), {"year": "2016"}).content.decode()
    assert "1 November 2016 to 31 October 2017" in html
    assert "A search engine warning" in html
    assert client.get(reverse("prevention:heard"), {"year": "x"}).status_code == 404


def test_escalations_of_a_month(client, supervisor, contact):
    Escalation.objects.create(
        contact=contact,
        made_at=local(2017, 3, 4, 11, 0),
        concern="ongoing",
        made_to="childrens-services",
        detail="Gwent MASH",
        recorded_by=supervisor.pk,
    )
    client.force_login(supervisor)
    html = client.get(reverse("prevention:escalations")).content.decode()
    assert "Safeguarding escalations in March 2017" in html
    assert "Gwent MASH" in html
    assert supervisor.username in html
    april = client.get(reverse("prevention:escalations"), {"month": "2017-04"}).content.decode()
    assert "No escalations recorded in this month" in april


def test_staff_pages_say_what_the_log_holds_not_the_police_logging_notice(client, handler):
    client.force_login(handler)
    html = client.get(reverse("prevention:today")).content.decode()
    assert "holds no name, number, address or other identifier" in html
    assert "every view and change of a record is logged" not in html


def test_the_escalation_form_checks_nothing_and_its_errors_name_the_questions(
    client, handler, contact
):
    client.force_login(handler)
    url = reverse("prevention:escalate", args=[contact.pk])
    html = client.get(url).content.decode()
    assert "---------" not in html
    assert 'name="concern" value=""' not in html  # no blank radio, checked or not
    assert 'name="made_to" value=""' not in html
    html = client.post(url, {"made_at": "2017-03-04T11:05"}).content.decode()
    summary = html.split('govuk-error-summary__list">', 1)[1].split("</ul>", 1)[0]
    assert "Select the concern" in summary
    assert "Select who the escalation was made to" in summary
    assert "This field is required" not in html
