"""Fast PDQ hashing of image files, faithful to the reference implementation.

The reference (``pdqhash.compute`` on the fully decoded RGB image) spends
almost all its time decoding every pixel and turning a 12-megapixel image into
floating-point luma, only to blur it down to 64x64 samples. PDQ's downsampling
is linear: two passes of a box filter in each direction (Jarosz) and a
decimation to 64x64. This module computes the same 64x64 luma from a much
smaller image:

1. JPEGs are decoded at reduced size with libjpeg's DCT scaling
   (``Image.draft``: 1/2, 1/4 or 1/8, keeping at least 256 px a side),
   straight to the luma channel ``Y``, which JFIF defines with the same
   coefficients as PDQ (0.299, 0.587, 0.114). A 12-megapixel photo arrives
   as 500x375 pixels, each the mean of an 8x8 block.
2. The reference's 1-D filter-and-decimate operator for the *full* size is
   built as a 64 x N matrix and folded onto the decoded pixels (each reduced
   pixel stands for the block of full pixels it averages), so the 64x64 luma
   is ``Mr @ luma @ Mc.T``: the reference's own filter, not an approximation
   of it by a different resampler. Other formats are decoded in full (Pillow
   cannot decode them smaller) and get the operator exactly.
3. The 64x64 buffer is hashed as ``pdqhash`` hashes its own: the 16x16 DCT,
   bits above the median, the gradient quality metric. This is done in
   floating point here (checked bit for bit against ``pdqhash`` in the
   tests), because rounding the buffer to 8 bits to hand it to ``pdqhash``
   flips bits whose coefficients sit near the median.

This replaces the reference tool's "resize to 512x512 first" with a cheaper
and more faithful equivalent: the decode itself shrinks the image, and the
filter is the reference's own.

Images of at most 512 px a side are hashed exactly as the reference does
(``pdqhash.compute`` on ``convert("RGB")``), so their hashes are identical.

**EXIF orientation.** By default the stored pixels are hashed as they are,
*without* applying the EXIF orientation tag. This is what the PDQ reference
tools, ThreatExchange and ``reference.csv`` do, so hashes agree with hash
lists made by them; a copy rotated by its tag is still found with dihedral
matching. ``exif_transpose=True`` hashes the image as a viewer shows it.

**Modes.** Every Pillow mode hashes: modes with colour are converted to RGB
the way the reference does (alpha is ignored, as ``convert("RGB")`` ignores
it). ``LAB`` uses its lightness band (Pillow cannot convert LAB to RGB).
High-bit-depth modes (``I;16*``, ``I``, ``F``) whose values leave 0..255 are
rescaled linearly into 0..255 first: PDQ ignores the DC coefficient and is
invariant to scaling, so this keeps the picture's hash while a plain
conversion would clip it to white.
"""

from __future__ import annotations

import functools
import io
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pdqhash
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

__all__ = [
    "DIHEDRAL_NAMES",
    "MIN_QUALITY",
    "PDQError",
    "PDQResult",
    "dihedral_hashes",
    "hash_image",
    "hash_pil",
]

#: Below this quality the PDQ authors advise not to match the hash at all.
MIN_QUALITY = 50
#: Largest side hashed exactly as the reference does; larger images take the fast path.
EXACT_MAX_SIDE = 512
#: Below this many pixels on a side the reference hashes nothing (zero hash, quality 0).
MIN_HASHABLE_SIDE = 5
#: JPEG DCT scaling keeps at least this many pixels on each side.
DRAFT_MIN_SIDE = 256
#: Order of the hashes returned by :func:`dihedral_hashes` (that of ``pdqhash``).
DIHEDRAL_NAMES = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flipx",
    "flipy",
    "flip_plus1",
    "flip_minus1",
)

ImageSource = str | os.PathLike[str] | bytes | BinaryIO | Image.Image


class PDQError(ValueError):
    """An image that cannot be hashed: undecodable, truncated or a decompression bomb."""


@dataclass(frozen=True, slots=True)
class PDQResult:
    """A PDQ hash: 64 lower-case hex digits, most significant bit first, and its quality."""

    hash: str
    quality: int

    @property
    def matchable(self) -> bool:
        """Whether the hash is good enough to match (quality >= :data:`MIN_QUALITY`)."""
        return self.quality >= MIN_QUALITY


