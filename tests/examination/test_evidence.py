"""Reading a picture back from evidence for review: folders, archives inside archives,
and clear errors for what is not there or not a picture."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from tests.triage.conftest import jpeg_bytes, photo, zip_bytes

from netsafe.examination import evidence
from netsafe.examination.thumbnails import ThumbnailError, thumbnail


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


def test_a_file_is_read_back_from_a_folder_and_from_an_archive_in_an_archive(item):
    root, picture = item
    assert evidence.read_file(root, "pic.jpg") == picture
    assert evidence.read_file(root, "outer.zip!inner.zip!deep/pic.jpg") == picture


@pytest.mark.parametrize(
    ("path", "error", "message"),
    [
        ("gone.jpg", FileNotFoundError, "gone.jpg: not in the evidence item"),
        ("outer.zip!nothing.jpg", FileNotFoundError, "outer.zip!nothing.jpg: not in its archive"),
        ("notes.txt!x.jpg", ValueError, "notes.txt: corrupt archive"),
    ],
)
def test_what_is_not_there_is_said_clearly(item, path, error, message):
    root, _ = item
    with pytest.raises(error, match=re.escape(message)):
        evidence.read_file(root, path)


def test_a_file_larger_than_the_limit_is_not_read(item):
    root, picture = item
    with pytest.raises(
        ValueError, match=re.escape(f"pic.jpg: {len(picture)} bytes, more than 100")
    ):
        evidence.read_file(root, "pic.jpg", limit=100)


def test_thumbnails_are_small_jpegs_and_a_non_picture_is_an_error(item):
    root, _ = item
    with Image.open(io.BytesIO(thumbnail(root, "outer.zip!inner.zip!deep/pic.jpg"))) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (240, 180)
    with pytest.raises(ThumbnailError, match=re.escape("notes.txt: not a readable picture")):
        thumbnail(root, "notes.txt")
