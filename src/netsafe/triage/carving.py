"""Signature carving: pictures and videos found by their bytes in unallocated space.

The carver reads an evidence image through a plain ``read(offset, size)`` callable,
over the byte ranges it is given (unallocated blocks, unpartitioned gaps), and yields
every JPEG, PNG, GIF, BMP, WebP, MP4/MOV and AVI it finds there whole:

1. A header signature is searched for in large blocks (``bytes.find`` per
   signature: C speed, no Python loop over bytes).
2. The file's end is found from its own structure, as each format writes it: JPEG
   markers and the entropy-coded data up to EOI, PNG chunks up to IEND, GIF blocks
   up to the trailer, the size a BMP or RIFF (WebP, AVI) header gives, the top-level
   boxes of an ISO media file (MP4/MOV).
3. The candidate is kept only if it decodes: Pillow ``verify()`` then ``load()`` for
   pictures (a JPEG that does not decode is not a row), a walk of the RIFF chunks or
   of the boxes (``moov`` must be there) and PyAV opening a video stream for videos.

Files are taken as contiguous first (the common case on a camera card or a freshly
written disk). A JPEG that is not whole that way is tried in two fragments around a gap
of other data (bifragment gap carving, :func:`_jpeg_bifragment`), kept only if it
decodes without a single error; other formats, and files in three pieces or more, fail
step 2 or 3 and are not a row rather than a wrong one. The search goes on after a carved file's end,
so a thumbnail inside a carved JPEG is not a second row.

Budgets (files and seconds per evidence item) keep a disk full of noise from
stalling a scan; when one runs out the carver says so (``CarveResult.stopped``).
"""

from __future__ import annotations

import io
import struct
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from netsafe.triage.limits import CarveLimits
from netsafe.triage.pdq.fast import strict_decoding

#: How the carver reads the evidence: ``read(offset, size)`` gives up to ``size`` bytes.
Reader = Callable[[int, int], bytes]

#: Largest file carved, per kind (a larger candidate is not followed to its end).
MAX_PICTURE = 64 << 20
MAX_VIDEO = 4 << 30
#: Bytes searched at a time.
BLOCK = 8 << 20
#: Where files start on a disk: file systems allocate whole sectors.
SECTOR = 512

_JPEG_SOI = b"\xff\xd8\xff"
_EOI = b"\xff\xd9"
_PNG = b"\x89PNG\r\n\x1a\n"
_GIF = (b"GIF87a", b"GIF89a")
_RIFF = b"RIFF"
_FTYP = b"ftyp"
_BMP = b"BM"

#: Signature -> kind. ISO media files are found by ``ftyp`` four bytes into them.
SIGNATURES: dict[bytes, str] = {
    _JPEG_SOI: "jpg",
    _PNG: "png",
    _GIF[0]: "gif",
    _GIF[1]: "gif",
    _RIFF: "riff",
    _FTYP: "mp4",
    _BMP: "bmp",
}
#: How far before its signature a file starts (``ftyp`` is 4 bytes in).
_LEAD = {_FTYP: 4}


@dataclass(frozen=True)
class Carved:
    """One file found by carving: where it starts in the evidence, its kind and bytes;
    ``fragments`` (``[start, end)`` in the evidence) when it was not in one piece."""

    offset: int
    ext: str
    data: bytes
    fragments: tuple[tuple[int, int], ...] = ()

    @property
    def first_end(self) -> int:
        """Where its first piece ends in the evidence (the search goes on from there)."""
        return self.fragments[0][1] if self.fragments else self.offset + len(self.data)


@dataclass
class CarveResult:
    """What :func:`carve` did: ``stopped`` says why it ended early (a budget), if it did."""

    files: int = 0
    scanned: int = 0
    stopped: str | None = None
    rejected: dict[str, int] = field(default_factory=dict)
    #: JPEG headers whose bytes did not hold together, tried as two fragments.
    fragment_tries: int = 0


