"""An exact PDQ matcher: every reference hash within a Hamming distance, fast, on disk.

**Why it is exact.** Multi-index hashing (Norouzi, Punjani and Fleet, "Fast
exact search in Hamming space with multi-index hashing", 2014). The 256 bits
are cut into ``m`` chunks, and chunk ``i`` is probed within ``r_i`` bits of
the query's chunk, with the radii chosen so that ``sum(r_i + 1) >= r + 1``.
If a reference hash is within ``r`` bits of the query, some chunk must differ
by at most ``r_i`` bits: otherwise the chunk distances would add up to at
least ``sum(r_i + 1) > r`` (pigeonhole). So probing every chunk value within
``r_i`` bits finds every match, and each candidate is then checked on the full
256 bits: 100% recall by construction, no tuning. A chunk may get ``r_i = -1``
(not probed) when others carry the budget. A match is reported once, by the
first chunk that could have found it.

**Layout.** Reference hashes are kept as ``(n, 4)`` unsigned 64-bit words
(big-endian order of the hex, so bit 0 is the hex's first bit). Each chunk has
a direct table: ``offsets[v] .. offsets[v+1]`` is the slice of ``order[i]``
holding the entries whose chunk value is ``v``. The chunk count follows the
size, chosen by a cost model at the default distance with the tables held to
about 1.5x the hashes' own size: 11 chunks of 23-24 bits at 10 million hashes
(1.2 GB in all), 13 of 19-20 bits at 1 million, 16 of 16 bits at 100
thousand, and a plain scan below 32 thousand.
The search kernels (``kernels.py``) are compiled with numba and run in parallel over
queries; numba is imported only when a search or a build needs them.

**Growing and storing.** ``add`` builds a segment for the new hashes only;
the older segments are untouched (``compact`` merges them when there are
many). ``save`` writes each segment as ``.npy`` files (only the new ones when
saving into the same folder); ``load`` maps them (``mmap_mode="r"``): opening
costs nothing, and the worker processes of a scan share one copy in the page
cache. ``mmap=False`` reads them into private memory instead.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from netsafe.triage.limits import DEFAULT_MAX_DISTANCE

__all__ = [
    "DEFAULT_MAX_DISTANCE",
    "FORMAT",
    "MalformedHashError",
    "Matches",
    "PDQIndex",
    "hashes_to_words",
    "parse_hashes",
]

#: Written in ``manifest.json``.
FORMAT = "netsafe.pdq-index/1"
#: Segments smaller than this are scanned instead of indexed.
FLAT_LIMIT = 32_768
#: Queries per kernel call, and matches kept per query before a second pass.
BATCH = 8192
FIRST_PASS_CAPACITY = 32
#: Up to this many (query, reference) pairs a search is a plain NumPy comparison: for a
#: small hash set or a handful of queries that takes milliseconds, where bringing up the
#: compiled kernels (numba's run time, loaded from its cache) takes most of a second.
SMALL_SEARCH_PAIRS = 1 << 22


class MalformedHashError(ValueError):
    """A hash that is not 64 hexadecimal digits (or an array of the wrong shape)."""

    def __init__(self, message: str, *, index: int | None = None, value: object = None):
        super().__init__(message)
        self.index = index
        self.value = value


class Matches(NamedTuple):
    """Search results, one element per (query, reference) pair within the distance.

    ``query`` indexes the queries as given; ``entry`` is the reference's id
    (the ids passed to ``build``/``add``; by default its position in insertion
    order); ``distance`` is the Hamming distance. Sorted by query, distance, entry.
    """

    query: np.ndarray
    entry: np.ndarray
    distance: np.ndarray

    def __len__(self) -> int:  # type: ignore[override]
        return int(self.query.shape[0])

    def pairs(self) -> list[tuple[int, int, int]]:
        """The matches as ``(query, entry, distance)`` tuples (small results only)."""
        return list(
            zip(self.query.tolist(), self.entry.tolist(), self.distance.tolist(), strict=True)
        )

    def grouped(self, groups: np.ndarray | Sequence[int]) -> Matches:
        """Matches per group of queries: the smallest distance for each (group, entry).

        ``groups[q]`` is query ``q``'s group. For dihedral matching, search the
        8 hashes of each image (``fast.dihedral_hashes``) with
        ``groups = np.repeat(image_numbers, 8)``; a rotated or mirrored copy then
        appears once, at its best distance.
        """
        group_of = np.asarray(groups, dtype=np.int64)
        if self.query.size and group_of.shape[0] <= int(self.query.max()):
            raise ValueError(
                f"groups: {group_of.shape[0]} given, queries go up to {int(self.query.max())}"
            )
        group = group_of[self.query] if self.query.size else self.query
        ordering = np.lexsort((self.distance, self.entry, group))
        group, entry, distance = group[ordering], self.entry[ordering], self.distance[ordering]
        first = np.ones(group.size, dtype=bool)
        first[1:] = (group[1:] != group[:-1]) | (entry[1:] != entry[:-1])
        group, entry, distance = group[first], entry[first], distance[first]
        ordering = np.lexsort((entry, distance, group))
        return Matches(group[ordering], entry[ordering], distance[ordering])


# -- hashes in and out ---------------------------------------------------------

_HEX_VALUE = np.full(256, 255, dtype=np.uint8)
for _i, _c in enumerate(b"0123456789abcdef"):
    _HEX_VALUE[_c] = _i
for _i, _c in enumerate(b"ABCDEF"):
    _HEX_VALUE[_c] = 10 + _i


def parse_hashes(values: Iterable[str] | np.ndarray, *, source: str = "hash") -> np.ndarray:
    """Hex PDQ hashes (or an ``(n, 32)`` uint8 array) as an ``(n, 32)`` uint8 array.

    Surrounding whitespace is ignored and hex digits may be upper-case. A value
    that is not 64 hex digits raises :class:`MalformedHashError` naming its
    1-based position (``line 3``) in ``values`` and the value itself.
    """
    if isinstance(values, np.ndarray) and values.dtype == np.uint8:
        if values.ndim != 2 or values.shape[1] != 32:
            raise MalformedHashError(
                f"{source}: expected an (n, 32) uint8 array of PDQ hashes, got shape {values.shape}"
            )
        return np.ascontiguousarray(values)
    texts = [str(v).strip() for v in values]
    if not texts:
        return np.zeros((0, 32), np.uint8)
    for position, text in enumerate(texts):
        if len(text) != 64:
            raise MalformedHashError(
                f"{source} line {position + 1}: {text[:80]!r} is not a PDQ hash "
                f"(64 hex digits expected, got {len(text)} characters)",
                index=position,
                value=text,
            )
    try:
        raw = np.frombuffer("".join(texts).encode("ascii"), np.uint8).reshape(-1, 64)
    except UnicodeEncodeError as exc:
        position = exc.start // 64
        raise MalformedHashError(
            f"{source} line {position + 1}: {texts[position][:80]!r} is not hexadecimal",
            index=position,
            value=texts[position],
        ) from exc
    nibbles = _HEX_VALUE[raw]
    bad = np.flatnonzero((nibbles == 255).any(axis=1))
    if bad.size:
        position = int(bad[0])
        raise MalformedHashError(
            f"{source} line {position + 1}: {texts[position]!r} is not hexadecimal",
            index=position,
            value=texts[position],
        )
    return (nibbles[:, 0::2] << 4) | nibbles[:, 1::2]


def hashes_to_words(hashes: np.ndarray) -> np.ndarray:
    """``(n, 32)`` uint8 hashes as ``(n, 4)`` uint64 words, first hex digit in the top bits."""
    return np.ascontiguousarray(hashes).view(">u8").astype(np.uint64)


def _kernels():
    """The compiled kernels, imported (with numba) on first use."""
    from netsafe.triage.pdq import kernels

    return kernels


def _words_of(values: Iterable[str] | np.ndarray, source: str) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype == np.uint64 and values.ndim == 2:
        if values.shape[1] != 4:
            raise MalformedHashError(f"{source}: expected (n, 4) uint64 words, got {values.shape}")
        return np.ascontiguousarray(values)
    return hashes_to_words(parse_hashes(values, source=source))


def _numpy_search(
    queries: np.ndarray, words: np.ndarray, max_distance: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(query row, reference position, distance) of every pair within ``max_distance``,
    comparing every query with every reference (for small searches only)."""
    distances = np.zeros((queries.shape[0], words.shape[0]), np.int32)
    for k in range(4):
        distances += np.bitwise_count(queries[:, k, None] ^ words[None, :, k])
    rows, positions = np.nonzero(distances <= max_distance)
    return rows.astype(np.int64), positions.astype(np.int64), distances[rows, positions]


