"""Matching files against hash sets: one index per signal behind one ``lookup``.

Each hash set is compiled (:mod:`netsafe.triage.hashsets.compiled`) into arrays
mapped from the index cache, and each signal has its own index over them:

- :class:`ExactIndex`: MD5, SHA-1 and SHA-256, binary search on the sorted digests;
- :class:`PerceptualIndex`: PDQ within a Hamming distance, the exact multi-index
  (:class:`~netsafe.triage.pdq.index.PDQIndex`);
- :class:`VideoIndex`: a video's frame hashes against known videos' frames.

Every one answers ``lookup(queries, max_distance) -> Hits`` (which query matched
which entry, at what distance); :class:`HashIndex` asks every index of every set
and turns the hits into each query's :class:`Verdict`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol

import numpy as np

from netsafe.triage.hashsets import CACHE_ENV, HashSet, default_cache_dir
from netsafe.triage.hashsets.compiled import EXACT_KINDS, CompiledHashSet
from netsafe.triage.pdq.index import DEFAULT_MAX_DISTANCE, PDQIndex
from netsafe.triage.pdq.video import FrameHash, VideoHash, VideoMatcher
from netsafe.triage.perceptual import MIN_QUALITY

__all__ = [
    "CACHE_ENV",
    "DEFAULT_MAX_DISTANCE",
    "ExactIndex",
    "HashIndex",
    "Hits",
    "KnownVideos",
    "Match",
    "PerceptualIndex",
    "Query",
    "SignalIndex",
    "Verdict",
    "VideoIndex",
    "default_cache_dir",
    "known_videos",
    "pdq_array",
]


def pdq_array(hashes: Sequence[str]) -> np.ndarray:
    """64-hex PDQ hashes as an ``(n, 32)`` uint8 array (most significant byte first)."""
    if not hashes:
        return np.zeros((0, 32), dtype=np.uint8)
    return np.frombuffer(bytes.fromhex("".join(hashes)), dtype=np.uint8).reshape(-1, 32)


@dataclass
class KnownVideos:
    """A hash set's known videos: a matcher, and for each video the row carrying its
    category (the first of its rows that has one)."""

    matcher: VideoMatcher
    rows: list[int]

    def __len__(self) -> int:
        return len(self.rows)


def known_videos(compiled: CompiledHashSet) -> KnownVideos:
    """The videos of a compiled hash set, from its entries grouped by ``video_id``."""
    matcher = VideoMatcher()
    rows = []
    for number, frames in enumerate(compiled.video_frames().values()):
        # Rows without a time are taken one a second, in file order.
        hashes = [
            FrameHash(second if second is not None else float(n), digest, 100)
            for n, (_row, second, digest) in enumerate(frames)
        ]
        hashes.sort(key=lambda f: f.second)
        matcher.add(number, VideoHash(tuple(hashes), hashes[-1].second))
        categorised = [row for row, _, _ in frames if compiled.category(row)]
        rows.append(categorised[0] if categorised else frames[0][0])
    return KnownVideos(matcher, rows)


@dataclass(frozen=True)
class Match:
    """One hash-set entry a file (or query) matched."""

    kind: str
    hashset: str
    distance: int
    category: str | None
    entry_id: str | None
    #: For a video: the share of its frames found in the known video (vPDQ's query share).
    share: float | None = None

    def sort_key(self) -> tuple:
        """Exact before perceptual, then by hash set, distance, category, entry."""
        return (
            self.kind != "exact",
            self.hashset,
            self.distance,
            self.category or "",
            self.entry_id or "",
        )

    @classmethod
    def from_dict(cls, d: dict) -> Match:
        """A match from its files.jsonl item (:meth:`as_dict`); the one way a match is read
        back (:mod:`netsafe.triage.records` checks the item first)."""
        return cls(
            d["kind"],
            d["hashset"],
            d["distance"],
            d.get("category"),
            d.get("entry_id"),
            d.get("share"),
        )

    def as_dict(self) -> dict:
        """The ``matches`` item of files.jsonl."""
        return {
            "hashset": self.hashset,
            "kind": self.kind,
            "category": self.category,
            "distance": self.distance,
            "entry_id": self.entry_id,
        } | ({} if self.share is None else {"share": self.share})


@dataclass(frozen=True)
class Query:
    """What is looked up for one file: its digests and PDQ (with quality)."""

    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    pdq: str | None = None
    pdq_quality: int | None = None
    #: The 8 rotation/flip hashes (``--dihedral``); when given they are searched
    #: instead of ``pdq`` and a file matches at its best distance over them.
    pdq_dihedral: tuple[str, ...] | None = None
    #: A video's frame hashes (one a second, matchable ones): matched against known videos.
    video_frames: tuple[str, ...] | None = None

    @classmethod
    def of_record(cls, rec: dict) -> Query:
        """What is looked up for a scan's file record."""
        return cls(
            rec.get("md5"),
            rec.get("sha1"),
            rec.get("sha256"),
            rec.get("pdq"),
            rec.get("pdq_quality"),
            tuple(rec["pdq_dihedral"]) if rec.get("pdq_dihedral") else None,
            tuple(rec["video_frames"]) if rec.get("video_frames") else None,
        )


