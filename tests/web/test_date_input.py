"""Dates asked the GOV.UK way (issue 13, "Forms: the GOV.UK date input pattern").

Every date of the casework, the helpline and the custody ledger is typed in
three boxes (day, month, year; a fourth for the time of a date and time). An
error names the field and the part ("Date received must include a month"),
only the wrong boxes are highlighted, and the error summary links to the first
wrong box. Scripts and the API still send ISO dates.
"""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.casework import factories as cf
from tests.factories import make_user

from netsafe.accounts.roles import Role
from netsafe.casework import models as m
from netsafe.web.forms import GovukDateField, GovukDateTimeField, parse_time

pytestmark = pytest.mark.django_db


def boxes(html: str, name: str) -> dict[str, tuple[str, bool]]:
    """The date input's boxes of field ``name``: part -> (value shown, marked wrong)."""
    found = {}
    for tag in re.findall(rf'<input [^>]*name="{name}_(?:day|month|year|time)"[^>]*>', html):
        part = re.search(rf'name="{name}_(\w+)"', tag).group(1)
        value = re.search(r'value="([^"]*)"', tag).group(1)
        found[part] = (value, "govuk-input--error" in tag)
    return found


def summary_links(html: str) -> list[str]:
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'href="#([^"]+)"', summary)


def referral_data(**parts) -> dict:
    return {"source": "nca-ceop", "status": "open", **parts}


def test_a_date_is_typed_in_three_labelled_boxes(client, officer):
    html = client.get(reverse("casework:referral-create")).content.decode()
    today = timezone.localdate()
    assert boxes(html, "received") == {
        "day": (str(today.day), False),
        "month": (str(today.month), False),
        "year": (str(today.year), False),
    }
    group = html.split('<fieldset class="govuk-fieldset" role="group"', 1)[1].split("</fieldset>")[
        0
    ]
    assert "<legend" in group
    assert "Received" in group
    for label, box in (("Day", "day"), ("Month", "month"), ("Year", "year")):
        tag = f'<label class="govuk-label govuk-date-input__label" for="id_received_{box}">'
        assert f"{tag}{label}</label>" in group
    assert "For example, 27 3 2017" in group
    assert 'inputmode="numeric"' in group
    assert 'type="date"' not in html


def test_three_boxes_save_the_date(client, officer):
    response = client.post(
        reverse("casework:referral-create"),
        referral_data(received_day="21", received_month="11", received_year="2016"),
    )
    assert response.status_code == 302
    assert m.Referral.objects.get().received == date(2016, 11, 21)
    # A month may be typed as its name, as GOV.UK asks services to accept.
    client.post(
        reverse("casework:referral-create"),
        referral_data(received_day="02", received_month="Dec", received_year="2016"),
    )
    assert m.Referral.objects.order_by("pk").last().received == date(2016, 12, 2)


