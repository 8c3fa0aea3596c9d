"""The read-only evidence store (``NETSAFE_EVIDENCE_ROOT``): what an examiner may pick,
and reading one file back from an evidence item for review, by its exact locator.

Evidence paths are stored relative to the root and resolved on every use, so a
path that leaves the store (``..``, an absolute path, a link pointing outside)
is refused wherever it comes from.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings

from netsafe.triage.exif import read_exif
from netsafe.triage.records import FileRecord, read_files
from netsafe.triage.sources import Entry, Evidence, EvidenceError, open_evidence
from netsafe.triage.sources.archive import ArchiveBomb, Limits, list_members
from netsafe.triage.thumbcache import (
    ThumbCacheError,
    is_thumbcache,
    is_thumbs_db,
    thumbcache_entries,
    thumbs_db_entries,
)

#: The largest file read back for a thumbnail (a picture bigger than this is no picture).
MAX_IMAGE_BYTES = 64 << 20
#: The largest video read back for its contact sheet (held in memory, never on disk).
MAX_VIDEO_BYTES = 1 << 30
#: How many evidence items' listings are kept in memory (see :func:`_listing`).
LISTINGS_KEPT = 4
#: The largest archive held in memory to reach a member inside it (when not seekable).
ARCHIVE_LIMIT = 512 << 20


class EvidencePathError(ValueError):
    """An evidence path that is empty, missing or outside the evidence store."""


def root() -> Path:
    """The evidence store, resolved."""
    return Path(settings.NETSAFE_EVIDENCE_ROOT).resolve()


def resolve(relative: str) -> Path:
    """The absolute path of an evidence item given relative to the store; refuses escapes."""
    relative = (relative or "").strip()
    if not relative:
        raise EvidencePathError("Choose an evidence item.")
    base = root()
    if Path(relative).is_absolute():
        raise EvidencePathError(f"{relative}: give a path inside the evidence store, not absolute")
    target = (base / relative).resolve()
    if target != base and base not in target.parents:
        raise EvidencePathError(f"{relative}: outside the evidence store {base}")
    if target == base:
        raise EvidencePathError("Choose an evidence item, not the whole evidence store.")
    if not target.exists():
        raise EvidencePathError(f"{relative}: not found in the evidence store {base}")
    return target


def items() -> list[str]:
    """The evidence items at the top of the store (folders and image files), by name."""
    base = root()
    if not base.is_dir():
        return []
    found = []
    for child in sorted(base.iterdir()):
        if child.name.startswith("."):
            continue
        try:
            resolve(child.name)
        except EvidencePathError:
            continue  # a link leading out of the store is not offered
        if child.is_dir() or child.is_file():
            found.append(child.name)
    return found


@dataclass(frozen=True)
class Locator:
    """Where one file is in an evidence item, exactly (never its displayed path alone).

    ``row`` is its line of the triage's ``files.jsonl`` (from 1), ``raw_path`` the
    path's bytes as the evidence stores them (``outer.zip!inner/x.jpg`` for archive
    members), ``occurrence`` how many files with the very same path bytes the scan
    listed before it (two members ``x.jpg`` of one ZIP are 0 and 1), and ``carved_at``
    the first byte in the evidence of the carved file it is (or is inside of).
    """

    row: int
    raw_path: bytes
    occurrence: int = 0
    carved_at: int | None = None
    carved_size: int | None = None


class ContentMismatch(Exception):
    """What the evidence holds at a locator is not the content the item names."""


def store_rows(files_jsonl: Path) -> Iterator[tuple[Locator, FileRecord]]:
    """Every row of a triage's ``files.jsonl`` with its :class:`Locator`, in file order.

    The review's one way to the rows (read by :func:`netsafe.triage.records.read_files`).
    Rows of one path are in the scan's listing order (the file is sorted by path, then
    listing), so counting the rows of the same path bytes gives a file's occurrence.
    """
    seen: dict[bytes, int] = {}
    carved: dict[bytes, tuple[int, int]] = {}
    for number, row in enumerate(read_files(files_jsonl), start=1):
        raw = bytes.fromhex(row.path_hex) if row.path_hex else None
        raw = raw or row.path.encode("utf-8", "surrogateescape")
        occurrence = seen.get(raw, 0)
        seen[raw] = occurrence + 1
        if row.carved and row.offset is not None:
            carved[raw] = (int(row.offset), int(row.size or 0))
        # A file embedded in a carved one (its EXIF thumbnail) is reached through it;
        # rows are sorted by path, so the carved file's row came first.
        at = carved.get(raw) or carved.get(raw.split(b"!", 1)[0])
        yield (
            Locator(number, raw, occurrence, at[0] if at else None, at[1] if at else None),
            row,
        )


def read_located(
    evidence_path: Path, locator: Locator, sha1: str, limit: int = MAX_IMAGE_BYTES
) -> bytes:
    """The content of the file at ``locator`` in the evidence item, checked against ``sha1``.

    Raises :class:`FileNotFoundError` when nothing is at the locator,
    :class:`ValueError` when the file is larger than ``limit`` and
    :class:`ContentMismatch` when what is there is not the content ``sha1`` names.
    """
    where = locator.raw_path.decode("utf-8", "backslashreplace")
    try:
        evidence: Evidence = open_evidence(evidence_path)
    except EvidenceError as exc:
        raise FileNotFoundError(str(exc)) from None
    try:
        data = _read_at(evidence, locator, limit)
    finally:
        evidence.close()
    if data is None:
        raise FileNotFoundError(
            f"{where} (occurrence {locator.occurrence + 1}, row {locator.row}): "
            f"not in the evidence {evidence_path.name}"
        )
    found = hashlib.sha1(data).hexdigest()
    if found != sha1:
        raise ContentMismatch(
            f"{where} (row {locator.row}): the evidence holds content {found}, "
            f"which does not match the item's {sha1 or 'unknown content'}"
        )
    return data


def _read_at(evidence: Evidence, locator: Locator, limit: int) -> bytes | None:
    target = locator.raw_path
    if locator.carved_at is not None:
        data = _carved(evidence, locator)
        root = target.split(b"!", 1)[0]
        return _find(io.BytesIO(data), len(data), root, target, [locator.occurrence], limit)
    left = [locator.occurrence]
    for raw, entry in _listing(evidence):
        if not _on_the_way(raw, target, left):
            continue
        try:
            stream = evidence.open(entry)
        except (OSError, ValueError) as exc:
            raise ValueError(f"{entry.path}: cannot be read: {exc}") from None
        with stream:
            found = _find(stream, entry.size, raw, target, left, limit)
        if found is not None:
            return found
    return None


def _carved(evidence: Evidence, locator: Locator) -> bytes:
    """The bytes of a carved file (at its offset, of its size) from the evidence's media."""
    from netsafe.triage.unallocated import reader

    size = locator.carved_size or 0
    if size > ARCHIVE_LIMIT:
        raise ValueError(f"carved file at byte {locator.carved_at}: {size} bytes, too large")
    try:
        return reader(evidence)(locator.carved_at or 0, size)
    except (TypeError, OSError) as exc:
        raise FileNotFoundError(f"carved file at byte {locator.carved_at}: {exc}") from None


