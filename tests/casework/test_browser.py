"""In the browser, as an officer: referral -> assessment -> warrant -> arrest -> device ->
safeguarding -> outcome, then the home page's figures."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from tests.factories import PASSWORD, make_user

from netsafe.accounts.roles import Role
from netsafe.casework import models as m
from netsafe.casework.risk import STEPS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


#: Every visible form control without a label, and the number of h1 headings.
_A11Y = """() => {
  const controls = [...document.querySelectorAll('main input, main select, main textarea')]
    .filter(e => e.type !== 'hidden' && !e.labels.length && !e.getAttribute('aria-label'));
  return {unlabelled: controls.map(e => e.name), h1: document.querySelectorAll('h1').length,
          lang: document.documentElement.lang};
}"""


def _check_page(page: Page) -> None:
    """One h1, a language, and a label for every control."""
    found = page.evaluate(_A11Y)
    assert found == {"unlabelled": [], "h1": 1, "lang": "en-GB"}, page.url


def fill_date(page: Page, label: str, value: str) -> None:
    """Type an ISO date (or date and time) into the GOV.UK date input labelled ``label``."""
    day, clock = ([*value.split("T"), ""])[:2]
    year, month, day = day.split("-")
    group = page.get_by_role("group", name=label)
    group.get_by_label("Day").fill(str(int(day)))
    group.get_by_label("Month").fill(str(int(month)))
    group.get_by_label("Year").fill(year)
    if clock:
        group.get_by_label("Time").fill(clock)


def _save(page: Page, heading: str) -> None:
    _check_page(page)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("saved")
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    _check_page(page)


def test_an_officer_takes_a_case_from_referral_to_outcome(page: Page, live_server):
    make_user("sw-officer", "south-wales", Role.OFFICER, first_name="Rhian", last_name="Evans")
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("sw-officer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # An officer starts on My work, their next things to do.
    expect(page).to_have_url(f"{live_server.url}/my-work/")

    # Referral
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Referrals").click()
    page.get_by_role("button", name="New referral").click()
    page.get_by_label("Source").select_option("nca-ceop")
    page.get_by_label("Package reference").fill("CEOP-2016-4471")
    fill_date(page, "Received", "2016-11-21")
    _save(page, "SW-REF-00001")

    # Risk assessment, four steps then check
    page.get_by_role("button", name="Assess risk").click()
    for number, step in enumerate(STEPS, 1):
        expect(page.get_by_role("heading", level=1)).to_have_text(str(step.title))
        expect(page.locator(".govuk-caption-l")).to_contain_text(f"step {number} of 4")
        for question in step.questions:
            answer = "Yes" if question.field == "works_with_children" else "No"
            page.get_by_role("group", name=str(question.text)).get_by_label(answer).check()
        _check_page(page)
        page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Risk band: High")
    page.get_by_label("Rationale").fill("Works at a primary school")
    page.get_by_role("button", name="Save the assessment").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Risk band: High")

    # Subject, from the referral's page
    page.get_by_role("link", name="SW-REF-00001").first.click()
    page.get_by_role("button", name="Add a subject").click()
    expect(page.get_by_label("Referral")).to_have_value("SW-REF-00001")
    page.get_by_label("Given names").fill("Owain")
    page.get_by_label("Family name").fill("Bowen")
    fill_date(page, "Date of birth", "1984-03-12")
    _save(page, "SW-SUB-00001 Owain Bowen")

    # Warrant: applied, issued, executed
    page.get_by_role("button", name="Apply for a warrant").click()
    page.get_by_label("Address").fill("7 Heol Las, Bridgend CF31 1AA")
    fill_date(page, "Applied for on", "2016-11-28")
    _save(page, "WAR-00001")
    page.get_by_role("button", name="Record the issue").click()
    fill_date(page, "Issued on", "2016-11-29")
    _save(page, "WAR-00001")
    page.get_by_role("button", name="Record the execution").click()
    fill_date(page, "Executed on", "2016-12-01")
    page.get_by_label("Result").fill("Laptop and phone seized")
    _save(page, "WAR-00001")

    # Arrest, from the warrant: the subject comes with it
    page.get_by_role("button", name="Record an arrest").click()
    expect(page.get_by_label("Subject")).to_have_value("SW-SUB-00001")
    fill_date(page, "Date", "2016-12-01")
    page.get_by_label("Time of arrest").fill("07:10")
    page.get_by_label("86/10 Possession of indecent images").check()
    page.get_by_label("After interview").select_option("rui")
    _save(page, "ARR-00001")

    # Device, with a hand-over
    page.get_by_role("link", name="WAR-00001").first.click()
    page.get_by_role("button", name="Seize a device").click()
    page.get_by_label("Exhibit reference").fill("RE/1")
    page.get_by_label("Kind").select_option("laptop")
    page.get_by_label("Make").fill("Acer")
    fill_date(page, "Seized on", "2016-12-01")
    page.get_by_label("Seized where").fill("Front bedroom")
    _save(page, "DEV-00001")
    # The chain of custody: the seizure is entry one, then a hand-over to an outside body
    # (a hand-over before the seizure is refused next to its field).
    page.get_by_role("button", name="Record the seizure").click()
    fill_date(page, "When", "2016-12-01T07:30")
    expect(page.get_by_label("Seized by")).to_contain_text("Rhian Evans (sw-officer)")
    page.get_by_label("Where").fill("Front bedroom")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("entry 1 recorded")
    page.get_by_role("button", name="Hand over custody").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("held by Rhian Evans")
    fill_date(page, "When", "2016-12-01T07:00")
    page.get_by_label("Or the outside body that received it").fill("DFU property store")
    page.get_by_label("The outside body's reference").fill("PS/16/0042")
    page.get_by_label("Where").fill("Bridgend custody suite")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("after the entry before it")
    fill_date(page, "When", "2016-12-01T11:00")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Chain of custody")).to_be_visible()
    # The section's table, in the scrolling region that follows its heading.
    ledger = page.locator("#custody + .app-table-wrap table").first
    expect(ledger).to_contain_text("Rhian Evans (sw-officer)")
    expect(ledger).to_contain_text("DFU property store (ref. PS/16/0042)")
    _check_page(page)

    # Safeguarding and outcome, from the subject's page
    page.get_by_role("link", name="SW-SUB-00001 Owain Bowen").first.click()
    page.get_by_role("button", name="Record safeguarding").click()
    page.get_by_label("Children safeguarded").fill("2")
    page.get_by_label("Referred to").select_option("mash")
    fill_date(page, "Date referred", "2016-12-02")
    _save(page, "SG-00001")
    page.get_by_role("link", name="SW-SUB-00001 Owain Bowen").first.click()
    page.get_by_role("button", name="Record an outcome").click()
    page.get_by_label("Outcome", exact=True).select_option("charged")
    _save(page, "OUT-00001")

    subject = m.Subject.objects.get()
    assert subject.referral.risk == "high"
    assert subject.warrants.get().executed.isoformat() == "2016-12-01"
    assert subject.devices.get().custody.count() == 2

    for menu in ("My work", "Referrals", "Subjects", "Warrants", "Devices", "Safeguarding"):
        link = page.get_by_role("navigation", name="Menu").get_by_role("link", name=menu)
        # Wait for the new page itself: evaluating mid-navigation finds no document.
        with page.expect_navigation(wait_until="load"):
            link.click()
        _check_page(page)
    page.get_by_role("link", name="Home").first.click()
    figures = page.get_by_role("list", name="Headline figures")
    expect(figures).to_contain_text("1 warrants executed")
    expect(figures).to_contain_text("1 people arrested")
    expect(figures).to_contain_text("1 devices seized")
    expect(figures).to_contain_text("2 children safeguarded")


def test_a_date_typed_in_three_boxes_shows_its_error_on_the_wrong_box(page: Page, live_server):
    make_user("gw-officer", "gwent", Role.OFFICER)
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("gw-officer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/casework/referrals/new/")
    page.get_by_label("Source").select_option("ncmec")
    received = page.get_by_role("group", name="Received")
    received.get_by_label("Day").fill("31")
    received.get_by_label("Month").fill("2")
    received.get_by_label("Year").fill("2017")
    page.get_by_role("button", name="Save").click()
    # Named field and part, only the day marked, the summary's link goes to the day.
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Date received must be a real date")
    received = page.get_by_role("group", name="Received")
    expect(received.get_by_label("Day")).to_have_class(re.compile(r"govuk-input--error"))
    expect(received.get_by_label("Month")).not_to_have_class(re.compile(r"govuk-input--error"))
    expect(received.get_by_label("Year")).to_have_value("2017")
    summary.get_by_role("link", name="Date received must be a real date").click()
    expect(received.get_by_label("Day")).to_be_focused()
    _check_page(page)
    # A month left out is named; then the date corrected is saved.
    received.get_by_label("Day").fill("28")
    received.get_by_label("Month").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Date received must include a month"
    )
    received = page.get_by_role("group", name="Received")
    expect(received.get_by_label("Month")).to_have_class(re.compile(r"govuk-input--error"))
    expect(received.get_by_label("Day")).not_to_have_class(re.compile(r"govuk-input--error"))
    received.get_by_label("Month").fill("2")
    _save(page, "GW-REF-00001")
    assert m.Referral.objects.get().received.isoformat() == "2017-02-28"
