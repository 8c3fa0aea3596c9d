"""Thumbnails and video contact sheets for review, made at review time from the evidence.

Nothing is written anywhere: the file is read back through the triage engine's
sources at its exact locator, checked against the item's SHA-1, reduced in memory
and sent with ``no-store``, so no copy of evidence exists outside the evidence store
and a wrong picture is never shown for an item.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from netsafe.triage.pdq.fast import MIN_QUALITY, PDQError, hash_pil

from . import evidence

#: The longest side of a thumbnail, in pixels: the gallery's, and the larger view's.
SIZE = 240
GRID_SIZE = 160
LARGE_SIZE = 640
#: The most pixels decoded for one thumbnail (a larger picture is a decompression bomb).
MAX_PIXELS = 100_000_000
#: A contact sheet shows at most this many frames (3 x 3), sampled evenly from the frames
#: taken once a second; every sampled second is PDQ-hashed for matching.
SHEET_FRAMES = 9
#: The most seconds of video read for one sheet (ten hours at one frame a second).
MAX_SECONDS = 36_000


class ThumbnailError(Exception):
    """The picture could not be read back or decoded; the message says why."""


def thumbnail(evidence_path: Path, locator: evidence.Locator, sha1: str, size: int = SIZE) -> bytes:
    """A JPEG thumbnail of the picture at ``locator``, whose content must be ``sha1``
    (:class:`~netsafe.examination.evidence.ContentMismatch` otherwise)."""
    where = locator.raw_path.decode("utf-8", "backslashreplace")
    return picture_thumbnail(_read(evidence_path, locator, sha1), where, size)


def _read(
    evidence_path: Path, locator: evidence.Locator, sha1: str, limit: int = evidence.MAX_IMAGE_BYTES
) -> bytes:
    try:
        return evidence.read_located(evidence_path, locator, sha1, limit)
    except evidence.ContentError as exc:
        raise ThumbnailError(str(exc)) from None


def picture_thumbnail(data: bytes, where: str, size: int = SIZE) -> bytes:
    """A JPEG of at most ``size`` pixels a side of the picture in ``data``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise ThumbnailError(f"{where}: {img.width}x{img.height} pixels, too large")
                img.draft("RGB", (size, size))  # JPEG: decode at a reduced scale
                small = ImageOps.exif_transpose(img).convert("RGB")
                small.thumbnail((size, size))
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        ValueError,
    ) as exc:
        raise ThumbnailError(f"{where}: not a readable picture: {exc}") from None
    return _jpeg(small)


def _jpeg(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return buf.getvalue()


@dataclass(frozen=True)
class Frame:
    """One frame of a video: its time in seconds, PDQ hash (None when too flat to match)
    and a small picture of it."""

    second: float
    pdq: str | None
    image: Image.Image


def video_frames(data: bytes, where: str, size: int = SIZE) -> list[Frame]:
    """The frames of the video in ``data`` at each whole second (the triage's sampling),
    each PDQ-hashed at full size and kept reduced to ``size`` pixels; decoded in memory."""
    import av  # FFmpeg's libraries: loaded by the first video, not by every page

    frames: list[Frame] = []
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.video:
                raise ThumbnailError(f"{where}: no video stream")
            stream = container.streams.video[0]
            rate = float(stream.average_rate or stream.guessed_rate or 25)
            next_time = 0.0
            for number, frame in enumerate(container.decode(stream)):
                time = float(frame.time) if frame.time is not None else number / rate
                if time + 1e-6 < next_time:
                    continue
                picture = frame.to_image()
                result = hash_pil(picture)
                picture.thumbnail((size, size))
                pdq = result.hash if result.quality >= MIN_QUALITY else None
                frames.append(Frame(round(time, 3), pdq, picture))
                if len(frames) >= MAX_SECONDS:
                    break
                next_time = math.floor(time + 1e-6) + 1.0
    except ThumbnailError:
        raise
    except (av.FFmpegError, OSError, ValueError, PDQError) as exc:
        raise ThumbnailError(f"{where}: not a decodable video: {exc}") from None
    if not frames:
        raise ThumbnailError(f"{where}: no decodable frames")
    return frames


def sample(frames: list[Frame], most: int = SHEET_FRAMES) -> list[Frame]:
    """At most ``most`` frames spread evenly over the video, first and last included."""
    if len(frames) <= most:
        return list(frames)
    step = (len(frames) - 1) / (most - 1)
    return [frames[round(i * step)] for i in range(most)]


def contact_sheet(frames: list[Frame], size: int = SIZE) -> bytes:
    """A JPEG of the frames side by side (3 a row), ``size`` pixels wide in all."""
    shown = sample(frames)
    columns = min(3, len(shown))
    rows = math.ceil(len(shown) / columns)
    cell = max(1, size // columns)
    sheet = Image.new("RGB", (cell * columns, cell * rows), (11, 12, 12))
    for i, frame in enumerate(shown):
        tile = frame.image.copy()
        tile.thumbnail((cell - 2, cell - 2))
        x = (i % columns) * cell + (cell - tile.width) // 2
        y = (i // columns) * cell + (cell - tile.height) // 2
        sheet.paste(tile, (x, y))
    return _jpeg(sheet)


def frames_of(evidence_path: Path, locator: evidence.Locator, sha1: str) -> list[Frame]:
    """The frames of the video at ``locator``, whose content must be ``sha1``."""
    where = locator.raw_path.decode("utf-8", "backslashreplace")
    data = _read(evidence_path, locator, sha1, evidence.MAX_VIDEO_BYTES)
    return video_frames(data, where)
