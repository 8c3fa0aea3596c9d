"""The unit of work: a plain, picklable description and the pure function that processes it.

Local worker processes run :func:`process_unit`; a Dask worker can run the very
same function on the very same :class:`WorkUnit`. A unit names its evidence by
path and lists the entries to read, so the worker reopens the evidence itself
(once per process, cached). It names the hash sets to match against the same
way: each worker process loads them and their indexes once (a local pool's
workers inherit the scan's own copy) and returns every file already matched.
"""

from __future__ import annotations

import bisect
import ctypes
import functools
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO, cast

from netsafe.triage.carving import CarveLimits, CarveResult, carve
from netsafe.triage.exif import read_exif, thumbnail_stream
from netsafe.triage.hashing import READ_ERRORS, digest_stream, entropy
from netsafe.triage.hashsets import HashSet, HashSetError, load_hashset
from netsafe.triage.matching import HashIndex, Query, default_cache_dir
from netsafe.triage.pdq.video import VIDEO_EXTENSIONS, hash_video
from netsafe.triage.perceptual import (
    MIN_QUALITY,
    PerceptualError,
    pdq_dihedral_of_stream,
    pdq_of_stream,
)
from netsafe.triage.sources import (
    NO_TIMES,
    Entry,
    Evidence,
    EvidenceError,
    open_evidence,
    path_hex,
    times_dict,
)
from netsafe.triage.sources.archive import (
    ARCHIVE_TYPES,
    ArchiveBomb,
    Budget,
    Limits,
    list_members,
)
from netsafe.triage.sources.disk import BITLOCKER_SIGNATURE
from netsafe.triage.thumbcache import (
    ThumbCacheError,
    is_thumbcache,
    is_thumbs_db,
    thumbcache_entries,
    thumbs_db_entries,
)
from netsafe.triage.unallocated import first_byte, part_of, reader, unallocated_areas

#: Files at least this large, of a type not compressed by nature, are candidates for
#: an encrypted container and get their entropy measured.
CONTAINER_MIN_SIZE = 1 << 20
#: Types whose content is near-random by nature (compressed), so entropy says nothing of
#: encryption. Any other type may be a container: libmagic gives one random blob in about
#: 60 a type from a short signature it happens to carry (``application/x-dosexec``,
#: ``application/zlib``, ...), and real files of those types are far from random.
_COMPRESSED_PREFIXES = ("image/", "video/", "audio/")
_COMPRESSED_TYPES = ARCHIVE_TYPES | {
    "application/zlib",
    "application/x-7z-compressed",
    "application/vnd.rar",
    "application/x-rar",
    "application/zstd",
    "application/x-lzma",
    "application/x-lzip",
    "application/x-compress",
    "application/pdf",
    "application/java-archive",
    "application/vnd.ms-cab-compressed",
    "application/epub+zip",
}


def _may_be_container(kind: str, size: int) -> bool:
    return (
        size >= CONTAINER_MIN_SIZE
        and not kind.startswith(_COMPRESSED_PREFIXES)
        and kind not in _COMPRESSED_TYPES
        and not kind.startswith("application/vnd.openxmlformats-")
    )


#: The fields of a file record, in files.jsonl order (before ``known`` and ``matches``).
RECORD_FIELDS = (
    "evidence",
    "path",
    "size",
    "deleted",
    "type",
    "md5",
    "sha1",
    "sha256",
    "pdq",
    "pdq_quality",
    "times",
    "stream",
)
#: What the content itself tells, written after :data:`RECORD_FIELDS` on every row:
#: whether the file was carved from unallocated space and from which byte of the
#: evidence, and a picture's EXIF (``None`` for anything else).
CONTENT_FIELDS = ("carved", "offset", "exif")


