"""ZIP and TAR archives: as evidence of their own, and nested inside any evidence.

Limits on nesting depth and on how much an archive may expand (absolute and
relative to its compressed size) make an archive bomb a per-file error rather
than an outage.
"""

from __future__ import annotations

import os
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, BinaryIO

from netsafe.triage.limits import Limits
from netsafe.triage.source import Entry, Evidence, EvidenceError, iso_time, path_hex

#: MIME types (from the bytes) that are opened as archives.
ARCHIVE_TYPES = frozenset(
    {
        "application/zip",
        "application/x-tar",
        "application/gzip",
        "application/x-gzip",
        "application/x-bzip2",
        "application/x-xz",
    }
)


class ArchiveBomb(Exception):
    """An archive or member expands beyond the limits."""


class Budget:
    """What one archive found in the evidence may still expand to, everything nested in it
    included: members listed and bytes declared, counted as they are listed.

    One budget for the whole tree, not one per archive, is what stops a 42.zip: each of
    its archives is small and harmless alone, but they multiply. Declared sizes are
    charged before anything is read, so the claim alone (a member of 4 GB in a 40 kB
    archive) stops the expansion without decompressing it. The budget of an archive is
    a pure function of the archive, so a resumed scan or another worker opens exactly
    the same members.
    """

    def __init__(self, limits: Limits, archive_size: int, root: str = "") -> None:
        self.limits = limits
        self.max_bytes = min(
            max(limits.max_ratio * max(archive_size, 1), limits.budget_floor), limits.max_total
        )
        self.members = 0
        self.bytes = 0
        #: The path of the archive found in the evidence (for messages).
        self.root = root
        #: Set once the budget has been exceeded: nothing more of the tree is opened.
        self.stopped = False

    def charge(self, size: int, *, read: bool = True) -> None:
        """Count one member of ``size`` declared bytes (``read``: its bytes will be read);
        raises :class:`ArchiveBomb` when that goes beyond the budget."""
        self.members += 1
        if self.members > self.limits.max_members:
            raise ArchiveBomb(f"decompression bomb: more than {self.limits.max_members:,} members")
        if read:
            self.bytes += size
            if self.bytes > self.max_bytes:
                raise ArchiveBomb(f"decompression bomb: expands beyond {self.max_bytes:,} bytes")


class Member:
    """One regular file inside an archive: its name, size, modification time (ISO 8601
    text, or None where the archive stores none) and a way to open it."""

    def __init__(
        self,
        name: bytes | str,
        size: int,
        opener,
        error: str | None = None,
        modified: str | None = None,
        raw_name: bytes | None = None,
        bomb: bool = False,
    ) -> None:
        self.name = name if isinstance(name, str) else name.decode("utf-8", "backslashreplace")
        #: The name's bytes as the archive stores them (they may not be UTF-8).
        self.raw_name = raw_name if raw_name is not None else os.fsencode(self.name)
        self.size = size
        self._opener = opener
        self.error = error
        self.modified = modified
        #: The member alone expands beyond the ratio limit (``error`` says so).
        self.bomb = bomb

    @property
    def times(self) -> tuple[str | None, str | None, str | None, str | None]:
        """(modified, accessed, changed, created) as :attr:`Entry.times` has them."""
        return (self.modified, None, None, None)

    def open(self) -> BinaryIO:
        return self._opener()


def _zip_name(info: zipfile.ZipInfo) -> str:
    # Names without the UTF-8 flag are CP437 by the ZIP spec; zipfile decoded them so.
    # Recover the original bytes and write them as UTF-8 where they are, escaped otherwise.
    return _zip_raw_name(info).decode("utf-8", "backslashreplace")


def _zip_raw_name(info: zipfile.ZipInfo) -> bytes:
    """A ZIP member's name as stored."""
    if info.flag_bits & 0x800:
        return info.filename.encode("utf-8", "surrogateescape")
    return info.filename.encode("cp437")


