"""The examiner's journey on the demo as ``netsafe demo`` loads it, in a real browser: sign in
as a demo examiner, queue a triage of a demo device from its page, watch its progress, open
the report, grade pictures.

Nothing is made by hand: the operation and the evidence store are the demo loader's. The
grading steps find controls by their role and accessible name (the image by its path, the
grade by its label), as a screen-reader user would, not by the page's markup.
"""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect
from tests.factories import WELSH_FORCES, force

from netsafe.casework.models import Device
from netsafe.demo.evidence import load_evidence
from netsafe.demo.loading import load
from netsafe.demo.users import DEFAULT_PASSWORD
from netsafe.examination import jobs
from netsafe.examination.models import ReviewImage

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(tmp_path, settings):
    """The demo operation and its evidence store, as `netsafe demo` loads them (no charity)."""
    settings.VAR_DIR = tmp_path / "var"
    settings.NETSAFE_EVIDENCE_ROOT = tmp_path / "evidence"
    settings.NETSAFE_HASHSETS = []  # the demo hash set, as after `netsafe demo`
    settings.NETSAFE_TRIAGE_LAUNCH = "worker"
    settings.NETSAFE_TRIAGE_WORKERS = 1
    settings.NETSAFE_TRIAGE_SCHEDULER = None
    for slug in WELSH_FORCES:  # transactional tests empty the tables the migrations filled
        force(slug)
    load(stdout=io.StringIO(), prevention=False)
    return load_evidence(io.StringIO())


def test_a_demo_examiner_triages_a_demo_device_and_grades(page: Page, live_server, demo):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    photos = demo["items"]["photos"]  # a phone's picture folder with two exact, one near match
    device = Device.objects.select_related("force").get(pk=photos["device"])
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(f"{device.force.slug}-examiner")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/my-work/")

    # The exhibit `netsafe demo` names for the photos, found by its label with search.
    page.goto(f"{live_server.url}/casework/search/")
    page.get_by_label("Reference, name, identifier or exhibit").fill(device.exhibit_ref)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=device.exhibit_ref).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(device.ref)

    # Queue: the demo item for this device is offered by name.
    page.get_by_label("Evidence item in the evidence store").select_option(photos["item"])
    page.get_by_role("button", name="Queue for triage").click()
    progress = page.locator("#triage")
    expect(progress).to_contain_text("Queued")

    # The worker takes it; the page follows without a reload, then shows the findings.
    job = jobs.claim()
    assert job is not None
    assert job.device_id == device.pk
    expect(progress).to_contain_text("Running")
    jobs.run(job)
    expect(progress).to_contain_text("2 exact, 1 perceptual only")
    for category in ("A", "B", "C"):
        expect(progress.get_by_role("row", name=re.compile(rf"^{category} 1\b"))).to_be_visible()

    # The full report opens, behind the access rules.
    page.get_by_role("link", name="Full triage report (HTML)").click()
    expect(page.get_by_text("IMG_0101.jpg").first).to_be_visible()
    page.go_back()

    # Grade, the thumbnails loading at once (each request saves the session).
    page.get_by_role("button", name="Grade the images").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grade the images")
    first = ReviewImage.objects.filter(job=job).tiles().first()
    # The gallery's tile opens the larger view, whose buttons grade (the keys are tested
    # with the gallery itself).
    page.get_by_role("link", name=first.path).first.click()
    page.get_by_role("button", name="Category A").click()
    expect(page.get_by_text(re.compile(r"\b1 of \d+ pictures graded"))).to_be_visible()
    first.refresh_from_db()
    assert first.grade == "A"
    assert problems == []