@dataclass
class Verdict:
    """The result of looking up one query: whether it is known, and its matches."""

    known: bool
    matches: list[Match]

    def stored(self) -> dict:
        """The verdict as kept with a file's record in the scan's store."""
        return {"known": self.known, "matches": [m.as_dict() for m in self.matches]}

    @classmethod
    def from_stored(cls, rec: dict) -> Verdict | None:
        """The verdict kept with ``rec`` (see :meth:`stored`), or None if it has none."""
        if "matches" not in rec:
            return None
        return cls(rec["known"], [Match.from_dict(m) for m in rec["matches"]])


@dataclass
class Hits:
    """What one signal index found: query ``query[i]`` matched entry (row) ``row[i]`` at
    ``distance[i]``; ``entry_ids`` (when given) name the entries instead of their ids,
    ``share`` is a video's share of frames found."""

    query: np.ndarray
    row: np.ndarray
    distance: np.ndarray
    entry_ids: list[str] | None = None
    share: list[float] | None = None

    @classmethod
    def none(cls) -> Hits:
        """No hits."""
        empty = np.zeros(0, np.int64)
        return cls(empty, empty, empty)

    def __len__(self) -> int:
        return int(self.query.size)


class SignalIndex(Protocol):
    """An index of one signal of one hash set."""

    #: ``exact`` or ``perceptual``: the kind of the matches it finds.
    kind: ClassVar[str]

    def lookup(self, queries: Sequence[Query], max_distance: int) -> Hits:
        """Every entry each query matches."""
        ...


class ExactIndex:
    """MD5, SHA-1 and SHA-256 of one compiled set: binary search on its sorted digests."""

    kind: ClassVar[str] = "exact"

    def __init__(self, compiled: CompiledHashSet) -> None:
        self._compiled = compiled

    def lookup(self, queries: Sequence[Query], max_distance: int = DEFAULT_MAX_DISTANCE) -> Hits:
        """The entries sharing a digest with each query (an entry once per query)."""
        found_query, found_row = [], []
        for kind, width in EXACT_KINDS.items():
            if not self._compiled.arrays[f"{kind}_rows"].size:
                continue
            asked = [i for i, q in enumerate(queries) if getattr(q, kind)]
            if not asked:
                continue
            text = "".join(getattr(queries[i], kind) for i in asked)
            keys = np.frombuffer(bytes.fromhex(text), np.uint8).reshape(-1, width)
            query, rows = self._compiled.exact_rows(kind, keys)
            found_query.append(np.asarray(asked, np.int64)[query])
            found_row.append(rows)
        if not found_query:
            return Hits.none()
        pairs = np.unique(
            np.stack([np.concatenate(found_query), np.concatenate(found_row)], axis=1), axis=0
        )
        return Hits(pairs[:, 0], pairs[:, 1], np.zeros(len(pairs), np.int64))


