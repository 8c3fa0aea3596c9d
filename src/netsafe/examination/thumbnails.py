"""Thumbnails for the review grid, made at review time from the evidence itself.

Nothing is written anywhere: the picture is read back through the triage
engine's sources, reduced in memory and sent with ``no-store``, so no copy of
evidence exists outside the evidence store.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from . import evidence

#: The longest side of a thumbnail, in pixels.
SIZE = 240
#: The most pixels decoded for one thumbnail (a larger picture is a decompression bomb).
MAX_PIXELS = 100_000_000


class ThumbnailError(Exception):
    """The picture could not be read back or decoded; the message says why."""


def thumbnail(evidence_path: Path, path: str, size: int = SIZE) -> bytes:
    """A JPEG thumbnail of the picture at report path ``path`` in the evidence item."""
    try:
        data = evidence.read_file(evidence_path, path)
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise ThumbnailError(str(exc)) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise ThumbnailError(f"{path}: {img.width}x{img.height} pixels, too large")
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
        raise ThumbnailError(f"{path}: not a readable picture: {exc}") from None
    buf = io.BytesIO()
    small.save(buf, "JPEG", quality=80)
    return buf.getvalue()
