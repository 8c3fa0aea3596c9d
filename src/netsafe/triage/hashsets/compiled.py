"""Compiled hash sets: the entries as sorted fixed-width arrays, memory-mapped from a cache.

A hash set is compiled the first time it is used, keyed by its SHA-256, into a
folder of the index cache (``$NETSAFE_INDEX_CACHE``)::

    <sha256>-<labels>-c1/
        manifest.json     what is there, each file's size and CRC-32, its own checksum
        md5_prefix.npy    per hash kind (md5 16 B, sha1 20 B, sha256 32 B): the first
        md5_keys.npy      8 bytes as a sorted uint64 (binary search), the whole digests
        md5_rows.npy      in the same order, and the entry (row) each one belongs to
        flags.npy         per entry: known (NSRL, non-pertinent), no id
        id_offsets.npy    per entry: its id, as offsets into one blob of bytes
        id_blob.npy
        category.npy      per entry: its category, as a number into the manifest's list
        video.npy, frame.npy        known videos' frames (only when the set has any)
        pdq_rows.npy, pdq_hashes.npy  every PDQ hash and its entry
        pdq/              the PDQ multi-index (:class:`~netsafe.triage.pdq.index.PDQIndex`)

Later loads map the arrays (``np.load(mmap_mode="r")``): nothing is parsed, and
every process on the machine (the local workers, Dask workers) shares one copy
in the page cache. A folder is written aside and renamed into place, so a reader
never sees half of one; a damaged or truncated folder is removed and compiled
again, never trusted. Every file's size and CRC-32 are checked on load unless
the folder was checked before (``verified.json``) and no file has been written
since: each file's device, inode, size, modification and change times are the
same as when it was checked. The compile itself counts as a check (the CRC-32s
are taken from the arrays in memory as they are written), so the next load
reads nothing whole. Not detected, as for any folder checked before: a change
that moves none of those (the disk's own bit rot, a write to the raw device, the
clock set back to forge a change time).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from netsafe.triage.hashsets.lines import gather
from netsafe.triage.pdq.index import PDQIndex

FORMAT = "netsafe.compiled-hashset/1"
#: Digest kinds looked up exactly, and their width in bytes.
EXACT_KINDS: dict[str, int] = {"md5": 16, "sha1": 20, "sha256": 32}
PDQ_BYTES = 32
#: ``flags`` bits.
KNOWN = 1
NO_ID = 2
_CRC_BLOCK = 8 << 20
#: A file changed less than this long ago may change again without its time stamps
#: moving (their resolution): what was checked of it is not remembered (git's rule for
#: "racily clean" files).
SETTLE_SECONDS = 2.0


class DamagedCache(Exception):
    """A compiled hash set on disk that does not check out (truncated, changed, unreadable)."""


@dataclass
class Columns:
    """Entries of a hash set as arrays: what the formats' readers produce, block by block."""

    id_blob: np.ndarray
    id_offsets: np.ndarray
    flags: np.ndarray
    category: np.ndarray
    categories: list[str]
    #: kind -> (rows, digests); rows index the entries of these columns.
    hashes: dict[str, tuple[np.ndarray, np.ndarray]]
    video: np.ndarray | None = None
    videos: list[str] = field(default_factory=list)
    frame: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.flags.size)

    @classmethod
    def empty(cls) -> Columns:
        """No entries."""
        return cls(
            np.zeros(0, np.uint8),
            np.zeros(1, np.int64),
            np.zeros(0, np.uint8),
            np.zeros(0, np.int32),
            [],
            {},
        )

    @classmethod
    def from_entries(cls, entries: Sequence) -> Columns:
        """Columns of :class:`~netsafe.triage.hashsets.HashEntry` objects (the formats read
        with a Python parser, and the odd lines of the vectorised ones)."""
        n = len(entries)
        ids = [(e.id or "").encode("utf-8", "surrogatepass") for e in entries]
        lengths = np.fromiter((len(b) for b in ids), np.int64, n)
        offsets = np.zeros(n + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        blob = np.frombuffer(b"".join(ids), np.uint8).copy()
        flags = np.fromiter(
            ((KNOWN if e.known else 0) | (NO_ID if e.id is None else 0) for e in entries),
            np.uint8,
            n,
        )
        labels: dict[str, int] = {}
        category = np.fromiter(
            (
                -1 if e.category is None else labels.setdefault(e.category, len(labels))
                for e in entries
            ),
            np.int32,
            n,
        )
        hashes = {}
        for kind, width in (*EXACT_KINDS.items(), ("pdq", PDQ_BYTES)):
            rows = [i for i, e in enumerate(entries) if getattr(e, kind)]
            if rows:
                text = "".join(getattr(entries[i], kind) for i in rows)
                keys = np.frombuffer(bytes.fromhex(text), np.uint8).reshape(-1, width)
                hashes[kind] = (np.asarray(rows, np.int64), keys)
        out = cls(blob, offsets, flags, category, list(labels), hashes)
        if any(e.video_id is not None for e in entries):
            names: dict[str, int] = {}
            out.video = np.fromiter(
                (
                    -1 if e.video_id is None else names.setdefault(e.video_id, len(names))
                    for e in entries
                ),
                np.int32,
                n,
            )
            out.videos = list(names)
            out.frame = np.fromiter(
                (np.nan if e.frame is None else e.frame for e in entries), np.float64, n
            )
        return out

    @classmethod
    def concat(cls, parts: Sequence[Columns]) -> Columns:
        """The entries of ``parts`` one after the other."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        sizes = np.array([len(p) for p in parts], np.int64)
        firsts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        blob_firsts = np.cumsum([0] + [int(p.id_offsets[-1]) for p in parts[:-1]])
        offsets = np.concatenate(
            [parts[0].id_offsets[:1]]
            + [p.id_offsets[1:] + b for p, b in zip(parts, blob_firsts, strict=True)]
        )
        labels: dict[str, int] = {}
        category = np.concatenate([_recode(p.category, p.categories, labels) for p in parts])
        hashes = {}
        for kind in {k for p in parts for k in p.hashes}:
            have = [
                (p.hashes[kind], f) for p, f in zip(parts, firsts, strict=True) if kind in p.hashes
            ]
            hashes[kind] = (
                np.concatenate([rows + f for (rows, _), f in have]),
                np.concatenate([keys for (_, keys), _ in have]),
            )
        out = cls(
            np.concatenate([p.id_blob for p in parts]),
            offsets,
            np.concatenate([p.flags for p in parts]),
            category,
            list(labels),
            hashes,
        )
        if any(p.video is not None for p in parts):
            names: dict[str, int] = {}
            out.video = np.concatenate(
                [
                    _recode(p.video, p.videos, names)
                    if p.video is not None
                    else np.full(len(p), -1, np.int32)
                    for p in parts
                ]
            )
            out.videos = list(names)
            out.frame = np.concatenate(
                [p.frame if p.frame is not None else np.full(len(p), np.nan) for p in parts]
            )
        return out

    def take(self, order: np.ndarray) -> Columns:
        """The entries at ``order`` (a permutation), in that order."""
        blob, offsets = gather(self.id_blob, self.id_offsets[order], self.id_offsets[order + 1])
        new_row = np.empty(order.size, np.int64)
        new_row[order] = np.arange(order.size)
        hashes = {}
        for kind, (rows, keys) in self.hashes.items():
            moved = new_row[rows]
            by_row = np.argsort(moved, kind="stable")
            hashes[kind] = (moved[by_row], keys[by_row])
        out = Columns(
            blob, offsets, self.flags[order], self.category[order], self.categories, hashes
        )
        if self.video is not None and self.frame is not None:
            out.video, out.videos, out.frame = self.video[order], self.videos, self.frame[order]
        return out


def _recode(codes: np.ndarray, labels: list[str], into: dict[str, int]) -> np.ndarray:
    """``codes`` (numbers into ``labels``) as numbers into the shared table ``into``."""
    table = np.array([into.setdefault(label, len(into)) for label in labels] + [-1], np.int32)
    return table[codes]  # -1 (none) picks the last item, -1


def interleave(fast: Columns, fast_lines: np.ndarray, slow: list, slow_lines: list[int]) -> Columns:
    """Columns in line order from the vectorised rows and the few read one by one."""
    if not slow:
        return fast
    both = Columns.concat([fast, Columns.from_entries(slow)])
    lines = np.concatenate([fast_lines, np.asarray(slow_lines, np.int64)])
    return both.take(np.argsort(lines, kind="stable"))


# -- the compiled form --------------------------------------------------------------


@dataclass
class CompiledHashSet:
    """A hash set as arrays: exact look-ups by binary search, PDQ by the multi-index.

    ``arrays`` are memory-mapped when loaded from the cache. Entries are numbered by
    their position in the source file (rows).
    """

    entries: int
    categories: list[str]
    videos: list[str]
    arrays: dict[str, np.ndarray]
    pdq_index: PDQIndex | None = None
    folder: Path | None = None

    # -- building ------------------------------------------------------------------

    @classmethod
    def build(cls, columns: Columns) -> CompiledHashSet:
        """Sort the digests of ``columns`` and index its PDQ hashes."""
        n = len(columns)
        row_type = np.int32 if n < 2**31 else np.int64
        arrays: dict[str, np.ndarray] = {
            "flags": columns.flags,
            "id_offsets": columns.id_offsets,
            "id_blob": columns.id_blob,
        }
        if columns.categories:
            arrays["category"] = columns.category
        if columns.video is not None and columns.frame is not None:
            arrays["video"], arrays["frame"] = columns.video, columns.frame
        for kind, width in EXACT_KINDS.items():
            rows, keys = columns.hashes.get(
                kind, (np.zeros(0, np.int64), np.zeros((0, width), np.uint8))
            )
            prefix = _prefix(keys)
            order = np.argsort(prefix, kind="stable")
            arrays[f"{kind}_prefix"] = prefix[order]
            arrays[f"{kind}_keys"] = np.ascontiguousarray(keys[order])
            arrays[f"{kind}_rows"] = rows[order].astype(row_type)
        rows, hashes = columns.hashes.get(
            "pdq", (np.zeros(0, np.int64), np.zeros((0, PDQ_BYTES), np.uint8))
        )
        arrays["pdq_rows"], arrays["pdq_hashes"] = rows.astype(row_type), hashes
        compiled = cls(n, columns.categories, columns.videos, arrays)
        # Non-pertinent images only make exact copies known; they are not looked for
        # perceptually. A video's frames are matched as a video.
        searched = compiled.known(rows) == 0
        if "video" in arrays:
            searched &= arrays["video"][rows] < 0
        if searched.any():
            compiled.pdq_index = PDQIndex.build(hashes[searched], rows[searched])
        return compiled

    # -- looking up ----------------------------------------------------------------

    def exact_rows(self, kind: str, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(query, row)`` of every entry whose ``kind`` digest equals a query's ``keys``."""
        prefix = self.arrays[f"{kind}_prefix"]
        wanted = _prefix(keys)
        lo = np.searchsorted(prefix, wanted, "left")
        hi = np.searchsorted(prefix, wanted, "right")
        counts = hi - lo
        query = np.repeat(np.arange(keys.shape[0]), counts)
        if not query.size:
            return query, query
        # Positions lo..hi-1 of each query, then the whole digest compared (the
        # prefix only narrows the search).
        starts = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        positions = starts + np.arange(query.size)
        same = (self.arrays[f"{kind}_keys"][positions] == keys[query]).all(axis=1)
        return query[same], self.arrays[f"{kind}_rows"][positions[same]].astype(np.int64)

    def known(self, rows: np.ndarray) -> np.ndarray:
        """Which of ``rows`` are known files (NSRL, non-pertinent)."""
        return (self.arrays["flags"][rows] & KNOWN) != 0

    def entry_id(self, row: int) -> str | None:
        """The id of entry ``row`` (None where the source gave none)."""
        if self.arrays["flags"][row] & NO_ID:
            return None
        offsets = self.arrays["id_offsets"]
        raw = self.arrays["id_blob"][int(offsets[row]) : int(offsets[row + 1])].tobytes()
        return raw.decode("utf-8", "backslashreplace")

    def category(self, row: int) -> str | None:
        """The category label of entry ``row``."""
        codes = self.arrays.get("category")
        code = -1 if codes is None else int(codes[row])
        return None if code < 0 else self.categories[code]

    def counts(self) -> dict[str, int]:
        """How many digests of each kind the set holds."""
        out = {kind: int(self.arrays[f"{kind}_rows"].size) for kind in EXACT_KINDS}
        out["pdq"] = int(self.arrays["pdq_rows"].size)
        return out

    def video_frames(self) -> dict[str, list[tuple[int, float | None, str]]]:
        """Known videos: for each video id, its frame rows ``(row, second, pdq hex)``
        in file order (known entries and frames without a PDQ left out)."""
        video = self.arrays.get("video")
        if video is None:
            return {}
        rows = self.arrays["pdq_rows"].astype(np.int64)
        hashes = self.arrays["pdq_hashes"]
        mine = (video[rows] >= 0) & ~self.known(rows)
        out: dict[str, list[tuple[int, float | None, str]]] = {}
        frame = self.arrays["frame"]
        for row, digest in zip(rows[mine].tolist(), hashes[mine], strict=True):
            second = float(frame[row])
            out.setdefault(self.videos[int(video[row])], []).append(
                (row, None if np.isnan(second) else second, digest.tobytes().hex())
            )
        return out

    # -- disk ----------------------------------------------------------------------

    def save(self, folder: Path, about: dict) -> None:
        """Write into ``folder`` (new): the arrays, the PDQ index, then the manifest, and
        remember the folder as checked (:func:`_remember_written`).

        Each array's CRC-32 is taken from memory as it is written, so nothing is read
        back; the few small files written otherwise (the PDQ index's manifest) are.
        """
        folder.mkdir(parents=True)
        written: dict[str, dict[str, int]] = {}

        def write(path: Path, array: np.ndarray) -> None:
            written[path.relative_to(folder).as_posix()] = _write_npy(path, array)

        for name, array in self.arrays.items():
            write(folder / f"{name}.npy", array)
        if self.pdq_index is not None:
            self.pdq_index.save(folder / "pdq", write)
        files = {}
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = path.relative_to(folder).as_posix()
            files[name] = written.get(name) or {
                "bytes": path.stat().st_size,
                "crc32": _crc32(path),
            }
        body = {
            "format": FORMAT,
            "source": about,
            "entries": self.entries,
            "categories": self.categories,
            "videos": self.videos,
            "arrays": sorted(self.arrays),
            "pdq_index": self.pdq_index is not None,
            "files": files,
        }
        manifest = {**body, "checksum": _checksum(body)}
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        _remember_written(folder, manifest)

    @classmethod
    def load(cls, folder: Path) -> CompiledHashSet:
        """Map a compiled set written by :meth:`save`, after checking every file.

        Raises :class:`DamagedCache` when anything is missing, truncated or changed.
        """
        manifest = read_manifest(folder)
        if not _verified_before(folder, manifest):
            for name, expected in manifest["files"].items():
                path = folder / name
                try:
                    size = path.stat().st_size
                    if size != expected["bytes"] or _crc32(path) != expected["crc32"]:
                        raise DamagedCache(f"{path}: does not match its checksum")
                except OSError as exc:
                    raise DamagedCache(f"{path}: {exc.strerror or exc}") from None
            _remember_verified(folder, manifest)
        try:
            arrays = {
                # np.asarray drops the memmap subclass (numba takes plain arrays), keeps the map.
                name: np.asarray(np.load(folder / f"{name}.npy", mmap_mode="r"))
                for name in manifest["arrays"]
            }
            pdq_index = PDQIndex.load(folder / "pdq") if manifest["pdq_index"] else None
        except (OSError, ValueError, KeyError) as exc:
            raise DamagedCache(f"{folder}: {exc}") from None
        if arrays["flags"].size != manifest["entries"]:
            raise DamagedCache(f"{folder}: {arrays['flags'].size} entries, manifest says otherwise")
        return cls(
            int(manifest["entries"]),
            list(manifest["categories"]),
            list(manifest["videos"]),
            arrays,
            pdq_index,
            folder,
        )


def read_manifest(folder: Path) -> dict:
    """The manifest of a compiled folder, its own checksum checked (:class:`DamagedCache`)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        body = {k: v for k, v in manifest.items() if k != "checksum"}
        good = manifest.get("format") == FORMAT and manifest.get("checksum") == _checksum(body)
    except (OSError, ValueError, AttributeError) as exc:
        raise DamagedCache(f"{folder}: manifest unreadable: {exc}") from None
    if not good:
        raise DamagedCache(f"{folder}: manifest does not match its checksum")
    return manifest


def signature(path: Path) -> list[int]:
    """What changes when a file is written: device, inode, size, modification and change
    times (the change time cannot be set back by a program)."""
    st = os.stat(path)
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _settled(sig: list[int]) -> bool:
    return time.time_ns() - max(sig[3], sig[4]) > SETTLE_SECONDS * 1e9


_VERIFIED = "verified.json"
#: How long a compile waits for the file system's clock to tick past its last write
#: (a few milliseconds at most) before it leaves its folder to be checked whole.
_STAMP_WAIT = 1.0


def _signatures(folder: Path, manifest: dict) -> dict[str, list[int]]:
    return {name: signature(folder / name) for name in manifest["files"]}


def _verified_before(folder: Path, manifest: dict) -> bool:
    """Whether every file was checked whole before and none has been written since.

    Checking every byte on every load would cost a second per gigabyte; a file is
    checked again as soon as anything writes to it (its size, times or inode move).
    """
    try:
        stamp = json.loads((folder / _VERIFIED).read_text(encoding="utf-8"))
        return stamp == {
            "manifest": manifest["checksum"],
            "files": _signatures(folder, manifest),
        }
    except (OSError, ValueError):
        return False


def _remember_verified(folder: Path, manifest: dict) -> None:
    try:
        signatures = _signatures(folder, manifest)
        if not all(_settled(sig) for sig in signatures.values()):
            return
        stamp = {"manifest": manifest["checksum"], "files": signatures}
        tmp = folder / f".{_VERIFIED}.{os.getpid()}"
        tmp.write_text(json.dumps(stamp), encoding="utf-8")
        tmp.replace(folder / _VERIFIED)
    except OSError:
        pass  # a read-only cache is simply checked whole each time


def _remember_written(folder: Path, manifest: dict) -> None:
    """Remember ``folder``, just written by this process, as checked: its files' CRC-32s
    were taken from the arrays in memory as they were written, which is what a whole
    check would compare them with.

    The files are flushed to disk (``fsync``) before their signatures are taken, so a
    crash cannot leave a remembered file that lost its data. The rule that a file
    changed in the last :data:`SETTLE_SECONDS` is not remembered guards against a write
    in the same tick of the file system's clock, which would move none of its time
    stamps; here the stamp is kept only once a file written after the signatures were
    taken (the stamp itself) has a later change time than every file, so any write
    from then on moves a signature. Until then nothing else can write these files:
    the folder is the compile's own (``tempfile.mkdtemp``, mode 0700) until renamed.
    """
    try:
        for name in manifest["files"]:
            fd = os.open(folder / name, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        signatures = _signatures(folder, manifest)
        latest = max((max(sig[3], sig[4]) for sig in signatures.values()), default=0)
        stamp = json.dumps({"manifest": manifest["checksum"], "files": signatures})
        tmp = folder / f".{_VERIFIED}.{os.getpid()}"
        deadline = time.monotonic() + _STAMP_WAIT
        while True:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(stamp)
                fh.flush()
                os.fsync(fh.fileno())
            if os.stat(tmp).st_ctime_ns > latest:
                tmp.replace(folder / _VERIFIED)
                return
            if time.monotonic() > deadline:  # a clock set back: checked whole next time
                tmp.unlink()
                return
            time.sleep(0.001)
    except OSError:
        pass  # checked whole at the next load


def remembered_sha256(path: Path, cache_dir: Path | None, compute) -> str:
    """``compute(path)`` (the file's SHA-256), remembered in ``cache_dir`` against the
    file's :func:`signature` so that a national set is not read whole at every scan.
    Any write to the file moves its signature, and it is hashed again."""
    if cache_dir is None:
        return compute(path)
    sig = signature(path)
    where = str(path.resolve())
    memo = cache_dir / "sha256" / f"{hashlib.sha256(where.encode()).hexdigest()[:32]}.json"
    try:
        data = json.loads(memo.read_text(encoding="utf-8"))
        if data["path"] == where and data["signature"] == sig:
            return str(data["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    digest = compute(path)
    if _settled(sig) and signature(path) == sig:
        try:
            memo.parent.mkdir(parents=True, exist_ok=True)
            tmp = memo.with_name(f".{memo.name}.{os.getpid()}")
            tmp.write_text(
                json.dumps({"path": where, "signature": sig, "sha256": digest}), encoding="utf-8"
            )
            tmp.replace(memo)
        except OSError:
            pass
    return digest


def _checksum(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


class _Recorder:
    """A file opened for writing that counts and checksums (CRC-32) what goes through it."""

    def __init__(self, fh) -> None:
        self.fh, self.bytes, self.crc32 = fh, 0, 0

    def write(self, data) -> int:
        self.crc32 = zlib.crc32(data, self.crc32)
        self.bytes += len(data)
        return self.fh.write(data)


def _write_npy(path: Path, array: np.ndarray) -> dict[str, int]:
    """``np.save(path, array)`` (the same bytes), and the file's size and CRC-32 taken from
    the array in memory as it is written."""
    array = np.ascontiguousarray(array)
    if array.dtype.hasobject:
        raise ValueError(f"{path.name}: an array of Python objects is not compiled")
    with open(path, "wb") as fh:
        out = _Recorder(fh)
        header = np.lib.format.header_data_from_array_1_0(array)
        np.lib.format.write_array_header_1_0(out, header)
        out.write(array.reshape(-1).view(np.uint8).data)
    return {"bytes": out.bytes, "crc32": out.crc32}


def _crc32(path: Path) -> int:
    crc = 0
    buf = bytearray(_CRC_BLOCK)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as fh:
        while n := fh.readinto(buf):
            crc = zlib.crc32(view[:n], crc)
    return crc


def _prefix(keys: np.ndarray) -> np.ndarray:
    """The first 8 bytes of each digest as an unsigned number (their sort order)."""
    return np.ascontiguousarray(keys[:, :8]).view(">u8").ravel().astype(np.uint64)


# -- the cache -------------------------------------------------------------------------


def cache_key(sha256: str, labels: Iterable[tuple[int, str]] | None) -> str:
    """The cache folder name of a set: its SHA-256, and the category labels it was read
    with where its format numbers categories (VICS), since they change the entries."""
    tag = "x"
    if labels is not None:
        tag = hashlib.sha256(json.dumps(sorted(labels)).encode()).hexdigest()[:12]
    return f"{sha256}-{tag}-c{FORMAT.rpartition('/')[2]}"


def load_cached(cache_dir: Path, key: str) -> CompiledHashSet | None:
    """The compiled set ``key`` from the cache, None when absent; a damaged one is removed."""
    folder = cache_dir / key
    if not folder.is_dir():
        return None
    try:
        return CompiledHashSet.load(folder)
    except DamagedCache:
        _remove(folder)
        return None


def store(compiled: CompiledHashSet, cache_dir: Path, key: str, about: dict) -> CompiledHashSet:
    """Write ``compiled`` into the cache and map it back from there.

    Written aside and renamed: processes racing on the same set never see half of
    one, and the loser of the race keeps the winner's. A cache that cannot be written
    only costs compiling again next time: the set in memory is returned.
    """
    folder = cache_dir / key
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=cache_dir))
    except OSError:
        return compiled
    try:
        compiled.save(tmp / "set", about)
        os.rename(tmp / "set", folder)
    except OSError:
        pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if about.get("path"):
        # Bounded by itself: a set updated in place keeps one compiled copy, not one
        # per version (``netsafe hashsets prune`` removes the rest).
        prune_replaced(cache_dir, str(about["path"]), key)
    return load_cached(cache_dir, key) or compiled


def _remove(folder: Path) -> None:
    # Renamed away first so that no other process maps it while it is deleted.
    trash = folder.with_name(f".trash-{folder.name}-{os.getpid()}")
    try:
        folder.rename(trash)
    except OSError:
        return
    shutil.rmtree(trash, ignore_errors=True)


# -- pruning -------------------------------------------------------------------------

#: A folder left behind by a compile or a removal that was killed (``.<key>.*``,
#: ``.trash-*``) is removed once it is this old: a younger one may be a compile under way.
ABANDONED_SECONDS = 3600.0


#: The names of compiled folders (``cache_key``), and of what a killed compile or
#: removal leaves (``store`` and ``_remove``); nothing else in the cache is touched.
_KEY = r"[0-9a-f]{64}-(?:x|[0-9a-f]{12})-c\d+"
_COMPILED = re.compile(_KEY)
_LEFT_BEHIND = re.compile(rf"\.(?:{_KEY}\.\w+|trash-{_KEY}-\d+)")


@dataclass
class Pruned:
    """What :func:`prune` removed (or, dry, would remove) and what it kept."""

    removed: list[tuple[Path, str, int]] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        """The bytes the removed folders and files held."""
        return sum(size for _path, _why, size in self.removed)


def prune(
    cache_dir: Path,
    *,
    keep: Iterable[str] = (),
    dry_run: bool = False,
) -> Pruned:
    """Remove from ``cache_dir`` what no scan will map again, keep the sets in use.

    A compiled set is in use while the file it was compiled from still holds the same
    bytes (its SHA-256, remembered against the file's signature, so that pruning does
    not read unchanged national sets whole), or when its SHA-256 is in ``keep``.
    Removed: compiled sets of files changed or gone since, of an older compiled format,
    or damaged (manifest unreadable); remembered SHA-256s of files changed or gone;
    what killed compiles left behind (older than :data:`ABANDONED_SECONDS`).
    """
    out = Pruned()
    keep = set(keep)
    if not cache_dir.is_dir():
        return out
    current: dict[str, str | None] = {}

    def source_sha256(path: str) -> str | None:
        if path not in current:
            try:
                current[path] = remembered_sha256(Path(path), cache_dir, file_sha256)
            except OSError:
                current[path] = None
        return current[path]

    suffix = f"-c{FORMAT.rpartition('/')[2]}"
    for folder in sorted(p for p in cache_dir.iterdir() if p.is_dir()):
        name = folder.name
        if _LEFT_BEHIND.fullmatch(name):
            if _age(folder) > ABANDONED_SECONDS:
                out.removed.append((folder, "left by an interrupted compile", _size(folder)))
            continue
        if not _COMPILED.fullmatch(name):
            continue  # not ours: a cache folder may be shared with other files
        why = None
        if not name.endswith(suffix):
            why = "an older compiled format"
        else:
            try:
                source = read_manifest(folder)["source"]
                sha, path = str(source["sha256"]), str(source["path"])
            except (DamagedCache, KeyError, TypeError):
                why = "damaged (its manifest does not check out)"
            else:
                if sha not in keep and source_sha256(path) != sha:
                    gone = not Path(path).exists()
                    why = f"{path} {'is gone' if gone else 'has changed since'}"
        if why is None:
            out.kept.append(folder)
        else:
            out.removed.append((folder, why, _size(folder)))
    for memo in sorted((cache_dir / "sha256").glob("*.json")):
        if not _memo_current(memo):
            out.removed.append((memo, "remembered SHA-256 of a file changed or gone", _size(memo)))
    if not dry_run:
        for gone_path, *_ in out.removed:
            if gone_path.is_dir():
                _remove(gone_path)
            else:
                gone_path.unlink(missing_ok=True)
    return out


def prune_replaced(cache_dir: Path, path: str, key: str) -> None:
    """Remove the compiled sets of earlier contents of the file at ``path`` (compiled
    now as ``key``): a hash set that is updated in place leaves at most one compiled
    copy in the cache, not one per version."""
    suffix = key.split("-", 1)[1]
    for folder in cache_dir.glob(f"*-{suffix}"):
        if folder.name == key or not folder.is_dir():
            continue
        try:
            source = read_manifest(folder)["source"]
        except (DamagedCache, KeyError, TypeError):
            continue
        if source.get("path") == path:
            _remove(folder)


def _memo_current(memo: Path) -> bool:
    try:
        data = json.loads(memo.read_text(encoding="utf-8"))
        return signature(Path(data["path"])) == data["signature"]
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _size(path: Path) -> int:
    try:
        if path.is_file():
            return path.stat().st_size
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    except OSError:
        return 0


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, so a report says exactly which hash set was used."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
