"""Raw disk and partition images through The Sleuth Kit (pytsk3).

A raw image split into numbered parts (``disk.001``, ``disk.002``, ...) is read
as one: name the first part and the others are found beside it.

A partition table (MBR, GPT, ...) gives one file system per allocated
partition, and paths then begin with the partition (``p1/DCIM/x.jpg``); a bare
file-system image has no prefix.

The listing is what ``fls -r -p`` lists, less the file system's own files:
deleted files whose metadata still points at content are listed with
``deleted=True`` (on NTFS too, where TSK gives a deleted name no metadata once
its MFT entry's sequence number moved on: the entry is read through the name's
address), orphan files under ``$OrphanFiles/`` are deleted rows, and each NTFS
alternate data stream is a row ``file:stream``. Volume labels, NTFS metadata
files (MFT entries 0-15), FAT tables, exFAT's bitmap and up-case table and the
``$OrphanFiles`` folder itself are not rows.
"""

from __future__ import annotations

import bisect
import io
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pytsk3

from netsafe.triage.source import (
    Entry,
    Evidence,
    EvidenceError,
    Volume,
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
NTFS_BITMAP_ENTRY = 6
#: ext2/3/4 keep inodes 1 to 10 for themselves (bad blocks, journal, resize inode...).
EXT_FIRST_USER_INODE = 11


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

    @classmethod
    def detect(cls, path: Path, head: bytes) -> bool:
        """Any file or block device: the kind of last resort, asked after the others."""
        return not path.is_dir()

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        #: The files that make up the image (more than one for a split image).
        self.parts = split_parts(path)
        self._img = self._open_image()
        #: Every partition (or the bare file system), readable or not.
        self.volume_list: list[Volume] = []
        #: ``[start, end)`` of the disk that no partition holds (TSK's unallocated slots).
        self.gaps: list[tuple[int, int]] = []
        self._fs: dict[int, pytsk3.FS_Info] = {}
        #: (display prefix, byte offset) of every file system found.
        self.volumes: list[tuple[str, int]] = self._find_volumes()

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
                self.volume_list.append(
                    Volume("", 0, self._img.get_size(), "none", None, *self._describe_fs(0))
                )
                return [("", 0)]
            raise EvidenceError(
                f"no partition table or file system that The Sleuth Kit reads in {self.path}"
                + self._parts_note()
            )
        volumes = []
        block = vs.info.block_size
        scheme = _SCHEMES.get(vs.info.vstype, str(vs.info.vstype).rsplit("_", 1)[-1].lower())
        number = 0
        for part in vs:
            if part.flags & pytsk3.TSK_VS_PART_FLAG_UNALLOC:
                self.gaps.append((part.start * block, (part.start + part.len) * block))
            if not part.flags & pytsk3.TSK_VS_PART_FLAG_ALLOC:
                continue
            number += 1
            offset = part.start * block
            desc = (
                part.desc.decode("utf-8", "replace") if isinstance(part.desc, bytes) else part.desc
            )
            readable = self._try_fs(offset)
            filesystem, label = self._describe_fs(offset) if readable else (None, None)
            self.volume_list.append(
                Volume(
                    f"p{number}", offset, part.len * block, scheme, desc or None, filesystem, label
                )
            )
            if readable:
                volumes.append((f"p{number}/", offset))
            elif self._img.read(offset + 3, 8) == BITLOCKER_SIGNATURE:
                self.volume_signatures.append((f"p{number}", "bitlocker"))
                self.errors.append(f"p{number} ({desc}): BitLocker-encrypted volume, not readable")
            else:
                self.errors.append(f"p{number} ({desc}): no file system The Sleuth Kit reads")
        if not volumes:
            raise EvidenceError(f"no partition of {self.path} holds a file system TSK reads")
        return volumes

    def describe_volumes(self) -> list[Volume]:
        return list(self.volume_list)

    def _describe_fs(self, offset: int) -> tuple[str | None, str | None]:
        """(file-system name, volume label) of the file system at ``offset``."""
        fs = self._fs_at(offset)
        name = _FS_NAMES.get(fs.info.ftype)
        try:
            label = self._label(fs, offset)
        except (OSError, RuntimeError, UnicodeDecodeError):
            label = None
        return name, label or None

    def _label(self, fs: pytsk3.FS_Info, offset: int) -> str | None:
        ftype = fs.info.ftype
        if ftype in _NTFS_TYPES:
            # The name is the $VOLUME_NAME attribute of the $Volume file (MFT entry 3).
            volume = fs.open_meta(inode=NTFS_VOLUME_ENTRY)
            for a in volume:
                if a.info.type == _NTFS_VOLUME_NAME:
                    raw = volume.read_random(0, a.info.size, a.info.type, a.info.id)
                    return raw.decode("utf-16-le").strip()
            return None
        if ftype in _FAT_TYPES or ftype == _EXFAT_TYPE:
            # TSK gives the label directory entry as a name in the root folder.
            for f in fs.open_dir(inode=fs.info.root_inum):
                raw = f.info.name.name
                if raw.endswith(LABEL_SUFFIX):
                    return display_name(raw[: -len(LABEL_SUFFIX)]).strip()
            return None
        if ftype in _EXT_TYPES:
            # s_volume_name: 16 bytes at 120 in the superblock, which starts 1024 bytes in.
            raw = self._img.read(offset + 1024 + 120, 16)
            return display_name(raw.split(b"\0", 1)[0]).strip()
        return None

    def _try_fs(self, offset: int) -> bool:
        try:
            self._fs_at(offset)
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

    def unallocated_ranges(self) -> list[tuple[int, int]]:
        """Where carving looks: ``[start, end)`` byte ranges from the start of the evidence,
        sorted, of

        - every block a file system marks free (NTFS: its ``$Bitmap``, exactly; other file
          systems: every block that no allocated file, folder or metadata file TSK lists
          holds, so parts of their own structures such as ext4's inode tables are included),
        - space in a partition after its file system ends,
        - partitions holding no file system TSK reads (wholly), and
        - the disk's unpartitioned gaps (TSK's unallocated slots of the partition table).

        A range never spans two partitions, nor a partition and a gap (ranges that touch
        there are left apart), so each range's partition is the one holding its start:
        carved files are named by it (``p2/$Carved/...``). Reads file-system metadata
        only; the carver reads the ranges' content itself.
        """
        out: list[tuple[int, int]] = []
        extents = []
        for volume in self.volume_list:
            end = volume.offset + volume.length
            extents.append((volume.offset, end))
            if volume.filesystem is None:
                out.append((volume.offset, end))
                continue
            fs = self._fs_at(volume.offset)
            block = fs.info.block_size
            own = []
            fs_end = volume.offset + fs.info.block_count * block
            if fs_end < end:
                own.append((fs_end, end))
            try:
                if fs.info.ftype in _NTFS_TYPES:
                    free = _ntfs_free_blocks(fs)
                else:
                    free = _complement(_allocated_blocks(fs), fs.info.block_count)
            except (OSError, RuntimeError) as exc:
                self.errors.append(
                    f"{volume.name or 'volume'}: free space not found: {_tsk_message(exc)}"
                )
                free = []
            own += [
                (volume.offset + a * block, min(end, volume.offset + b * block)) for a, b in free
            ]
            out += _merge(own)
        gaps = [piece for gap in self.gaps for piece in _minus(gap, extents)]
        return sorted(out + _merge(gaps))

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
    if ftype in _FAT_TYPES or ftype == _EXFAT_TYPE:
        # FAT keeps no "changed" time.
        changed = None if ftype in _FAT_TYPES else _as_written(meta.ctime)
        times = (
            _as_written(meta.mtime),
            _as_written(meta.atime),
            changed,
            _as_written(meta.crtime),
        )
    else:
        times = (
            iso_time(meta.mtime),
            iso_time(meta.atime),
            iso_time(meta.ctime),
            iso_time(meta.crtime),
        )
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


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``[start, end)`` ranges sorted, with touching or overlapping ones joined (empty
    ones dropped)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(r for r in ranges if r[0] < r[1]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _minus(span: tuple[int, int], cuts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of ``span`` that none of ``cuts`` covers."""
    pieces = [span]
    for c_start, c_end in cuts:
        pieces = [
            piece
            for start, end in pieces
            for piece in ((start, min(end, c_start)), (max(start, c_end), end))
            if piece[0] < piece[1]
        ]
    return pieces


def _complement(used: list[tuple[int, int]], count: int) -> list[tuple[int, int]]:
    """The block ranges of ``[0, count)`` that ``used`` does not cover."""
    free, at = [], 0
    for start, end in _merge(used):
        if start > at:
            free.append((at, min(start, count)))
        at = max(at, end)
    if at < count:
        free.append((at, count))
    return [(a, b) for a, b in free if a < b]


def _ntfs_free_blocks(fs: pytsk3.FS_Info) -> list[tuple[int, int]]:
    """The clusters NTFS's ``$Bitmap`` (MFT entry 6) marks free, as block ranges."""
    import numpy as np  # only here: listing files needs none of it

    bitmap = fs.open_meta(inode=NTFS_BITMAP_ENTRY)
    size = bitmap.info.meta.size
    raw = bitmap.read_random(0, size) if size else b""
    count = fs.info.block_count
    bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="little")[:count]
    if len(bits) < count:  # clusters the bitmap does not cover are not free
        bits = np.concatenate([bits, np.ones(count - len(bits), dtype=np.uint8)])
    # Run boundaries: where the bit changes, plus both ends.
    edges = np.flatnonzero(np.diff(np.concatenate([[1], bits, [1]]).astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _allocated_blocks(fs: pytsk3.FS_Info) -> list[tuple[int, int]]:
    """The block ranges that allocated files, folders and metadata files hold: every
    non-resident attribute of every allocated name reached from the root, of the root
    itself, and of ext's reserved inodes (the journal, the resize inode...)."""
    used: list[tuple[int, int]] = []

    def add(fs_file) -> None:
        for a in fs_file:
            if not a.info.flags & pytsk3.TSK_FS_ATTR_NONRES:
                continue
            used.extend(
                (run.addr, run.addr + run.len)
                for run in a
                if not run.flags & (_RUN_SPARSE | _RUN_FILLER)
            )

    root = fs.info.root_inum
    add(fs.open_meta(inode=root))
    if fs.info.ftype in _EXT_TYPES:
        for inode in range(1, EXT_FIRST_USER_INODE):
            try:
                add(fs.open_meta(inode=inode))
            except (OSError, RuntimeError):
                continue
    seen, stack = {root}, [root]
    while stack:
        directory = stack.pop()
        try:
            listing = fs.open_dir(inode=directory)
        except (OSError, RuntimeError):
            continue
        for f in listing:
            meta = f.info.meta
            if (
                meta is None
                or meta.flags & _META_UNALLOC
                or f.info.name.flags & _NAME_UNALLOC
                or meta.type == _VIRT_DIR
                or f.info.name.name in (b".", b"..")
            ):
                continue
            try:
                add(f)
            except (OSError, RuntimeError):
                continue
            if meta.type == _DIR and meta.addr not in seen:
                seen.add(meta.addr)
                stack.append(meta.addr)
    return used


def _as_written(seconds: int) -> str | None:
    """A FAT or exFAT time as the volume holds it, marked UTC.

    These file systems store a wall-clock time without a zone, and TSK turns it into a
    POSIX time through the examining machine's own time zone (``mktime``): on a machine set
    to UTC, what ``fls -m`` shows. Undoing that step here gives the time as written
    whatever the machine's zone, so a scan says the same in London, in summer, on any
    Dask worker.
    """
    if not seconds:
        return None
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.localtime(seconds))
    except (OverflowError, OSError, ValueError):
        return None


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


_SCHEMES = {pytsk3.TSK_VS_TYPE_DOS: "mbr", pytsk3.TSK_VS_TYPE_GPT: "gpt"}
_EXT_TYPES = {pytsk3.TSK_FS_TYPE_EXT2, pytsk3.TSK_FS_TYPE_EXT3, pytsk3.TSK_FS_TYPE_EXT4}
#: The names report.json gives TSK's file-system types.
_FS_NAMES = {
    pytsk3.TSK_FS_TYPE_FAT12: "fat12",
    pytsk3.TSK_FS_TYPE_FAT16: "fat16",
    pytsk3.TSK_FS_TYPE_FAT32: "fat32",
    pytsk3.TSK_FS_TYPE_EXFAT: "exfat",
    pytsk3.TSK_FS_TYPE_NTFS: "ntfs",
    pytsk3.TSK_FS_TYPE_EXT2: "ext2",
    pytsk3.TSK_FS_TYPE_EXT3: "ext3",
    pytsk3.TSK_FS_TYPE_EXT4: "ext4",
    pytsk3.TSK_FS_TYPE_HFS: "hfs",
    pytsk3.TSK_FS_TYPE_ISO9660: "iso9660",
    pytsk3.TSK_FS_TYPE_APFS: "apfs",
    pytsk3.TSK_FS_TYPE_FFS1: "ufs1",
    pytsk3.TSK_FS_TYPE_FFS1B: "ufs1",
    pytsk3.TSK_FS_TYPE_FFS2: "ufs2",
    pytsk3.TSK_FS_TYPE_YAFFS2: "yaffs2",
    pytsk3.TSK_FS_TYPE_SWAP: "swap",
}
_NTFS_VOLUME_NAME = 0x60
NTFS_VOLUME_ENTRY = 3
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
