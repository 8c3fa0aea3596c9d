"""The read-only evidence store (``NETSAFE_EVIDENCE_ROOT``): what an examiner may pick,
and reading one file back from an evidence item for review, by its exact locator.

Evidence paths are stored relative to the root and resolved on every use, so a
path that leaves the store (``..``, an absolute path, a link pointing outside)
is refused wherever it comes from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from netsafe.triage.content import ContentError, EvidenceContent, Listing, listing
from netsafe.triage.records import FileRecord, read_files
from netsafe.triage.sources import Evidence, EvidenceError, open_evidence

#: The largest file read back for a thumbnail (a picture bigger than this is no picture).
MAX_IMAGE_BYTES = 64 << 20
#: The largest video read back for its contact sheet (held in memory, never on disk).
MAX_VIDEO_BYTES = 1 << 30
#: How many evidence items' listings are kept in memory (see :func:`_listing`).
LISTINGS_KEPT = 4


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

    Read by the triage's own reader (:meth:`~netsafe.triage.content.EvidenceContent.
    read_path`, with the locator's occurrence), so a review item is found exactly as the
    scan found it. Raises :class:`~netsafe.triage.content.ContentError` when nothing is
    at the locator or it cannot be read (more than ``limit`` bytes included), and
    :class:`ContentMismatch` when what is there is not the content ``sha1`` names.
    """
    try:
        evidence: Evidence = open_evidence(evidence_path)
    except EvidenceError as exc:
        raise ContentError(str(exc)) from None
    try:
        content = EvidenceContent(evidence, _listing(evidence))
        data = content.read_path(
            locator.raw_path,
            limit,
            occurrence=locator.occurrence,
            carved=locator.carved_at is not None,
        )
    except ContentError as exc:
        raise ContentError(f"row {locator.row}: {exc}") from None
    finally:
        evidence.close()
    found = hashlib.sha1(data).hexdigest()
    if found != sha1:
        where = locator.raw_path.decode("utf-8", "backslashreplace")
        raise ContentMismatch(
            f"{where} (row {locator.row}): the evidence holds content {found}, "
            f"which does not match the item's {sha1 or 'unknown content'}"
        )
    return data


#: Listings of recently reviewed evidence items: (path, size, mtime) -> their listing.
_listings: dict[tuple, Listing] = {}


def _listing(evidence: Evidence) -> Listing:
    """The listing of ``evidence`` (:func:`netsafe.triage.content.listing`), kept for the
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
        _listings[key] = listing(evidence)
    return _listings[key]
