"""PDQ perceptual hashes of evidence images, through :mod:`netsafe.triage.pdq.fast`.

There is one PDQ implementation in the tree (``pdq.fast``); this module adapts it
to the scan: hashes as ``(hex, quality)`` pairs, the optional dihedral hashes,
(``pdq.fast`` guards Pillow's truncated-image flag itself).
"""

from __future__ import annotations

from typing import BinaryIO

from PIL import Image

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


def pdq_of_image(img: Image.Image) -> tuple[str | None, int]:
    """The PDQ hash (64 hex) and quality (0-100) of an opened image; ``(None, 0)`` if empty."""
    if img.width == 0 or img.height == 0:
        return None, 0
    result = hash_image(img)
    return result.hash, result.quality


def pdq_of_stream(stream: BinaryIO) -> tuple[str | None, int]:
    """Decode an image from ``stream`` and hash it; :class:`PerceptualError` when it cannot be.

    A decompression bomb (more pixels than ``Image.MAX_IMAGE_PIXELS``) is an error.
    """
    result = hash_image(stream)
    return result.hash, result.quality


def pdq_dihedral_of_stream(stream: BinaryIO) -> tuple[list[str], int]:
    """The 8 rotation/flip hashes of an image (``DIHEDRAL_NAMES`` order; the first is its PDQ)
    and its quality; :class:`PerceptualError` when it cannot be decoded."""
    return dihedral_hashes(stream)