def _find(
    stream: IO[bytes], size: int, here: bytes, target: bytes, left: list[int], limit: int
) -> bytes | None:
    """Walk the file at ``here`` and what it holds, in the scan's order, to the file whose
    path bytes are ``target``; ``left[0]`` counts the same-path files still to pass."""
    if here == target:
        if size > limit:
            where = here.decode("utf-8", "backslashreplace")
            raise ValueError(f"{where}: {size} bytes, more than {limit} read for review")
        return stream.read(limit + 1)
    if not stream.seekable():
        # Compressed members only read forward; what is inside one is read into memory.
        stream = io.BytesIO(_bounded(stream, size, here))
    for name, child_size, opener in _children(stream, size, here):
        child = here + b"!" + name
        if not _on_the_way(child, target, left):
            continue
        with opener() as inner:
            found = _find(inner, child_size, child, target, left, limit)
        if found is not None:
            return found
    return None


def _on_the_way(path: bytes, target: bytes, left: list[int]) -> bool:
    """Whether the file at ``path`` is the target or holds it; an earlier file of the
    target's path is counted off ``left`` without being read."""
    if path == target:
        if left[0] > 0:
            left[0] -= 1
            return False
        return True
    return target.startswith(path + b"!")


def _bounded(stream: IO[bytes], size: int, here: bytes) -> bytes:
    if size > ARCHIVE_LIMIT:
        where = here.decode("utf-8", "backslashreplace")
        raise ValueError(f"{where}: {size} bytes, too large to open for review")
    return stream.read(ARCHIVE_LIMIT + 1)


def _children(stream: IO[bytes], size: int, here: bytes):
    """What the scan found inside a file, in its order, as (name bytes, size, opener): the
    thumbnails of a Windows thumbnail cache, a picture's EXIF thumbnail, or the members
    of an archive."""
    where = here.decode("utf-8", "backslashreplace")
    name = here.rsplit(b"/", 1)[-1].rsplit(b"!", 1)[-1].decode("utf-8", "backslashreplace")
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    if is_thumbcache(name, head) or is_thumbs_db(name, head):
        try:
            entries = (
                thumbs_db_entries(stream)
                if name.lower() == "thumbs.db"
                else thumbcache_entries(stream, size)
            )
            for thumb in entries:
                yield thumb.name.encode(), len(thumb.data), _bytes_opener(thumb.data)
        except ThumbCacheError as exc:
            raise ValueError(f"{where}: damaged thumbnail cache: {exc}") from None
        return
    _exif, embedded = read_exif(stream)
    if embedded is not None:
        yield b"thumbnail", len(embedded), _bytes_opener(embedded)
        return
    try:
        for member in list_members(stream, size, Limits()):
            # A member that cannot be read is a row of its own: it still counts.
            yield member.raw_name, member.size, member.open
    except ArchiveBomb as exc:
        raise ValueError(f"{where}: {exc}") from None
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError):
        return  # not an archive: nothing inside


def _bytes_opener(data: bytes):
    return lambda: io.BytesIO(data)


#: Listings of recently reviewed evidence items: (path, size, mtime) -> [(path bytes, entry)].
_listings: dict[tuple, list[tuple[bytes, Entry]]] = {}


def _listing(evidence: Evidence) -> list[tuple[bytes, Entry]]:
    """The entries of ``evidence`` with their path bytes, in listing order, kept for the
    last few items reviewed.

    A review grid asks for dozens of pictures of one device; listing a disk image
    of a hundred thousand files for each would take seconds apiece. The key holds
    the item's size and time of change, so a changed item is listed again.
    """
    stat = evidence.path.stat()
    key = (str(evidence.path), stat.st_size, stat.st_mtime_ns)
    if key not in _listings:
        if len(_listings) >= LISTINGS_KEPT:
            _listings.pop(next(iter(_listings)))
        _listings[key] = [
            (bytes.fromhex(e.path_hex) if e.path_hex else e.path.encode(), e)
            for e in evidence.entries()
        ]
    return _listings[key]
