"""An evidence source: the one small interface every kind of evidence implements.

The kinds (folder, raw disk image, E01, archive) are the modules of
:mod:`netsafe.triage.sources`, which lists them and opens an item as the kind
that recognises it. A source lists its regular files as :class:`Entry` descriptions (plain,
picklable values, so that a worker process or a Dask worker can reopen the
same evidence and read the same file) and opens one entry as a read-only
binary stream. Evidence is never written to.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO


class EvidenceError(Exception):
    """The evidence item cannot be used at all (missing, unreadable, no file system)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One regular file of an evidence item.

    ``seq`` is the position in the source's deterministic listing, ``path`` the
    display path relative to the evidence root, ``locator`` what the source
    needs to open the file again (kind-specific, picklable). ``times`` is
    (modified, accessed, changed, created) as ISO 8601 UTC text or None each,
    ``stream`` the name of an NTFS alternate data stream (the path then ends
    ``:stream``), ``path_hex`` the path's raw bytes in hex where they are not
    valid UTF-8.
    """

    seq: int
    path: str
    size: int
    locator: tuple
    deleted: bool = False
    times: tuple[str | None, str | None, str | None, str | None] = (None, None, None, None)
    stream: str | None = None
    path_hex: str | None = None


@dataclass(frozen=True, slots=True)
class Volume:
    """One partition (or the bare file system) of a disk image, as report.json gives it.

    ``name`` is the path prefix of its files without the slash (``p1``; empty for a bare
    file system), ``offset`` and ``length`` in bytes from the start of the evidence,
    ``scheme`` the partition table (``gpt``, ``mbr``, ``none``...), ``type`` the
    partition's type as the table describes it, ``filesystem`` what The Sleuth Kit reads
    in it (``fat32``, ``ntfs``, ``ext4``, ``exfat``...; None: none it reads) and
    ``label`` the volume label.
    """

    name: str
    offset: int
    length: int
    scheme: str
    type: str | None
    filesystem: str | None
    label: str | None

    def as_dict(self) -> dict:
        """The item of report.json's ``volumes``."""
        return {
            "name": self.name,
            "offset": self.offset,
            "length": self.length,
            "scheme": self.scheme,
            "type": self.type,
            "filesystem": self.filesystem,
            "label": self.label,
        }


#: The keys of a record's ``times``, in the order of :attr:`Entry.times`.
TIME_KEYS = ("modified", "accessed", "changed", "created")
NO_TIMES: tuple[None, None, None, None] = (None, None, None, None)


def iso_time(seconds: float | None) -> str | None:
    """A POSIX time as ISO 8601 UTC text (``2016-12-22T20:09:38Z``), whole seconds; None for
    None, for 0 (what The Sleuth Kit gives where the file system keeps no such time) and for
    a value no calendar date can hold."""
    if not seconds:
        return None
    return _iso_seconds(int(seconds))


@functools.lru_cache(maxsize=1 << 16)
def _iso_seconds(seconds: int) -> str | None:
    # Files of a volume share many times (a copy, an install): a listing of a million
    # files formats far fewer distinct seconds. isoformat is C code, strftime much slower.
    try:
        return datetime.fromtimestamp(seconds, UTC).isoformat()[:19] + "Z"
    except (OverflowError, OSError, ValueError):
        return None


def times_dict(times: tuple[str | None, ...]) -> dict[str, str | None]:
    """The ``times`` object of a record from an entry's ``times`` tuple."""
    return dict(zip(TIME_KEYS, times, strict=True))


