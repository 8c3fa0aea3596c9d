"""Vectorised reading of text hash sets: lines, fields and hex digests over raw bytes.

A national hash set has tens of millions of lines. Making a Python object per
line costs minutes and gigabytes, so the text formats are read in blocks of
bytes with NumPy: lines and fields are found as arrays of offsets, hex digits
are validated and converted on whole columns, and only the rare line that is
not in the plain form (quotes, odd white space, a malformed value) is handed
to the format's own per-line parser, which reads it exactly as before or
raises the error that names the file and line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

#: Bytes read per block (a block ends at a line end; the rest goes to the next block).
BLOCK = 16 << 20

#: Hex digit value of each byte, 255 for a byte that is not a hex digit.
HEX_VALUE = np.full(256, 255, dtype=np.uint8)
for _i, _c in enumerate(b"0123456789abcdef"):
    HEX_VALUE[_c] = _i
for _i, _c in enumerate(b"ABCDEF"):
    HEX_VALUE[_c] = 10 + _i
#: Value of each pair of hex digits read as a native uint16, above 255 when not hex.
_PAIR = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.uint8).reshape(-1, 2)
_PAIR_VALUE = np.where(
    (HEX_VALUE[_PAIR[:, 0]] == 255) | (HEX_VALUE[_PAIR[:, 1]] == 255),
    0xFFFF,
    (HEX_VALUE[_PAIR[:, 0]].astype(np.uint16) << 4) | HEX_VALUE[_PAIR[:, 1]],
).astype(np.uint16)
_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
#: Bytes that may begin or end a field read without Python's ``str.strip`` (printable ASCII).
_PLAIN_EDGE = np.zeros(256, dtype=bool)
_PLAIN_EDGE[0x21:0x7F] = True


def blocks(path: Path, offset: int = 0) -> Iterator[tuple[np.ndarray, int]]:
    """``(bytes, first line number)`` blocks of the file from ``offset``, each ending with
    ``\\n`` (one is added to a last line without it). Line numbers count from 1 at ``offset``."""
    line = 1
    carry = b""
    with open(path, "rb") as fh:
        fh.seek(offset)
        while True:
            data = fh.read(BLOCK)
            if not data:
                break
            data = carry + data
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                carry = data
                continue
            carry = data[cut:]
            buf = np.frombuffer(data[:cut], dtype=np.uint8)
            yield buf, line
            line += int(np.count_nonzero(buf == 10))
    if carry:
        yield np.frombuffer(carry + b"\n", dtype=np.uint8), line


def split_lines(buf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of each line of ``buf`` (which ends with ``\\n``); the end
    excludes the ``\\n`` and a ``\\r`` before it."""
    ends = np.flatnonzero(buf == 10)
    starts = np.empty_like(ends)
    starts[0:1] = 0
    starts[1:] = ends[:-1] + 1
    cr = (ends > starts) & (buf[np.maximum(ends - 1, 0)] == 13)
    return starts, ends - cr


