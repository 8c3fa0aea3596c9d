"""Where a disk image's unallocated space is, for the carver, through The Sleuth Kit.

pytsk3 does not expose TSK's block walk, so a file system's unallocated blocks are
found as ``blkls`` finds them for a file system without a usable bitmap: every block
that no allocated file or folder (file-system metadata files such as ``$MFT``
included) has in its runs is unallocated. Added to them are the gaps of the
partition table no partition covers, and every partition holding no file system TSK
reads (a wiped or unknown volume is carved whole).

Each range comes with the prefix of the volume it lies in (``p2/``, or ``""`` for a
bare file system and for the gaps between partitions), which begins the paths of the
files carved from it.

When the evidence source offers ``unallocated_ranges()`` itself, that is used instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytsk3

from netsafe.triage.sources import Entry, Evidence

_ALLOC = pytsk3.TSK_VS_PART_FLAG_ALLOC
_UNALLOC = pytsk3.TSK_VS_PART_FLAG_UNALLOC
_DIR = pytsk3.TSK_FS_META_TYPE_DIR
_META_ALLOC = pytsk3.TSK_FS_META_FLAG_ALLOC
_RUN_SPARSE = getattr(pytsk3, "TSK_FS_ATTR_RUN_FLAG_SPARSE", 2)
_RUN_FILLER = getattr(pytsk3, "TSK_FS_ATTR_RUN_FLAG_FILLER", 1)


@dataclass(frozen=True, order=True)
class Area:
    """Bytes ``[start, end)`` of the evidence where files may lie unallocated, and the path
    prefix of the volume they are in."""

    start: int
    end: int
    prefix: str = ""


def _image(evidence: Evidence):
    """The TSK image of a disk source (raw or EWF), or None for any other kind."""
    return getattr(evidence, "_img", None)


def reader(evidence: Evidence):
    """``read(offset, size)`` over a disk source's whole image."""
    img = _image(evidence)
    if img is None:
        raise TypeError(f"{evidence.kind} evidence has no image to carve")
    size = img.get_size()

    def read(offset: int, n: int) -> bytes:
        n = max(0, min(n, size - offset))
        return img.read(offset, n) if n else b""

    return read


def unallocated_areas(evidence: Evidence) -> list[Area]:
    """The unallocated areas of a disk source (raw or EWF) in evidence order; ``[]`` for
    folders and archives."""
    img = _image(evidence)
    if img is None:
        return []
    own = getattr(evidence, "unallocated_ranges", None)
    size = img.get_size()
    try:
        vs = pytsk3.Volume_Info(img)
    except (OSError, RuntimeError):
        vs = None
    if vs is None:
        if callable(own):
            return [Area(a, b) for a, b in own()]
        return [Area(a, b) for a, b in _fs_unallocated(img, 0, size)]
    areas: list[Area] = []
    #: Each partition's extent and prefix, numbered as the disk source numbers them.
    volumes: list[Area] = []
    block = vs.info.block_size
    number = 0
    for part in vs:
        start = part.start * block
        end = min(size, start + part.len * block)
        if part.flags & _ALLOC:
            number += 1
            prefix = f"p{number}/"
            volumes.append(Area(start, end, prefix))
            if callable(own):
                continue
            try:
                ranges = _fs_unallocated(img, start, end)
            except (OSError, RuntimeError):
                ranges = [(start, end)]  # no file system TSK reads: carved whole
            areas += [Area(a, b, prefix) for a, b in ranges]
        elif part.flags & _UNALLOC and not callable(own):
            areas.append(Area(start, end))
    if callable(own):
        # The source knows its ranges; the prefixes come from the partition table.
        return [
            Area(a, b, next((v.prefix for v in volumes if v.start <= a < v.end), ""))
            for a, b in own()
        ]
    return sorted(a for a in areas if a.end > a.start)


def media_size(evidence: Evidence) -> int:
    """The size in bytes of a disk source's media (0 for other kinds)."""
    img = _image(evidence)
    return img.get_size() if img is not None else 0


