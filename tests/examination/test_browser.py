"""In the browser, as an examiner: queue a exhibit, watch its progress, read the report on
the exhibit page, and grade three images with the keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from tests.factories import PASSWORD

from netsafe.audit.models import AuditEntry
from netsafe.examination import jobs
from netsafe.examination.models import ReviewImage

#: Form controls without a label, and the number of h1 headings.
_A11Y = """() => {
  const controls = [...document.querySelectorAll('main input, main select, main button')]
    .filter(e => e.type !== 'hidden' && !e.labels?.length && !e.getAttribute('aria-label')
                 && !e.textContent.trim());
  return {unlabelled: controls.map(e => e.name), h1: document.querySelectorAll('h1').length};
}"""

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_examiner_triages_a_device_and_grades_with_the_keyboard(
    page: Page, live_server, store, exhibit, examiner
):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{live_server.url}{exhibit.get_absolute_url()}")
    page.get_by_label("Username").fill("sw-examiner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Queue the exhibit's evidence from its page.
    triage = page.locator("#triage")
    expect(triage).to_contain_text("Not triaged yet")
    page.get_by_label("Evidence item in the evidence store").select_option("JS-1-laptop")
    page.get_by_role("button", name="Queue for triage").click()
    label = page.locator("[data-triage-label]")
    expect(label).to_have_text("Queued")

    # The worker takes the job: the page follows it without being reloaded...
    job = jobs.claim()
    expect(label).to_have_text("Running")
    # ...and shows the report when the scan is done.
    jobs.run(job)
    report = page.locator("[data-triage-report]")
    expect(report).to_contain_text("High")
    expect(report).to_contain_text("2 exact, 1 perceptual only")
    categories = page.locator("[data-triage-categories]")
    for row in ("A 1 (1)", "B 1 (1)", "C 1 (1)"):
        expect(categories.get_by_role("row", name=row)).to_be_visible()
    expect(page.get_by_role("link", name="Full triage report (HTML)")).to_be_visible()

    # Grade three images with the keyboard: A, then B, then N (non-pertinent).
    page.get_by_role("button", name="Grade the images").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grade the images")
    assert page.evaluate(_A11Y) == {"unlabelled": [], "h1": 1}
    thumbs = page.locator(".netsafe-tile__thumb")
    expect(thumbs).to_have_count(5)
    links = page.locator("[data-tile-link]")
    expect(links.first).to_be_focused()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.netsafe-tile__thumb')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    for key in ("a", "b", "n"):
        page.keyboard.press(key)
    # The tally is what the server stored once every step is answered.
    # (The live server answers one request at a time: the grades wait behind thumbnails.)
    expect(page.locator("[data-gallery]")).not_to_have_attribute("data-busy", "1", timeout=120_000)
    expect(page.locator("[data-graded]")).to_have_text("3")
    # Each grade moved on to the next picture; arrow keys move without grading.
    expect(links.nth(3)).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(links.nth(2)).to_be_focused()

    grades = dict(ReviewImage.objects.exclude(grade="").values_list("path", "grade"))
    assert grades == {"DCIM/a.jpg": "A", "DCIM/b.jpg": "B", "DCIM/c.jpg": "non-pertinent"}
    assert AuditEntry.objects.filter(action="grade").count() == 3

    # The confirmed counts are on the exhibit.
    page.get_by_role("link", name="Back to the exhibit").click()
    confirmed = page.locator("[data-triage-confirmed]")
    expect(confirmed).to_contain_text("3 of 5 images graded")
    expect(confirmed.locator('[data-grade="A"]')).to_have_text("1")
    expect(confirmed.locator('[data-grade="non-pertinent"]')).to_have_text("1")
    assert page.evaluate(_A11Y) == {"unlabelled": [], "h1": 1}
    # No script error and nothing the Content Security Policy refused, on any page.
    assert problems == []
