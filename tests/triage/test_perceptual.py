"""PDQ hashing of evidence (the fast module), checked against the reference hashes of the PDQ
authors' images."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from PIL import Image
from tests.triage.conftest import jpeg_bytes, photo

from netsafe.triage.perceptual import (
    PerceptualError,
    pdq_dihedral_of_stream,
    pdq_of_image,
    pdq_of_stream,
)


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def reference(pdq_testdata):
    with open(pdq_testdata / "reference.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def test_same_pixels_give_the_reference_hash(pdq_testdata):
    # Up to 512 px a side the fast module hashes exactly the reference's input; larger
    # images take its folded-filter path, within the PDQ authors' 10-bit bound.
    for row in reference(pdq_testdata):
        with Image.open(pdq_testdata / row["path"]) as img:
            small = max(img.size) <= 512
            pdq, quality = pdq_of_image(img.convert("RGB"))
        if small:
            assert (pdq, quality) == (row["pdq"], int(row["quality"])), row["path"]
        else:
            assert hamming(pdq, row["pdq"]) <= 10, row["path"]


def test_truncated_images_are_errors_whatever_the_process_flag(monkeypatch):
    # weasyprint turns this flag on process-wide; the scan must still flag truncation.
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = jpeg_bytes(photo(5))
    with pytest.raises(PerceptualError, match="truncated"):
        pdq_of_stream(io.BytesIO(data[: len(data) // 3]))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


def test_dihedral_hashes_start_with_the_hash(pdq_testdata):
    path = pdq_testdata / "reg-test-input/dih/bridge-1-original.jpg"
    with open(path, "rb") as fh:
        hashes, quality = pdq_dihedral_of_stream(fh)
    with open(path, "rb") as fh:
        assert (hashes[0], quality) == pdq_of_stream(fh)
    assert len(set(hashes)) == 8


def test_reduced_decoding_stays_within_ten_bits(pdq_testdata):
    for row in reference(pdq_testdata):
        with open(pdq_testdata / row["path"], "rb") as fh:
            pdq, _quality = pdq_of_stream(fh)
        if int(row["quality"]) >= 80:
            assert hamming(pdq, row["pdq"]) <= 10, row["path"]


def test_every_pillow_mode_hashes_nearly_alike(pdq_testdata):
    modes = sorted((pdq_testdata / "misc-images" / "modes").iterdir())
    hashes = []
    for path in modes:
        with open(path, "rb") as fh:
            hashes.append(pdq_of_stream(fh)[0])
    assert all(hamming(h, hashes[0]) <= 16 for h in hashes)


def test_bridge_edits_match_the_original(pdq_testdata):
    rows = {r["path"]: r["pdq"] for r in reference(pdq_testdata)}
    orig = rows["bridge-mods/aaa-orig.jpg"]
    for path, pdq in rows.items():
        if path.startswith("bridge-mods/"):
            assert hamming(orig, pdq) <= 31, path


def test_low_quality_images_report_their_quality(pdq_testdata):
    with open(pdq_testdata / "reg-test-input/labelme-subset/q0003.jpg", "rb") as fh:
        assert pdq_of_stream(fh)[1] < 50


def test_truncated_and_corrupt_images_are_errors():
    data = jpeg_bytes(photo(5))
    with pytest.raises(PerceptualError, match="truncated"):
        pdq_of_stream(io.BytesIO(data[: len(data) // 3]))
    with pytest.raises(PerceptualError):
        pdq_of_stream(io.BytesIO(b"\xff\xd8\xff\xe0" + b"\0" * 100))


def test_decompression_bomb_is_an_error(monkeypatch):
    buf = io.BytesIO()
    Image.fromarray(np.zeros((300, 300), np.uint8)).save(buf, "PNG")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 200 * 200)
    with pytest.raises(PerceptualError, match="decompression bomb"):
        pdq_of_stream(io.BytesIO(buf.getvalue()))