def _sorted_matches(parts: list[tuple[np.ndarray, ...]]) -> Matches:
    """One :class:`Matches` from per-segment parts, ordered by query, distance, entry."""
    if not parts:
        empty = np.zeros(0, np.int64)
        return Matches(empty, empty.copy(), np.zeros(0, np.int32))
    query, entry, distance = (np.concatenate(p) for p in zip(*parts, strict=True))
    ordering = np.lexsort((entry, distance, query))
    return Matches(query[ordering], entry[ordering], distance[ordering].astype(np.int32))


# -- chunk layout ------------------------------------------------------------------


def _widths(chunks: int) -> tuple[int, ...]:
    size, extra = divmod(256, chunks)
    return tuple([size + 1] * extra + [size] * (chunks - extra))


def _ball(width: int, radius: int) -> int:
    return sum(math.comb(width, k) for k in range(radius + 1)) if radius >= 0 else 0


@functools.lru_cache(maxsize=512)
def _radii(widths: tuple[int, ...], max_distance: int, n: int) -> tuple[int, ...]:
    """Per-chunk probe radii with ``sum(r_i + 1) >= max_distance + 1`` at least expected cost.

    Greedy is optimal here: each chunk's marginal cost only grows with its radius.
    """
    radii = [-1] * len(widths)
    for _ in range(max_distance + 1):
        costs = [
            (_ball(w, r + 1) - _ball(w, r)) * (1 + n / 2**w) if r < w else math.inf
            for w, r in zip(widths, radii, strict=True)
        ]
        radii[int(np.argmin(costs))] += 1
    return tuple(radii)


