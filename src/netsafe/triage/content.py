"""A row's content read back from its evidence: the file a :class:`FileRecord` describes.

Every kind of row is found again the way the scan found it: a listed file (live,
deleted, an alternate data stream) by its path's bytes, a member of an archive by
walking ``outer.zip!inner/x.jpg``, an EXIF thumbnail (``photo.jpg!thumbnail``) and a
thumbnail cache entry (``thumbcache_256.db!<id>.jpg``) from the picture or cache that
holds them, and a carved file from its ``offset`` in the media. Where several files
share a path (two members ``x.jpg`` of one ZIP), the scan's order tells them apart
(:meth:`EvidenceContent.read_path`'s ``occurrence``): the one way NetSafe reads a row's
file back, for the report's thumbnails and the review gallery's. The evidence is only
read.
"""

from __future__ import annotations

import io
import re
import tarfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO

from netsafe.triage.carving import carve_one
from netsafe.triage.exif import read_exif
from netsafe.triage.records import FileRecord
from netsafe.triage.sources import Entry, Evidence, EvidenceError, open_evidence
from netsafe.triage.sources.archive import ArchiveBomb, Limits, list_members
from netsafe.triage.thumbcache import (
    ThumbCacheError,
    is_thumbcache,
    is_thumbs_db,
    thumbcache_entries,
    thumbs_db_entries,
)
from netsafe.triage.unallocated import reader

#: The path of a carved file: ``[pN/]$Carved/<offset>.<ext>``.
_CARVED = re.compile(r"(?:^|/)\$Carved/(\d+)\.(\w+)$")
#: An archive held inside a compressed archive (which reads only forward) is read into
#: memory to be opened; one larger than this is not.
ARCHIVE_LIMIT = 256 << 20


class ContentError(Exception):
    """The row's content cannot be read back; the message says which row and why."""


#: An evidence item's listing by each entry's path bytes: [(position, entry)] in listing
#: order (see :func:`listing`).
Listing = dict[bytes, list[tuple[int, Entry]]]


def raw_path(entry_or_record: Entry | FileRecord) -> bytes:
    """A listed entry's or a row's path as the evidence stores its bytes (``path_hex`` where
    they are not UTF-8)."""
    if entry_or_record.path_hex:
        return bytes.fromhex(entry_or_record.path_hex)
    return entry_or_record.path.encode("utf-8", "surrogateescape")


def listing(evidence: Evidence) -> Listing:
    """Every entry of ``evidence`` by its path bytes, in listing order: what finding a row
    again starts from (worth keeping for an item read many times, see
    :class:`EvidenceContent`)."""
    found: Listing = {}
    for number, entry in enumerate(evidence.entries()):
        found.setdefault(raw_path(entry), []).append((number, entry))
    return found


class EvidenceContent:
    """Reads rows' content from one opened evidence item (its listing made once, or the
    ``listing`` given: :func:`listing` of the same item, kept by the caller)."""

    def __init__(self, evidence: Evidence, listing: Listing | None = None) -> None:
        self.evidence = evidence
        self._listing = listing

    def _entries(self, raw: bytes) -> list[tuple[int, Entry]]:
        if self._listing is None:
            self._listing = listing(self.evidence)
        return self._listing.get(raw, [])

    def read(self, record: FileRecord, limit: int) -> bytes:
        """The content of ``record`` (at most ``limit`` bytes, else :class:`ContentError`).

        Of several files with the row's very path (a live and a deleted one, two members
        of one name in an archive) the first of the row's kind, live or deleted; a row
        whose place must be exact is read with :meth:`read_path` and its occurrence.
        """
        if record.size > limit:
            raise ContentError(f"{record.path}: {record.size} bytes, more than {limit}")
        return self.read_path(raw_path(record), limit, deleted=record.deleted, carved=record.carved)

    def read_path(
        self,
        raw: bytes,
        limit: int,
        *,
        occurrence: int | None = None,
        deleted: bool = False,
        carved: bool = False,
    ) -> bytes:
        """The content of the file whose path bytes are ``raw`` (``outer.zip!inner/x.jpg``
        for what is inside another file), at most ``limit`` bytes.

        ``occurrence`` picks the file exactly: how many files with the very same path
        bytes the scan listed before it (two members ``x.jpg`` of one ZIP are 0 and 1).
        Without it, the first such file, a deleted one first when ``deleted``. A carved
        file (``$Carved/<offset>.<ext>``, ``carved``) is carved again where it was found.
        """
        where = raw.decode("utf-8", "backslashreplace")
        left = [occurrence or 0]
        strict = occurrence is not None
        outer = raw.split(b"!", 1)[0]
        found_carved = _CARVED.search(outer.decode("utf-8", "backslashreplace"))
        if found_carved and (carved or not self._entries(outer)):
            # Carved again where it was found (a JPEG may lie in two fragments); what is
            # inside it (its EXIF thumbnail) is read from there.
            at, ext = int(found_carved.group(1)), found_carved.group(2)
            again = carve_one(reader(self.evidence), at, ext)
            if again is None:
                raise ContentError(f"{where}: nothing carved again at byte {at}")
            data = again.data
            found = _find(io.BytesIO(data), len(data), outer, raw, left, limit, strict)
        else:
            found = self._walk(raw, left, limit, strict, deleted)
        if found is None:
            which = f" (occurrence {occurrence + 1})" if occurrence is not None else ""
            raise ContentError(f"{where}{which}: not in the evidence {self.evidence.path}")
        return found

    def _walk(
        self, target: bytes, left: list[int], limit: int, strict: bool, deleted: bool
    ) -> bytes | None:
        """Open, in listing order, each entry that is the target or holds it."""
        cut = [i for i in range(len(target)) if target[i : i + 1] == b"!"]
        candidates = sorted(
            (n, here, entry)
            for here in [target[:i] for i in cut] + [target]
            for n, entry in self._entries(here)
        )
        if not strict:
            # The row's kind first: a deleted row is the deleted file of its path.
            candidates.sort(key=lambda c: c[2].deleted != deleted)
        for _n, here, entry in candidates:
            if not _on_the_way(here, target, left):
                continue
            try:
                stream = self.evidence.open(entry)
            except (OSError, ValueError) as exc:
                raise ContentError(f"{entry.path}: cannot be read: {exc}") from None
            with stream:
                found = _find(stream, entry.size, here, target, left, limit, strict)
            if found is not None:
                return found
        return None


