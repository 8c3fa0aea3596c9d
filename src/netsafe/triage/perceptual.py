"""PDQ perceptual hashes of evidence images, through :mod:`netsafe.triage.pdq.fast`.

There is one PDQ implementation in the tree (``pdq.fast``); this module adapts it
to the scan: hashes as ``(hex, quality)`` pairs, the optional dihedral hashes,
and a guard on Pillow's truncated-image flag.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from PIL import Image, ImageFile

from netsafe.triage.pdq.fast import MIN_QUALITY, PDQError, dihedral_hashes, hash_image

__all__ = [
    "MIN_QUALITY",
    "PerceptualError",
    "pdq_dihedral_of_stream",
    "pdq_of_image",
    "pdq_of_stream",
]

#: The image could not be decoded (corrupt, truncated, decompression bomb).
PerceptualError = PDQError


@contextmanager
def strict_decoding() -> Iterator[None]:
    """Decode with Pillow's ``LOAD_TRUNCATED_IMAGES`` off for the duration.

    Importing some libraries (weasyprint, for the statistics PDF) turns that
    process-wide flag on, after which Pillow silently pads truncated images with
    grey and a damaged evidence file would no longer be flagged. A scan never
    relies on the process default: it switches the flag off around each decode
    and puts back what it found.
    """
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def pdq_of_image(img: Image.Image) -> tuple[str | None, int]:
    """The PDQ hash (64 hex) and quality (0-100) of an opened image; ``(None, 0)`` if empty."""
    if img.width == 0 or img.height == 0:
        return None, 0
    with strict_decoding():
        result = hash_image(img)
    return result.hash, result.quality


def pdq_of_stream(stream: IO[bytes]) -> tuple[str | None, int]:
    """Decode an image from ``stream`` and hash it; :class:`PerceptualError` when it cannot be.

    A decompression bomb (more pixels than ``Image.MAX_IMAGE_PIXELS``) is an error.
    """
    with strict_decoding():
        result = hash_image(stream)
    return result.hash, result.quality


def pdq_dihedral_of_stream(stream: IO[bytes]) -> tuple[list[str], int]:
    """The 8 rotation/flip hashes of an image (``DIHEDRAL_NAMES`` order; the first is its PDQ)
    and its quality; :class:`PerceptualError` when it cannot be decoded."""
    with strict_decoding():
        return dihedral_hashes(stream)
