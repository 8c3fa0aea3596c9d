"""The read-only evidence store (``NETSAFE_EVIDENCE_ROOT``): what an examiner may pick,
and reading one file back from an evidence item for the review grid.

Evidence paths are stored relative to the root and resolved on every use, so a
path that leaves the store (``..``, an absolute path, a link pointing outside)
is refused wherever it comes from.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path
from typing import IO

from django.conf import settings

from netsafe.triage.sources import Entry, Evidence, EvidenceError, open_evidence
from netsafe.triage.sources.archive import ArchiveBomb, Limits, list_members

#: The largest file read back for a thumbnail (a picture bigger than this is no picture).
MAX_IMAGE_BYTES = 64 << 20
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


def read_file(evidence_path: Path, path: str, limit: int = MAX_IMAGE_BYTES) -> bytes:
    """The content of the file at report path ``path`` (``outer.zip!inner/x.jpg`` inside
    archives) in the evidence item, read through the triage engine's sources.

    Raises :class:`FileNotFoundError` when the path is not in the evidence and
    :class:`ValueError` when the file is larger than ``limit``.
    """
    outer, *members = path.split("!")
    try:
        evidence: Evidence = open_evidence(evidence_path)
    except EvidenceError as exc:
        raise FileNotFoundError(str(exc)) from None
    try:
        entry = _listing(evidence).get(outer)
        if entry is None:
            raise FileNotFoundError(f"{outer}: not in the evidence {evidence_path.name}")
        with evidence.open(entry) as stream:
            return _descend(stream, entry.size, members, outer, limit)
    finally:
        evidence.close()


#: Listings of recently reviewed evidence items: (path, size, mtime) -> {report path: entry}.
_listings: dict[tuple, dict[str, Entry]] = {}


def _listing(evidence: Evidence) -> dict[str, Entry]:
    """The entries of ``evidence`` by path, kept for the last few items reviewed.

    A review grid asks for dozens of pictures of one device; listing a disk image
    of a hundred thousand files for each would take seconds apiece. The key holds
    the item's size and time of change, so a changed item is listed again.
    """
    stat = evidence.path.stat()
    key = (str(evidence.path), stat.st_size, stat.st_mtime_ns)
    if key not in _listings:
        if len(_listings) >= LISTINGS_KEPT:
            _listings.pop(next(iter(_listings)))
        listing: dict[str, Entry] = {}
        for entry in evidence.entries():
            # A live file comes before a deleted one of the same name.
            if entry.path not in listing or (listing[entry.path].deleted and not entry.deleted):
                listing[entry.path] = entry
        _listings[key] = listing
    return _listings[key]


def _descend(stream: IO[bytes], size: int, members: list[str], where: str, limit: int) -> bytes:
    """Read ``stream``, or the member named ``members[0]`` inside it, recursively."""
    if not members:
        if size > limit:
            raise ValueError(f"{where}: {size} bytes, more than {limit} read for review")
        return stream.read(limit + 1)
    name, rest = members[0], members[1:]
    inner = f"{where}!{name}"
    if not stream.seekable():
        # Compressed members only read forward; an archive inside one is read into memory.
        stream = io.BytesIO(_descend(stream, size, [], where, ARCHIVE_LIMIT))
    try:
        for member in list_members(stream, size, Limits()):
            if member.name == name and not member.error:
                with member.open() as ms:
                    return _descend(ms, member.size, rest, inner, limit)
    except ArchiveBomb as exc:
        raise ValueError(f"{inner}: {exc}") from None
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError) as exc:
        raise ValueError(f"{where}: corrupt archive: {exc}") from None
    raise FileNotFoundError(f"{inner}: not in its archive")
