"""Raw disk and partition images through The Sleuth Kit (pytsk3).

A raw image split into numbered parts (``disk.001``, ``disk.002``, ...) is read
as one: name the first part and the others are found beside it.

A partition table (MBR, GPT, ...) gives one file system per allocated
partition, and paths then begin with the partition (``p1/DCIM/x.jpg``); a bare
file-system image has no prefix. Deleted files whose metadata still points at
content are listed with ``deleted=True``.
"""

from __future__ import annotations

import bisect
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pytsk3

from netsafe.triage.sources import (
    Entry,
    Evidence,
    EvidenceError,
    display_name,
    iso_time,
    path_hex,
)

BITLOCKER_SIGNATURE = b"-FVE-FS-"
_DIR = pytsk3.TSK_FS_META_TYPE_DIR
_REG = pytsk3.TSK_FS_META_TYPE_REG
_VIRT_DIR = pytsk3.TSK_FS_META_TYPE_VIRT_DIR
_NAME_UNALLOC = pytsk3.TSK_FS_NAME_FLAG_UNALLOC
_META_UNALLOC = pytsk3.TSK_FS_META_FLAG_UNALLOC
_NTFS_DATA = pytsk3.TSK_FS_ATTR_TYPE_NTFS_DATA
_RUN_SPARSE = pytsk3.TSK_FS_ATTR_RUN_FLAG_SPARSE
_RUN_FILLER = pytsk3.TSK_FS_ATTR_RUN_FLAG_FILLER
#: TSK's virtual folder of orphan files, at the root of every file system it reads.
ORPHAN_DIR = b"$OrphanFiles"
#: How TSK names a FAT or exFAT volume label entry: ``EVIDENCE    (Volume Label Entry)``.
LABEL_SUFFIX = b"(Volume Label Entry)"
NTFS_FIRST_USER_ENTRY = 16


class TskFile(io.RawIOBase):
    """A read-only, seekable stream over one file of a TSK file system."""

    def __init__(self, fs_file, size: int, attr: tuple[int, int] | None = None) -> None:
        super().__init__()
        self._file = fs_file
        self._size = size
        self._pos = 0
        #: (attribute type, id) of an NTFS alternate data stream; None: the default content.
        self._attr = attr

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self._size - self._pos)
        if n <= 0:
            return 0
        try:
            if self._attr is None:
                data = self._file.read_random(self._pos, n)
            else:
                data = self._file.read_random(self._pos, n, *self._attr)
        except (OSError, RuntimeError) as exc:
            raise OSError(
                f"unreadable at offset {self._pos} (image truncated or damaged): "
                f"{_tsk_message(exc)}"
            ) from None
        if not data:
            raise OSError(f"content not recoverable at offset {self._pos}")
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


#: The number at the end of a part of a split raw image (``disk.001``, ``disk.dd.002``).
_PART_NUMBER = re.compile(r"\.(\d{3,})$")


def split_parts(path: Path) -> list[Path]:
    """The parts of the split raw image whose first part is ``path`` (``.001``, or ``.000``
    where numbering starts at zero): it and each next number beside it, with the same
    number of digits, until one is missing. Any other path is a whole image by itself."""
    found = _PART_NUMBER.search(path.name)
    if found is None or int(found.group(1)) > 1:
        return [path]
    digits, number = len(found.group(1)), int(found.group(1))
    stem = path.name[: found.start()]
    parts = [path]
    while (nxt := path.with_name(f"{stem}.{number + len(parts):0{digits}d}")).is_file():
        parts.append(nxt)
    return parts


class SplitImage(pytsk3.Img_Info):
    """A TSK image whose reads run across the parts of a split raw image, in order."""

    def __init__(self, parts: list[Path]) -> None:
        self._fds = [os.open(p, os.O_RDONLY) for p in parts]
        sizes = [os.fstat(fd).st_size for fd in self._fds]
        #: Where each part starts in the whole image.
        self._starts = [sum(sizes[:i]) for i in range(len(sizes))]
        self._size = sum(sizes)
        super().__init__(url="", type=pytsk3.TSK_IMG_TYPE_EXTERNAL)

    def close(self) -> None:
        for fd in self._fds:
            os.close(fd)
        self._fds = []

    def read(self, offset: int, size: int) -> bytes:
        size = max(0, min(size, self._size - offset))
        chunks = []
        part = bisect.bisect_right(self._starts, offset) - 1
        while size > 0 and part < len(self._fds):
            data = os.pread(self._fds[part], size, offset - self._starts[part])
            if not data:
                part += 1
                continue
            chunks.append(data)
            offset += len(data)
            size -= len(data)
        return b"".join(chunks)

    def get_size(self) -> int:
        return self._size