def carve(
    read: Reader,
    ranges: Iterable[tuple[int, int]],
    limits: CarveLimits | None = None,
    result: CarveResult | None = None,
    clock: Callable[[], float] = time.monotonic,
    align: int = SECTOR,
) -> Iterator[Carved]:
    """Every picture and video that starts inside ``ranges`` (``[start, end)`` byte
    ranges of the evidence) and decodes, in order of offset. A file may run past the
    end of its range (a range is where files may start, the evidence is read whole).

    Files are looked for where a file system puts them, at the start of a sector
    (``align`` bytes, as PhotoRec does by default): that is a look at 12 bytes in 512,
    vectorised, instead of a search of every byte. ``align=1`` searches every byte.

    ``result`` is filled in as the carver goes (counts, and why it stopped early).
    """
    limits = limits or CarveLimits()
    result = result if result is not None else CarveResult()
    deadline = clock() + limits.max_seconds
    for start, end in _merged(ranges):
        pos = start
        while pos < end:
            if clock() > deadline:
                result.stopped = f"carving stopped after {limits.max_seconds:g} s (--carve-seconds)"
                return
            # A little more than the range's part, so a signature across the end is seen.
            block = read(pos, min(BLOCK, end - pos) + 16)
            if not block:
                break
            span = min(len(block), end - pos)
            hits = (
                _Signatures(block, span)
                if align == 1
                else _AlignedSignatures(block, span, pos, align)
            )
            cursor = 0
            while (hit := hits.next(cursor)) is not None:
                at, sig = hit
                offset = pos + at - _LEAD.get(sig, 0)
                fragments = result.fragment_tries < FRAGMENT_TRIES
                found = (
                    _carve_at(read, offset, SIGNATURES[sig], fragments, result)
                    if offset >= start
                    else None
                )
                if found is None:
                    result.rejected[SIGNATURES[sig]] = result.rejected.get(SIGNATURES[sig], 0) + 1
                    cursor = at + 1
                    continue
                yield found
                result.files += 1
                if result.files >= limits.max_files:
                    result.stopped = (
                        f"carving stopped after {limits.max_files:,} files (--carve-files)"
                    )
                    return
                # Go on after its end: what lies inside it (a thumbnail) is part of it.
                # A file in two pieces: the gap between them is searched too.
                cursor = max(at + 1, found.first_end - pos)
                if clock() > deadline:
                    break
            advance = max(span, cursor)
            result.scanned += min(advance, end - pos)
            pos += advance


