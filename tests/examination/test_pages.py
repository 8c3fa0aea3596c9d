"""The pages: queue from the exhibit, follow progress, read the report, grade; and the
access rules (another force's job, report, picture or grade is "not found")."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image
from tests.factories import make_user

from netsafe.accounts.roles import Role
from netsafe.audit.models import AuditEntry
from netsafe.examination import jobs
from netsafe.examination.models import JobStatus, ReviewImage, TriageJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def done_job(store, exhibit, examiner) -> TriageJob:
    job = jobs.queue(exhibit, "JS-1-laptop", examiner)
    jobs.run(jobs.claim(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    return job


def test_an_examiner_queues_a_device_from_its_page(client, store, exhibit, examiner):
    client.force_login(examiner)
    page = client.get(exhibit.get_absolute_url())
    assert b'id="triage"' in page.content
    assert b"Queue for triage" in page.content
    assert b'<option value="JS-1-laptop">' in page.content
    response = client.post(
        reverse("examination:queue-device", args=[exhibit.pk]), {"evidence": "JS-1-laptop"}
    )
    job = TriageJob.objects.get()
    assert response.status_code == 302
    assert response.url == job.get_absolute_url()
    page = client.get(exhibit.get_absolute_url())
    assert b"data-triage-status" in page.content
    assert b'<noscript><meta http-equiv="refresh"' in page.content
    status = client.get(reverse("examination:status", args=[job.pk])).json()
    assert status["status"] == "queued"
    assert status["finished"] is False


def test_a_bad_evidence_path_is_refused_with_a_message(client, store, exhibit, examiner):
    client.force_login(examiner)
    response = client.post(
        reverse("examination:queue-device", args=[exhibit.pk]),
        {"evidence": "../hashsets"},
        follow=True,
    )
    assert b"outside the evidence store" in response.content
    assert not TriageJob.objects.exists()


def test_only_examiners_queue(client, store, exhibit):
    officer = make_user("sw-officer", "south-wales", Role.OFFICER)
    client.force_login(officer)
    page = client.get(exhibit.get_absolute_url())
    assert b"Queue for triage" not in page.content
    url = reverse("examination:queue-device", args=[exhibit.pk])
    assert client.post(url, {"evidence": "JS-1-laptop"}).status_code == 404


def test_the_report_is_on_the_exhibit_page(client, done_job, examiner):
    client.force_login(examiner)
    page = client.get(done_job.device.get_absolute_url()).content.decode()
    assert "data-triage-report" in page
    assert "High</strong>" in page
    assert "2 exact, 1 perceptual only" in page
    assert "http-equiv" not in page  # nothing left to follow
    assert reverse("examination:report", args=[done_job.pk]) in page
    report = client.get(reverse("examination:report", args=[done_job.pk]))
    assert report.status_code == 200
    assert report["Content-Type"].startswith("text/html")
    body = report.content
    assert b"DCIM" in body or b"categor" in body.lower()
    assert "sandbox" in report["Content-Security-Policy"]
    assert "no-store" in report["Cache-Control"]


def test_thumbnails_are_made_from_the_evidence_and_never_stored(client, store, done_job, examiner):
    def files() -> set:
        return {p for p in store.root.parent.rglob("*") if p.is_file()}

    before = files()
    client.force_login(examiner)
    for path in ("DCIM/a.jpg", "old.zip!inner/kept.jpg"):
        img = ReviewImage.objects.get(job=done_job, path=path)
        response = client.get(reverse("examination:image", args=[img.pk]))
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"]
        with Image.open(io.BytesIO(response.content)) as thumb:
            assert thumb.format == "JPEG"
            assert max(thumb.size) <= 240
    assert files() == before


def test_grading_is_audited_and_counted_on_the_exhibit(client, done_job, examiner):
    client.force_login(examiner)
    grid = client.get(reverse("examination:review", args=[done_job.pk]))
    assert grid.status_code == 200
    content = grid.content.decode()
    # Matched images come first, unknown ones after.
    assert content.index("DCIM/a.jpg") < content.index("DCIM/c.jpg") < content.index("holiday")
    a = ReviewImage.objects.get(job=done_job, path="DCIM/a.jpg")
    holiday = ReviewImage.objects.get(job=done_job, path="DCIM/holiday.jpg")
    url = reverse("examination:grade", args=[a.pk])
    result = client.post(url, {"grade": "A"}, HTTP_ACCEPT="application/json").json()
    assert result["grade"] == "A"
    assert result["confirmed"]["A"] == 1
    assert result["graded"] == 1
    client.post(url, {"grade": "B"}, HTTP_ACCEPT="application/json")
    back = client.post(reverse("examination:grade", args=[holiday.pk]), {"grade": "non-pertinent"})
    assert back.status_code == 302
    assert back.url.endswith(f"#tile-{holiday.pk}")
    entries = AuditEntry.objects.filter(action="grade").order_by("id")
    assert [e.changes for e in entries] == [
        {"grade": ["", "A"]},
        {"grade": ["A", "B"]},
        {"grade": ["", "non-pertinent"]},
    ]
    assert all(e.username == "sw-examiner" for e in entries)
    page = client.get(done_job.device.get_absolute_url()).content.decode()
    assert "2 of 5 images graded" in page
    assert 'data-grade="B">1<' in page
    assert 'data-grade="A">0<' in page
    assert 'data-grade="non-pertinent">1<' in page


def test_a_grade_that_is_not_one_is_refused(client, done_job, examiner):
    client.force_login(examiner)
    img = ReviewImage.objects.filter(job=done_job).first()
    url = reverse("examination:grade", args=[img.pk])
    response = client.post(url, {"grade": "D"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "not a grade" in response.json()["error"]
    img.refresh_from_db()
    assert img.grade == ""
    assert not AuditEntry.objects.filter(action="grade").exists()


def test_another_force_finds_nothing(client, done_job, other_examiner):
    client.force_login(other_examiner)
    img = ReviewImage.objects.filter(job=done_job).first()
    exhibit = done_job.device
    for method, url in [
        ("get", exhibit.get_absolute_url()),
        ("post", reverse("examination:queue-device", args=[exhibit.pk])),
        ("get", reverse("examination:status", args=[done_job.pk])),
        ("get", reverse("examination:report", args=[done_job.pk])),
        ("get", reverse("examination:review", args=[done_job.pk])),
        ("get", reverse("examination:image", args=[img.pk])),
        ("post", reverse("examination:grade", args=[img.pk])),
    ]:
        response = getattr(client, method)(url, {"evidence": "JS-1-laptop", "grade": "A"})
        assert response.status_code == 404, url
    img.refresh_from_db()
    assert img.grade == ""


def test_an_officer_of_the_force_reads_the_report_but_sees_no_pictures(client, done_job):
    client.force_login(make_user("sw-officer", "south-wales", Role.OFFICER))
    assert client.get(reverse("examination:report", args=[done_job.pk])).status_code == 200
    img = ReviewImage.objects.filter(job=done_job).first()
    assert client.get(reverse("examination:image", args=[img.pk])).status_code == 404
    assert client.get(reverse("examination:review", args=[done_job.pk])).status_code == 404


def test_the_queue_puts_the_highest_risk_first(client, store, exhibit, examiner):
    from tests.casework import factories as cf

    from netsafe.casework import models as m
    from netsafe.casework.choices import DeviceKind, RiskBand

    low = cf.subject("south-wales", family_name="Jones")
    low.referral.risk = RiskBand.LOW
    low.referral.save()
    m.Device.objects.create(subject=low, kind=DeviceKind.PHONE, exhibit_ref="LJ/1")
    unassessed = m.Device.objects.create(
        kind=DeviceKind.CAMERA, exhibit_ref="X/1", force=exhibit.force
    )
    client.force_login(examiner)
    page = client.get(reverse("examination:queue")).content.decode()
    assert page.index("JS/1") < page.index("LJ/1") < page.index("X/1"), unassessed


def test_the_grid_is_paged_and_a_grade_returns_to_its_page(client, done_job, examiner, monkeypatch):
    from netsafe.examination import views

    monkeypatch.setattr(views, "REVIEW_PAGE", 2)
    client.force_login(examiner)
    url = reverse("examination:review", args=[done_job.pk])
    last = client.get(url, {"page": 3}).content.decode()
    assert "old.zip!inner/kept.jpg" in last
    assert "DCIM/a.jpg" not in last
    assert "Picture 5: old.zip!inner/kept.jpg" in last
    img = ReviewImage.objects.get(job=done_job, path="old.zip!inner/kept.jpg")
    back = client.post(reverse("examination:grade", args=[img.pk]), {"grade": "C", "page": "3"})
    assert back.url == f"{url}?page=3#tile-{img.pk}"


def test_the_reports_pages_and_thumbnails_are_served_to_the_examiner_only(
    client, done_job, examiner
):
    import re

    client.force_login(examiner)
    base = reverse("examination:report", args=[done_job.pk])
    report = client.get(base)
    assert "img-src 'self'" in report["Content-Security-Policy"]
    pages = re.findall(r"href='(report-files/e\d+-c\d+-p\d+\.html)'", report.content.decode())
    assert pages, "the report links its pages of matched files"
    page = client.get(base + pages[0])
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    thumbs = re.findall(r"src='(thumbnails/[0-9a-f]{40}\.jpg)'", page.content.decode())
    assert thumbs, "the page shows thumbnails of the matched pictures"
    picture = client.get(base + "report-files/" + thumbs[0])
    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(picture.content)).size[0] <= 128
    # Nothing else of the output folder, and no way out of it.
    for name in ["files.jsonl", "report.json", "report-files/../files.jsonl", "../x.html"]:
        assert client.get(base + name).status_code == 404, name
    # The force's officers read the report's words but get none of its pictures.
    client.force_login(make_user("sw-officer", "south-wales", Role.OFFICER))
    assert client.get(base + pages[0]).status_code == 200
    assert client.get(base + "report-files/" + thumbs[0]).status_code == 404
