"""An evidence store built in code: a device folder of benign generated pictures (and a
ZIP holding one), a CSV hash set that labels some of them A, B and C, and the settings
that point the web application at them. Jobs run in the test process (``worker`` mode).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.servers.basehttp import WSGIServer
from tests.casework import factories as cf
from tests.factories import make_user
from tests.triage.conftest import jpeg_bytes, photo, zip_bytes

from netsafe.accounts.roles import Role
from netsafe.casework import models as m
from netsafe.casework.choices import DeviceKind, RiskBand
from netsafe.triage.hashing import digest_stream
from netsafe.triage.perceptual import pdq_of_stream

#: The device folder: path -> bytes.
PICTURES = {
    "DCIM/a.jpg": jpeg_bytes(photo(11)),  # exact match, category A
    "DCIM/b.jpg": jpeg_bytes(photo(12)),  # exact match, category B
    "DCIM/c.jpg": jpeg_bytes(photo(13), quality=70),  # perceptual match, category C
    "DCIM/holiday.jpg": jpeg_bytes(photo(14)),  # unknown picture
    "notes.txt": b"shopping list\n",
}


@dataclass
class Store:
    """The evidence store and the hash set."""

    root: Path
    hashset: Path
    device_folder: str = "JS-1-laptop"


@pytest.fixture
def store(tmp_path: Path, settings) -> Store:
    """The evidence store, hash set and settings (scans write under ``tmp_path/var``)."""
    root = tmp_path / "evidence"
    folder = root / "JS-1-laptop"
    for rel, data in PICTURES.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    (folder / "old.zip").write_bytes(zip_bytes({"inner/kept.jpg": jpeg_bytes(photo(15))}))
    empty = root / "JS-2-usb"
    empty.mkdir()
    (empty / "readme.txt").write_bytes(b"nothing here\n")

    def sha1(data: bytes) -> str:
        return digest_stream(io.BytesIO(data)).sha1

    # The perceptual entry is the PDQ of a re-encoding of c.jpg, not of the file itself.
    near, _quality = pdq_of_stream(io.BytesIO(jpeg_bytes(photo(13), quality=95)))
    hashset = tmp_path / "hashsets" / "uk.csv"
    hashset.parent.mkdir()
    hashset.write_text(
        "id,sha1,pdq,category\n"
        f"1,{sha1(PICTURES['DCIM/a.jpg'])},,A\n"
        f"2,{sha1(PICTURES['DCIM/b.jpg'])},,B\n"
        f"3,,{near},C\n",
        encoding="utf-8",
    )
    settings.VAR_DIR = tmp_path / "var"
    settings.NETSAFE_EVIDENCE_ROOT = root
    settings.NETSAFE_HASHSETS = [str(hashset)]
    settings.NETSAFE_TRIAGE_LAUNCH = "worker"
    settings.NETSAFE_TRIAGE_WORKERS = 1
    settings.NETSAFE_TRIAGE_SCHEDULER = None
    return Store(root, hashset)


@pytest.fixture
def exhibit(db) -> m.Device:
    """A laptop seized from a very-high-risk subject of South Wales."""
    subject = cf.subject("south-wales")
    subject.referral.risk = RiskBand.VERY_HIGH
    subject.referral.save()
    return m.Device.objects.create(subject=subject, kind=DeviceKind.LAPTOP, exhibit_ref="JS/1")


@pytest.fixture
def examiner(db):
    """An examiner of South Wales."""
    return make_user("sw-examiner", "south-wales", Role.EXAMINER)


@pytest.fixture
def other_examiner(db):
    """An examiner of Gwent: sees none of South Wales's devices."""
    return make_user("gw-examiner", "gwent", Role.EXAMINER)


def triage(device: m.Device, item: str, examiner):
    """``item`` of the evidence store triaged for ``device`` in the test process, done."""
    from netsafe.examination import jobs

    job = jobs.queue(device, item, examiner)
    jobs.run(jobs.claim(job.pk))
    job.refresh_from_db()
    assert job.status == "done", job.error
    return job


class SerialWSGIServer(WSGIServer):
    """A live server that answers one request at a time, on its own thread.

    With an in-memory SQLite test database the live server's threads all use the
    test's one connection (Django shares it with the server thread); Django's
    threaded server answered the browser's parallel requests (a gallery's dozens of
    thumbnails and a grade) on that one connection at once, which SQLite refused
    with "database table is locked". Answered one after the other, they never
    overlap; the browser's other requests wait in the socket's queue.
    """

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections_override = connections_override or {}


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, serving one request at a time (see above)."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost", start=False)
    server.thread.server_class = SerialWSGIServer
    server.start()
    yield server
    server.stop()


def blocks(seed: int, size: tuple[int, int] = (192, 144)):
    """A benign generated picture of coloured blocks, whose PDQ is stable under
    re-encoding (a near-duplicate is a few bits away, another seed about 128)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    small = (rng.random((6, 8, 3)) * 255).astype(np.uint8)
    return Image.fromarray(small, "RGB").resize(size, Image.Resampling.NEAREST)


#: The gallery device: 48 distinct pictures, three more copies of the first (a stack of
#: 4), and a re-encoding of the second (offered as a near-identical stack).
GALLERY_SEEDS = range(300, 348)


@pytest.fixture
def gallery_job(store, exhibit, examiner):
    """A triaged device for the gallery (see GALLERY_SEEDS); the first picture is known A."""
    from netsafe.examination import jobs
    from netsafe.examination.models import JobStatus

    folder = store.root / "JS-4-gallery"
    for seed in GALLERY_SEEDS:
        (folder / "DCIM").mkdir(parents=True, exist_ok=True)
        (folder / "DCIM" / f"{seed}.jpg").write_bytes(jpeg_bytes(blocks(seed)))
    first = jpeg_bytes(blocks(GALLERY_SEEDS[0]))
    for i in range(3):
        (folder / f"copy{i}").mkdir()
        (folder / f"copy{i}" / "same.jpg").write_bytes(first)
    (folder / "edited").mkdir()
    (folder / "edited" / "301.jpg").write_bytes(jpeg_bytes(blocks(301), quality=55))
    sha1 = digest_stream(io.BytesIO(first)).sha1
    with open(store.hashset, "a", encoding="utf-8") as fh:
        fh.write(f"9,{sha1},,A\n")
    job = jobs.queue(exhibit, "JS-4-gallery", examiner)
    jobs.run(jobs.claim(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    return job
