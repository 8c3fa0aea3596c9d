"""EXIF of every picture and its embedded thumbnail (issue #14; contract "EXIF",
"Embedded files"): camera details in files.jsonl, files.csv and the report, and the
EXIF thumbnail as a row of its own, hashed and matched like any file."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import struct
from fractions import Fraction
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from tests.triage.conftest import file_rows, jpeg_bytes, photo, write_tree
from typer.testing import CliRunner

from netsafe.triage.cli import app
from netsafe.triage.exif import read_exif


def exif_jpeg(
    img: Image.Image,
    *,
    make: str | None = "Canon",
    model: str | None = "Canon EOS 5D Mark IV",
    serial: str | None = "032021001234",
    taken: str | None = "2016:12:22 20:09:38",
    software: str | None = "Firmware 1.0.4",
    gps: tuple[tuple, str, tuple, str] | None = None,
    thumbnail: bytes | None = None,
) -> bytes:
    """A JPEG with EXIF written by Pillow; ``thumbnail`` is added as IFD1 (which Pillow
    does not write) by :func:`with_thumbnail`."""
    exif = Image.Exif()
    for tag, value in (
        (ExifTags.Base.Make, make),
        (ExifTags.Base.Model, model),
        (ExifTags.Base.Software, software),
    ):
        if value is not None:
            exif[tag] = value
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    if taken is not None:
        sub[ExifTags.Base.DateTimeOriginal] = taken
    if serial is not None:
        sub[ExifTags.Base.BodySerialNumber] = serial
    if gps is not None:
        lat, lat_ref, lon, lon_ref = gps
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(
            {
                ExifTags.GPS.GPSLatitudeRef: lat_ref,
                ExifTags.GPS.GPSLatitude: lat,
                ExifTags.GPS.GPSLongitudeRef: lon_ref,
                ExifTags.GPS.GPSLongitude: lon,
            }
        )
    raw = exif.tobytes()
    if thumbnail is not None:
        raw = with_thumbnail(raw, thumbnail)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, exif=raw)
    return buf.getvalue()


def with_thumbnail(raw: bytes, thumbnail: bytes) -> bytes:
    """EXIF bytes (``Exif\\0\\0`` + TIFF) with an IFD1 holding a JPEG thumbnail, as a
    camera writes it: IFD0's next-IFD pointer names IFD1, whose JPEGInterchangeFormat
    (0x0201) and JPEGInterchangeFormatLength (0x0202) give the thumbnail's offset (from
    the TIFF header) and length (TIFF 6.0 and EXIF 2.32, section 4.5.4)."""
    assert raw.startswith(b"Exif\x00\x00")
    tiff = bytearray(raw[6:])
    order = "<" if tiff[:2] == b"II" else ">"
    ifd0 = struct.unpack_from(order + "I", tiff, 4)[0]
    count = struct.unpack_from(order + "H", tiff, ifd0)[0]
    next_at = ifd0 + 2 + 12 * count
    assert struct.unpack_from(order + "I", tiff, next_at)[0] == 0
    ifd1 = len(tiff) + (len(tiff) & 1)
    tiff += b"\x00" * (ifd1 - len(tiff))
    struct.pack_into(order + "I", tiff, next_at, ifd1)
    data_at = ifd1 + 2 + 2 * 12 + 4
    tiff += struct.pack(order + "H", 2)
    tiff += struct.pack(order + "HHII", 0x0201, 4, 1, data_at)
    tiff += struct.pack(order + "HHII", 0x0202, 4, 1, len(thumbnail))
    tiff += struct.pack(order + "I", 0)
    tiff += thumbnail
    return b"Exif\x00\x00" + bytes(tiff)


def dms(value: float) -> tuple:
    d = int(value)
    m = int((value - d) * 60)
    s = Fraction(round(((value - d) * 60 - m) * 60 * 1000), 1000)
    return (Fraction(d), Fraction(m), s)


CARDIFF = (51.4816, -3.1791)
THUMB = jpeg_bytes(photo(7, (160, 120)), quality=80)


def scan(evidence: Path, out: Path, *extra: str) -> list[dict]:
    result = CliRunner().invoke(
        app, ["scan", str(evidence), "--out", str(out), "--workers", "1", *extra]
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    return file_rows(out)


def test_exif_of_a_camera_photo():
    data = exif_jpeg(photo(1), gps=(dms(CARDIFF[0]), "N", dms(-CARDIFF[1]), "W"), thumbnail=THUMB)
    exif, thumbnail = read_exif(io.BytesIO(data))
    assert exif == {
        "make": "Canon",
        "model": "Canon EOS 5D Mark IV",
        "serial": "032021001234",
        "taken": "2016:12:22 20:09:38",
        "gps": [51.4816, -3.1791],
        "software": "Firmware 1.0.4",
    }
    assert thumbnail == THUMB


def test_what_the_picture_does_not_say_is_null():
    exif, thumbnail = read_exif(io.BytesIO(exif_jpeg(photo(1), serial=None, software=None)))
    assert exif == {
        "make": "Canon",
        "model": "Canon EOS 5D Mark IV",
        "serial": None,
        "taken": "2016:12:22 20:09:38",
        "gps": None,
        "software": None,
    }
    assert thumbnail is None
    # A picture with no EXIF at all, and bytes that are no picture.
    assert read_exif(io.BytesIO(jpeg_bytes(photo(1)))) == (None, None)
    assert read_exif(io.BytesIO(b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00*garbage")) == (
        None,
        None,
    )


def test_a_damaged_thumbnail_pointer_is_no_thumbnail():
    data = exif_jpeg(photo(1), thumbnail=THUMB)
    # The length now runs past the end of the EXIF block.
    at = data.index(struct.pack(">HHII", 0x0202, 4, 1, len(THUMB)))
    broken = data[:at] + struct.pack(">HHII", 0x0202, 4, 1, 60_000) + data[at + 12 :]
    exif, thumbnail = read_exif(io.BytesIO(broken))
    assert exif is not None
    assert exif["make"] == "Canon"
    assert thumbnail is None


def test_scan_writes_exif_and_the_thumbnail_row(tmp_path):
    camera = exif_jpeg(photo(1), gps=(dms(CARDIFF[0]), "N", dms(-CARDIFF[1]), "W"), thumbnail=THUMB)
    ev = write_tree(
        tmp_path / "ev",
        {"DCIM/camera.jpg": camera, "DCIM/plain.jpg": jpeg_bytes(photo(2)), "a.txt": b"text\n"},
    )
    # The thumbnail alone is known: it is matched as a file of its own.
    hashset = tmp_path / "set.csv"
    hashset.write_text(f"md5,category\n{hashlib.md5(THUMB).hexdigest()},A\n")
    out = tmp_path / "out"
    rows = {r["path"]: r for r in scan(ev, out, "--hashset", str(hashset))}
    assert rows["DCIM/camera.jpg"]["exif"]["gps"] == [51.4816, -3.1791]
    assert rows["DCIM/camera.jpg"]["exif"]["taken"] == "2016:12:22 20:09:38"
    assert rows["DCIM/plain.jpg"]["exif"] is None
    assert rows["a.txt"]["exif"] is None
    thumb = rows["DCIM/camera.jpg!thumbnail"]
    assert thumb["sha1"] == hashlib.sha1(THUMB).hexdigest()
    assert thumb["type"] == "image/jpeg"
    assert thumb["size"] == len(THUMB)
    assert thumb["pdq"]
    assert thumb["pdq_quality"] >= 50
    assert thumb["matches"][0]["category"] == "A"
    assert thumb["error"] is None
    report = json.loads((out / "report.json").read_text())
    assert report["evidence"][0]["summary"]["categories"] == {"A": {"files": 1, "unique": 1}}

    with open(out / "files.csv", newline="", encoding="utf-8") as fh:
        by_path = {r["path"]: r for r in csv.DictReader(fh)}
    row = by_path["DCIM/camera.jpg"]
    assert row["exif_make"] == "Canon"
    assert row["exif_model"] == "Canon EOS 5D Mark IV"
    assert row["exif_serial"] == "032021001234"
    assert row["exif_taken"] == "2016:12:22 20:09:38"
    assert (row["exif_latitude"], row["exif_longitude"]) == ("51.4816", "-3.1791")
    assert row["exif_software"] == "Firmware 1.0.4"
    assert by_path["a.txt"]["exif_make"] == ""

    html = (out / "report.html").read_text()
    assert "Canon EOS 5D Mark IV" in html
    assert "032021001234" in html


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "TIFF"])
def test_exif_of_other_picture_formats(fmt):
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "Pixel 7"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2017:01:02 03:04:05"
    buf = io.BytesIO()
    photo(1, (64, 48)).save(buf, fmt, exif=exif.tobytes())
    found, thumbnail = read_exif(io.BytesIO(buf.getvalue()))
    assert found == {
        "make": None,
        "model": "Pixel 7",
        "serial": None,
        "taken": "2017:01:02 03:04:05",
        "gps": None,
        "software": None,
    }
    assert thumbnail is None
    # The same picture without EXIF says nothing.
    plain = io.BytesIO()
    photo(1, (64, 48)).save(plain, fmt)
    assert read_exif(io.BytesIO(plain.getvalue())) == (None, None)
