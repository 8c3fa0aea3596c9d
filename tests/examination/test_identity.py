"""A review item is the file's content (SHA-1) plus its exact place in the evidence, never
its displayed path: with two ZIP members ``x.jpg`` in one ZIP, and names whose bytes are
not UTF-8 written alike by ``backslashreplace``, every thumbnail served shows its own
item's picture; a thumbnail whose content is not the item's is refused (409)."""

from __future__ import annotations

import io
import os
import warnings
import zipfile

import pytest
from django.urls import reverse
from tests.triage.conftest import jpeg_bytes, photo
from tests.triage.test_carve_scan import fat_disk as fat_disk  # a fixture used below

from netsafe.examination import jobs
from netsafe.examination.models import JobStatus, ReviewImage
from netsafe.triage.hashing import digest_stream
from netsafe.triage.pdq.index import parse_hashes
from netsafe.triage.perceptual import pdq_of_stream

pytestmark = pytest.mark.django_db

#: A thumbnail is a resized re-encoding of a noisy photo: its PDQ is within about 36 bits
#: of the picture's, while two of the generated photos are 110 bits apart or more.
SAME_PICTURE = 64


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": the point here
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
            for name, data in members:
                zf.writestr(zipfile.ZipInfo(name), data)
    return buf.getvalue()


@pytest.fixture
def colliding(store) -> dict[str, bytes]:
    """An evidence item whose pictures collide by displayed path; sha1 -> picture bytes."""
    folder = store.root / "JS-3-collide"
    folder.mkdir()
    pictures = {seed: jpeg_bytes(photo(seed)) for seed in range(70, 77)}
    # Two members named x.jpg in one ZIP.
    (folder / "dup.zip").write_bytes(_zip([("x.jpg", pictures[70]), ("x.jpg", pictures[71])]))
    # In a ZIP: the Latin-1 byte 0xE9 (no UTF-8 flag) and the four characters "\xe9".
    raw = _zip([("cafQ.jpg", pictures[72]), ("caf\\xe9.jpg", pictures[73])])
    (folder / "names.zip").write_bytes(raw.replace(b"cafQ.jpg", b"caf\xe9.jpg"))
    # In the folder itself, the same two names.
    (folder / os.fsdecode(b"caf\xe9.jpg")).write_bytes(pictures[74])
    (folder / "caf\\xe9.jpg").write_bytes(pictures[75])
    # The same picture twice under one name in two ZIPs: same content, two items.
    (folder / "twice.zip").write_bytes(_zip([("x.jpg", pictures[76]), ("x.jpg", pictures[76])]))
    return {digest_stream(io.BytesIO(data)).sha1: data for data in pictures.values()}


@pytest.fixture
def collide_job(colliding, exhibit, examiner):
    job = jobs.queue(exhibit, "JS-3-collide", examiner)
    jobs.run(jobs.claim(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    return job


def _distance(a: str, b: str) -> int:
    x, y = parse_hashes([a, b])
    return int(sum(bin(v).count("1") for v in (x ^ y).tolist()))


def _pdq(data: bytes) -> str:
    value, _quality = pdq_of_stream(io.BytesIO(data))
    assert value
    return value


def test_every_thumbnail_served_is_its_own_items_picture(client, colliding, collide_job, examiner):
    items = list(ReviewImage.objects.filter(job=collide_job))
    # Every file is an item of its own: two x.jpg, two lookalike names twice, twice.zip's two.
    paths = sorted(i.path for i in items)
    assert paths.count("dup.zip!x.jpg") == 2
    assert paths.count("names.zip!caf\\xe9.jpg") == 2
    assert paths.count("caf\\xe9.jpg") == 2
    assert paths.count("twice.zip!x.jpg") == 2
    assert len(items) == 8
    client.force_login(examiner)
    for item in items:
        response = client.get(reverse("examination:image", args=[item.pk]))
        assert response.status_code == 200, item.path
        served = _pdq(response.content)
        expected = _pdq(colliding[item.sha1])
        assert _distance(served, expected) <= SAME_PICTURE, (item.path, item.sha1)
        # ...and far from the picture of every other content.
        for sha1, data in colliding.items():
            if sha1 != item.sha1:
                assert _distance(served, _pdq(data)) > SAME_PICTURE, (item.path, sha1)


def test_a_thumbnail_whose_content_is_not_the_items_is_refused(client, collide_job, examiner):
    item = ReviewImage.objects.filter(job=collide_job, path="dup.zip!x.jpg").last()
    # The item says one content; what its place in the evidence holds is another.
    ReviewImage.objects.filter(pk=item.pk).update(sha1="0" * 40)
    client.force_login(examiner)
    response = client.get(reverse("examination:image", args=[item.pk]))
    assert response.status_code == 409
    assert b"does not match" in response.content
    assert response["Content-Type"].startswith("text/plain")


def test_deleted_and_carved_pictures_of_a_disk_are_served_from_their_own_place(
    client, store, exhibit, examiner, fat_disk
):
    import shutil

    disk, _gap_at = fat_disk
    shutil.copy(disk, store.root / "JS-6-disk.dd")
    job = jobs.queue(exhibit, "JS-6-disk.dd", examiner)
    jobs.run(jobs.claim(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    items = list(ReviewImage.objects.filter(job=job).order_by("path"))
    carved = [i for i in items if i.carved]
    # The wiped photo in p1 and the picture in the gap no partition covers.
    assert len(carved) == 2
    assert all(i.deleted and i.carved_at is not None for i in carved)
    assert any(i.deleted and not i.carved for i in items)  # the mdel'd photo TSK lists
    client.force_login(examiner)
    for item in items:
        response = client.get(reverse("examination:image", args=[item.pk]))
        assert response.status_code == 200, item.path
        # Against the PDQ the triage computed from the evidence for this very item.
        assert item.pdq
        assert _distance(_pdq(response.content), item.pdq) <= SAME_PICTURE, item.path
    shown = client.get(reverse("examination:review", args=[job.pk]), {"deleted": "1"})
    assert {t.path for t in shown.context["tiles"]} == {
        i.path for i in items if i.deleted or i.carved
    }
