"""In the browser: a call handler logs a call; the public self-help site on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from prevention_helpers import BOTH
from tests.factories import PASSWORD, make_user

from netsafe.accounts.roles import Role
from netsafe.prevention.conf import helpline
from netsafe.prevention.models import Contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases=BOTH)]


def test_a_call_handler_logs_a_call(page, live_server):
    make_user("helpline-handler", None, Role.CALL_HANDLER)
    page.goto(f"{live_server.url}/prevention/")
    page.get_by_label("Username").fill("helpline-handler")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Contacts on")

    page.get_by_role("main").get_by_role("link", name="Log a contact").click()
    page.get_by_label("Phone", exact=True).check()
    page.get_by_label("Worried about their own thoughts or behaviour").check()
    page.get_by_label("Online offending", exact=True).check()
    page.get_by_label("Where the caller lives").select_option("wales-gwent")
    page.get_by_label("Police contact or leaflet at a search").check()
    page.get_by_label("Viewing sexual images of children online").check()
    page.get_by_label("Self-help", exact=True).check()
    page.get_by_label("Duration (minutes)").fill("30")
    page.get_by_label("Returning-caller code").fill("heron-21")
    page.get_by_label("Notes").fill("Wants a call back on 07911 123456")
    page.get_by_role("button", name="Save contact").click()

    # The phone number is refused, in the summary and beside the field.
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("a phone number")
    assert not Contact.objects.exists()
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Notes")).to_be_focused()
    page.get_by_label("Notes").fill("Wants a call back. Talked through the evenings.")
    page.get_by_role("button", name="Save contact").click()

    expect(page.get_by_text("Contact logged.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("HERON-21")
    contact = Contact.objects.get()
    assert contact.region == "wales-gwent"
    assert contact.offered == ["self-help"]

    page.get_by_role("link", name="Record a safeguarding escalation").click()
    page.get_by_label("A child at risk of harm").check()
    page.get_by_label("Children's services or MASH").check()
    page.get_by_label("Which team").fill("Gwent MASH duty team")
    page.get_by_role("button", name="Record escalation").click()
    expect(page.get_by_text("Escalation recorded.")).to_be_visible()
    assert contact.escalations.get().made_to == "childrens-services"


PUBLIC = [
    "/help/",
    "/help/your-behaviour/",
    "/help/your-behaviour/why-change/",
    "/help/your-behaviour/habits-and-triggers/",
    "/help/families/",
    "/help/families/keeping-children-safe/",
]


def test_the_self_help_site_is_readable_and_accessible_on_a_phone(page, live_server):
    page.set_viewport_size({"width": 375, "height": 667})
    for path in PUBLIC:
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.lang") == "en-GB", path
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{path} scrolls sideways: {width}"
        expect(page.locator("h1")).to_have_count(1)
        expect(page.get_by_role("link", name=helpline()["phone"]).first).to_be_visible()
        font = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert font >= 16, f"{path}: body text {font}px"
        unlabelled = page.evaluate(
            """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
               .filter(e => !(e.labels && e.labels.length)).map(e => e.name)"""
        )
        assert unlabelled == [], path

    # The skip link is the first thing the keyboard reaches, and it works.
    page.goto(f"{live_server.url}/help/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # The optional question, answered from the keyboard-sized screen.
    page.get_by_label("Wales").check()
    page.get_by_role("button", name="Tell us").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you")
    assert re.search(r"/help/\?said=1$", page.url)
    assert page.context.cookies() == []
