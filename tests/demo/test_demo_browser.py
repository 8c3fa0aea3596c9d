"""A newcomer's first minute: the demo loaded, log in with a demo user, see the figures."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import Page, expect
from tests.factories import WELSH_FORCES, force

from netsafe.demo.loading import load
from netsafe.demo.users import DEFAULT_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_in_as_the_operation_lead_and_see_the_press_figures(page: Page, live_server):
    for slug in WELSH_FORCES:  # transactional tests empty the tables the migrations filled
        force(slug)
    load(stdout=io.StringIO(), prevention=False)
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("operation-lead")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # The lead starts on My work; the figures are the Home page.
    expect(page).to_have_url(f"{live_server.url}/my-work/")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Home").click()
    figures = page.get_by_role("list", name="Headline figures")
    expect(figures).to_contain_text("486 warrants executed")
    expect(figures).to_contain_text("339 people arrested")
    expect(figures).to_contain_text("2,047 devices seized")
    expect(figures).to_contain_text("58 children safeguarded")
    expect(page.get_by_text("the whole operation")).to_be_visible()

    # A force officer starts on their work and sees their own force's share at Home.
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").fill("gwent-officer")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Overdue actions")).to_be_visible()
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Home").click()
    expect(page.get_by_text("for Gwent Police")).to_be_visible()
    expect(figures).to_contain_text("83 warrants executed")