def hash_image(source: ImageSource, *, exif_transpose: bool = False) -> PDQResult:
    """Hash one image the fast way.

    ``source`` is a path, the file's bytes, a binary file object or an open
    PIL image. Raises :class:`PDQError` for anything that cannot be decoded,
    including images over ``PIL.Image.MAX_IMAGE_PIXELS``
    (``DecompressionBombWarning`` counts as an error here).
    """
    pixels = _decode(source, exif_transpose=exif_transpose)
    if pixels.ndim == 3:
        bits, quality = pdqhash.compute(pixels)
        return PDQResult(_hex(bits), int(quality))
    return PDQResult(_buffer_hash(pixels), _buffer_quality(pixels))


def hash_pil(image: Image.Image, *, exif_transpose: bool = False) -> PDQResult:
    """Hash an already opened PIL image (same rules as :func:`hash_image`)."""
    return hash_image(image, exif_transpose=exif_transpose)


def dihedral_hashes(source: ImageSource, *, exif_transpose: bool = False) -> tuple[list[str], int]:
    """The hashes of the image's 8 rotations and flips, in :data:`DIHEDRAL_NAMES` order.

    Returns ``(hashes, quality)``; ``hashes[0]`` equals :func:`hash_image`'s
    hash. Matching a query's 8 hashes against a list finds rotated and
    mirrored copies (the ``--dihedral`` option).
    """
    pixels = _decode(source, exif_transpose=exif_transpose)
    if pixels.ndim == 3:
        vectors, quality = pdqhash.compute_dihedral(pixels)
        return [_hex(v) for v in vectors], int(quality)
    # Moving the 64x64 buffer moves its DCT exactly as pdqhash moves the coefficients.
    hashes = [_buffer_hash(np.ascontiguousarray(move(pixels))) for move in _DIHEDRAL_MOVES]
    return hashes, _buffer_quality(pixels)


# -- decoding -------------------------------------------------------------


@contextmanager
def strict_decoding() -> Iterator[None]:
    """Decode with Pillow's ``LOAD_TRUNCATED_IMAGES`` off for the duration.

    Importing some libraries (weasyprint, for the statistics PDF) turns that
    process-wide flag on, after which Pillow silently pads truncated images with
    grey and a damaged evidence file would no longer be flagged. Hashing never
    relies on the process default: the flag is off around each decode and put
    back as it was found afterwards.
    """
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _decode(source: ImageSource, *, exif_transpose: bool) -> np.ndarray:
    """Decode ``source``: the reference's RGB input (H x W x 3 uint8) for images of at
    most 512 px a side, else the reference's 64x64 float luma buffer."""
    with warnings.catch_warnings(), strict_decoding():
        # A decompression bomb must stop here, not only be logged.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            if isinstance(source, Image.Image):
                return _prepare(source, exif_transpose=exif_transpose)
            with _open(source) as image:
                return _prepare(image, exif_transpose=exif_transpose)
        except PDQError:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise PDQError(f"decompression bomb: {exc}") from exc
        except UnidentifiedImageError as exc:
            raise PDQError(f"not a decodable image: {exc}") from exc
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            # Pillow reports truncated and corrupt data with these.
            raise PDQError(f"cannot decode image: {exc}") from exc


def _open(source: str | os.PathLike[str] | bytes | BinaryIO) -> Image.Image:
    if isinstance(source, bytes | bytearray | memoryview):
        return Image.open(io.BytesIO(bytes(source)))
    if isinstance(source, str | os.PathLike):
        return Image.open(Path(source))
    return Image.open(source)


def _prepare(image: Image.Image, *, exif_transpose: bool) -> np.ndarray:
    width, height = image.size
    if width < 1 or height < 1:
        raise PDQError(f"empty image ({width}x{height})")
    if min(width, height) < MIN_HASHABLE_SIDE:
        # The reference gives such slivers an all-zero hash of quality 0.
        return np.zeros((64, 64))
    if max(width, height) <= EXACT_MAX_SIDE:
        # Small images: exactly the reference's input.
        if exif_transpose:
            image = ImageOps.exif_transpose(image)
        return np.ascontiguousarray(_to_rgb(image))
    orientation = image.getexif().get(0x0112, 1) if exif_transpose else 1
    return _orient(_reduced_luma_64(image, width, height), orientation)