def path_hex(raw: bytes) -> str | None:
    """The raw bytes of a path in hex where they are not valid UTF-8 (so that two names
    ``backslashreplace`` writes alike stay apart), else None."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.hex()
    return None


#: The case metadata an E01's ``integrity`` gives, as the contract names it.
METADATA_FIELDS = (
    "case_number",
    "evidence_number",
    "examiner",
    "description",
    "notes",
    "acquired",
    "acquiry_software",
)


def on_bad_ranges(runs: list[tuple[int, int]], bad: list[tuple[int, int]]) -> str | None:
    """The ``error`` of a file whose content (``runs``) lies on media that failed its
    checksum (``bad``), naming the ranges; None when it does not."""
    hits = sorted(
        {(max(a, c), min(b, d)) for a, b in runs for c, d in bad if max(a, c) < min(b, d)}
    )
    if not hits:
        return None
    where = ", ".join(f"bytes {a}-{b}" for a, b in hits[:5]) + (" ..." if len(hits) > 5 else "")
    return f"content lies on media that failed its checksum ({where} of the image): not reliable"


@dataclass
class Integrity:
    """An E01's media check: stored and computed MD5 and SHA-1, the byte ranges of chunks
    that failed their checksum, the case metadata; all None for evidence with nothing
    stored to check against.

    ``verified`` is true only when every chunk passed its checksum and each stored hash
    equals the computed one; ``error`` says why not.
    """

    stored_md5: str | None = None
    computed_md5: str | None = None
    verified: bool | None = None
    error: str | None = None
    stored_sha1: str | None = None
    computed_sha1: str | None = None
    #: ``[first byte, end byte)`` of media whose chunks failed their checksum.
    bad_ranges: list[tuple[int, int]] | None = None
    #: Case metadata as stored (E01 only): case_number, evidence_number, examiner, ...
    metadata: dict[str, str | None] | None = None

    @classmethod
    def failed(cls, message: str) -> Integrity:
        """The check of an E01 that could not run at all."""
        return cls(
            verified=False, error=message, bad_ranges=[], metadata=dict.fromkeys(METADATA_FIELDS)
        )

    def as_dict(self) -> dict:
        """The ``integrity`` object of report.json (plus ``error`` when not verified)."""
        out: dict = {
            "stored_md5": self.stored_md5,
            "computed_md5": self.computed_md5,
            "verified": self.verified,
        }
        if self.metadata is not None:
            out.update(
                stored_sha1=self.stored_sha1,
                computed_sha1=self.computed_sha1,
                bad_ranges=[list(r) for r in self.bad_ranges or []],
                metadata=self.metadata,
            )
        if self.error:
            out["error"] = self.error
        return out


class Evidence(ABC):
    """An opened evidence item. Subclasses: folder, raw disk image, EWF image, archive.

    Each kind names itself (``kind``, as ``--kind`` and report.json give it) and says
    whether it recognises an item from its content (:meth:`detect`).
    """

    kind = ""

    @classmethod
    @abstractmethod
    def detect(cls, path: Path, head: bytes) -> bool:
        """Whether the item at ``path`` is of this kind, from its content: ``head`` is its
        first 512 bytes (empty for a folder). Never raises for an unreadable item."""

    @classmethod
    def opened(cls, path: Path, limits: Any = None) -> Evidence:
        """Open ``path`` as this kind; ``limits`` bound what an archive lists (others ignore
        them)."""
        return cls(path)

    def __init__(self, path: Path) -> None:
        self.path = path
        #: Problems with parts of the evidence that did not stop the scan (e.g. a
        #: partition holding no file system TSK reads).
        self.errors: list[str] = []
        #: (volume path, signature) of volumes recognised but not readable, e.g. BitLocker.
        self.volume_signatures: list[tuple[str, str]] = []

    @abstractmethod
    def entries(self) -> Iterator[Entry]:
        """Every regular file, in an order that is the same on every run."""

    @abstractmethod
    def open(self, entry: Entry) -> BinaryIO:
        """A read-only binary stream of ``entry``'s content (seekable where the medium is)."""

    def describe_volumes(self) -> list[Volume]:
        """The partitions (or bare file system) of a disk image; none for other kinds."""
        return []

    def unallocated_ranges(self) -> list[tuple[int, int]]:
        """``[start, end)`` byte ranges of the evidence that no file holds, for carving
        (disk images: see :meth:`DiskEvidence.unallocated_ranges`); none for folders and
        archives."""
        return []

    def byte_runs(self, entry: Entry) -> list[tuple[int, int]]:
        """Where ``entry``'s content lies in the evidence, as ``[start, end)`` byte ranges
        (disk images; empty where the source cannot say)."""
        return []

    def has_stored_hash(self) -> bool:
        """Whether :meth:`verify` has a stored hash to check against."""
        return False

    def verify(self) -> Integrity:
        """Compare the stored media hash with one computed over the media (EWF only)."""
        return Integrity()

    def close(self) -> None:  # noqa: B027 - optional hook, most sources hold nothing open
        """Release open handles."""


def display_name(name: bytes) -> str:
    """A file-name as text: UTF-8, with invalid bytes written ``\\xe9`` (never dropped)."""
    return name.decode("utf-8", errors="backslashreplace")
