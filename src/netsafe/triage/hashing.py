"""MD5, SHA-1 and SHA-256 in one read pass, and the type of a file from its bytes."""

from __future__ import annotations

import hashlib
import lzma
import tarfile
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, BinaryIO

import magic
import numpy as np

#: Read size: large reads keep storage that is not in the page cache streaming (a read
#: of 256 KiB leaves it to the kernel's read-ahead, several times slower from disk here).
BLOCK = 4 << 20
#: Each block is hashed three times (MD5, SHA-1, SHA-256) in slices of this size: a
#: slice stays in the core's L2 cache between the three passes, which hashes about 25%
#: faster than passing over the whole 4 MiB block three times (fetched from memory).
HASH_SLICE = 256 << 10
#: libmagic first sees this much of a file: its cost grows with the bytes it scans
#: (about 2 ms for 8 KiB of plain text), and nearly every signature is in the first bytes...
MAGIC_FIRST = 512
#: ...and this much when the short look found nothing specific (ISO 9660 at 32 KiB,
#: office documents inside a ZIP).
MAGIC_BYTES = 64 << 10
_VAGUE = frozenset({"application/octet-stream", "application/zip"})
#: Entropy is measured on this much of the start of a file.
ENTROPY_BYTES = 256 << 10
#: Content kept for decoding (images, archives) stays in memory up to this size.
SPOOL_IN_MEMORY = 64 << 20

#: What reading a file, or a member of an archive, can raise: each becomes a per-file error.
READ_ERRORS = (
    OSError,
    EOFError,
    RuntimeError,
    zlib.error,
    lzma.LZMAError,
    zipfile.BadZipFile,
    tarfile.TarError,
)

_magic: magic.Magic | None = None
#: libmagic's answers for the first bytes it was shown (:data:`MAGIC_FIRST`), most recent
#: last: its answer depends on those bytes alone, and files often start alike (copies,
#: files made from one template, source files behind one licence header), so each start
#: is typed once. Up to this many are kept (about 2 MiB).
TYPE_CACHE_SIZE = 4096
_type_cache: dict[bytes, str] = {}
#: A Dask worker runs units in threads side by side: one at a time changes the cache.
_type_lock = threading.Lock()


def _libmagic(data: bytes) -> str:
    global _magic
    if _magic is None:
        _magic = magic.Magic(mime=True)
    return _magic.from_buffer(data)


def file_type(head: bytes) -> str:
    """The MIME type of content starting with ``head`` (libmagic), e.g. ``image/jpeg``."""
    if not head:
        return "application/x-empty"
    first = head[:MAGIC_FIRST]
    try:
        kind = _type_cache.get(first)
        if kind is None:
            kind = _libmagic(first)
            with _type_lock:
                while len(_type_cache) >= TYPE_CACHE_SIZE:
                    del _type_cache[next(iter(_type_cache))]
                _type_cache[first] = kind
        if kind in _VAGUE and len(head) > MAGIC_FIRST:
            # Told by bytes past the first ones: never taken from the cache.
            kind = _libmagic(head[:MAGIC_BYTES])
        return kind
    except magic.MagicException:
        return "application/octet-stream"


def entropy(data: bytes) -> float:
    """Shannon entropy in bits per byte of the first 256 KiB (near 8.0 for encrypted data)."""
    data = data[:ENTROPY_BYTES]
    if not data:
        return 0.0
    counts = np.bincount(np.frombuffer(data, dtype=np.uint8), minlength=256)
    p = counts[counts > 0] / len(data)
    return float(-(p * np.log2(p)).sum())


@dataclass
class Digests:
    """What one pass over a file's bytes gives."""

    md5: str
    sha1: str
    sha256: str
    size: int
    type: str
    head: bytes
    #: The whole content, kept when ``keep(type)`` asked for it (rewound to 0).
    content: IO[bytes] | None = None
    #: Why reading stopped early, if it did (the digests then cover what was read).
    error: str | None = None


#: The start of a file kept for typing, entropy and signatures.
HEAD_BYTES = 256 << 10

_buffer: bytearray | None = None


def _read_buffer() -> memoryview:
    # One buffer per process, read into again and again: a fresh bytes object per read
    # costs an allocation (and page faults) on every block.
    global _buffer
    if _buffer is None:
        _buffer = bytearray(BLOCK)
    return memoryview(_buffer)


def _readinto(stream: BinaryIO, view: memoryview) -> int:
    readinto = getattr(stream, "readinto", None)
    if readinto is not None:
        return readinto(view) or 0
    data = stream.read(len(view)) or b""
    view[: len(data)] = data
    return len(data)


def _fill(stream: BinaryIO, view: memoryview) -> tuple[int, str | None]:
    """Read into ``view`` until it is full or the stream ends (a decompressing stream may
    return less than asked); the bytes read, and the read error that stopped it, if any."""
    n = 0
    while n < len(view):
        try:
            got = _readinto(stream, view[n:])
        except READ_ERRORS as exc:
            return n, _read_error(exc)
        if not got:
            break
        n += got
    return n, None


def digest_stream(stream: BinaryIO, keep: Callable[[str], bool] = lambda _t: False) -> Digests:
    """Hash ``stream`` to its end into all three digests, typing it from its first block.

    When ``keep(type)`` is true the content is also spooled (memory, then a
    temporary file) so that it can be decoded without reading the evidence again.
    """
    md5, sha1, sha256 = hashlib.md5(), hashlib.sha1(), hashlib.sha256()
    view = _read_buffer()
    size = 0
    n, error = _fill(stream, view)
    head = bytes(view[: min(n, HEAD_BYTES)])
    kind = file_type(head)
    spool = tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY) if keep(kind) else None  # noqa: SIM115
    while n:
        for start in range(0, n, HASH_SLICE):
            part = view[start : min(n, start + HASH_SLICE)]
            md5.update(part)
            sha1.update(part)
            sha256.update(part)
        if spool is not None:
            spool.write(view[:n])
        size += n
        if error:
            break
        n, error = _fill(stream, view)
    if spool is not None:
        spool.seek(0)
    return Digests(
        md5.hexdigest(), sha1.hexdigest(), sha256.hexdigest(), size, kind, head, spool, error
    )


def _read_error(exc: BaseException) -> str:
    detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"read error: {detail}"