def counts_in(mask: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """How many ``True`` of ``mask`` lie in each span ``[starts, ends)``.

    For masks with few ``True`` (quotes, carriage returns): their positions, binary-searched.
    """
    positions = np.flatnonzero(mask)
    return np.searchsorted(positions, ends) - np.searchsorted(positions, starts)


def dense_counts(mask: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """:func:`counts_in` for masks with many ``True``: one pass of sums over the spans."""
    if not starts.size:
        return np.zeros(0, np.int64)
    last = mask.size - 1
    bounds = np.empty(2 * starts.size, np.int64)
    bounds[0::2] = np.minimum(starts, last)
    bounds[1::2] = np.minimum(np.maximum(ends, starts), last)
    sums = np.add.reduceat(mask.view(np.uint8), bounds, dtype=np.int64)[0::2]
    # reduceat gives the element itself for an empty span; a span to the very end of
    # the buffer misses its last element (the buffer ends with a line end: never in a span).
    return np.where(ends > starts, sums, 0)


def ranks(mask: np.ndarray) -> np.ndarray:
    """For each ``True`` of ``mask``, how many ``True`` come before it (int64)."""
    # A cumulative sum over int32: NumPy's bool-to-int64 cumsum is many times slower.
    return np.cumsum(mask, dtype=np.int32).astype(np.int64) - 1


def plain_edges(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Spans that are empty or begin and end with printable ASCII (so ``strip`` keeps them)."""
    empty = ends <= starts
    first = _PLAIN_EDGE[buf[np.minimum(starts, buf.size - 1)]]
    last = _PLAIN_EDGE[buf[np.maximum(ends - 1, 0)]]
    return empty | (first & last)


def digests(buf: np.ndarray, starts: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``width``-byte digests written as ``2 * width`` hex digits at ``starts``: an
    ``(n, width)`` uint8 array, and which of them are all hex digits (the others are 0)."""
    if not starts.size:
        return np.zeros((0, width), dtype=np.uint8), np.zeros(0, dtype=bool)
    if buf.size < 2 * width:
        buf = np.concatenate([buf, np.zeros(2 * width - buf.size, np.uint8)])
    windows = np.lib.stride_tricks.sliding_window_view(buf, 2 * width)
    digits = np.ascontiguousarray(windows[np.minimum(starts, windows.shape[0] - 1)])
    # Two hex digits at a time: one look-up per byte of digest.
    values = _PAIR_VALUE[digits.view(np.uint16)]
    good = np.asarray(~(values > 255).any(axis=1), dtype=bool)
    return values.astype(np.uint8), good


def digest_columns(
    buf: np.ndarray,
    fs: np.ndarray,
    fe: np.ndarray,
    fast: np.ndarray,
    where: dict[str, int],
    widths: dict[str, int],
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The hex digest fields (``widths``: kind -> bytes) of the rows still ``fast``, as
    ``{kind: (rank of the row among the fast rows, keys)}``.

    ``fast`` is narrowed in place: a row whose digest is neither empty nor a whole digest
    of hex digits leaves the vectorised path (its format's own parser then reads it and
    says what is wrong).
    """
    found = {}
    for kind, width in widths.items():
        if kind in where:
            k = where[kind]
            size = fe[:, k] - fs[:, k]
            fast &= (size == 0) | (size == 2 * width)
            sel = np.flatnonzero(fast & (size == 2 * width))
            keys, good = digests(buf, fs[sel, k], width)
            fast[sel[~good]] = False
            found[kind] = (sel, keys, good)
    rank = ranks(fast)
    hashes = {}
    for kind, (sel, keys, good) in found.items():
        keep = good & fast[sel]
        if keep.any():
            hashes[kind] = (rank[sel[keep]], keys[keep])
    return hashes


def hex_of(keys: np.ndarray) -> np.ndarray:
    """``(n, width)`` digests as ``(n, 2 * width)`` lower-case hex digit bytes."""
    out = np.empty((keys.shape[0], keys.shape[1] * 2), dtype=np.uint8)
    out[:, 0::2] = _HEX_DIGITS[keys >> 4]
    out[:, 1::2] = _HEX_DIGITS[keys & 15]
    return out


def gather(src: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The spans ``[starts, ends)`` of ``src`` joined end to end, and their ``n + 1`` offsets."""
    lengths = ends - starts
    offsets = np.zeros(lengths.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    used = np.flatnonzero(lengths > 0)
    if not used.size:
        return np.zeros(0, src.dtype), offsets
    first, last = starts[used], ends[used]
    # The positions to read go up by one, and jump at the start of each span: a running
    # sum of the steps gives them all.
    step = np.ones(int(offsets[-1]), dtype=np.int64)
    step[0] = first[0]
    step[offsets[used[1:]]] = first[1:] - last[:-1] + 1
    return src[np.cumsum(step)], offsets


def first_at_or_after(positions: np.ndarray, starts: np.ndarray, k: int = 0) -> np.ndarray:
    """For each start, the ``k``-th (0-based) of ``positions`` (sorted) at or after it;
    ``-1`` where there is none."""
    j = np.searchsorted(positions, starts) + k
    out = np.full(starts.size, -1, dtype=np.int64)
    inside = j < positions.size
    out[inside] = positions[j[inside]]
    return out


def fields(
    buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, delimiter: int, count: int, *, rest: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each line cut into ``count`` fields at ``delimiter``: ``(field starts, field ends, ok)``,
    the first two of shape ``(lines, count)``. With ``rest`` the last field runs to the end
    of the line (it may hold the delimiter); without it a line must hold exactly
    ``count - 1`` delimiters. ``ok`` is False for lines that do not have the fields."""
    positions = np.flatnonzero(buf == delimiter)
    fs = np.empty((starts.size, count), dtype=np.int64)
    fe = np.empty((starts.size, count), dtype=np.int64)
    fs[:, 0] = starts
    fe[:, count - 1] = ends
    ok = np.ones(starts.size, dtype=bool)
    for k in range(count - 1):
        cut = first_at_or_after(positions, starts, k)
        ok &= (cut >= 0) & (cut < ends)
        cut = np.where(ok, cut, ends)
        fe[:, k] = cut
        fs[:, k + 1] = np.minimum(cut + 1, ends)
    if not rest:
        extra = first_at_or_after(positions, starts, count - 1)
        ok &= (extra < 0) | (extra >= ends)
    return fs, fe, ok