class DiskEvidence(Evidence):
    """A raw disk or partition image (``.dd``, ``.raw``, ``.img``, ``.001`` and its parts)."""

    kind = "raw"

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        #: The files that make up the image (more than one for a split image).
        self.parts = split_parts(path)
        self._img = self._open_image()
        #: (display prefix, byte offset) of every file system found.
        self.volumes: list[tuple[str, int]] = self._find_volumes()
        self._fs: dict[int, pytsk3.FS_Info] = {}

    def _open_image(self) -> pytsk3.Img_Info:
        try:
            if len(self.parts) > 1:
                return SplitImage(self.parts)
            return pytsk3.Img_Info(str(self.path))
        except OSError as exc:
            raise EvidenceError(
                f"cannot open disk image {self.path}: {_tsk_message(exc)}"
            ) from None

    def close(self) -> None:
        self._img.close()

    def _parts_note(self) -> str:
        if len(self.parts) == 1:
            return ""
        return (
            f" (read as {len(self.parts)} parts, {self.parts[0].name} to {self.parts[-1].name}:"
            " is a part missing?)"
        )

    def _find_volumes(self) -> list[tuple[str, int]]:
        try:
            vs = pytsk3.Volume_Info(self._img)
        except (OSError, RuntimeError):
            vs = None
        if vs is None:
            if self._try_fs(0):
                return [("", 0)]
            raise EvidenceError(
                f"no partition table or file system that The Sleuth Kit reads in {self.path}"
                + self._parts_note()
            )
        volumes = []
        block = vs.info.block_size
        number = 0
        for part in vs:
            if not part.flags & pytsk3.TSK_VS_PART_FLAG_ALLOC:
                continue
            number += 1
            offset = part.start * block
            desc = (
                part.desc.decode("utf-8", "replace") if isinstance(part.desc, bytes) else part.desc
            )
            if self._try_fs(offset):
                volumes.append((f"p{number}/", offset))
            elif self._img.read(offset + 3, 8) == BITLOCKER_SIGNATURE:
                self.volume_signatures.append((f"p{number}", "bitlocker"))
                self.errors.append(f"p{number} ({desc}): BitLocker-encrypted volume, not readable")
            else:
                self.errors.append(f"p{number} ({desc}): no file system The Sleuth Kit reads")
        if not volumes:
            raise EvidenceError(f"no partition of {self.path} holds a file system TSK reads")
        return volumes

    def _try_fs(self, offset: int) -> bool:
        try:
            pytsk3.FS_Info(self._img, offset=offset)
        except (OSError, RuntimeError):
            return False
        return True

    def _fs_at(self, offset: int) -> pytsk3.FS_Info:
        if offset not in self._fs:
            self._fs[offset] = pytsk3.FS_Info(self._img, offset=offset)
        return self._fs[offset]

    def entries(self) -> Iterator[Entry]:
        seq = 0
        for prefix, offset in self.volumes:
            fs = self._fs_at(offset)
            for found in self._walk(fs, prefix):
                locator = (offset, found.addr) + ((found.attr,) if found.attr else ())
                yield Entry(
                    seq,
                    found.path,
                    found.size,
                    locator,
                    found.deleted,
                    found.times,
                    found.stream,
                    path_hex(found.raw),
                )
                seq += 1

    def _walk(self, fs: pytsk3.FS_Info, prefix: str) -> Iterator[_Found]:
        """Every regular file and alternate data stream under the root, deleted ones
        included, depth-first in name order; file-system metadata left out."""
        ftype = fs.info.ftype
        root = fs.info.root_inum
        seen = {root}
        # (directory inode, display path, raw path, whether all below it is deleted)
        stack: list[tuple[int, str, bytes, bool]] = [(root, prefix, prefix.encode(), False)]
        while stack:
            inode, base, raw_base, gone = stack.pop()
            try:
                found = (_child(fs, f, ftype) for f in fs.open_dir(inode=inode))
                children = sorted(
                    (c for c in found if c is not None),
                    key=lambda c: (c.name, c.addr, c.name_flags, c.meta_flags),
                )
            except (OSError, RuntimeError) as exc:
                self.errors.append(f"cannot list {base or '/'}: {_tsk_message(exc)}")
                continue
            subdirs = []
            for c in children:
                path, raw = base + display_name(c.name), raw_base + c.name
                if inode == root:
                    if c.mtype == _VIRT_DIR and c.name == ORPHAN_DIR:
                        # TSK's virtual folder of files no folder names any more: they are
                        # rows (deleted), the folder itself is not.
                        subdirs.append((c.addr, path + "/", raw + b"/", True))
                        continue
                    if _is_pseudo(ftype, c):
                        continue
                name_gone = bool(c.name_flags & _NAME_UNALLOC)
                meta_gone = bool(c.meta_flags & _META_UNALLOC)
                if name_gone and not meta_gone and not gone:
                    continue  # the metadata now belongs to another, live file
                deleted = gone or c.recovered or name_gone or meta_gone
                if c.mtype == _DIR:
                    if c.addr not in seen:
                        seen.add(c.addr)
                        subdirs.append((c.addr, path + "/", raw + b"/", deleted))
                elif c.mtype == _REG and not (deleted and c.size == 0):
                    yield _Found(path, raw, c.addr, c.size, deleted, c.times)
                for sname, sid, ssize in c.streams:
                    if c.mtype in (_REG, _DIR) and not (deleted and ssize == 0):
                        yield _Found(
                            f"{path}:{display_name(sname)}",
                            raw + b":" + sname,
                            c.addr,
                            ssize,
                            deleted,
                            c.times,
                            display_name(sname),
                            (_NTFS_DATA, sid),
                        )
            stack.extend(reversed(subdirs))

    def open(self, entry: Entry) -> BinaryIO:
        offset, addr, *attr = entry.locator
        fs_file = self._fs_at(offset).open_meta(inode=addr)
        return io.BufferedReader(
            TskFile(fs_file, entry.size, attr[0] if attr else None), buffer_size=1 << 20
        )

    def byte_runs(self, entry: Entry) -> list[tuple[int, int]]:
        """Where ``entry``'s content lies in the image: ``[start, end)`` byte ranges from
        the start of the evidence (file slack and sparse runs left out; content kept in
        an NTFS MFT entry is that entry's range)."""
        offset, addr, *attr = entry.locator
        fs = self._fs_at(offset)
        ntfs = fs.info.ftype in _NTFS_TYPES
        block = fs.info.block_size
        fs_file = fs.open_meta(inode=addr)
        runs: list[tuple[int, int]] = []
        for a in fs_file:
            info = a.info
            if attr:
                if (info.type, info.id) != attr[0]:
                    continue
            elif ntfs and (info.type != _NTFS_DATA or info.name):
                continue
            if info.flags & pytsk3.TSK_FS_ATTR_RES:
                if ntfs:
                    runs += self._mft_entry_range(fs, offset, addr)
                continue
            for run in a:
                if run.flags & (_RUN_SPARSE | _RUN_FILLER):
                    continue
                start_in_file = run.offset * block
                length = min(run.len * block, info.size - start_in_file)
                if length > 0:
                    start = offset + run.addr * block
                    runs.append((start, start + length))
        return runs

    def _mft_entry_range(self, fs: pytsk3.FS_Info, offset: int, addr: int) -> list[tuple[int, int]]:
        # The size of an MFT entry is in the boot sector (0x40): clusters if positive,
        # else 2 to the power of its negation, in bytes.
        raw = int.from_bytes(self._img.read(offset + 0x40, 1) or b"\0", "little", signed=True)
        size = fs.info.block_size * raw if raw > 0 else 1 << -raw
        want = addr * size
        block = fs.info.block_size
        for a in fs.open_meta(inode=0):
            if a.info.type != _NTFS_DATA or a.info.name:
                continue
            for run in a:
                first = run.offset * block
                if first <= want < first + run.len * block:
                    start = offset + run.addr * block + (want - first)
                    return [(start, start + size)]
        return []


