"""What the screenshots at 375 px showed (issue 17): on a phone, record tables read as
cards instead of seven columns in a sideways-scrolling box, and a wide table's caption
stays on the screen."""

from __future__ import annotations

import pytest
from tests.casework import factories as cf
from tests.factories import PASSWORD, make_user
from tests.stats.operation import build
from tests.web.crawl import sign_in

from netsafe.accounts.roles import Role

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "prevention"]),
]

PHONE = {"width": 375, "height": 800}


def test_my_work_on_a_phone_lists_each_referral_as_a_card(page, live_server):
    cf.referral("gwent")  # awaiting assessment: on My work
    make_user("phone-officer", "gwent", Role.OFFICER)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "phone-officer", PASSWORD)
    table = page.locator("main table").first
    box = table.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    cell = table.locator("td").first
    label = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"' + cell.get_attribute("data-label") + ': "'
    assert cell.get_attribute("data-label") == "Received"
    # On a wide screen it is a table again, with its column headings.
    page.set_viewport_size({"width": 1280, "height": 800})
    assert table.locator("th[scope=col]").first.is_visible()
    assert cell.evaluate("td => getComputedStyle(td, '::before').content") == "none"


def test_a_wide_tables_caption_stays_on_a_phones_screen(page, live_server):
    build(executed=20, people_arrested=10, devices=40, children=5, late=1)
    make_user("phone-analyst", None, Role.ANALYST)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "phone-analyst", PASSWORD)
    page.goto(f"{live_server.url}/stats/?as_at=2018-01-19")
    captions = page.locator(".app-table-wrap caption")
    assert captions.count() > 0, (page.url, page.locator("main").inner_text()[:500])
    for i in range(captions.count()):
        caption = captions.nth(i)
        if not caption.is_visible():
            continue
        box = caption.bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"], caption.text_content()
