"""What a picture says about itself: its EXIF camera details and its embedded thumbnail.

Read with Pillow's EXIF reader (``Image.getexif()`` and its Exif and GPS IFDs), never
a parser of our own: EXIF from seized media is hostile input, and Pillow's reader is
fuzzed and maintained. Opening an image this way reads its header only; the pixels
are not decoded.
"""

from __future__ import annotations

import io
import math
import struct
import warnings
from typing import IO, BinaryIO

from PIL import ExifTags, Image, UnidentifiedImageError

#: The keys of a row's ``exif`` object, in files.jsonl order.
EXIF_KEYS = ("make", "model", "serial", "taken", "gps", "software")

#: What reading a picture's header or EXIF can raise on hostile bytes.
_EXIF_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    TypeError,
    KeyError,
    IndexError,
    ZeroDivisionError,
    struct.error,
    UnidentifiedImageError,
    Image.DecompressionBombError,
)
#: The longest thumbnail taken from a picture's EXIF (the format caps the APP1 segment at
#: 64 KiB; TIFF-based pictures may hold more, but a thumbnail is never megabytes).
MAX_THUMBNAIL = 1 << 20
_SOI = b"\xff\xd8"

_IFD1 = ExifTags.IFD.IFD1
_THUMB_OFFSET = 0x0201  # JPEGInterchangeFormat
_THUMB_LENGTH = 0x0202  # JPEGInterchangeFormatLength


def _text(value: object) -> str | None:
    """An EXIF text value as written: trailing NULs and spaces dropped, ``None`` if empty."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "backslashreplace")
    if not isinstance(value, str):
        return None if value is None else str(value)
    value = value.replace("\x00", " ").strip()
    return value or None


def _degrees(dms: object, ref: object) -> float | None:
    """Degrees, minutes and seconds (three rationals) and N/S/E/W as signed decimal degrees."""
    try:
        parts = [float(x) for x in dms]  # type: ignore[attr-defined]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not parts or len(parts) > 3 or not all(math.isfinite(p) for p in parts):
        return None
    parts += [0.0] * (3 - len(parts))
    value = parts[0] + parts[1] / 60 + parts[2] / 3600
    if _text(ref) in ("S", "W"):
        value = -value
    return round(value, 7)


def _gps(gps: dict) -> list[float] | None:
    lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef))
    lon = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef))
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return None
    return [lat, lon]


def exif_of_image(img: Image.Image) -> dict | None:
    """The ``exif`` object of an opened picture: make, model, serial, taken (DateTimeOriginal
    as written, no time zone), gps ``[lat, lon]`` and software, each ``None`` where the
    picture does not say; ``None`` for a picture whose EXIF says none of them (or that
    carries none)."""
    if img.format == "PNG" and "exif" not in img.info:
        # Pillow would decode the whole picture to look for an eXIf chunk after the
        # pixels; cameras write EXIF before them, where opening the file already read it.
        return None
    with warnings.catch_warnings():
        # Pillow warns about malformed EXIF (corrupt IFD, bad offsets): that is data here.
        warnings.simplefilter("ignore")
        exif = img.getexif()
        if not exif:
            return None
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    serial = sub.get(ExifTags.Base.BodySerialNumber) or exif.get(
        ExifTags.Base.CameraSerialNumber  # DNG keeps it in IFD0
    )
    found = {
        "make": _text(exif.get(ExifTags.Base.Make)),
        "model": _text(exif.get(ExifTags.Base.Model)),
        "serial": _text(serial),
        "taken": _text(sub.get(ExifTags.Base.DateTimeOriginal)),
        "gps": _gps(gps) if gps else None,
        "software": _text(exif.get(ExifTags.Base.Software)),
    }
    # A TIFF always has an IFD0 (its pixel layout): EXIF that names none of these is
    # no EXIF for the examiner.
    return found if any(v is not None for v in found.values()) else None


def read_exif(stream: IO[bytes]) -> tuple[dict | None, bytes | None]:
    """The ``exif`` object and the embedded JPEG thumbnail (IFD1) of the picture in
    ``stream``; ``(None, None)`` when it has neither or its header cannot be read."""
    try:
        stream.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(stream) as img:
                return exif_of_image(img), _thumbnail(img)
    except _EXIF_ERRORS:
        return None, None


def _thumbnail(img: Image.Image) -> bytes | None:
    """The JPEG thumbnail IFD1 points at (JPEGInterchangeFormat and its length), if any.

    Pillow reads IFD1's tags; the bytes are cut from the EXIF block they index into
    (offsets count from the TIFF header, which is where the raw EXIF of a JPEG begins
    after ``Exif\\0\\0``).
    """
    raw = img.info.get("exif")
    if not isinstance(raw, bytes):
        return None
    exif = img.getexif()
    try:
        ifd1 = exif.get_ifd(_IFD1)
    except _EXIF_ERRORS:
        return None
    offset, length = ifd1.get(_THUMB_OFFSET), ifd1.get(_THUMB_LENGTH)
    if not isinstance(offset, int) or not isinstance(length, int):
        return None
    if length <= 2 or length > MAX_THUMBNAIL or offset < 0:
        return None
    if raw.startswith(b"Exif\x00\x00"):
        raw = raw[6:]
    data = raw[offset : offset + length]
    if len(data) != length or not data.startswith(_SOI):
        return None
    return data


def thumbnail_stream(data: bytes) -> BinaryIO:
    """A thumbnail's bytes as a stream the scan reads like any file."""
    return io.BytesIO(data)


__all__ = ["EXIF_KEYS", "exif_of_image", "read_exif", "thumbnail_stream"]