def list_members(
    fileobj: IO[bytes], archive_size: int, limits: Limits, budget: Budget | None = None
) -> Iterator[Member]:
    """The regular files of a ZIP or TAR (plain, gz, bz2, xz) archive read from ``fileobj``.

    Each member is charged to ``budget`` (the archive's own, when none is given: an
    archive nested in another shares the outer one's) before it is yielded. Raises
    :class:`ArchiveBomb` when the members expand beyond it, and ``zipfile.BadZipFile`` /
    ``tarfile.TarError`` when the archive is corrupt.
    """
    budget = budget or Budget(limits, archive_size)
    fileobj.seek(0)
    if zipfile.is_zipfile(fileobj):
        fileobj.seek(0)
        zf = zipfile.ZipFile(fileobj)
        for info in sorted(zf.infolist(), key=lambda i: i.filename):
            if info.is_dir():
                continue
            error = None
            bomb = False
            ratio = info.file_size // max(info.compress_size, 1)
            if info.flag_bits & 0x1:
                error = "encrypted archive member: content not readable"
            elif info.file_size > limits.ratio_floor and ratio > limits.max_ratio:
                error = f"decompression bomb: member expands {ratio}:1, not opened"
                bomb = True
            # Only members that will really be read count against the bytes budget.
            budget.charge(info.file_size, read=error is None)
            yield Member(
                _zip_name(info),
                info.file_size,
                _opener(zf, info),
                error,
                _zip_time(info),
                _zip_raw_name(info),
                bomb=bomb,
            )
        return
    fileobj.seek(0)
    # Left open on purpose: members are opened after listing, while the caller holds fileobj.
    tf = tarfile.open(fileobj=fileobj, mode="r:*")  # noqa: SIM115
    # Members are read in archive order: compressed TAR streams only read forward cheaply.
    # Each is charged before the next header is looked for, which in a compressed TAR
    # means decompressing this member: a bomb stops before that.
    for member in tf:
        if not member.isreg():
            continue
        budget.charge(member.size)
        opener = _tar_opener(tf, member)
        # tarfile decodes names with surrogateescape: encoding back gives the stored bytes.
        raw = member.name.encode("utf-8", "surrogateescape")
        yield Member(raw, member.size, opener, None, iso_time(member.mtime), raw)


def _zip_time(info: zipfile.ZipInfo) -> str | None:
    # A ZIP stores its date without a time zone: given as written. 1980-01-01 00:00 is
    # what tools write where they had no date.
    if info.date_time[:3] == (1980, 1, 1) and not any(info.date_time[3:]):
        return None
    return "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*info.date_time)


def _opener(zf: zipfile.ZipFile, info: zipfile.ZipInfo):
    return lambda: zf.open(info)


def _tar_opener(tf: tarfile.TarFile, info: tarfile.TarInfo):
    def open_member() -> IO[bytes]:
        stream = tf.extractfile(info)
        if stream is None:
            raise OSError("member has no content")
        return stream

    return open_member


class ArchiveEvidence(Evidence):
    """A ZIP or TAR file given as the evidence item itself."""

    kind = "archive"

    @classmethod
    def detect(cls, path: Path, head: bytes) -> bool:
        """A ZIP or (possibly compressed) TAR file, by its signature and then its structure."""
        return path.is_file() and _is_archive(path, head)

    @classmethod
    def opened(cls, path: Path, limits: Limits | None = None) -> ArchiveEvidence:
        return cls(path, limits)

    def __init__(self, path: Path, limits: Limits | None = None) -> None:
        super().__init__(path)
        self.limits = limits or Limits()
        self._members: list[Member] = []
        try:
            self._fh = open(path, "rb")  # noqa: SIM115 - held open for the evidence's lifetime
            for member in list_members(self._fh, path.stat().st_size, self.limits):
                self._members.append(member)
        except ArchiveBomb as exc:
            # What was listed before the budget ran out is still scanned; the rest is
            # named once, as the evidence's error.
            self.errors.append(
                f"{path}: {exc}; the members after {len(self._members):,} were not opened"
            )
        except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError, RuntimeError) as exc:
            raise EvidenceError(f"cannot read archive {path}: {exc}") from None

    def entries(self) -> Iterator[Entry]:
        for seq, m in enumerate(self._members):
            yield Entry(seq, m.name, m.size, (seq,), times=m.times, path_hex=path_hex(m.raw_name))

    def member(self, entry: Entry) -> Member:
        """The archive member an entry stands for (its ``error`` says when it cannot be read)."""
        return self._members[entry.locator[0]]

    def open(self, entry: Entry) -> BinaryIO:
        m = self.member(entry)
        if m.error:
            raise OSError(m.error)
        return m.open()

    def close(self) -> None:
        self._fh.close()


#: Signatures of ZIP, of TAR (``ustar`` at 257) and of the compressions a TAR may be in.
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_COMPRESSED_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")


def _is_archive(path: Path, head: bytes) -> bool:
    # By signature first: a disk image can look like a TAR to tarfile (zero blocks) or
    # hold a ZIP end record somewhere, so tarfile/zipfile alone would misjudge it.
    if head.startswith(_ZIP_MAGIC):
        return zipfile.is_zipfile(path)
    if head[257:262] == b"ustar" or head.startswith(_COMPRESSED_MAGIC):
        return _is_tar(path)
    return False


def _is_tar(path: Path) -> bool:
    try:
        return tarfile.is_tarfile(path)
    except (OSError, tarfile.TarError, EOFError):
        return False