def test_a_missing_part_is_named_and_only_its_box_is_highlighted(client, officer):
    response = client.post(
        reverse("casework:referral-create"),
        referral_data(received_day="21", received_month="", received_year="2016"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["received"] == ["Date received must include a month"]
    html = response.content.decode()
    # What was typed stays; only the month is marked wrong; the summary goes to the month.
    assert boxes(html, "received") == {
        "day": ("21", False),
        "month": ("", True),
        "year": ("2016", False),
    }
    assert summary_links(html) == ["id_received_month"]
    assert 'aria-describedby="id_received_helptext id_received_error"' in html
    response = client.post(
        reverse("casework:referral-create"),
        referral_data(received_day="", received_month="", received_year="2016"),
    )
    assert response.context["form"].errors["received"] == [
        "Date received must include a day and month"
    ]
    assert summary_links(response.content.decode()) == ["id_received_day"]


@pytest.mark.parametrize(
    ("day", "month", "year", "message", "wrong"),
    [
        ("30", "2", "1980", "Date of birth must be a real date", {"day"}),
        ("12", "13", "1980", "Date of birth must be a real date", {"month"}),
        ("x", "13", "1980", "Date of birth must be a real date", {"day", "month"}),
        ("12", "3", "80", "Date of birth must include the year as 4 numbers", {"year"}),
    ],
)
def test_a_date_that_cannot_be_is_a_real_date_error_on_its_box(
    client, officer, day, month, year, message, wrong
):
    referral = cf.referral("gwent")
    response = client.post(
        reverse("casework:subject-create"),
        {
            "referral": referral.ref,
            "given_names": "Owain",
            "family_name": "Bowen",
            "date_of_birth_day": day,
            "date_of_birth_month": month,
            "date_of_birth_year": year,
        },
    )
    assert response.context["form"].errors["date_of_birth"] == [message]
    html = response.content.decode()
    marked = {part for part, (_, error) in boxes(html, "date_of_birth").items() if error}
    assert marked == wrong
    first = next(p for p in ("day", "month", "year") if p in wrong)
    assert summary_links(html) == [f"id_date_of_birth_{first}"]
    assert not m.Subject.objects.exists()


def test_a_plausibility_rule_names_the_date_and_highlights_every_box(client, officer):
    later = timezone.localdate().year + 4
    response = client.post(
        reverse("casework:referral-create"),
        referral_data(received_day="1", received_month="3", received_year=str(later)),
    )
    [message] = response.context["form"].errors["received"]
    assert message.startswith("Date received must be today (")
    assert message.endswith(f"or earlier, not {later}-03-01")
    html = response.content.decode()
    assert {error for _, error in boxes(html, "received").values()} == {True}
    assert summary_links(html) == ["id_received_day"]
    assert not m.Referral.objects.exists()


def test_an_optional_date_left_empty_is_no_error_but_a_part_alone_is(client, officer):
    subject = cf.subject("gwent")
    data = {"subject": subject.ref, "date_day": "5", "date_month": "3", "date_year": "2017"}
    data |= {"time": "6.45am", "disposal": "rui"}
    response = client.post(reverse("casework:arrest-create"), data)
    assert response.status_code == 302
    arrest = subject.arrests.get()
    assert (arrest.date, arrest.time, arrest.bail_until) == (date(2017, 3, 5), time(6, 45), None)
    response = client.post(
        reverse("casework:arrest-create"), data | {"disposal": "bail", "bail_until_year": "2017"}
    )
    assert response.context["form"].errors["bail_until"] == [
        "Bail date must include a day and month"
    ]
    response = client.post(reverse("casework:arrest-create"), data | {"time": "25:10"})
    assert response.context["form"].errors["time"] == [
        "Time of arrest must be a real time, for example 14:30"
    ]


def test_an_unchanged_date_in_three_boxes_is_nothing_changed(client, officer):
    referral = cf.referral("gwent", received=date(2017, 3, 1))
    url = reverse("casework:referral-update", args=[referral.pk])
    html = client.get(url).content.decode()
    assert boxes(html, "received") == {
        "day": ("1", False),
        "month": ("3", False),
        "year": ("2017", False),
    }
    data = {
        "ref": referral.ref,
        "source": referral.source,
        "package_ref": referral.package_ref,
        "received_day": "01",
        "received_month": "03",
        "received_year": "2017",
        "status": "open",
    }
    page = client.post(url, data, follow=True).content.decode()
    assert "Nothing was changed." in page


def test_a_date_and_time_has_a_fourth_box_for_the_time(client, officer):
    device = m.Device.objects.create(
        subject=cf.subject("gwent"), kind="laptop", seized=date(2017, 3, 3), exhibit_ref="SH/9"
    )
    url = reverse("casework:device-custody-seizure", args=[device.pk])
    sent = {"receiver": officer.pk, "location": "Bedroom 1"}
    sent |= {"at_day": "3", "at_month": "3", "at_year": "2017", "at_time": ""}
    response = client.post(url, sent)
    assert response.context["form"].errors["at"] == ["Date and time must include a time"]
    html = response.content.decode()
    assert boxes(html, "at") == {
        "day": ("3", False),
        "month": ("3", False),
        "year": ("2017", False),
        "time": ("", True),
    }
    assert summary_links(html) == ["id_at_time"]
    assert "For example, 27 3 2017 and 14:30 (24-hour clock)" in html
    response = client.post(url, sent | {"at_time": "07:05"})
    assert response.status_code == 302
    entry = device.custody.get()
    assert timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M") == "2017-03-03 07:05"


@pytest.mark.django_db(databases=["default", "prevention"])
def test_the_helpline_log_asks_the_date_and_time_in_boxes(client):
    from netsafe.prevention.models import Contact

    handler = make_user("helpline-handler", None, Role.CALL_HANDLER)
    client.force_login(handler)
    url = reverse("prevention:contact-new")
    html = client.get(url).content.decode()
    assert set(boxes(html, "occurred_at")) == {"day", "month", "year", "time"}
    sent = {
        "channel": "phone",
        "caller_type": "self",
        "offending": "online",
        "region": "wales-gwent",
        "heard_from": "police",
        "duration_minutes": "20",
        "occurred_at_day": "4",
        "occurred_at_month": "",
        "occurred_at_year": "2017",
        "occurred_at_time": "10:30",
    }
    response = client.post(url, sent)
    assert response.context["form"].errors["occurred_at"] == ["Date and time must include a month"]
    response = client.post(url, sent | {"occurred_at_month": "3"})
    assert response.status_code == 302, response.context["form"].errors
    contact = Contact.objects.get()
    assert timezone.localtime(contact.occurred_at).strftime("%d/%m/%Y %H:%M") == "04/03/2017 10:30"


def test_the_boxes_and_their_messages_are_in_welsh(client):
    user = make_user("gw-officer-cy", "gwent", Role.OFFICER, language="cy")
    client.force_login(user)
    response = client.post(
        reverse("casework:referral-create"),
        referral_data(received_day="21", received_month="", received_year="2016"),
    )
    html = response.content.decode()
    for welsh in ("Diwrnod", "Mis", "Blwyddyn", "Er enghraifft, 27 3 2017"):
        assert f">{welsh}" in html
    [message] = response.context["form"].errors["received"]
    assert message.endswith(": rhaid cynnwys mis")
    assert not message.startswith("Date")  # named by its Welsh label
    assert "must include" not in message


def test_scripts_and_the_api_still_send_iso_dates(client, officer):
    # A form sent with the whole date under the field's name (a script, a bookmark).
    response = client.post(
        reverse("casework:referral-create"), referral_data(received="2016-11-21")
    )
    assert response.status_code == 302
    # The API is unchanged: ISO dates in, ISO dates out, the same rules.
    response = client.post(
        reverse("api:referral-list"),
        {"source": "ncmec", "received": "2016-11-22", "status": "open"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["received"] == "2016-11-22"
    later = f"{timezone.localdate().year + 4}-01-01"
    response = client.post(
        reverse("api:referral-list"),
        {"source": "ncmec", "received": later, "status": "open"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert f"not {later}" in response.json()["received"][0]


def test_a_list_is_filtered_by_a_date_in_three_boxes(client, officer):
    subject = cf.subject("gwent")
    for day, ref in ((3, "AB/1"), (4, "AB/2")):
        m.Device.objects.create(
            subject=subject, kind="phone", seized=date(2017, 3, day), exhibit_ref=ref
        )
    url = reverse("casework:device-list")
    page = client.get(url, {"seized_day": "4", "seized_month": "3", "seized_year": "2017"})
    html = page.content.decode()
    assert "AB/2" in html
    assert "AB/1" not in html
    # The bookmark of an ISO date still filters.
    html = client.get(url, {"seized": "2017-03-03"}).content.decode()
    assert "AB/1" in html
    assert "AB/2" not in html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:30", time(14, 30)),
        ("14.30", time(14, 30)),
        ("1430", time(14, 30)),
        ("9:05", time(9, 5)),
        ("2:30pm", time(14, 30)),
        ("12am", time(0, 0)),
        ("12 p.m.", time(12, 0)),
        ("24:00", None),
        ("13pm", None),
        ("9:60", None),
        ("noon", None),
    ],
)
def test_times_are_read_as_people_type_them(text, expected):
    assert parse_time(text) == expected


def test_the_fields_clean_to_dates_and_aware_times():
    field = GovukDateField(label="Received", required=True)
    assert field.clean(["1", "3", "2017"]) == date(2017, 3, 1)
    assert field.clean("2017-03-01") == date(2017, 3, 1)
    assert not field.has_changed(date(2017, 3, 1), ["01", "03", "2017"])
    assert field.has_changed(date(2017, 3, 1), ["2", "3", "2017"])
    at = GovukDateTimeField(label="When").clean(["1", "3", "2017", "9:30"])
    assert timezone.is_aware(at)
    assert timezone.localtime(at).strftime("%Y-%m-%d %H:%M") == "2017-03-01 09:30"