def _merged(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(r for r in ranges if r[1] > r[0]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


class _AlignedSignatures:
    """The signatures at the sector starts of a block (evidence offsets that are a
    multiple of ``align``), found for all sectors at once with numpy."""

    def __init__(self, block: bytes, span: int, pos: int, align: int) -> None:
        first = (-pos) % align
        count = max(0, -(-(span - first) // align))
        full = min(count, (len(block) - first) // align)
        # The first 8 bytes of each sector as one little-endian integer: a view of the
        # block for whole sectors, a padded copy for a last partial one.
        heads = np.frombuffer(block, np.uint8, full * align, first).reshape(full, align)[:, :8]
        if count > full:
            tail = block[first + full * align :][:8].ljust(8, b"\x00")
            heads = np.vstack([heads, np.frombuffer(tail, np.uint8)[None, :]])
        words = np.ascontiguousarray(heads).view("<u8").ravel()
        found: list[tuple[int, bytes]] = []
        for sig in SIGNATURES:
            lead = _LEAD.get(sig, 0)
            shifted = (b"\x00" * lead + sig).ljust(8, b"\x00")
            mask = (b"\x00" * lead + b"\xff" * len(sig)).ljust(8, b"\x00")
            value = int.from_bytes(shifted, "little")
            bits = int.from_bytes(mask, "little")
            match = (words & np.uint64(bits)) == np.uint64(value)
            found += [(first + align * int(i) + lead, sig) for i in np.flatnonzero(match)]
        # By offset; at one offset the longest signature first.
        self._hits = sorted(found, key=lambda h: (h[0] - _LEAD.get(h[1], 0), -len(h[1])))
        self._i = 0

    def next(self, cursor: int) -> tuple[int, bytes] | None:
        """The next signature at a sector start, at or after ``cursor``."""
        while self._i < len(self._hits):
            hit = self._hits[self._i]
            self._i += 1
            if hit[0] >= cursor:
                return hit
        return None


class _Signatures:
    """Where each signature next occurs in a block, found with ``bytes.find`` and kept,
    so that a frequent short signature (``BM``) does not search the block again for
    every other one."""

    def __init__(self, block: bytes, span: int) -> None:
        self._block = block
        self._span = span
        self._next: dict[bytes, int | None] = dict.fromkeys(SIGNATURES, -1)

    def next(self, cursor: int) -> tuple[int, bytes] | None:
        """The first signature starting at or after ``cursor`` and inside the span (the
        longest of those starting at the same byte)."""
        best: tuple[int, bytes] | None = None
        for sig, at in self._next.items():
            if at is None:
                continue
            if at < cursor:
                found = self._block.find(sig, cursor, self._span + len(sig) - 1)
                at = found if found >= 0 else None
                self._next[sig] = at
                if at is None:
                    continue
            if best is None or at < best[0] or (at == best[0] and len(sig) > len(best[1])):
                best = (at, sig)
        return best


def _carve_at(
    read: Reader,
    offset: int,
    kind: str,
    fragments: bool = True,
    result: CarveResult | None = None,
) -> Carved | None:
    """The file of ``kind`` that starts at ``offset``, if its structure holds and it decodes;
    a JPEG that does not is tried in two fragments when ``fragments`` (counted in
    ``result.fragment_tries``)."""
    try:
        if kind == "riff":
            return _riff(read, offset)
        if kind == "mp4":
            return _iso_media(read, offset)
        end = {"jpg": _jpeg_end, "png": _png_end, "gif": _gif_end, "bmp": _bmp_end}[kind](
            _Window(read, offset, MAX_PICTURE)
        )
        data = read(offset, end) if end is not None else b""
        if end is not None and len(data) == end and _picture_decodes(data):
            return Carved(offset, kind, data)
        if kind == "jpg" and fragments:
            if result is not None:
                result.fragment_tries += 1
            return _jpeg_bifragment(read, offset)
        return None
    except (struct.error, IndexError, _Runaway):
        return None


def carve_one(read: Reader, offset: int, ext: str) -> Carved | None:
    """The file a carved row names (its ``offset`` and extension), carved again: how its
    bytes are read back, a JPEG in two fragments included."""
    kind = {"webp": "riff", "avi": "riff", "mov": "mp4"}.get(ext, ext)
    if kind not in SIGNATURES.values():
        return None
    return _carve_at(read, offset, kind)


#: Bifragment gap carving of JPEG (Garfinkel, "Carving contiguous and fragmented files
#: with fast object validation", DFRWS 2007): a JPEG whose bytes do not hold together is
#: tried as two fragments around a gap of other data, each fragment boundary at a sector.
#: The first fragment ends at most FRAGMENT_SPLITS sectors before the point where its
#: bytes stop being JPEG; the second starts at most FRAGMENT_GAP bytes after the first
#: ends, and is where the structure runs on to an EOI; at most FRAGMENT_DECODES
#: candidates are decoded per JPEG header.
FRAGMENT_SPLITS = 16
FRAGMENT_GAP = 2 << 20
FRAGMENT_DECODES = 48
#: JPEG headers tried as two fragments per carving (each costs tens of milliseconds on
#: noise): a disk full of broken JPEG remnants cannot make carving crawl.
FRAGMENT_TRIES = 2000


def _jpeg_bifragment(read: Reader, offset: int) -> Carved | None:
    """The JPEG at ``offset`` as two fragments ``[offset, split)`` and ``[resume, end)``.

    A pair is kept when the picture decodes without a single error (FFmpeg's decoder
    told to fail on any: a boundary a sector off leaves the entropy-coded data out of
    step, and a bad code or a short scan follows), needs its last sector to do so
    (FFmpeg lets data the picture does not need pass before EOI, so a second fragment
    that repeats part of the first would pass too), decodes with Pillow as any carved
    picture must, and its second fragment is not the end of another JPEG that starts
    in the gap."""
    w = _Window(read, offset, MAX_PICTURE + FRAGMENT_GAP)
    first_data = _first_scan_data(w)
    if first_data is None:
        return None
    _end, stop = _jpeg_walk(w, 2, strict=True)
    # Fragment boundaries lie on sectors of the evidence.
    last = (offset + stop) // SECTOR * SECTOR
    splits = [k for k in range(last, offset + first_data, -SECTOR) if k - offset > first_data][
        :FRAGMENT_SPLITS
    ]
    if not splits:
        return None
    # Where a second fragment may start: sectors from which the JPEG's structure runs on
    # to its end (found once, whatever the split).
    resumes: list[tuple[int, int]] = []
    ends = _EntropyEnds(w)
    for at in range(min(splits) + SECTOR, max(splits) + FRAGMENT_GAP + 1, SECTOR):
        end = ends.from_data(at - offset)
        if end is not None:
            resumes.append((at, offset + end))
    decodes = 0
    for split in splits:
        head = read(offset, split - offset)
        for resume, end in resumes:
            if resume <= split:
                continue
            if resume - split > FRAGMENT_GAP or (split - offset) + (end - resume) > MAX_PICTURE:
                break
            decodes += 1
            if decodes > FRAGMENT_DECODES:
                return None
            data = head + read(resume, end - resume)
            if (
                _jpeg_decodes_exactly(data)
                and not _jpeg_decodes_exactly(data[: -2 - SECTOR] + _EOI)
                and _picture_decodes(data)
                and not _ends_another_jpeg(read, split, resume, end)
            ):
                return Carved(offset, "jpg", data, ((offset, split), (resume, end)))
    return None


def _ends_another_jpeg(read: Reader, split: int, resume: int, end: int) -> bool:
    """Whether a JPEG that starts in the gap ``[split, resume)`` (at a sector) ends at
    ``end`` too: the second fragment is then that file's tail (a copy of the same
    picture, say), not the rest of the first."""
    gap = read(split, resume - split)
    for at in range(0, len(gap), SECTOR):
        if gap[at : at + 3] == _JPEG_SOI:
            other = _jpeg_end(_Window(read, split + at, MAX_PICTURE))
            if other is not None and split + at + other == end:
                return True
    return False


class _EntropyEnds:
    """Where a JPEG's structure ends (after its EOI) when its entropy-coded data is taken
    to resume at a given byte, for many bytes in increasing order. The walk from a byte
    depends only on the first 0xFF at or after it (and on no run of zeros lying before
    that), and a stuffed byte or a restart leads on to the next 0xFF: each 0xFF is
    looked at once, and each stretch without one searched once for zeros."""

    def __init__(self, w: _Window) -> None:
        self._w = w
        self._ends: dict[int, int | None] = {}
        #: The last stretch looked at: from, its first 0xFF, and its first run of zeros.
        self._last = (-1, -1, -1)

    def _first_ff(self, pos: int) -> tuple[int, int]:
        """The first 0xFF at or after ``pos``, and the first run of zeros before it."""
        start, found, zeros = self._last
        if 0 <= start <= pos and (found < 0 or pos <= found):
            if zeros < 0 or pos <= zeros:
                return found, zeros
            # Past the run of zeros: inside it, the search ends at once.
            return found, self._w.zeros_between(pos, found)
        found = self._w.find(b"\xff", pos)
        zeros = self._w.zeros_between(pos, found)
        self._last = (pos, found, zeros)
        return found, zeros

    def from_data(self, pos: int) -> int | None:
        """The end of the JPEG if its entropy-coded data resumes at ``pos``, else None."""
        chain: list[int] = []
        end: int | None = None
        try:
            i, zeros = self._first_ff(pos)
            while i >= 0 and zeros < 0:
                if i in self._ends:
                    end = self._ends[i]
                    break
                chain.append(i)
                nxt = self._w.get(i + 1, 1)
                if not nxt:
                    break
                if nxt[0] == 0x00 or 0xD0 <= nxt[0] <= 0xD7:
                    nxt_ff = self._w.find(b"\xff", i + 2)
                    zeros = self._w.zeros_between(i + 2, nxt_ff)
                    i = nxt_ff
                    continue
                if nxt[0] == 0xD9:
                    end = i + 2
                elif nxt[0] in _AFTER_DATA:
                    end = _jpeg_walk(self._w, i, in_data=True, strict=True)[0]
                break
        except _Runaway:
            end = None
        for c in chain:
            self._ends[c] = end
        return end


def _first_scan_data(w: _Window) -> int | None:
    """Where the entropy-coded data of a JPEG's first scan begins (after its SOS)."""
    pos = 2
    try:
        while True:
            marker = w.get(pos, 4)
            if len(marker) < 4 or marker[0] != 0xFF or marker[1] in (0x00, 0xD8, 0xD9):
                return None
            if marker[1] == 0xFF:
                pos += 1
                continue
            length = struct.unpack(">H", marker[2:4])[0]
            if length < 2:
                return None
            pos += 2 + length
            if marker[1] == 0xDA:
                return pos
    except _Runaway:
        return None


def _jpeg_decodes_exactly(data: bytes) -> bool:
    """Whether FFmpeg decodes the JPEG with no error at all (``err_detect=explode``): a
    stricter test than Pillow's, which lets libjpeg's "corrupt data" warnings pass."""
    import av  # imported here: carving pictures alone never loads FFmpeg

    previous = av.logging.get_level()
    av.logging.set_level(av.logging.PANIC)
    try:
        codec = av.CodecContext.create("mjpeg", "r")
        codec.options = {"err_detect": "explode"}
        return bool(codec.decode(av.Packet(data)))
    except av.error.FFmpegError:
        return False
    finally:
        av.logging.set_level(previous)


class _Runaway(Exception):
    """The structure runs past what a file of its kind may be."""


class _Window:
    """Bytes of the evidence from ``base`` on, read in blocks as a parser asks for them."""

    def __init__(self, read: Reader, base: int, limit: int) -> None:
        self._read = read
        self._base = base
        self._limit = limit
        self._buf = b""

    def get(self, at: int, n: int) -> bytes:
        """``n`` bytes at ``at`` (from the start of the file); fewer at the evidence's end."""
        if at + n > self._limit:
            raise _Runaway
        while at + n > len(self._buf):
            more = self._read(self._base + len(self._buf), max(1 << 20, len(self._buf)))
            if not more:
                break
            self._buf += more
        return self._buf[at : at + n]

    def zeros_between(self, at: int, end: int) -> int:
        """Where a :data:`_ZERO_RUN` begins in ``[at, end)`` of what was read (-1: none)."""
        end = len(self._buf) if end < 0 else end
        return self._buf.find(_ZERO_RUN, at, end + len(_ZERO_RUN) - 1)

    def find(self, sub: bytes, at: int) -> int:
        """Where ``sub`` next occurs from ``at`` on (-1 if nowhere within the limit)."""
        while True:
            i = self._buf.find(sub, at)
            if i >= 0:
                return i
            have = len(self._buf)
            if have >= self._limit:
                return -1
            self.get(have, min(max(1 << 20, have), self._limit - have))
            if len(self._buf) == have:
                return -1
            at = max(at, have - len(sub))


def _jpeg_end(w: _Window) -> int | None:
    """The end of a JPEG: marker segments, then after each SOS the entropy-coded data to
    the next marker that is not a stuffed byte or a restart; EOI ends it."""
    return _jpeg_walk(w, 2)[0]


#: Zero bytes in a row that end a JPEG fragment (see :func:`_jpeg_walk`).
_ZERO_RUN = bytes(64)
#: Markers that may follow entropy-coded data in a JPEG (EOI, DHT, SOS, DQT, DNL, DRI:
#: the further scans of a progressive JPEG); a fragment's bytes end at any other.
_AFTER_DATA = frozenset({0xD9, 0xC4, 0xDA, 0xDB, 0xDC, 0xDD})


def _jpeg_walk(
    w: _Window, pos: int, *, in_data: bool = False, strict: bool = False
) -> tuple[int | None, int]:
    """Walk a JPEG's structure from ``pos`` (inside entropy-coded data when ``in_data``):
    ``(end, stop)``, ``end`` just after its EOI (None when the structure breaks first),
    ``stop`` where the walk could go no further. ``strict``: after entropy-coded data,
    only the markers of :data:`_AFTER_DATA` are taken as the JPEG's."""
    after_data = in_data
    try:
        while True:
            if in_data:
                # Entropy-coded data: the next 0xFF not followed by 0x00 or a restart marker.
                while True:
                    i = w.find(b"\xff", pos)
                    if strict:
                        # A run of zero bytes is not what an encoder writes: a sector
                        # never written (or wiped) lies there, where a fragment ends.
                        zeros = w.zeros_between(pos, i)
                        if zeros >= 0:
                            return None, zeros
                    if i < 0:
                        return None, pos
                    nxt = w.get(i + 1, 1)
                    if not nxt:
                        return None, i
                    if nxt[0] == 0x00 or 0xD0 <= nxt[0] <= 0xD7:
                        pos = i + 2
                        continue
                    pos = i
                    break
                in_data = False
            marker = w.get(pos, 2)
            if len(marker) < 2 or marker[0] != 0xFF:
                return None, pos
            code = marker[1]
            if code == 0xFF:  # fill bytes before a marker
                pos += 1
                continue
            if strict and after_data and code not in _AFTER_DATA:
                return None, pos
            if code == 0xD9:
                return pos + 2, pos
            if 0xD0 <= code <= 0xD7 or code == 0x01:
                pos += 2
                continue
            if code in (0x00, 0xD8):
                return None, pos
            length = struct.unpack(">H", w.get(pos + 2, 2))[0]
            if length < 2:
                return None, pos
            pos += 2 + length
            if code == 0xDA:
                in_data = after_data = True
    except (_Runaway, struct.error):
        return None, pos


def _png_end(w: _Window) -> int | None:
    pos = 8
    while True:
        head = w.get(pos, 8)
        if len(head) < 8:
            return None
        length, ctype = struct.unpack(">I4s", head)
        if not ctype.isalpha():
            return None
        pos += 12 + length
        if ctype == b"IEND":
            return pos


def _gif_end(w: _Window) -> int | None:
    screen = w.get(6, 7)
    if len(screen) < 7:
        return None
    flags = screen[4]
    pos = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    while True:
        b = w.get(pos, 1)
        if not b:
            return None
        if b == b"\x3b":
            return pos + 1
        if b == b"\x21":
            pos = _gif_sub_blocks(w, pos + 2)
        elif b == b"\x2c":
            desc = w.get(pos + 1, 9)
            if len(desc) < 9:
                return None
            lflags = desc[8]
            pos += 10 + (3 * 2 ** ((lflags & 7) + 1) if lflags & 0x80 else 0)
            pos = _gif_sub_blocks(w, pos + 1)  # after the LZW minimum code size
        else:
            return None


def _gif_sub_blocks(w: _Window, pos: int) -> int:
    while True:
        n = w.get(pos, 1)
        if not n:
            raise _Runaway
        pos += 1 + n[0]
        if n[0] == 0:
            return pos


_BMP_DIB_SIZES = {12, 40, 52, 56, 64, 108, 124}


def _bmp_end(w: _Window) -> int | None:
    head = w.get(0, 18)
    if len(head) < 18:
        return None
    size, reserved, data_at, dib = struct.unpack("<2xIIII", head)
    if reserved != 0 or dib not in _BMP_DIB_SIZES or not 14 + dib <= data_at < size:
        return None
    if size > MAX_PICTURE:
        return None
    return size


def _picture_decodes(data: bytes) -> bool:
    """Pillow checks the structure (``verify``) and decodes every pixel (``load``), with
    truncated images refused whatever the process-wide setting. A JPEG is decoded at
    1/8 scale, its luma only: every coefficient is still entropy-decoded (so damage
    anywhere fails), without the cost of the full inverse DCT and colour conversion."""
    with warnings.catch_warnings(), strict_decoding():
        warnings.simplefilter("ignore")
        try:
            with Image.open(io.BytesIO(data)) as img:
                img.verify()
            with Image.open(io.BytesIO(data)) as img:
                if img.format == "JPEG":
                    img.draft("L", (max(1, img.width // 8), max(1, img.height // 8)))
                img.load()
        except Exception:  # any failure to decode means "not a picture"
            return False
    return True


def _riff(read: Reader, offset: int) -> Carved | None:
    head = read(offset, 12)
    if len(head) < 12:
        return None
    size, form = struct.unpack("<I4s", head[4:12])
    total = size + 8 + (size & 1)
    if form == b"WEBP":
        if total > MAX_PICTURE:
            return None
        data = read(offset, size + 8)
        if len(data) != size + 8 or not _riff_chunks_hold(data, 12) or not _picture_decodes(data):
            return None
        return Carved(offset, "webp", data)
    if form == b"AVI ":
        if total > MAX_VIDEO:
            return None
        data = read(offset, size + 8)
        if len(data) != size + 8 or not _riff_chunks_hold(data, 12) or not _video_opens(data):
            return None
        return Carved(offset, "avi", data)
    return None


def _riff_chunks_hold(data: bytes, pos: int) -> bool:
    """The chunks from ``pos`` tile the RIFF body exactly (ids printable, sizes inside)."""
    end = len(data)
    count = 0
    while pos < end:
        if pos + 8 > end:
            return False
        cid, size = struct.unpack("<4sI", data[pos : pos + 8])
        if not all(32 <= c < 127 for c in cid):
            return False
        pos += 8 + size + (size & 1)
        count += 1
    return count > 0 and pos <= end + 1


#: Top-level boxes of an ISO base media file (MP4, MOV, 3GP) that the walk accepts.
_TOP_BOXES = {
    b"ftyp",
    b"moov",
    b"mdat",
    b"free",
    b"skip",
    b"wide",
    b"uuid",
    b"pnot",
    b"udta",
    b"meta",
    b"moof",
    b"mfra",
    b"sidx",
    b"styp",
    b"pdin",
    b"prft",
}


def _iso_media(read: Reader, offset: int) -> Carved | None:
    """An MP4/MOV: its top-level boxes from ``ftyp`` until the first that is not one;
    ``moov`` and ``mdat`` must be among them."""
    pos = 0
    seen = set()
    while True:
        head = read(offset + pos, 16)
        if len(head) < 8:
            break
        size, btype = struct.unpack(">I4s", head[:8])
        if btype not in _TOP_BOXES or (pos == 0 and btype != b"ftyp"):
            break
        if size == 1:
            if len(head) < 16:
                return None
            size = struct.unpack(">Q", head[8:16])[0]
        elif size == 0:
            return None  # "to the end of the file": no end to carve to
        if size < 8:
            break
        seen.add(btype)
        pos += size
        if pos > MAX_VIDEO:
            return None
    if not {b"moov", b"mdat"} <= seen:
        return None
    data = read(offset, pos)
    if len(data) != pos or not _video_opens(data):
        return None
    kind = "mov" if data[8:12] == b"qt  " else "mp4"
    return Carved(offset, kind, data)


def _video_opens(data: bytes) -> bool:
    """PyAV opens the container and finds a video stream in it."""
    import av  # imported here: carving pictures alone never loads FFmpeg

    try:
        with av.open(io.BytesIO(data), "r") as container:
            return any(s.type == "video" for s in container.streams)
    except (av.FFmpegError, OSError, ValueError, EOFError):
        return False


__all__ = ["SIGNATURES", "CarveLimits", "CarveResult", "Carved", "Reader", "carve"]
