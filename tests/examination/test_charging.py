"""The charging document (issue 16): per device and per subject, counts by category A/B/C of
still and moving images, unique and total, who graded and when, in the layout of a
streamlined forensic report, as HTML and tagged PDF, from graded data only."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from tests.casework import factories as cf
from tests.examination.conftest import PICTURES, triage
from tests.factories import make_user

from netsafe.accounts.roles import Role
from netsafe.audit.models import AuditEntry
from netsafe.casework import models as m
from netsafe.casework.choices import DeviceKind
from netsafe.examination import charging, grading
from netsafe.examination.models import ReviewImage

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded(store, exhibit, examiner):
    """The laptop (a.jpg twice, one video twice) and a USB stick (b.jpg again) of one subject."""
    (store.root / "JS-1-laptop" / "DCIM" / "a_copy.jpg").write_bytes(PICTURES["DCIM/a.jpg"])
    laptop = triage(exhibit, "JS-1-laptop", examiner)
    second = make_user(
        "sw-examiner-2", "south-wales", Role.EXAMINER, first_name="Ceri", last_name="Jones"
    )
    for path, grade, who in [
        ("DCIM/a.jpg", "A", examiner),
        ("DCIM/a_copy.jpg", "A", examiner),
        ("DCIM/b.jpg", "B", examiner),
        ("DCIM/c.jpg", "C", second),
        ("old.zip!inner/kept.jpg", "non-pertinent", second),
    ]:
        grading.grade(laptop.images.get(path=path), grade, who)
    # Two copies of one video, as review items of the triage (graded as one moving image).
    for path in ("Movies/clip.mp4", "Movies/clip copy.mp4"):
        video = ReviewImage.objects.create(
            job=laptop,
            force_id=laptop.force_id,
            path=path,
            sha1="d" * 40,
            media_type="video/mp4",
            is_video=True,
        )
        video.stack_id = video.tile_id = video.pk  # a gallery tile of its own
        video.save(update_fields=["stack", "tile"])
        grading.grade(video, "A", second)
    stick_folder = store.root / "JS-2-stick"
    (stick_folder / "x").mkdir(parents=True)
    (stick_folder / "x" / "b again.jpg").write_bytes(PICTURES["DCIM/b.jpg"])
    stick = m.Device.objects.create(
        subject=exhibit.subject, kind=DeviceKind.STORAGE, exhibit_ref="JS/2"
    )
    stick_job = triage(stick, "JS-2-stick", examiner)
    grading.grade(stick_job.images.get(), "B", examiner)
    return {"laptop": laptop, "stick": stick, "second": second}


def _counts(f: charging.Findings) -> dict:
    return {c: ((s.unique, s.total), (mv.unique, mv.total)) for c, s, mv in f.rows}


def test_a_devices_counts_are_of_graded_pictures_unique_and_total(graded, exhibit, examiner):
    doc = charging.for_device(exhibit)
    f = doc.exhibits[0].findings
    assert _counts(f) == {
        "A": ((1, 2), (1, 2)),
        "B": ((1, 1), (0, 0)),
        "C": ((1, 1), (0, 0)),
    }
    assert (f.non_pertinent.unique, f.non_pertinent.total) == (1, 1)
    # The holiday picture is not graded: listed as ungraded, in no category.
    assert f.ungraded == 1
    assert f.ungraded_paths == ["DCIM/holiday.jpg"]
    assert f.item_count == 8
    assert [(g.name, g.graded) for g in f.graders] == [
        (examiner.get_username(), 3),
        ("Ceri Jones", 4),
    ]
    assert all(g.first <= g.last for g in f.graders)


def test_a_subjects_document_counts_one_picture_on_two_devices_once_as_unique(graded, exhibit):
    doc = charging.for_subject(exhibit.subject)
    assert [e.device.exhibit_ref for e in doc.exhibits] == ["JS/1", "JS/2"]
    assert _counts(doc.total)["B"] == ((1, 2), (0, 0))
    assert _counts(doc.exhibits[1].findings)["B"] == ((1, 1), (0, 0))


def test_the_page_and_pdf_for_the_device_and_the_subject(client, graded, exhibit):
    officer = make_user("sw-officer", "south-wales", Role.OFFICER)
    client.force_login(officer)
    page = client.get(reverse("examination:charging-device", args=[exhibit.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Streamlined forensic report (SFR1)" in html
    row = re.search(r'<tr data-category="A">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r"<td[^>]*>(\d+)</td>", row) == ["1", "2", "1", "2"]
    assert "DCIM/holiday.jpg" in html
    assert "Ceri Jones" in html
    assert AuditEntry.objects.filter(action="view", detail="charging document").exists()
    for name, pk in [
        ("charging-device-pdf", exhibit.pk),
        ("charging-subject-pdf", exhibit.subject.pk),
    ]:
        pdf = client.get(reverse(f"examination:{name}", args=[pk]))
        assert pdf.status_code == 200
        assert pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF-")
        assert _tagged(pdf.content)  # for screen readers (PDF/UA-1)
    subject_page = client.get(reverse("examination:charging-subject", args=[exhibit.subject.pk]))
    assert "All exhibits" in subject_page.content.decode()


def _tagged(pdf: bytes) -> bool:
    """Whether the PDF declares PDF/UA and a structure tree (in plain or deflated objects)."""
    import zlib

    texts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            texts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    whole = b"".join(texts)
    return b"pdfuaid:part" in whole and b"/StructTreeRoot" in whole


def test_another_force_gets_not_found(client, graded, exhibit):
    client.force_login(make_user("gw-officer", "gwent", Role.OFFICER))
    assert client.get(reverse("examination:charging-device", args=[exhibit.pk])).status_code == 404
    url = reverse("examination:charging-subject-pdf", args=[exhibit.subject.pk])
    assert client.get(url).status_code == 404


def test_a_device_never_triaged_says_so_and_counts_nothing(db):
    device = m.Device.objects.create(subject=cf.subject("gwent"), kind=DeviceKind.PHONE)
    doc = charging.for_device(device)
    assert doc.exhibits[0].findings is None
    assert doc.total.item_count == 0
    assert "Not triaged: nothing graded." in charging.render_html(doc)