def _to_rgb(image: Image.Image) -> np.ndarray:
    """The RGB pixels the reference hashes (``convert("RGB")``), every mode handled."""
    mode = image.mode
    if mode in ("I", "F") or mode.startswith("I;16"):
        grey = _scaled_grey(np.asarray(image))
        return np.repeat(grey[:, :, None], 3, axis=2)
    if mode == "LAB":
        return np.repeat(np.asarray(image.getchannel("L"))[:, :, None], 3, axis=2)
    if mode in ("La", "RGBa"):
        # Premultiplied alpha: Pillow converts these only through their straight forms.
        image = image.convert(mode.upper())
    return np.asarray(image.convert("RGB"))


def _to_luma(image: Image.Image) -> Image.Image:
    """An ``L`` image with PDQ's luma (0.299 R + 0.587 G + 0.114 B) of any mode."""
    mode = image.mode
    if mode == "L":
        return image
    if mode in ("I", "F") or mode.startswith("I;16"):
        return Image.fromarray(_scaled_grey(np.asarray(image)))
    if mode == "LAB":
        return image.getchannel("L")
    if mode in ("RGB", "RGBA", "RGBX", "YCbCr", "1", "LA", "P", "PA"):
        # Pillow's RGB->L uses the ITU-R 601 coefficients PDQ uses.
        return image.convert("RGB").convert("L") if mode != "RGB" else image.convert("L")
    return Image.fromarray(_to_rgb(image)).convert("L")


