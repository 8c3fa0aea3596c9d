"""In the browser, as a supervisor (issue 13): a return that would replace a referral typed
on screen is previewed, refused until the replacement is confirmed, then stored."""

from __future__ import annotations

import json
from datetime import date

import pytest
from playwright.sync_api import Page, expect
from tests.casework import factories as cf
from tests.factories import PASSWORD, make_user
from tests.returns.test_returns import good_records

from netsafe.accounts.roles import Role
from netsafe.casework import models as m

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_replacing_a_record_typed_on_screen_is_previewed_and_confirmed(
    page: Page, live_server, settings, tmp_path
):
    settings.VAR_DIR = tmp_path  # where the upload waits for its confirmation
    referral = cf.referral("gwent", received=date(2017, 1, 9))  # typed on the pages
    make_user("gwent-supervisor", "gwent", Role.SUPERVISOR)
    page.goto(f"{live_server.url}/returns/upload/")
    page.get_by_label("Username").fill("gwent-supervisor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    line = good_records()[0] | {"ref": referral.ref, "source": "ncmec"}
    page.get_by_label("Return file").set_input_files(
        {
            "name": "gwent.jsonl",
            "mimeType": "application/json",
            "buffer": (json.dumps(line) + "\n").encode(),
        }
    )
    page.get_by_role("button", name="Check the return").click()
    # The preview: what it would replace, and which record was typed on screen.
    expect(page.get_by_text("Nothing of gwent.jsonl is stored yet")).to_be_visible()
    row = page.locator("#return-preview").get_by_role("row", name="referral")
    expect(row.get_by_role("cell").nth(1)).to_have_text("1")  # would replace
    expect(page.locator("#return-on-screen")).to_contain_text(f"line 1: referral {referral.ref}")
    # Stored without the confirmation: refused, the typed referral unchanged.
    page.get_by_role("button", name="Store the return").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("was entered on screen")
    referral.refresh_from_db()
    assert (referral.source, referral.received) == ("nca-ceop", date(2017, 1, 9))
    # Confirmed: replaced.
    page.get_by_label("Replace the records entered on screen listed above").check()
    page.get_by_role("button", name="Store the return").click()
    expect(page.get_by_text("gwent.jsonl was imported.")).to_be_visible()
    referral = m.Referral.objects.get(pk=referral.pk)
    assert (referral.source, referral.received) == ("ncmec", date(2016, 11, 2))
