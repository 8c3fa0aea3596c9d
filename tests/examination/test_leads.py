"""Camera and first-generation leads (issue 16): a device's pictures grouped by EXIF camera;
pictures from the camera that took the owner's ordinary photos, known to no hash set, are
flagged "possibly first-generation", shown to the examiner, and raise the device's place in
the examination queue."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.casework import factories as cf
from tests.examination.conftest import triage
from tests.triage.conftest import jpeg_bytes, photo
from tests.triage.test_exif import exif_jpeg

from netsafe.casework import models as m
from netsafe.casework.choices import DeviceKind
from netsafe.examination import grading, jobs, leads
from netsafe.examination.models import BankEntry

pytestmark = pytest.mark.django_db

OWNER = {"make": "Sony", "model": "Xperia Z5", "serial": "SZ5-0001"}
#: Same make and model, another body: not the owner's camera.
OTHER = {"make": "Sony", "model": "Xperia Z5", "serial": "SZ5-9999"}

PHONE = {
    "DCIM/ordinary_1.jpg": exif_jpeg(photo(41), **OWNER),
    "DCIM/ordinary_2.jpg": exif_jpeg(photo(42), **OWNER),
    "DCIM/new_1.jpg": exif_jpeg(photo(43), **OWNER),
    "Download/theirs.jpg": exif_jpeg(photo(44), **OTHER),
    "Download/no_exif.jpg": jpeg_bytes(photo(45)),
}


@pytest.fixture
def phone_job(store, examiner):
    folder = store.root / "AB-3-phone"
    for rel, data in PHONE.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    device = m.Device.objects.create(
        subject=cf.subject("south-wales"), kind=DeviceKind.PHONE, exhibit_ref="AB/3"
    )
    return triage(device, "AB-3-phone", examiner)


def _img(job, path):
    return job.images.get(path=path)


def test_pictures_are_grouped_by_camera_make_model_and_serial(phone_job):
    cams = {str(c): c.pictures for c in leads.cameras(phone_job)}
    assert cams == {"Sony Xperia Z5 (serial SZ5-0001)": 3, "Sony Xperia Z5 (serial SZ5-9999)": 1}
    assert _img(phone_job, "DCIM/new_1.jpg").camera_serial == "SZ5-0001"
    assert _img(phone_job, "Download/no_exif.jpg").camera_make == ""


def test_an_ordinary_photo_flags_the_cameras_unknown_pictures_and_raises_priority(
    client, phone_job, examiner
):
    base = phone_job.report["priority"]
    assert base["band"] == "low"
    assert (phone_job.priority_band, phone_job.priority_score) == ("low", base["score"])
    assert not leads.first_generation(phone_job).exists()  # nothing known of the owner yet
    grading.grade(_img(phone_job, "DCIM/ordinary_1.jpg"), "non-pertinent", examiner)
    flagged = [i.path for i in leads.first_generation(phone_job)]
    # Not the other camera's picture, nor the one that names no camera.
    assert flagged == ["DCIM/new_1.jpg", "DCIM/ordinary_2.jpg"]
    phone_job.refresh_from_db()
    assert phone_job.priority_band == "high"
    assert phone_job.priority_score == base["score"] + leads.LEAD_POINTS
    # The exhibit's triage panel says so, with the reason.
    client.force_login(examiner)
    panel = client.get(phone_job.device.get_absolute_url()).content.decode()
    assert "netsafe-priority--high" in panel
    assert "2 picture(s) possibly first-generation" in panel
    # The examiner is shown them.
    client.force_login(examiner)
    page = client.get(reverse("examination:leads", args=[phone_job.pk])).content.decode()
    assert 'data-flagged="2"' in page
    assert page.count("data-first-generation") == 2
    assert "owner&#x27;s camera" in page or "owner's camera" in page
    # Graded A, a flagged picture stays a lead; graded ordinary, it is one no more.
    grading.grade(_img(phone_job, "DCIM/new_1.jpg"), "A", examiner)
    grading.grade(_img(phone_job, "DCIM/ordinary_2.jpg"), "non-pertinent", examiner)
    assert [i.path for i in leads.first_generation(phone_job)] == ["DCIM/new_1.jpg"]
    grading.grade(_img(phone_job, "DCIM/new_1.jpg"), "non-pertinent", examiner)
    phone_job.refresh_from_db()
    assert (phone_job.priority_band, phone_job.priority_score) == ("low", base["score"])


def test_a_picture_the_bank_knows_is_not_first_generation(store, examiner, phone_job):
    # The same picture graded on an earlier device: known to the operation.
    new = _img(phone_job, "DCIM/new_1.jpg")
    BankEntry.objects.create(sha1=new.sha1, category="B", first_confirmed=phone_job.finished_at)
    jobs.attach(phone_job)  # the triage attached again, with the bank's suggestion
    phone_job.refresh_from_db()
    grading.grade(_img(phone_job, "DCIM/ordinary_1.jpg"), "non-pertinent", examiner)
    assert [i.path for i in leads.first_generation(phone_job)] == ["DCIM/ordinary_2.jpg"]


def test_a_raised_device_comes_first_in_the_grading_queue(client, store, examiner, phone_job):
    # A twin phone of a subject of the same risk band, triaged earlier: first while both are
    # low, until the lead raises the other.
    import shutil

    shutil.copytree(store.root / "AB-3-phone", store.root / "AB-4-phone")
    twin_device = m.Device.objects.create(
        subject=cf.subject("south-wales"), kind=DeviceKind.PHONE, exhibit_ref="AB/4"
    )
    twin = triage(twin_device, "AB-4-phone", examiner)
    type(twin).objects.filter(pk=twin.pk).update(
        finished_at=phone_job.finished_at.replace(year=2000)
    )
    for device in (twin_device, phone_job.device):
        device.subject.referral.risk = "high"
        device.subject.referral.save()
    client.force_login(examiner)

    def raised_first() -> bool:
        page = client.get(reverse("examination:queue")).content.decode()
        section = page[page.index('data-queue="to-grade"') :]
        return section.index(str(phone_job.device)) < section.index(str(twin_device))

    assert not raised_first()
    grading.grade(_img(phone_job, "DCIM/ordinary_1.jpg"), "non-pertinent", examiner)
    assert raised_first()
