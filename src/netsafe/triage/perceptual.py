"""PDQ perceptual hashes of images (the ``pdqhash`` package on Pillow-decoded pixels).

Everything else calls :func:`pdq_of_image` / :func:`pdq_of_stream`, so that a
faster hasher can take their place without changing callers.
"""

from __future__ import annotations

import warnings
from typing import IO

import numpy as np
import pdqhash
from PIL import Image, UnidentifiedImageError

#: Hashes below this quality are kept in the output but never used for matching
#: (the PDQ authors' threshold: such images are too featureless to compare).
MIN_QUALITY = 50
#: JPEGs are decoded at a reduced DCT scale no smaller than this, other images
#: reduced by a whole factor to no less than REDUCE_TO: PDQ itself brings every
#: image down to 64x64, so the hash moves by a few bits at most (at most 6 on the
#: PDQ authors' test images, where 10 is their bound for a correct implementation).
DRAFT_SIZE = 256
REDUCE_TO = 512


_REDUCIBLE = frozenset({"L", "RGB", "RGBA", "LA", "CMYK", "YCbCr"})


class PerceptualError(Exception):
    """The image could not be decoded (corrupt, truncated, decompression bomb)."""


def bits_to_hex(bits: np.ndarray) -> str:
    """PDQ's 256 bits as 64 hex digits, most significant bit first (the reference layout)."""
    return np.packbits(bits.astype(np.uint8)).tobytes().hex()


def pdq_of_image(img: Image.Image) -> tuple[str | None, int]:
    """The PDQ hash (64 hex) and quality (0-100) of a decoded image; ``(None, 0)`` if empty."""
    if img.width == 0 or img.height == 0:
        return None, 0
    if img.mode != "RGB":
        img = _to_rgb(img)
    bits, quality = pdqhash.compute(np.asarray(img))
    return bits_to_hex(bits), int(quality)


def _to_rgb(img: Image.Image) -> Image.Image:
    # Modes Pillow cannot convert to RGB directly (I, F, I;16) go through 8-bit L.
    try:
        return img.convert("RGB")
    except ValueError:
        arr = np.asarray(img, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        scaled = (arr - lo) * (255.0 / (hi - lo)) if hi > lo else arr * 0
        return Image.fromarray(scaled.astype(np.uint8), "L").convert("RGB")


def pdq_of_stream(stream: IO[bytes]) -> tuple[str | None, int]:
    """Decode an image from ``stream`` and hash it; :class:`PerceptualError` when it cannot be.

    JPEGs are decoded at reduced size (Pillow ``draft``); a decompression bomb
    (more pixels than ``Image.MAX_IMAGE_PIXELS``) is an error.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(stream) as img:
                if img.format == "JPEG":
                    img.draft("RGB", (DRAFT_SIZE, DRAFT_SIZE))
                img.load()
                factor = min(img.size) // REDUCE_TO
                if factor >= 2 and img.mode in _REDUCIBLE:
                    return pdq_of_image(img.reduce(factor))
                return pdq_of_image(img)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PerceptualError(f"decompression bomb: {exc}") from None
        except UnidentifiedImageError:
            raise PerceptualError("image format not decodable") from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise PerceptualError(f"image not decodable: {exc}") from None