@dataclass(frozen=True)
class MatchSpec:
    """What a scan matches its files against, as a worker needs it: each hash set by path
    and the SHA-256 it had when the scan started, the category labels and the distance."""

    hashsets: tuple[tuple[str, str], ...]
    categories: tuple[tuple[int, str], ...]
    max_distance: int
    #: Where the hash sets' PDQ indexes are cached (None: each worker's default folder).
    index_cache: str | None = None

    @classmethod
    def of(
        cls,
        hashsets: list[HashSet],
        categories: dict[int, str],
        max_distance: int,
        index_cache: Path | None = None,
    ) -> MatchSpec:
        return cls(
            tuple((hs.path, hs.sha256) for hs in hashsets),
            tuple(sorted(categories.items())),
            max_distance,
            str(index_cache) if index_cache else None,
        )

    def key(self) -> str:
        """What decides the matches (not where indexes are cached), for the scan's store."""
        return json.dumps([self.hashsets, self.categories, self.max_distance])


@dataclass(frozen=True)
class CarveSpec:
    """Part ``part`` of ``parts`` of the carving of one evidence item: its records are
    stored under ``seq`` (after the evidence's last entry, so carved rows come after
    the listed ones, part after part)."""

    seq: int
    limits: CarveLimits = field(default_factory=CarveLimits)
    part: int = 0
    parts: int = 1


#: The carving of a disk is cut into a part per this many bytes of media (at most
#: CARVE_PARTS), so that every worker carves; the cut depends on the media alone, so
#: the rows do not depend on the number of workers.
CARVE_PART_BYTES = 256 << 20
CARVE_PARTS = 16