@dataclass(frozen=True)
class _Child:
    """What the walk needs of one directory entry."""

    name: bytes
    addr: int
    name_flags: int
    meta_flags: int
    mtype: int
    size: int
    times: tuple[str | None, str | None, str | None, str | None]
    #: (name, attribute id, size) of each named $DATA attribute (NTFS streams).
    streams: tuple[tuple[bytes, int, int], ...]
    #: Read through the name's metadata address because TSK gave no metadata with the
    #: name (NTFS raises an MFT entry's sequence number on deletion): a deleted file.
    recovered: bool


@dataclass(frozen=True)
class _Found:
    """A file or stream the walk lists."""

    path: str
    raw: bytes
    addr: int
    size: int
    deleted: bool
    times: tuple[str | None, str | None, str | None, str | None]
    stream: str | None = None
    #: (attribute type, attribute id) of a stream; None for the file's default content.
    attr: tuple[int, int] | None = None


def _child(fs: pytsk3.FS_Info, f, ftype: int) -> _Child | None:
    name, meta = f.info.name, f.info.meta
    if name.name in (b".", b".."):
        return None
    recovered = False
    if meta is None:
        # NTFS gives no metadata with the name of a deleted file whose MFT entry has a
        # new sequence number; the entry itself may still describe the file. Read it
        # unless it now belongs to another, live file.
        if not name.meta_addr:
            return None
        try:
            f = fs.open_meta(inode=name.meta_addr)
        except (OSError, RuntimeError):
            return None
        meta = f.info.meta
        if meta is None or not meta.flags & _META_UNALLOC:
            return None
        recovered = True
    streams: tuple[tuple[bytes, int, int], ...] = ()
    if ftype in _NTFS_TYPES and meta.type in (_REG, _DIR):
        try:
            streams = tuple(
                sorted(
                    (a.info.name, a.info.id, a.info.size)
                    for a in f
                    if a.info.type == _NTFS_DATA and a.info.name
                )
            )
        except (OSError, RuntimeError):
            streams = ()
    changed = None if ftype in _FAT_TYPES else iso_time(meta.ctime)
    times = (iso_time(meta.mtime), iso_time(meta.atime), changed, iso_time(meta.crtime))
    return _Child(
        name.name,
        meta.addr,
        name.flags,
        meta.flags,
        meta.type,
        meta.size,
        times,
        streams,
        recovered,
    )