def _probe_cost(widths: tuple[int, ...], max_distance: int, n: int) -> float:
    radii = _radii(widths, max_distance, n)
    return sum(_ball(w, r) * (1 + n / 2**w) for w, r in zip(widths, radii, strict=True))


def _choose_widths(n: int) -> tuple[int, ...]:
    """Chunk widths with the least expected cost at the default distance, tables in budget."""
    # Chunk tables may take up to ~1.5x the hashes and their ids; wider chunks mean
    # fewer candidates (at 10 million: 11 chunks of 23-24 bits, 470 MB of tables).
    budget = max(48 * n, 64 << 20)
    best: tuple[float, tuple[int, ...]] | None = None
    for chunks in range(11, 33):
        widths = _widths(chunks)
        if sum(4 * (2**w + 1) for w in widths) > budget:
            continue
        cost = _probe_cost(widths, DEFAULT_MAX_DISTANCE, n)
        if best is None or cost < best[0]:
            best = (cost, widths)
    assert best is not None  # 32 chunks of 8 bits always fit
    return best[1]


@functools.lru_cache(maxsize=256)
def _masks(width: int, radius: int) -> np.ndarray:
    """Every ``width``-bit value with at most ``radius`` bits set (the probe offsets)."""
    out = [0]
    for k in range(1, radius + 1):
        out.extend(sum(1 << b for b in bits) for bits in itertools.combinations(range(width), k))
    return np.array(out, dtype=np.uint64)


# -- segments ----------------------------------------------------------------------