def carve_parts(media_bytes: int) -> int:
    """How many parts the carving of media of this size is cut into."""
    return max(1, min(CARVE_PARTS, -(-media_bytes // CARVE_PART_BYTES)))


#: A carving unit reads a whole disk's free space: it is started among the first.
CARVE_UNIT_BYTES = 1 << 62


@dataclass(frozen=True)
class WorkUnit:
    """Some files of one evidence item to process, or (``verify``) its media hash to check."""

    evidence_index: int
    evidence_path: str
    kind: str
    entries: tuple[Entry, ...] = ()
    verify: bool = False
    limits: Limits = field(default_factory=Limits)
    #: Also compute the 8 rotation/flip PDQ hashes of images (``--dihedral``).
    dihedral: bool = False
    #: Match each file against these hash sets (None: records are returned unmatched).
    matching: MatchSpec | None = None
    #: Carve the evidence's unallocated space instead of reading entries.
    carve: CarveSpec | None = None

    @property
    def bytes(self) -> int:
        """How many bytes of evidence the unit reads (to start the longest units first)."""
        if self.carve is not None:
            return CARVE_UNIT_BYTES
        return sum(e.size for e in self.entries)


@dataclass
class UnitResult:
    """The records of every entry of a unit (``files``: seq -> records) and any integrity check."""

    evidence_index: int
    files: list[tuple[int, list[dict]]] = field(default_factory=list)
    integrity: dict | None = None
    #: What carving did (a carving unit): areas, bytes searched, files, why it stopped.
    carving: dict | None = None


_evidence_cache: dict[tuple[str, str, Limits], Evidence] = {}
#: The hash-set index of this process, for the spec it was loaded for.
_index_cache: dict[MatchSpec, HashIndex] = {}


@functools.cache
def tune_process() -> None:
    """Set up, once, a process that runs units (a local worker, a Dask worker, or a scan
    that runs inline): freed memory stays in the process (glibc) instead of going back
    to the system.

    Decoding hundreds of images allocates and frees megabytes each time; handing that
    memory back and faulting it in again cost a worker about a tenth of its time in the
    benchmark. Does nothing where the C library is not glibc.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 256 << 20)
        libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)
    except (OSError, AttributeError):
        pass


_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def forget_inherited_evidence() -> None:
    """Drop evidence handles a forked worker inherited from its parent (one that ran
    units inline before): parent and child would share each file's read offset, and
    their reads would land in each other's place."""
    _evidence_cache.clear()


def _evidence(path: str, kind: str, limits: Limits) -> Evidence:
    key = (path, kind, limits)
    if key not in _evidence_cache:
        if len(_evidence_cache) >= 4:
            _evidence_cache.pop(next(iter(_evidence_cache))).close()
        _evidence_cache[key] = open_evidence(path, kind, limits)
    return _evidence_cache[key]


def matching_index(spec: MatchSpec, loaded: list[HashSet] | None = None) -> HashIndex:
    """The hash-set index for ``spec`` in this process: built once (from the hash sets
    ``loaded`` already, else read from their paths) and kept for the next units.

    Raises :class:`HashSetError` when a hash set read here is not the file the scan
    started with (another file at that path on this worker, or changed since).
    """
    index = _index_cache.get(spec)
    if index is None:
        categories = dict(spec.categories)
        cache = Path(spec.index_cache) if spec.index_cache else default_cache_dir()
        sets = loaded or [load_hashset(path, categories, cache) for path, _sha in spec.hashsets]
        for hs, (path, sha256) in zip(sets, spec.hashsets, strict=True):
            if hs.sha256 != sha256:
                raise HashSetError(f"hash set {path} is not the file the scan started with")
        index = HashIndex(sets, cache_dir=cache, threads=1)
        _index_cache.clear()
        _index_cache[spec] = index
    return index


def process_unit(unit: WorkUnit) -> UnitResult:
    """Process one unit: every entry gives one record or more (archive members), never raises
    for a bad file. Raises :class:`EvidenceError` only if the evidence itself cannot be opened,
    :class:`HashSetError` if a hash set to match against cannot be loaded."""
    tune_process()
    index = (
        matching_index(unit.matching) if unit.matching and (unit.entries or unit.carve) else None
    )
    evidence = _evidence(unit.evidence_path, unit.kind, unit.limits)
    result = UnitResult(unit.evidence_index)
    if unit.verify:
        result.integrity = evidence.verify().as_dict()
    if unit.carve is not None:
        records, result.carving = carve_records(
            evidence, unit.evidence_path, unit.carve, unit.limits, dihedral=unit.dihedral
        )
        result.files.append((unit.carve.seq, records))
    # The members of an archive given as evidence share one budget: the evidence is the
    # archive they were found in (a 42.zip given as evidence stops once, not once per
    # member). A unit's members are cut from the listing in order, so a scan and its
    # resume share it alike.
    shared = (
        Budget(unit.limits, _size_of(evidence), Path(unit.evidence_path).name)
        if unit.kind == "archive"
        else None
    )
    for entry in unit.entries:
        result.files.append(
            (
                entry.seq,
                process_entry(
                    evidence,
                    entry,
                    unit.evidence_path,
                    unit.limits,
                    dihedral=unit.dihedral,
                    budget=shared,
                ),
            )
        )
    if index is not None and unit.matching:
        records = [rec for _seq, recs in result.files for rec in recs]
        verdicts = index.lookup([Query.of_record(r) for r in records], unit.matching.max_distance)
        for rec, verdict in zip(records, verdicts, strict=True):
            rec.update(verdict.stored())
    return result


def _size_of(evidence: Evidence) -> int:
    try:
        return Path(evidence.path).stat().st_size
    except OSError:
        return 0


def process_entry(
    evidence: Evidence,
    entry: Entry,
    label: str,
    limits: Limits,
    *,
    dihedral: bool = False,
    budget: Budget | None = None,
) -> list[dict]:
    """The records of one file of ``evidence``: the file itself, then any archive members.

    ``budget`` is shared with other files of the same archive evidence (else the file,
    if an archive, has its own)."""
    try:
        stream = evidence.open(entry)
    except READ_ERRORS as exc:
        rec = entry_record(label, entry)
        rec["error"] = str(exc) or type(exc).__name__
        return [rec]
    # A member of an archive given as evidence is already one level down.
    depth = 1 if evidence.kind == "archive" else 0
    budget = budget or Budget(limits, entry.size, entry.path)
    with stream:
        records = process_stream(
            stream,
            label,
            entry.path,
            entry.deleted,
            depth,
            limits,
            dihedral=dihedral,
            budget=budget,
        )
    if records[0]["error"] and records[0]["size"] < entry.size:
        # Reading stopped early: the row still gives the file's size, the error says why.
        records[0]["size"] = entry.size
    records[0].update(_entry_fields(entry))
    if entry.path_hex:
        _raw_prefix(records[1:], entry.path.encode(), bytes.fromhex(entry.path_hex))
    return records


def empty_record(evidence: str, path: str, size: int, deleted: bool) -> dict:
    """A record with nothing computed yet (no times known, not a stream, not carved)."""
    rec: dict = dict.fromkeys(RECORD_FIELDS + CONTENT_FIELDS)
    rec.update(
        evidence=evidence,
        path=path,
        size=size,
        deleted=deleted,
        times=times_dict(NO_TIMES),
        error=None,
        carved=False,
    )
    return rec


def entry_record(evidence: str, entry: Entry) -> dict:
    """A record with nothing computed yet for a file the source listed: with what the
    listing says of it (times, stream, raw path)."""
    rec = empty_record(evidence, entry.path, entry.size, entry.deleted)
    rec.update(_entry_fields(entry))
    return rec


def _entry_fields(entry: Entry) -> dict:
    fields: dict = {"times": times_dict(entry.times), "stream": entry.stream}
    if entry.path_hex is not None:
        fields["path_hex"] = entry.path_hex
    return fields


def _keep(kind: str) -> bool:
    return kind.startswith(("image/", "video/")) or kind in ARCHIVE_TYPES


def is_video(kind: str, path: str) -> bool:
    """Whether a file is hashed as a video: libmagic says video, or (WMV/ASF, which it calls
    ``application/vnd.ms-asf``) the name says so."""
    return kind.startswith("video/") or (
        kind == "application/vnd.ms-asf" and path.lower().endswith(tuple(VIDEO_EXTENSIONS))
    )


def process_stream(
    stream: BinaryIO,
    evidence: str,
    path: str,
    deleted: bool,
    depth: int,
    limits: Limits,
    *,
    dihedral: bool = False,
    budget: Budget | None = None,
) -> list[dict]:
    """Hash, type and perceptually hash one file's content; open it if it is an archive.

    ``budget`` is what the archive found in the evidence that holds this content may
    still expand to (a fresh one for content found directly in the evidence).
    """
    name = path.rsplit("/", 1)[-1].rsplit("!", 1)[-1]
    cache = _is_cache_name(name)
    d = digest_stream(stream, keep=lambda kind: cache or _keep(kind) or is_video(kind, path))
    rec = empty_record(evidence, path, d.size, deleted)
    rec.update(type=d.type, md5=d.md5, sha1=d.sha1, sha256=d.sha256, error=d.error)
    if _may_be_container(d.type, d.size):
        rec["entropy"] = round(entropy(d.head), 4)
    if d.head[3:11] == BITLOCKER_SIGNATURE:
        rec["signature"] = "bitlocker"
    records = [rec]
    if d.content is None or d.error:
        return records
    budget = budget or Budget(limits, d.size, path)
    # Sources hand over binary streams; the hashers are typed for BinaryIO.
    with cast(BinaryIO, d.content) as content:
        if is_video(d.type, path):
            try:
                video = hash_video(content)
                # Kept in the store for matching against known videos' frames.
                rec["video_frames"] = [f.hash for f in video.frames if f.quality >= MIN_QUALITY]
            except PerceptualError as exc:
                rec["error"] = str(exc)
        elif d.type.startswith("image/"):
            try:
                if dihedral:
                    # Kept in the store for matching; files.jsonl shows only the PDQ.
                    hashes, rec["pdq_quality"] = pdq_dihedral_of_stream(content)
                    rec["pdq"], rec["pdq_dihedral"] = hashes[0], hashes
                else:
                    rec["pdq"], rec["pdq_quality"] = pdq_of_stream(content)
            except PerceptualError as exc:
                rec["error"] = str(exc)
            records += _embedded(content, rec, depth, limits, dihedral, budget)
        elif cache and (is_thumbcache(name, d.head) or is_thumbs_db(name, d.head)):
            records += _cached_thumbnails(content, rec, depth, limits, dihedral, budget)
        elif budget.stopped:
            pass  # the one error row of this tree is already written, on the archive at fault
        elif depth >= limits.max_depth:
            rec["error"] = f"nested archive not opened: deeper than {limits.max_depth} levels"
        else:
            records += _members(d.content, rec, depth, limits, dihedral, budget)
    return records


def _embedded(
    content: IO[bytes], rec: dict, depth: int, limits: Limits, dihedral: bool, budget: Budget
) -> list[dict]:
    """Read a picture's EXIF into ``rec``; its EXIF thumbnail (which often outlives the
    picture it was made from) is a row of its own, ``outer!thumbnail``."""
    rec["exif"], thumbnail = read_exif(content)
    if thumbnail is None:
        return []
    return process_stream(
        thumbnail_stream(thumbnail),
        rec["evidence"],
        f"{rec['path']}!thumbnail",
        rec["deleted"],
        depth + 1,
        limits,
        dihedral=dihedral,
        budget=budget,
    )


def carve_records(
    evidence: Evidence, label: str, spec: CarveSpec, limits: Limits, *, dihedral: bool = False
) -> tuple[list[dict], dict]:
    """The rows of everything carved from ``evidence``'s unallocated areas, and what the
    carving did (``areas``, their ``bytes``, bytes ``searched``, ``files``, ``stopped``;
    no timings, so that a resumed scan writes the same report).

    A carved file that is a deleted file the file system still lists (same SHA-1, and
    its content begins at the same byte) is not a second row.
    """
    areas = part_of(unallocated_areas(evidence), spec.part, spec.parts)
    read = reader(evidence)
    listed: dict[int, list[Entry]] = {}
    for entry in evidence.entries():
        if entry.deleted:
            at = first_byte(evidence, entry)
            if at is not None:
                listed.setdefault(at, []).append(entry)
    outcome = CarveResult()
    records: list[dict] = []
    starts = [a.start for a in areas]
    # The evidence's budget shared by its parts: files evenly, seconds as summed.
    limits_of_part = CarveLimits(
        max_files=-(-spec.limits.max_files // spec.parts),
        max_seconds=spec.limits.max_seconds / spec.parts,
    )
    for found in carve(read, [(a.start, a.end) for a in areas], limits_of_part, outcome):
        sha1 = hashlib.sha1(found.data).hexdigest()
        if any(_sha1_of(evidence, e) == sha1 for e in listed.get(found.offset, ())):
            continue
        area = areas[bisect.bisect_right(starts, found.offset) - 1]
        path = f"{area.prefix}$Carved/{found.offset}.{found.ext}"
        recs = process_stream(
            io.BytesIO(found.data), label, path, True, 0, limits, dihedral=dihedral
        )
        # A carved file has no file-system times (contract "Times": all null).
        recs[0].update(carved=True, offset=found.offset, times=times_dict(NO_TIMES))
        records += recs
    summary = {
        "areas": len(areas),
        "bytes": sum(a.end - a.start for a in areas),
        "searched": outcome.scanned,
        "files": len([r for r in records if r["carved"]]),
        "stopped": outcome.stopped,
    }
    return records, summary


def _sha1_of(evidence: Evidence, entry: Entry) -> str | None:
    try:
        with evidence.open(entry) as stream:
            return digest_stream(stream).sha1
    except READ_ERRORS:
        return None


def _is_cache_name(name: str) -> bool:
    low = name.lower()
    return low == "thumbs.db" or (low.startswith("thumbcache_") and low.endswith(".db"))


def _cached_thumbnails(
    content: IO[bytes], rec: dict, depth: int, limits: Limits, dihedral: bool, budget: Budget
) -> list[dict]:
    """Each thumbnail of a Windows thumbnail cache as a row ``cache!<entry id>.<ext>``; a
    damaged cache keeps the rows read before the damage and gets the error."""
    out: list[dict] = []
    name = rec["path"].rsplit("/", 1)[-1].rsplit("!", 1)[-1]
    entries = (
        thumbs_db_entries(content)
        if name.lower() == "thumbs.db"
        else thumbcache_entries(content, rec["size"])
    )
    try:
        for thumb in entries:
            # Counted like archive members: a cache of a million tiny entries is bounded too.
            budget.charge(len(thumb.data), read=False)
            out += process_stream(
                thumbnail_stream(thumb.data),
                rec["evidence"],
                f"{rec['path']}!{thumb.name}",
                rec["deleted"],
                depth + 1,
                limits,
                dihedral=dihedral,
                budget=budget,
            )
    except ThumbCacheError as exc:
        rec["error"] = str(exc)
    except ArchiveBomb as exc:
        _stop(rec, budget, str(exc))
    return out


def _stop(rec: dict, budget: Budget, reason: str) -> None:
    """Give the archive at fault its one error row and stop the whole tree's expansion."""
    budget.stopped = True
    rest = (
        "its remaining members were not opened"
        if rec["path"] == budget.root
        else f"the rest of {budget.root} was not opened"
    )
    rec["error"] = f"{reason}; {rest}"


def _members(
    content: IO[bytes], rec: dict, depth: int, limits: Limits, dihedral: bool, budget: Budget
) -> list[dict]:
    out: list[dict] = []
    # The member's whole path as bytes: set as path_hex where they are not UTF-8.
    outer = bytes.fromhex(rec["path_hex"]) if rec.get("path_hex") else rec["path"].encode()
    try:
        for member in list_members(content, rec["size"], limits, budget):
            mpath = f"{rec['path']}!{member.name}"
            mhex = path_hex(outer + b"!" + member.raw_name)
            named = {"path_hex": mhex} if mhex else {}
            if member.bomb and depth > 0:
                # A bomb inside a nested archive is how a 42.zip multiplies: its copies
                # would each be an error row. One row, on the archive that holds it.
                _stop(rec, budget, f"{(member.error or '').split(',')[0]} ({member.name})")
                break
            if member.error:
                child = empty_record(rec["evidence"], mpath, member.size, rec["deleted"])
                child["error"] = member.error
                child["times"] = times_dict(member.times)
                out.append(child | named)
                continue
            try:
                with member.open() as ms:
                    recs = process_stream(
                        ms,
                        rec["evidence"],
                        mpath,
                        rec["deleted"],
                        depth + 1,
                        limits,
                        dihedral=dihedral,
                        budget=budget,
                    )
                recs[0]["times"] = times_dict(member.times)
                recs[0].update(named)
                _raw_prefix(recs[1:], mpath.encode(), outer + b"!" + member.raw_name)
                out += recs
            except READ_ERRORS as exc:
                child = empty_record(rec["evidence"], mpath, member.size, rec["deleted"])
                child["error"] = f"read error: {exc}"
                child["times"] = times_dict(member.times)
                out.append(child | named)
            if budget.stopped:
                break
    except ArchiveBomb as exc:
        _stop(rec, budget, str(exc))
    except tarfile.ReadError as exc:
        # A compressed stream that holds no TAR is simply a compressed file.
        if rec["type"] in ("application/x-tar", "application/zip"):
            rec["error"] = f"corrupt archive: {exc}"
    except READ_ERRORS as exc:
        rec["error"] = f"corrupt archive: {exc}"
    return out


def _raw_prefix(records: list[dict], shown: bytes, raw: bytes) -> None:
    # Members of a nested archive got their path bytes from its displayed path (its own
    # record had no path_hex yet): put the archive's stored bytes in front instead.
    if shown == raw:
        return
    for r in records:
        whole = bytes.fromhex(r["path_hex"]) if r.get("path_hex") else r["path"].encode()
        if whole.startswith(shown):
            whole = raw + whole[len(shown) :]
        if hexed := path_hex(whole):
            r["path_hex"] = hexed


__all__ = [
    "CarveSpec",
    "EvidenceError",
    "MatchSpec",
    "UnitResult",
    "WorkUnit",
    "carve_parts",
    "carve_records",
    "forget_inherited_evidence",
    "matching_index",
    "process_entry",
    "process_unit",
]