def _find(
    stream: IO[bytes],
    size: int,
    here: bytes,
    target: bytes,
    left: list[int],
    limit: int,
    strict: bool,
) -> bytes | None:
    """Walk the file at ``here`` and what it holds, in the scan's order, to the file whose
    path bytes are ``target``; ``left[0]`` counts the same-path files still to pass
    (``strict``: a file that cannot be read counts too, as the scan listed it)."""
    if here == target:
        if size > limit:
            where = here.decode("utf-8", "backslashreplace")
            raise ContentError(f"{where}: {size} bytes, more than {limit}")
        return stream.read(limit + 1)[:limit]
    try:
        if not stream.seekable():
            # Compressed members only read forward: what is inside one is read into memory.
            stream = io.BytesIO(_bounded(stream, size, here))
        for name, child_size, opener, error in _children(stream, size, here):
            child = here + b"!" + name
            if error and child == target and not strict:
                continue  # not the row asked for: the scan could not read this one
            if not _on_the_way(child, target, left):
                continue
            if error:
                where = child.decode("utf-8", "backslashreplace")
                raise ContentError(f"{where}: {error}")
            with opener() as inner:
                found = _find(inner, child_size, child, target, left, limit, strict)
            if found is not None:
                return found
    except OSError as exc:
        where = here.decode("utf-8", "backslashreplace")
        raise ContentError(f"{where}: cannot be read: {exc}") from None
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
        raise ContentError(f"{where}: {size} bytes, too large to open")
    return stream.read(ARCHIVE_LIMIT + 1)


def _children(
    stream: IO[bytes], size: int, here: bytes
) -> Iterator[tuple[bytes, int, Callable[[], IO[bytes]], str | None]]:
    """What the scan found inside a file, in its order, as (name bytes, size, opener,
    error): the thumbnails of a Windows thumbnail cache, a picture's EXIF thumbnail, or
    the members of an archive."""
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
                yield thumb.name.encode(), len(thumb.data), _bytes_opener(thumb.data), None
        except ThumbCacheError as exc:
            raise ContentError(f"{where}: damaged thumbnail cache: {exc}") from None
        return
    _exif, embedded = read_exif(stream)
    if embedded is not None:
        yield b"thumbnail", len(embedded), _bytes_opener(embedded), None
        return
    try:
        for member in list_members(stream, size, Limits()):
            # A member that cannot be read is a row of its own: it still counts.
            yield member.raw_name, member.size, member.open, member.error
    except ArchiveBomb as exc:
        raise ContentError(f"{where}: {exc}") from None
    except (zipfile.BadZipFile, tarfile.TarError, EOFError):
        return  # not an archive: nothing inside


def _bytes_opener(data: bytes) -> Callable[[], IO[bytes]]:
    return lambda: io.BytesIO(data)


class EvidenceReader:
    """Reads rows' content from the evidence items of a scan, each opened when first
    needed and closed on leaving the ``with`` block; called with a record it gives the
    record's bytes (at most ``limit``), or raises :class:`ContentError`."""

    def __init__(self, items: Iterable[tuple[str, str]], limit: int = 64 << 20) -> None:
        self._kinds = dict(items)
        self._open: dict[str, EvidenceContent] = {}
        self._failed: dict[str, str] = {}
        self.limit = limit

    def __enter__(self) -> EvidenceReader:
        return self

    def __exit__(self, *exc: object) -> None:
        for content in self._open.values():
            content.evidence.close()
        self._open.clear()

    def __call__(self, record: FileRecord) -> bytes:
        content = self._open.get(record.evidence)
        if content is None:
            if record.evidence in self._failed:
                raise ContentError(self._failed[record.evidence])
            kind = self._kinds.get(record.evidence)
            if kind is None:
                raise ContentError(f"{record.evidence}: not evidence of this scan")
            try:
                evidence = open_evidence(record.evidence, kind)
            except EvidenceError as exc:
                # Not tried again for each of its rows (evidence gone, or elsewhere).
                self._failed[record.evidence] = str(exc)
                raise ContentError(str(exc)) from None
            content = self._open[record.evidence] = EvidenceContent(evidence)
        return content.read(record, self.limit)
