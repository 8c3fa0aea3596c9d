"""Basic accessibility of the sign-in and audit pages in a real browser (Debian's chromium).

Checks what a keyboard or screen-reader user meets first: the page language,
one h1, a label for every input, a skip link that is the first Tab stop,
visibly focused and moves focus to the main content, an error summary that
takes focus, and that GOV.UK Frontend's script runs under the strict CSP.
"""

from __future__ import annotations

import pytest
from tests.factories import PASSWORD, make_user

from netsafe.audit import record
from netsafe.audit.context import audit_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The GOV.UK focus colour, as the browser reports it.
FOCUS_YELLOW = "rgb(255, 221, 0)"

UNLABELLED_INPUTS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden')
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.name || el.id)"""


@pytest.fixture
def watched(page):
    """The page, with every console error (e.g. a CSP violation) collected."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    return page


def check_basics(page) -> None:
    """Language, one h1, labelled inputs, landmarks, GOV.UK Frontend running."""
    assert page.get_attribute("html", "lang") == "en-GB"
    assert page.locator("h1").count() == 1
    assert page.evaluate(UNLABELLED_INPUTS) == []
    assert page.locator("main#main-content").count() == 1
    assert page.locator("header").count() == 1
    assert page.title().endswith("NetSafe")
    assert "govuk-frontend-supported" in (page.get_attribute("body", "class") or "")
    assert not page.errors, page.errors


def check_skip_link(page) -> None:
    """The first Tab stop is the skip link, visibly focused; Enter moves focus to the content."""
    page.goto(page.url)  # a fresh load: nothing focused yet
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => ({cls: document.activeElement.className,"
        " bg: getComputedStyle(document.activeElement).backgroundColor,"
        " h: document.activeElement.getBoundingClientRect().height})"
    )
    assert "govuk-skip-link" in focused["cls"]
    assert focused["bg"] == FOCUS_YELLOW  # the focus state is visible
    assert focused["h"] > 0  # shown on focus, not only to screen readers
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'main-content'")


def test_sign_in_page_with_the_keyboard(live_server, watched):
    page = watched
    make_user("a11y-super", "gwent", "supervisor")
    page.goto(f"{live_server.url}/accounts/login/?next=/audit/")
    check_basics(page)
    check_skip_link(page)

    # A wrong password: the error summary appears, takes focus and links to the problem.
    page.get_by_label("Username").fill("a11y-super")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_label("Password").press("Enter")
    page.wait_for_selector(".govuk-error-summary")
    assert page.title().startswith("Error:")
    page.wait_for_function("() => document.activeElement.classList.contains('govuk-error-summary')")
    check_basics(page)

    # Keyboard only: focus the user name, type, Tab to the password, Enter to sign in.
    page.get_by_label("Username").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("a11y-super")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/audit/")


def test_audit_pages(live_server, watched):
    page = watched
    supervisor = make_user("a11y-audit", "north-wales", "supervisor")
    with audit_context(user=supervisor, reason="accessibility check"):
        entry = record("view", supervisor, changes={"note": ["before", "after"]})
    page.goto(f"{live_server.url}/accounts/login/?next=/audit/")
    page.get_by_label("Username").fill("a11y-audit")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/audit/")
    check_basics(page)
    check_skip_link(page)
    assert page.get_by_role("link", name="Audit log").get_attribute("aria-current") == "page"
    assert page.get_by_role("button", name="Sign out").is_visible()

    # The filter form works from the keyboard and keeps its labels.
    page.get_by_label("Action").select_option("view")
    page.get_by_role("button", name="Filter").press("Enter")
    page.wait_for_url("**/audit/?*action=view*")
    check_basics(page)

    page.goto(f"{live_server.url}/audit/{entry.seq}/")
    check_basics(page)
    check_skip_link(page)
    assert page.get_by_role("row", name="note before after").count() == 1

    # Sign out is a form button reachable and usable from the keyboard.
    page.get_by_role("button", name="Sign out").focus()
    assert (
        page.evaluate("() => getComputedStyle(document.activeElement).backgroundColor")
        == FOCUS_YELLOW
    )
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/accounts/login/")
