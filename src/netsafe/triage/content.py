"""A row's content read back from its evidence: the file a :class:`FileRecord` describes.

Every kind of row is found again the way the scan found it: a listed file (live,
deleted, an alternate data stream) by its path, a member of an archive by walking
``outer.zip!inner/x.jpg``, an EXIF thumbnail (``photo.jpg!thumbnail``) and a thumbnail
cache entry (``thumbcache_256.db!<id>.jpg``) from the picture or cache that holds
them, and a carved file from its ``offset`` in the media. The evidence is only read.
"""

from __future__ import annotations

import io
import re
import tarfile
import zipfile
from collections.abc import Iterable
from typing import IO

from netsafe.triage.carving import carve_one
from netsafe.triage.exif import read_exif
from netsafe.triage.records import FileRecord
from netsafe.triage.sources import Entry, Evidence, EvidenceError, open_evidence
from netsafe.triage.sources.archive import ArchiveBomb, Limits, list_members
from netsafe.triage.thumbcache import ThumbCacheError, thumbcache_entries, thumbs_db_entries
from netsafe.triage.unallocated import reader

#: The path of a carved file: ``[pN/]$Carved/<offset>.<ext>``.
_CARVED = re.compile(r"(?:^|/)\$Carved/(\d+)\.(\w+)$")
#: An archive held inside a compressed archive (which reads only forward) is read into
#: memory to be opened; one larger than this is not.
ARCHIVE_LIMIT = 256 << 20


class ContentError(Exception):
    """The row's content cannot be read back; the message says which row and why."""


class EvidenceContent:
    """Reads rows' content from one opened evidence item (its listing made once)."""

    def __init__(self, evidence: Evidence) -> None:
        self.evidence = evidence
        self._listing: dict[str, list[Entry]] | None = None

    def _entries(self, path: str) -> list[Entry]:
        if self._listing is None:
            self._listing = {}
            for entry in self.evidence.entries():
                self._listing.setdefault(entry.path, []).append(entry)
        return self._listing.get(path, [])

    def read(self, record: FileRecord, limit: int) -> bytes:
        """The content of ``record`` (at most ``limit`` bytes, else :class:`ContentError`)."""
        if record.size > limit:
            raise ContentError(f"{record.path}: {record.size} bytes, more than {limit}")
        outer, *members = record.path.split("!")
        carved = _CARVED.search(outer)
        if carved and (record.carved or not self._entries(outer)):
            # Carved again where it was found (a JPEG may lie in two fragments); what is
            # inside it (its EXIF thumbnail) is read from there.
            at, ext = int(carved.group(1)), carved.group(2)
            found = carve_one(reader(self.evidence), at, ext)
            if found is None:
                raise ContentError(f"{outer}: nothing carved again at byte {at}")
            return _descend(io.BytesIO(found.data), len(found.data), members, outer, limit)
        entry = self._entry(outer, record)
        try:
            with self.evidence.open(entry) as stream:
                return _descend(stream, entry.size, members, outer, limit)
        except OSError as exc:
            raise ContentError(f"{outer}: cannot be read: {exc}") from None

    def _entry(self, outer: str, record: FileRecord) -> Entry:
        found = self._entries(outer)
        if not found:
            raise ContentError(f"{outer}: not in the evidence {self.evidence.path}")
        # Two entries may share a displayed path: a live and a deleted file of one name,
        # or names whose bytes backslashreplace writes alike (path_hex tells them apart).
        raw = bytes.fromhex(record.path_hex).split(b"!")[0].hex() if record.path_hex else None
        best = [e for e in found if e.path_hex == raw] or found
        return next((e for e in best if e.deleted == record.deleted), best[0])


def _descend(stream: IO[bytes], size: int, members: list[str], where: str, limit: int) -> bytes:
    """Read ``stream``, or what ``members[0]`` names inside it, recursively."""
    if not members:
        if size > limit:
            raise ContentError(f"{where}: {size} bytes, more than {limit}")
        return stream.read(limit + 1)[:limit]
    name, rest = members[0], members[1:]
    inner = f"{where}!{name}"
    if not stream.seekable():
        # Compressed members only read forward: what is inside one is read into memory.
        stream = io.BytesIO(_descend(stream, size, [], where, ARCHIVE_LIMIT))
    low = where.rsplit("/", 1)[-1].rsplit("!", 1)[-1].lower()
    if name == "thumbnail":
        _exif, thumbnail = read_exif(stream)
        if thumbnail is None:
            raise ContentError(f"{inner}: the picture holds no EXIF thumbnail")
        return _descend(io.BytesIO(thumbnail), len(thumbnail), rest, inner, limit)
    if low == "thumbs.db" or (low.startswith("thumbcache_") and low.endswith(".db")):
        entries = (
            thumbs_db_entries(stream) if low == "thumbs.db" else thumbcache_entries(stream, size)
        )
        try:
            for thumb in entries:
                if thumb.name == name:
                    return _descend(io.BytesIO(thumb.data), len(thumb.data), rest, inner, limit)
        except ThumbCacheError as exc:
            raise ContentError(f"{where}: {exc}") from None
        raise ContentError(f"{inner}: not in its thumbnail cache")
    try:
        for member in list_members(stream, size, Limits()):
            if member.name == name and not member.error:
                with member.open() as ms:
                    return _descend(ms, member.size, rest, inner, limit)
    except ArchiveBomb as exc:
        raise ContentError(f"{inner}: {exc}") from None
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError) as exc:
        raise ContentError(f"{where}: corrupt archive: {exc}") from None
    raise ContentError(f"{inner}: not in its archive")


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