@dataclass
class _Segment:
    words: np.ndarray  # (n, 4) uint64
    ids: np.ndarray | None  # (n,) int64, or None for first_id, first_id + 1, ...
    widths: tuple[int, ...] = ()  # empty: scanned, not indexed
    order: np.ndarray | None = None  # (chunks, n) uint32
    offsets: np.ndarray | None = None  # concatenated tables, uint32
    table_base: np.ndarray | None = None
    name: str = field(default_factory=lambda: f"seg-{uuid.uuid4().hex[:12]}")
    saved_in: Path | None = None
    first_id: int = 0

    @classmethod
    def build(cls, words: np.ndarray, ids: np.ndarray) -> _Segment:
        segment = cls._build(words, ids)
        # Consecutive ids (the default) are not stored: 80 MB less at 10 million.
        if ids.size and np.array_equal(ids, np.arange(ids[0], ids[0] + ids.size)):
            segment.ids, segment.first_id = None, int(ids[0])
        return segment

    def all_ids(self) -> np.ndarray:
        if self.ids is None:
            return np.arange(self.first_id, self.first_id + len(self), dtype=np.int64)
        return self.ids

    def entry_ids(self, positions: np.ndarray) -> np.ndarray:
        return positions + self.first_id if self.ids is None else self.ids[positions]

    @classmethod
    def _build(cls, words: np.ndarray, ids: np.ndarray) -> _Segment:
        n = words.shape[0]
        if n >= 2**32:
            raise ValueError(f"a segment holds fewer than 2**32 hashes, not {n}: add in parts")
        if n < FLAT_LIMIT:
            return cls(words, ids)
        widths = _choose_widths(n)
        starts = np.cumsum((0, *widths[:-1]))
        sizes = np.array([2**w + 1 for w in widths], np.int64)
        table_base = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
        offsets = np.zeros(int(sizes.sum()), np.uint32)
        order = np.empty((len(widths), n), np.uint32)
        kernels = _kernels()
        for i, (start, width) in enumerate(zip(starts, widths, strict=True)):
            base = table_base[i]
            kernels.chunk_table(words, int(start), width, offsets[base : base + sizes[i]], order[i])
        return cls(words, ids, widths, order, offsets, table_base)

    def __len__(self) -> int:
        return int(self.words.shape[0])

    def search(self, queries: np.ndarray, max_distance: int) -> tuple[np.ndarray, ...]:
        """(query row, entry id, distance) arrays for one batch of queries."""
        n = len(self)
        use_index = bool(self.widths) and (_probe_cost(self.widths, max_distance, n) < n)
        capacity = FIRST_PASS_CAPACITY
        rows = np.arange(queries.shape[0])
        results = []
        while rows.size:
            batch = np.ascontiguousarray(queries[rows])
            entries = np.empty((rows.size, capacity), np.int64)
            distances = np.empty((rows.size, capacity), np.int64)
            counts = np.zeros(rows.size, np.int64)
            if use_index:
                self._mih(batch, max_distance, entries, distances, counts)
            else:
                _kernels().flat_search(batch, self.words, max_distance, entries, distances, counts)
            done = counts <= capacity
            held = counts[done]
            slots = np.arange(capacity)[None, :] < held[:, None]
            results.append(
                (
                    np.repeat(rows[done], held),
                    self.entry_ids(entries[done][slots]),
                    distances[done][slots],
                )
            )
            # Queries with more matches than the buffer held run again with room for all.
            if not done.all():
                capacity = int(counts[~done].max())
            rows = rows[~done]
        return tuple(np.concatenate(parts) for parts in zip(*results, strict=True))

    def _mih(self, batch, max_distance, entries, distances, counts) -> None:
        radii = np.array(_radii(self.widths, max_distance, len(self)), np.int64)
        masks = [_masks(w, max(r, 0)) for w, r in zip(self.widths, radii, strict=True)]
        mask_count = np.array([m.size if r >= 0 else 0 for m, r in zip(masks, radii, strict=True)])
        mask_base = np.concatenate(([0], np.cumsum([m.size for m in masks])[:-1])).astype(np.int64)
        starts = np.cumsum((0, *self.widths[:-1])).astype(np.int64)
        kernels = _kernels()
        kernels.mih_search(
            batch, self.words, self.order, self.offsets, self.table_base, starts,
            np.array(self.widths, np.int64), radii, np.concatenate(masks), mask_base,
            mask_count.astype(np.int64), max_distance, entries, distances, counts,
            max(1, min(batch.shape[0], 8 * kernels.numba.get_num_threads())),
        )  # fmt: skip

    # -- disk --------------------------------------------------------------------

    def meta(self) -> dict[str, object]:
        return {
            "name": self.name,
            "count": len(self),
            "widths": list(self.widths),
            "first_id": None if self.ids is not None else self.first_id,
        }

    def save(self, folder: Path, write: Callable[[Path, np.ndarray], object] = np.save) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        write(folder / "words.npy", self.words)
        if self.ids is not None:
            write(folder / "ids.npy", self.ids)
        if self.widths:
            assert self.order is not None
            assert self.offsets is not None
            assert self.table_base is not None
            write(folder / "order.npy", self.order)
            write(folder / "offsets.npy", self.offsets)
            write(folder / "table_base.npy", self.table_base)

    @classmethod
    def load(cls, folder: Path, meta: dict, mapped: bool) -> _Segment:

        def array(name: str) -> np.ndarray:
            path = folder / f"{name}.npy"
            if mapped:
                # np.asarray drops the memmap subclass (numba takes plain arrays), keeps the map.
                return np.asarray(np.load(path, mmap_mode="r"))
            return np.load(path)

        words = array("words")
        ids = array("ids") if meta.get("first_id") is None else None
        count = int(meta["count"])
        if words.shape != (count, 4) or (ids is not None and ids.shape != (count,)):
            raise ValueError(f"{folder}: segment files do not match the manifest ({count} hashes)")
        widths = tuple(int(w) for w in meta["widths"])
        segment = cls(words, ids, widths, name=str(meta["name"]))
        segment.first_id = int(meta.get("first_id") or 0)
        if segment.widths:
            segment.order, segment.offsets = array("order"), array("offsets")
            segment.table_base = array("table_base")
        return segment


