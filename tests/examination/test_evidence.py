"""Reading a picture back from evidence for review: folders, archives inside archives,
and clear errors for what is not there or not a picture."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from PIL import Image
from tests.triage.conftest import jpeg_bytes, photo, zip_bytes

from netsafe.examination import evidence
from netsafe.examination.thumbnails import ThumbnailError, thumbnail
from netsafe.triage.content import ContentError


@pytest.fixture
def item(tmp_path):
    picture = jpeg_bytes(photo(21, (800, 600)))
    root = tmp_path / "item"
    root.mkdir()
    (root / "pic.jpg").write_bytes(picture)
    (root / "notes.txt").write_bytes(b"not a picture\n")
    inner = zip_bytes({"deep/pic.jpg": picture})
    (root / "outer.zip").write_bytes(zip_bytes({"inner.zip": inner}))
    return root, picture


def _at(path: str, occurrence: int = 0) -> evidence.Locator:
    return evidence.Locator(1, path.encode(), occurrence)


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def test_a_file_is_read_back_from_a_folder_and_from_an_archive_in_an_archive(item):
    root, picture = item
    assert evidence.read_located(root, _at("pic.jpg"), _sha1(picture)) == picture
    deep = _at("outer.zip!inner.zip!deep/pic.jpg")
    assert evidence.read_located(root, deep, _sha1(picture)) == picture


@pytest.mark.parametrize(
    ("locator", "error", "message"),
    [
        (_at("gone.jpg"), ContentError, "row 1: gone.jpg (occurrence 1): not in the evidence"),
        (_at("outer.zip!nothing.jpg"), ContentError, "outer.zip!nothing.jpg (occurrence 1)"),
        (_at("notes.txt!x.jpg"), ContentError, "notes.txt!x.jpg (occurrence 1)"),
        (_at("pic.jpg", 1), ContentError, "row 1: pic.jpg (occurrence 2): not in"),
    ],
)
def test_what_is_not_there_is_said_clearly(item, locator, error, message):
    root, picture = item
    with pytest.raises(error, match=re.escape(message)):
        evidence.read_located(root, locator, _sha1(picture))


def test_other_content_at_the_locator_is_refused(item):
    root, _ = item
    with pytest.raises(evidence.ContentMismatch, match="does not match the item's 00000"):
        evidence.read_located(root, _at("pic.jpg"), "0" * 40)


def test_a_file_larger_than_the_limit_is_not_read(item):
    root, picture = item
    with pytest.raises(
        ContentError, match=re.escape(f"row 1: pic.jpg: {len(picture)} bytes, more than 100")
    ):
        evidence.read_located(root, _at("pic.jpg"), _sha1(picture), limit=100)


def test_thumbnails_are_small_jpegs_and_a_non_picture_is_an_error(item):
    root, picture = item
    deep = _at("outer.zip!inner.zip!deep/pic.jpg")
    with Image.open(io.BytesIO(thumbnail(root, deep, _sha1(picture)))) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (240, 180)
    with pytest.raises(ThumbnailError, match=re.escape("notes.txt: not a readable picture")):
        thumbnail(root, _at("notes.txt"), _sha1(b"not a picture\n"))


def test_the_triage_reader_tells_same_named_files_apart_by_occurrence(tmp_path):
    """The one reader of a located file (the triage's, which the gallery uses): two members
    ``x.jpg`` of one ZIP are occurrences 0 and 1, and a third is not there."""
    import warnings
    import zipfile

    from netsafe.triage.content import EvidenceContent
    from netsafe.triage.sources import open_evidence

    first, second = jpeg_bytes(photo(31)), jpeg_bytes(photo(32))
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": the point here
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("x.jpg", first)
            zf.writestr("x.jpg", second)
    root = tmp_path / "item"
    root.mkdir()
    (root / "dup.zip").write_bytes(buf.getvalue())
    ev = open_evidence(root)
    try:
        content = EvidenceContent(ev)
        assert content.read_path(b"dup.zip!x.jpg", 1 << 20, occurrence=0) == first
        assert content.read_path(b"dup.zip!x.jpg", 1 << 20, occurrence=1) == second
        with pytest.raises(ContentError, match=re.escape("dup.zip!x.jpg (occurrence 3)")):
            content.read_path(b"dup.zip!x.jpg", 1 << 20, occurrence=2)
    finally:
        ev.close()
    assert evidence.read_located(root, _at("dup.zip!x.jpg", 1), _sha1(second)) == second