@dataclass
class PerceptualIndex:
    """PDQ hashes of one compiled set (its multi-index), searched within a distance.

    Hashes of quality below 50 are never searched; a query with its 8 rotation/flip
    hashes matches at its best distance over them. ``threads`` caps the search's
    threads (1 in worker processes).
    """

    index: PDQIndex
    threads: int | None = None
    kind: ClassVar[str] = "perceptual"

    def lookup(self, queries: Sequence[Query], max_distance: int = DEFAULT_MAX_DISTANCE) -> Hits:
        """The entries within ``max_distance`` of each query's PDQ hash(es)."""
        usable = [
            i
            for i, q in enumerate(queries)
            if q.pdq and (q.pdq_quality is None or q.pdq_quality >= MIN_QUALITY)
        ]
        if not usable:
            return Hits.none()
        hashes: list[str] = []
        groups: list[int] = []
        for n, i in enumerate(usable):
            q = queries[i]
            mine = q.pdq_dihedral or (q.pdq or "",)
            hashes.extend(mine)
            groups.extend([n] * len(mine))
        found = self.index.search(pdq_array(hashes), max_distance, threads=self.threads)
        found = found.grouped(groups)
        return Hits(np.asarray(usable, np.int64)[found.query], found.entry, found.distance)


@dataclass
class VideoIndex:
    """Known videos of one compiled set: a video's frames against theirs (vPDQ)."""

    videos: KnownVideos
    video_ids: list[str] = field(default_factory=list)
    kind: ClassVar[str] = "perceptual"

    def lookup(self, queries: Sequence[Query], max_distance: int = DEFAULT_MAX_DISTANCE) -> Hits:
        """The known videos each video query matches (distance: ``max_distance``)."""
        query, rows, shares, ids = [], [], [], []
        for i, q in enumerate(queries):
            if not q.video_frames:
                continue
            frames = tuple(FrameHash(float(n), h, 100) for n, h in enumerate(q.video_frames))
            for found in self.videos.matcher.match(
                VideoHash(frames, 0.0), max_distance=max_distance
            ):
                if found.matched:
                    query.append(i)
                    rows.append(self.videos.rows[found.video_id])
                    ids.append(self.video_ids[found.video_id])
                    shares.append(round(found.query_share, 3))
        if not query:
            return Hits.none()
        return Hits(
            np.asarray(query, np.int64),
            np.asarray(rows, np.int64),
            np.full(len(query), max_distance, np.int64),
            ids,
            shares,
        )


class HashIndex:
    """Every loaded hash set behind one look-up: each set's signal indexes, asked in turn.

    ``cache_dir`` is where sets made in memory are compiled to (sets loaded from a
    file have their own); ``threads`` caps the PDQ search's threads.
    """

    def __init__(
        self,
        hashsets: Sequence[HashSet],
        *,
        cache_dir: Path | None = None,
        threads: int | None = None,
    ) -> None:
        self._sets = list(hashsets)
        self.signals: list[tuple[HashSet, CompiledHashSet, SignalIndex]] = []
        for hs in self._sets:
            compiled = hs.compile(cache_dir)
            self.signals.append((hs, compiled, ExactIndex(compiled)))
            if compiled.pdq_index is not None:
                self.signals.append((hs, compiled, PerceptualIndex(compiled.pdq_index, threads)))
            videos = known_videos(compiled)
            if len(videos):
                names = list(compiled.video_frames())
                self.signals.append((hs, compiled, VideoIndex(videos, names)))

    def lookup(
        self, queries: Sequence[Query], max_distance: int = DEFAULT_MAX_DISTANCE
    ) -> list[Verdict]:
        """Look up many queries at once (each signal searches them all in one batch)."""
        verdicts = [Verdict(False, []) for _ in queries]
        for hs, compiled, signal in self.signals:
            hits = signal.lookup(queries, max_distance)
            if len(hits):
                _record(verdicts, hs, compiled, signal.kind, hits)
        for verdict in verdicts:
            verdict.matches = sorted(set(verdict.matches), key=Match.sort_key)
        return verdicts


def _record(
    verdicts: list[Verdict], hs: HashSet, compiled: CompiledHashSet, kind: str, hits: Hits
) -> None:
    """Add ``hits`` to the verdicts: a known entry makes a file known, others are matches."""
    known = compiled.known(hits.row)
    for i, (query, row, distance) in enumerate(
        zip(hits.query.tolist(), hits.row.tolist(), hits.distance.tolist(), strict=True)
    ):
        if known[i]:
            verdicts[query].known = True
            continue
        entry_id = hits.entry_ids[i] if hits.entry_ids is not None else compiled.entry_id(row)
        share = hits.share[i] if hits.share is not None else None
        verdicts[query].matches.append(
            Match(kind, hs.path, int(distance), compiled.category(row), entry_id, share)
        )
