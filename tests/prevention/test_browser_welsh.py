"""In the browser: the public site's language switch, Welsh first, and the exit control."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from prevention_helpers import BOTH

from netsafe.prevention.conf import helpline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases=BOTH)]

EXIT = helpline()["exit_url"]
START = "https://start.example/"


@pytest.fixture
def outside(context):
    """The exit page and a page the visitor came from, served by the browser itself (no network)."""
    context.route(
        EXIT, lambda route: route.fulfill(content_type="text/html", body="<h1>Tywydd</h1>")
    )
    context.route(
        START, lambda route: route.fulfill(content_type="text/html", body="<h1>Elsewhere</h1>")
    )
    return context


def test_the_switch_keeps_the_visitor_on_the_same_page(page, live_server):
    page.goto(f"{live_server.url}/help/your-behaviour/why-change/")
    expect(page.locator("h1")).to_have_text("Why change")

    page.get_by_role("link", name="Cymraeg").click()
    expect(page).to_have_url(f"{live_server.url}/cy/help/your-behaviour/why-change/")
    expect(page.locator("h1")).to_have_text("Pam newid")
    assert page.evaluate("document.documentElement.lang") == "cy"
    # The next page keeps the language without anything stored in the browser.
    page.get_by_role("link", name=re.compile("^Nesaf:")).click()
    expect(page.locator("h1")).to_have_text("Deall pam")

    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(f"{live_server.url}/help/your-behaviour/understanding-why/")
    expect(page.locator("h1")).to_have_text("Understanding why")
    assert page.evaluate("document.documentElement.lang") == "en-GB"
    assert page.context.cookies() == []
    assert page.evaluate("[localStorage.length, sessionStorage.length]") == [0, 0]


def test_a_welsh_browser_is_shown_welsh_first_and_can_still_choose_english(
    browser, live_server, browser_context_args
):
    context = browser.new_context(**{**browser_context_args, "locale": "cy-GB"})
    page = context.new_page()
    page.goto(f"{live_server.url}/help/")
    expect(page).to_have_url(f"{live_server.url}/cy/help/")
    expect(page.locator("h1")).to_have_text("Cymorth cyfrinachol")

    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Confidential help")
    page.get_by_role("link", name="Worried about your own online behaviour").click()
    page.get_by_role("link", name="Home").click()
    # Still English: the visitor's choice is in the links, not in a cookie.
    expect(page.locator("h1")).to_have_text("Confidential help")
    assert context.cookies() == []
    context.close()


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/help/families/first-days/", "Leave this site quickly"),
        ("/cy/help/families/first-days/", "Gadael y wefan hon yn gyflym"),
    ],
)
def test_leaving_quickly_cannot_be_undone_with_back(page, live_server, outside, path, label):
    page.goto(START)
    page.goto(f"{live_server.url}{path}")
    page.get_by_role("link", name=label).click()
    expect(page).to_have_url(EXIT)
    page.go_back()
    # Back goes to where the visitor was before the help page, not to the help page.
    expect(page).to_have_url(START)
    expect(page.locator("h1")).to_have_text("Elsewhere")


def test_leaving_quickly_works_without_javascript(browser, live_server, browser_context_args):
    context = browser.new_context(**{**browser_context_args, "java_script_enabled": False})
    context.route(
        EXIT, lambda route: route.fulfill(content_type="text/html", body="<h1>Tywydd</h1>")
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/help/")
    page.get_by_role("link", name="Leave this site quickly").click()
    expect(page).to_have_url(EXIT)
    context.close()


def test_a_call_handler_chooses_welsh_and_logs_a_call_held_in_welsh(page, live_server):
    from tests.factories import PASSWORD, make_user

    from netsafe.accounts.roles import Role
    from netsafe.prevention.models import Contact

    make_user("helpline-handler-cy", None, Role.CALL_HANDLER)
    page.goto(f"{live_server.url}/prevention/")
    page.get_by_label("Username").fill("helpline-handler-cy")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Contacts on")

    page.get_by_role("link", name="Cymraeg").click()
    page.get_by_label("Cymraeg", exact=True).check()
    page.get_by_role("button", name="Save").click()
    # Back on the page the handler came from, now in Welsh.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cysylltiadau ar")
    assert page.evaluate("document.documentElement.lang") == "cy"

    page.get_by_role("main").get_by_role("link", name="Cofnodi cyswllt").click()
    expect(page.get_by_label("Cymraeg", exact=True)).to_be_checked()
    page.get_by_label("Ffôn", exact=True).check()
    page.get_by_label("Yn poeni am ei feddyliau neu ei ymddygiad ei hun").check()
    page.get_by_label("Ble mae'r galwr yn byw").select_option("wales-north-wales")
    page.get_by_label("Hyd (munudau)").fill("20")
    page.get_by_role("button", name="Cadw'r cyswllt").click()
    expect(page.get_by_text("Cyswllt wedi'i gofnodi.")).to_be_visible()
    contact = Contact.objects.get()
    assert (contact.language, contact.region) == ("cy", "wales-north-wales")