def _scaled_grey(values: np.ndarray) -> np.ndarray:
    """High-bit-depth pixels as 0..255, rescaled only when they leave that range."""
    values = values.astype(np.float64)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.zeros(values.shape, np.uint8)
    low, high = float(finite.min()), float(finite.max())
    if low < 0 or high > 255 or (high <= 1.0 and values.dtype.kind == "f" and high > low):
        span = high - low
        values = (values - low) * (255.0 / span) if span > 0 else np.zeros_like(values)
    values = np.nan_to_num(values, nan=0.0, posinf=255.0, neginf=0.0)
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def _reduced_luma_64(image: Image.Image, width: int, height: int) -> np.ndarray:
    """The reference's 64x64 downsample of a ``width`` x ``height`` image, computed small."""
    if image.format in ("JPEG", "MPO") and image.mode in ("RGB", "YCbCr", "L", "CMYK"):
        target = (min(width, DRAFT_MIN_SIDE), min(height, DRAFT_MIN_SIDE))
        image.draft("L" if image.mode != "CMYK" else "CMYK", target)
    grey = _to_luma(image)
    step_x, step_y = _draft_scale(width, grey.size[0]), _draft_scale(height, grey.size[1])
    pixels = np.asarray(grey)
    across_op = _banded_operator(width, pixels.shape[1], step_x)
    down_op = _banded_operator(height, pixels.shape[0], step_y)
    # Each output sample weighs only the few reduced pixels under its two box filters
    # (about 1/64 of a row): the products take those bands, not whole rows. Rows go to
    # floating point in slices so that a large image that cannot be decoded small never
    # fills memory.
    rows_per_slice = max(1, (1 << 21) // pixels.shape[1])
    across = np.empty((pixels.shape[0], 64))
    for top in range(0, pixels.shape[0], rows_per_slice):
        across[top : top + rows_per_slice] = _apply_band(
            pixels[top : top + rows_per_slice], across_op
        )
    return _apply_band(across.T, down_op).T


def _apply_band(rows: np.ndarray, band: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """``rows @ operator.T`` for an operator given by :func:`_banded_operator`."""
    starts, weights = band
    columns = starts[:, None] + np.arange(weights.shape[1])
    return np.einsum("rjw,jw->rj", rows[:, columns].astype(np.float64), weights)


@functools.lru_cache(maxsize=256)
def _banded_operator(full: int, reduced: int, step: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_folded_operator` as bands: for each of the 64 outputs the first reduced
    pixel of its band and the band's weights (all bands as wide as the widest).

    The dense operator's entries outside the filter's support are zero but for
    the rounding left by its prefix sums (about 1e-17 of the row's weight); they are
    left out.
    """
    dense = _folded_operator(full, reduced, step)
    inside = np.abs(dense) > 1e-12 * np.abs(dense).max(axis=1, keepdims=True)
    first = inside.argmax(axis=1)
    last = reduced - inside[:, ::-1].argmax(axis=1)
    width = int((last - first).max())
    starts = np.minimum(first, reduced - width)
    weights = np.zeros((64, width))
    for i in range(64):
        weights[i, first[i] - starts[i] : last[i] - starts[i]] = dense[i, first[i] : last[i]]
    starts.setflags(write=False)
    weights.setflags(write=False)
    return starts, weights


def _draft_scale(full: int, drafted: int) -> int:
    for scale in (1, 2, 4, 8):
        if -(-full // scale) == drafted:
            return scale
    raise PDQError(f"unexpected reduced size {drafted} for {full} pixels")


@functools.lru_cache(maxsize=256)
def _folded_operator(full: int, reduced: int, step: int) -> np.ndarray:
    """The reference's filter for ``full`` pixels as a 64 x ``reduced`` matrix.

    Reduced pixel ``k`` averages full pixels ``k*step .. k*step+step-1``, so
    its weight is the sum of the full operator's weights over that block.
    """
    full_op = _jarosz_operator(full)
    block = np.minimum(np.arange(full) // step, reduced - 1)
    folded = np.zeros((64, reduced))
    np.add.at(folded.T, block, full_op.T)
    folded.setflags(write=False)
    return folded


@functools.lru_cache(maxsize=64)
def _jarosz_operator(n: int) -> np.ndarray:
    """64 x n matrix: two box-filter passes then decimation, as ``pdqhash`` 0.2.8 does.

    The window is ``ceil(n / 128)`` pixels and starts ``(window - 1) // 2``
    pixels before the output pixel, clipped at the edges (averaging only the
    pixels inside). Checked against ``pdqhash.compute_float`` in the tests.
    """
    window = (n + 127) // 128
    lead = (window - 1) // 2
    index = np.arange(n)
    low = np.clip(index - lead, 0, n)
    high = np.clip(index - lead + window, 0, n)
    count = (high - low).astype(np.float64)
    samples = ((np.arange(64) + 0.5) * n / 64).astype(np.int64)
    # Row i of (box @ box) is a sum of boxes: build it with a difference array.
    diff = np.zeros((64, n + 1))
    for i, centre in enumerate(samples):
        ks = np.arange(low[centre], high[centre])
        weight = 1.0 / (count[centre] * count[ks])
        np.add.at(diff[i], low[ks], weight)
        np.add.at(diff[i], high[ks], -weight)
    return np.cumsum(diff[:, :n], axis=1)


_EXIF_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orient(luma: np.ndarray, orientation: int) -> np.ndarray:
    """Apply an EXIF orientation (1-8) to the 64x64 buffer with ``exif_transpose``'s moves."""
    method = _EXIF_TRANSPOSE.get(int(orientation))
    if method is None:
        return luma
    turned = Image.fromarray(luma.astype(np.float32)).transpose(method)
    return np.asarray(turned, dtype=np.float64)


# -- the hash of a 64x64 buffer (what pdqhash does after its downsampling) ----------

#: PDQ's DCT: rows 1..16 of the 64-point DCT-II (row 0, the mean, is left out).
_DCT = np.sqrt(2 / 64) * np.cos(np.pi / 128 * np.outer(np.arange(1, 17), 2 * np.arange(64) + 1))

#: How each of DIHEDRAL_NAMES moves the 64x64 buffer (checked against pdqhash in the tests).
_DIHEDRAL_MOVES = (
    lambda a: a,
    lambda a: np.rot90(a, 1),
    lambda a: np.rot90(a, 2),
    lambda a: np.rot90(a, -1),
    lambda a: a[::-1, :],
    lambda a: a[:, ::-1],
    lambda a: a.T,
    lambda a: np.rot90(a, 2).T,
)


def _buffer_hash(buffer: np.ndarray) -> str:
    """PDQ bits of a 64x64 luma buffer: 16x16 DCT coefficients above their median.

    Kept in floating point: rounding the buffer to 8 bits (to hand it to
    ``pdqhash``) flips the bits of coefficients near the median.
    """
    coefficients = (_DCT @ buffer @ _DCT.T).reshape(-1)[::-1]  # pdqhash's bit order
    return _hex(coefficients > np.median(coefficients))


def _buffer_quality(buffer: np.ndarray) -> int:
    """PDQ's quality: the sum of truncated neighbour differences (percent of 255) / 90."""
    values = buffer.astype(np.float32)
    hundred, full = np.float32(100), np.float32(255)
    # Same float32 arithmetic and truncation as the C++ (``int d = ((u - v) * 100) / 255``).
    down = ((values[:-1, :] - values[1:, :]) * hundred / full).astype(np.int32)
    across = ((values[:, :-1] - values[:, 1:]) * hundred / full).astype(np.int32)
    return min(int(np.abs(down).sum() + np.abs(across).sum()) // 90, 100)


def _hex(bits: np.ndarray) -> str:
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()