def _is_pseudo(ftype: int, c: _Child) -> bool:
    """Whether an entry of the root folder is the file system's own, not a user's file."""
    if ftype in _NTFS_TYPES:
        # MFT entries 0 to 15 are the file system's ($MFT, $Bitmap, ..., $Extend).
        return c.addr < NTFS_FIRST_USER_ENTRY
    if ftype in _FAT_TYPES or ftype == _EXFAT_TYPE:
        # TSK lists the volume label (a directory entry) as a file named so; exFAT's
        # allocation bitmap and up-case table as two more.
        return c.name.endswith(LABEL_SUFFIX) or (ftype == _EXFAT_TYPE and c.name in _EXFAT_METADATA)
    return False


_EXFAT_TYPE = pytsk3.TSK_FS_TYPE_EXFAT
_FAT_TYPES = {pytsk3.TSK_FS_TYPE_FAT12, pytsk3.TSK_FS_TYPE_FAT16, pytsk3.TSK_FS_TYPE_FAT32}
_EXFAT_METADATA = {b"$ALLOC_BITMAP", b"$UPCASE_TABLE"}
_NTFS_TYPES = {
    getattr(pytsk3, n)
    for n in ("TSK_FS_TYPE_NTFS", "TSK_FS_TYPE_NTFS_DETECT")
    if hasattr(pytsk3, n)
}


def _tsk_message(exc: BaseException) -> str:
    """TSK's error text on one line, without its internal prefixes."""
    text = " ".join(str(exc).split())
    return text.split("(tsk3.c")[0].strip() or type(exc).__name__
