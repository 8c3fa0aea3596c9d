"""Windows thumbnail caches: the pictures Explorer kept of files that may be long gone.

- ``thumbcache_*.db`` (Windows Vista to 11): the "CMMM" database, a file header then
  cache entries one after another, each with its identifier (the entry hash as
  UTF-16 hex) and its data (a JPEG, PNG or BMP). The layout, per version, is the
  one documented by Joachim Metz (libwtcdb, "Windows Explorer Thumbnail Cache
  database format") and read by Thumbcache Viewer. No maintained parser is
  available under a licence this project can ship (the Dissect one is AGPL), so
  this one is small, bounded, and never trusts a size: every entry must lie
  within the file, and a damaged entry ends the walk with an error.
- ``Thumbs.db`` (Windows XP, and folders on network shares since): an OLE compound
  file read with ``olefile``; each stream but ``Catalog`` is one thumbnail behind a
  short header.
"""

from __future__ import annotations

import fnmatch
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import olefile

CMMM = b"CMMM"
OLE_MAGIC = olefile.MAGIC
_HEADER_SIZES = {20: 24, 21: 24, 26: 28, 28: 28, 30: 28, 31: 24, 32: 24}
#: Versions (Vista 20, 7 21, 8 26-30, 8.1 31, 10/11 32) -> where the file header keeps
#: the offset of the first cache entry.
_FIRST_ENTRY_AT = {20: 12, 21: 12, 26: 16, 28: 16, 30: 16, 31: 16, 32: 16}
#: Versions -> (size of an entry's header, offset of its identifier length).
_ENTRY_LAYOUT = {20: (56, 24), 21: (48, 16)}
_ENTRY_LAYOUT_8 = (56, 16)
#: An identifier longer than this is a damaged entry (they are 16 to 32 UTF-16 chars).
_MAX_IDENTIFIER = 1024


class ThumbCacheError(Exception):
    """A thumbnail cache that is damaged where it says so."""


@dataclass(frozen=True)
class CachedThumbnail:
    """One thumbnail of a cache: the name of its row inside the cache, and its bytes."""

    name: str
    data: bytes


def is_thumbcache(name: str, head: bytes) -> bool:
    """Whether a file (by its name and first bytes) is a thumbcache_*.db database."""
    return fnmatch.fnmatch(name.lower(), "thumbcache_*.db") and head.startswith(CMMM)


def is_thumbs_db(name: str, head: bytes) -> bool:
    """Whether a file is a Thumbs.db (an OLE compound file by that name)."""
    return name.lower() == "thumbs.db" and head.startswith(OLE_MAGIC)


def extension(data: bytes) -> str:
    """The file extension of a thumbnail, from its bytes."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"BM"):
        return "bmp"
    return "bin"


def thumbcache_entries(fh: IO[bytes], size: int) -> Iterator[CachedThumbnail]:
    """The thumbnails of a thumbcache_*.db read from ``fh`` (``size`` bytes long), named
    ``<entry identifier>.<ext>``. Empty entries (no data) are skipped. Raises
    :class:`ThumbCacheError` where the database is damaged, after what came before."""
    fh.seek(0)
    header = fh.read(32)
    if len(header) < 24 or not header.startswith(CMMM):
        raise ThumbCacheError("not a thumbcache database (no CMMM header)")
    version = struct.unpack_from("<I", header, 4)[0]
    if version not in _FIRST_ENTRY_AT:
        raise ThumbCacheError(f"thumbcache version {version} is not one Windows writes")
    offset = struct.unpack_from("<I", header, _FIRST_ENTRY_AT[version])[0]
    if offset == 0 or offset > size:
        # Some databases leave the field zero: entries then follow the header.
        offset = _HEADER_SIZES[version]
    entry_size, id_at = _ENTRY_LAYOUT.get(version, _ENTRY_LAYOUT_8)
    seen: dict[str, int] = {}
    while offset + entry_size <= size:
        fh.seek(offset)
        head = fh.read(entry_size)
        if not head.startswith(CMMM):
            # The free space at the end of the database.
            if head.strip(b"\x00") == b"":
                return
            raise ThumbCacheError(f"damaged entry at byte {offset}: no CMMM signature")
        total = struct.unpack_from("<I", head, 4)[0]
        entry_hash = struct.unpack_from("<Q", head, 8)[0]
        id_len, pad_len, data_len = struct.unpack_from("<III", head, id_at)
        if (
            total < entry_size
            or offset + total > size
            or id_len > _MAX_IDENTIFIER
            or entry_size + id_len + pad_len + data_len > total
        ):
            raise ThumbCacheError(f"damaged entry at byte {offset}: sizes run past it")
        if data_len:
            ident = fh.read(id_len).decode("utf-16-le", "replace").strip("\x00")
            fh.seek(offset + entry_size + id_len + pad_len)
            data = fh.read(data_len)
            name = ident or f"{entry_hash:016x}"
            # Two entries of one identifier (rare, after a cache rebuild) stay apart.
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name = f"{name}-{seen[name]}"
            yield CachedThumbnail(f"{name}.{extension(data)}", data)
        offset += total


#: Where a picture may begin in a Thumbs.db stream (after a 12- to 28-byte header).
_THUMBS_HEADER_MAX = 64


def thumbs_db_entries(fh: IO[bytes]) -> Iterator[CachedThumbnail]:
    """The thumbnails of a Thumbs.db, one per stream (``Catalog`` maps them to file names
    and is not a picture), named ``<stream name>.<ext>``. Raises :class:`ThumbCacheError`
    when the compound file cannot be read."""
    fh.seek(0)
    try:
        ole = olefile.OleFileIO(fh)
    except (OSError, ValueError, struct.error) as exc:
        raise ThumbCacheError(f"damaged Thumbs.db: {exc}") from None
    try:
        for path in sorted(ole.listdir(streams=True, storages=False)):
            if path == ["Catalog"]:
                continue
            try:
                data = ole.openstream(path).read()
            except (OSError, ValueError, struct.error) as exc:
                raise ThumbCacheError(f"damaged stream {'/'.join(path)}: {exc}") from None
            start = _picture_start(data[:_THUMBS_HEADER_MAX])
            if start is None:
                continue
            picture = data[start:]
            yield CachedThumbnail(f"{'/'.join(path)}.{extension(picture)}", picture)
    finally:
        ole.close()


def _picture_start(head: bytes) -> int | None:
    starts = [i for i in (head.find(b"\xff\xd8\xff"), head.find(b"\x89PNG\r\n\x1a\n")) if i >= 0]
    return min(starts) if starts else None


__all__ = [
    "CachedThumbnail",
    "ThumbCacheError",
    "extension",
    "is_thumbcache",
    "is_thumbs_db",
    "thumbcache_entries",
    "thumbs_db_entries",
]