# -- the index ---------------------------------------------------------------------


class PDQIndex:
    """Every reference PDQ hash within a Hamming distance of each query, exactly.

    Build it with :meth:`build`, grow it with :meth:`add`, query it with
    :meth:`search`, keep it with :meth:`save` / :meth:`load`.
    """

    def __init__(self) -> None:
        self._segments: list[_Segment] = []

    @classmethod
    def build(
        cls, hashes: Iterable[str] | np.ndarray, ids: Sequence[int] | np.ndarray | None = None
    ) -> PDQIndex:
        """An index of ``hashes``: an ``(n, 32)`` uint8 array or 64-digit hex strings.

        ``ids`` (int64, one per hash) are what :meth:`search` reports; by
        default a hash's position. Duplicate hashes are kept, each with its id.
        """
        index = cls()
        index.add(hashes, ids)
        return index

    def add(
        self, hashes: Iterable[str] | np.ndarray, ids: Sequence[int] | np.ndarray | None = None
    ) -> None:
        """Add hashes as a new segment; what is already indexed is not rebuilt.

        Default ids continue from the number of hashes already held.
        """
        words = _words_of(hashes, "hash")
        n = words.shape[0]
        if ids is None:
            ids_array = np.arange(len(self), len(self) + n, dtype=np.int64)
        else:
            ids_array = np.asarray(ids)
            if ids_array.shape != (n,) or ids_array.dtype.kind not in "iu":
                raise ValueError(f"ids: expected {n} integers, got shape {ids_array.shape}")
            ids_array = ids_array.astype(np.int64)
        if n:
            self._segments.append(_Segment.build(words, ids_array))

    def compact(self) -> None:
        """Merge all segments into one (worth doing after many small ``add`` calls)."""
        if len(self._segments) > 1:
            words = np.concatenate([s.words for s in self._segments])
            ids = np.concatenate([s.all_ids() for s in self._segments])
            self._segments = [_Segment.build(words, ids)]

    def __len__(self) -> int:
        return sum(len(s) for s in self._segments)

    def search(
        self,
        queries: Iterable[str] | np.ndarray,
        max_distance: int = DEFAULT_MAX_DISTANCE,
        *,
        threads: int | None = None,
    ) -> Matches:
        """Every (query, reference) pair with Hamming distance <= ``max_distance``.

        ``queries`` is an ``(q, 32)`` uint8 array or hex strings (a malformed
        one raises :class:`MalformedHashError` naming its position). The search
        runs on all cores; ``threads`` caps that for this call (say 1 when
        several worker processes search at once).
        """
        if not 0 <= int(max_distance) <= 256:
            raise ValueError(f"max_distance must be within 0..256, got {max_distance}")
        query_words = _words_of(queries, "query")
        parts: list[tuple[np.ndarray, ...]] = []
        if query_words.shape[0] * len(self) <= SMALL_SEARCH_PAIRS:
            for segment in self._segments:
                rows, positions, distances = _numpy_search(
                    query_words, segment.words, int(max_distance)
                )
                parts.append((rows, segment.entry_ids(positions), distances))
            return _sorted_matches(parts)
        numba = _kernels().numba
        previous = numba.get_num_threads()
        if threads is not None:
            most = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
            numba.set_num_threads(max(1, min(int(threads), most)))
        try:
            for start in range(0, query_words.shape[0], BATCH):
                batch = query_words[start : start + BATCH]
                for segment in self._segments:
                    rows, entries, distances = segment.search(batch, int(max_distance))
                    parts.append((rows + start, entries, distances))
        finally:
            numba.set_num_threads(previous)
        return _sorted_matches(parts)

    # -- disk --------------------------------------------------------------------

    def save(
        self,
        directory: str | os.PathLike[str],
        write: Callable[[Path, np.ndarray], object] = np.save,
    ) -> None:
        """Write the index to ``directory`` (created if needed).

        Segments already stored there are not written again, so saving after
        an ``add`` costs only the new segment. The manifest is replaced
        atomically, so a reader never sees a half-written index. ``write(path,
        array)`` writes each array (``np.save``'s bytes; a compiled hash set
        passes one that also takes each file's CRC-32 as it goes).
        """
        root = Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        for segment in self._segments:
            target = root / segment.name
            if segment.saved_in != root.resolve() or not target.is_dir():
                tmp = root / f".{segment.name}.tmp"
                shutil.rmtree(tmp, ignore_errors=True)
                segment.save(tmp, write)
                shutil.rmtree(target, ignore_errors=True)
                tmp.rename(target)
                segment.saved_in = root.resolve()
        manifest = {"format": FORMAT, "segments": [s.meta() for s in self._segments]}
        tmp_manifest = root / ".manifest.json.tmp"
        tmp_manifest.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        tmp_manifest.replace(root / "manifest.json")
        keep = {s.name for s in self._segments}
        for stale in root.glob("seg-*"):
            if stale.name not in keep:
                shutil.rmtree(stale, ignore_errors=True)

    @classmethod
    def load(cls, directory: str | os.PathLike[str], *, mmap: bool = True) -> PDQIndex:
        """Open an index written by :meth:`save`.

        By default the files are mapped: nothing is read up front (pages come
        in as searches touch them) and processes share the page cache.
        ``mmap=False`` reads them into private memory; measured, both search
        at the same speed once warm.
        """
        root = Path(directory)
        manifest_path = root / "manifest.json"
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FileNotFoundError(f"{root}: no PDQ index here (manifest.json missing)") from None
        if manifest.get("format") != FORMAT:
            raise ValueError(f"{manifest_path}: not a {FORMAT} index")
        index = cls()
        for meta in manifest["segments"]:
            segment = _Segment.load(root / meta["name"], meta, mmap)
            segment.saved_in = root.resolve()
            index._segments.append(segment)
        return index