def part_of(areas: list[Area], part: int, parts: int, align: int = 512) -> list[Area]:
    """The ``part``-th of ``parts`` equal slices of ``areas`` (by bytes, cut at ``align``
    boundaries): the areas, or pieces of them, that lie in that slice. The slices of
    all parts tile the areas exactly."""
    total = sum(a.end - a.start for a in areas)

    def cut(k: int) -> int:
        return total if k >= parts else (total * k // parts) // align * align

    lo, hi = cut(part), cut(part + 1)
    out = []
    at = 0
    for a in areas:
        size = a.end - a.start
        s, e = max(lo, at), min(hi, at + size)
        if s < e:
            out.append(Area(a.start + s - at, a.start + e - at, a.prefix))
        at += size
    return out


def _fs_unallocated(img, base: int, end: int) -> list[tuple[int, int]]:
    """Byte ranges of the file system at ``base`` that no allocated file or folder uses
    (raises OSError/RuntimeError when there is no file system TSK reads)."""
    fs = pytsk3.FS_Info(img, offset=base)
    bs = fs.info.block_size
    count = fs.info.block_count
    used = sorted(_allocated_runs(fs, count))
    free: list[tuple[int, int]] = []
    at = 0
    for a, b in used:
        if a > at:
            free.append((at, a))
        at = max(at, b)
    if at < count:
        free.append((at, count))
    return [(base + a * bs, min(end, base + b * bs)) for a, b in free if base + a * bs < end]


def _allocated_runs(fs, count: int) -> Iterator[tuple[int, int]]:
    """``[first, end)`` block runs of every allocated file and folder of ``fs``."""
    root = fs.info.root_inum
    seen = {root}
    stack = [root]
    yield from _runs_of(fs.open_meta(inode=root), count)
    while stack:
        inode = stack.pop()
        try:
            directory = fs.open_dir(inode=inode)
        except (OSError, RuntimeError):
            continue
        for f in directory:
            name, meta = f.info.name, f.info.meta
            if meta is None or name.name in (b".", b".."):
                continue
            if meta.addr in seen or not meta.flags & _META_ALLOC:
                continue
            seen.add(meta.addr)
            yield from _runs_of(f, count)
            if meta.type == _DIR:
                stack.append(meta.addr)


def _runs_of(f, count: int) -> Iterator[tuple[int, int]]:
    try:
        for attr in f:
            for run in attr:
                if run.flags & (_RUN_SPARSE | _RUN_FILLER) or run.len <= 0:
                    continue
                if 0 <= run.addr < count:
                    yield run.addr, min(count, run.addr + run.len)
    except (OSError, RuntimeError):
        return


def first_byte(evidence: Evidence, entry: Entry) -> int | None:
    """Where the content of a listed file begins in the evidence (its first run), or None
    (resident, sparse, a stream, or not on a disk source)."""
    img = _image(evidence)
    if img is None:
        return None
    try:
        runs = evidence.byte_runs(entry)
    except (OSError, RuntimeError, ValueError):
        runs = []
    if runs:
        return runs[0][0]
    if len(entry.locator) != 2:
        return None
    offset, addr = entry.locator
    try:
        fs = pytsk3.FS_Info(img, offset=offset)
        f = fs.open_meta(inode=addr)
        bs = fs.info.block_size
        for attr in f:
            if attr.info.type not in (
                pytsk3.TSK_FS_ATTR_TYPE_DEFAULT,
                pytsk3.TSK_FS_ATTR_TYPE_NTFS_DATA,
            ):
                continue
            for run in attr:
                if not run.flags & (_RUN_SPARSE | _RUN_FILLER) and run.len > 0:
                    return offset + run.addr * bs
            return None
    except (OSError, RuntimeError):
        return None
    return None


__all__ = ["Area", "first_byte", "media_size", "part_of", "reader", "unallocated_areas"]
