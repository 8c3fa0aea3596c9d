"""Where a disk image's unallocated space is, for the carver.

The disk source knows it (:meth:`DiskEvidence.unallocated_ranges`: free blocks of each
file system, the gaps of the partition table, and partitions holding no file system TSK
reads, carved whole); this module gives each range the prefix of the volume it lies in
(``p2/``, or ``""`` for a bare file system and for the gaps between partitions), which
begins the paths of the files carved from it, and cuts the whole into parts so that
every worker carves.
"""

from __future__ import annotations

from dataclasses import dataclass

from netsafe.triage.sources import Entry, Evidence


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
    if _image(evidence) is None:
        return []
    volumes = [v for v in evidence.describe_volumes() if v.name]

    def prefix(at: int) -> str:
        return next((f"{v.name}/" for v in volumes if v.offset <= at < v.offset + v.length), "")

    return sorted(Area(a, b, prefix(a)) for a, b in evidence.unallocated_ranges() if b > a)


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


def first_byte(evidence: Evidence, entry: Entry) -> int | None:
    """Where the content of a listed file begins in the evidence (its first run), or None
    (resident, sparse, or not on a disk source)."""
    if _image(evidence) is None:
        return None
    try:
        runs = evidence.byte_runs(entry)
    except (OSError, RuntimeError, ValueError):
        return None
    return runs[0][0] if runs else None


__all__ = ["Area", "first_byte", "media_size", "part_of", "reader", "unallocated_areas"]
