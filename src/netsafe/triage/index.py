"""Look-ups against loaded hash sets: exact by MD5/SHA-1/SHA-256, perceptual by PDQ distance.

The perceptual side is :class:`~netsafe.triage.pdq.index.PDQIndex` (exact
multi-index search), one per hash set, ids being the entries' row numbers. The
indexes are kept on disk in a cache folder keyed by the hash set's SHA-256 (and
the rows indexed), so a scan or ``triage match`` builds one only the first time
it meets a hash set; later runs map it from disk at once.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from netsafe.triage.hashsets import HashEntry, HashSet
from netsafe.triage.pdq.index import FORMAT as PDQ_INDEX_FORMAT
from netsafe.triage.pdq.index import PDQIndex
from netsafe.triage.pdq.video import FrameHash, VideoHash, VideoMatcher
from netsafe.triage.perceptual import MIN_QUALITY

DEFAULT_MAX_DISTANCE = 31
#: Environment variable naming the folder where hash-set PDQ indexes are cached.
CACHE_ENV = "NETSAFE_INDEX_CACHE"


def pdq_array(hashes: Sequence[str]) -> np.ndarray:
    """64-hex PDQ hashes as an ``(n, 32)`` uint8 array (most significant byte first)."""
    if not hashes:
        return np.zeros((0, 32), dtype=np.uint8)
    return np.frombuffer(bytes.fromhex("".join(hashes)), dtype=np.uint8).reshape(-1, 32)


def default_cache_dir() -> Path:
    """Where hash-set indexes are cached: ``$NETSAFE_INDEX_CACHE``, else the user's cache."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "netsafe" / "pdq-index"


@dataclass
class KnownVideos:
    """A hash set's known videos: a matcher, and for each video the row carrying its
    category (the first of its rows that has one)."""

    matcher: VideoMatcher
    rows: list[int]

    def __len__(self) -> int:
        return len(self.rows)


def known_videos(hs: HashSet) -> KnownVideos:
    """The videos of a hash set, from its entries grouped by ``video_id``."""
    frames: dict[str, list[FrameHash]] = {}
    row_of: dict[str, int] = {}
    for i, entry in enumerate(hs.entries):
        if entry.video_id is None or entry.known or not entry.pdq:
            continue
        mine = frames.setdefault(entry.video_id, [])
        # Rows without a time are taken one a second, in file order.
        second = entry.frame if entry.frame is not None else float(len(mine))
        mine.append(FrameHash(second, entry.pdq, 100))
        if entry.video_id not in row_of or (
            entry.category and not hs.entries[row_of[entry.video_id]].category
        ):
            row_of[entry.video_id] = i
    matcher = VideoMatcher()
    rows = []
    for number, (video_id, video_frames) in enumerate(frames.items()):
        video_frames.sort(key=lambda f: f.second)
        matcher.add(number, VideoHash(tuple(video_frames), video_frames[-1].second))
        rows.append(row_of[video_id])
    return KnownVideos(matcher, rows)


def cached_pdq_index(hs: HashSet, rows: list[int], cache_dir: Path | None) -> PDQIndex:
    """The PDQ index of ``hs``'s entries at ``rows`` (ids = row numbers), from the cache or
    built and stored there. Without a usable cache folder it is built in memory."""
    ids = np.asarray(rows, dtype=np.int64)
    hashes = pdq_array([hs.entries[i].pdq or "" for i in rows])
    if cache_dir is None:
        return PDQIndex.build(hashes, ids)
    # The same file read with another category mapping may index other rows
    # (non-pertinent entries are left out), so the rows are part of the key.
    rows_digest = hashlib.sha256(ids.tobytes()).hexdigest()[:16]
    layout = PDQ_INDEX_FORMAT.rpartition("/")[2]
    key = f"{hs.sha256}-{rows_digest}-v{layout}"
    folder = cache_dir / key
    if (folder / "manifest.json").is_file():
        try:
            return PDQIndex.load(folder)
        except (OSError, ValueError, KeyError):
            shutil.rmtree(folder, ignore_errors=True)  # a damaged cache entry is rebuilt
    index = PDQIndex.build(hashes, ids)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: workers racing on the same hash set never see half
        # an index; the loser of the race simply drops its copy.
        tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=cache_dir))
        index.save(tmp)
        try:
            tmp.rename(folder)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError:
        pass  # a read-only cache only costs the build next time
    return index


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
        """A match from its files.jsonl item (:meth:`as_dict`)."""
        return cls(
            d["kind"], d["hashset"], d["distance"], d["category"], d["entry_id"], d.get("share")
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


class HashIndex:
    """All loaded hash sets behind one look-up: exact dictionaries and perceptual indexes.

    ``cache_dir`` keeps each hash set's PDQ index on disk (None: build in memory);
    ``threads`` caps the search's threads (1 in worker processes).
    """

    def __init__(
        self,
        hashsets: Sequence[HashSet],
        *,
        cache_dir: Path | None = None,
        threads: int | None = None,
    ) -> None:
        self._sets = list(hashsets)
        self._threads = threads
        self._exact: dict[str, dict[str, list[tuple[int, int]]]] = {
            k: defaultdict(list) for k in ("md5", "sha1", "sha256")
        }
        self.perceptual: list[tuple[int, PDQIndex]] = []
        self.videos: list[tuple[int, KnownVideos]] = []
        for s, hs in enumerate(self._sets):
            rows = []
            for i, entry in enumerate(hs.entries):
                for kind in ("md5", "sha1", "sha256"):
                    value = getattr(entry, kind)
                    if value:
                        self._exact[kind][value].append((s, i))
                # Non-pertinent images only make exact copies known; they are not
                # looked for perceptually. A video's frames are matched as a video.
                if entry.pdq and not entry.known and entry.video_id is None:
                    rows.append(i)
            if rows:
                self.perceptual.append((s, cached_pdq_index(hs, rows, cache_dir)))
            videos = known_videos(hs)
            if len(videos):
                self.videos.append((s, videos))

    def _entry(self, ref: tuple[int, int]) -> tuple[HashSet, HashEntry]:
        hs = self._sets[ref[0]]
        return hs, hs.entries[ref[1]]

    def lookup(
        self, queries: Sequence[Query], max_distance: int = DEFAULT_MAX_DISTANCE
    ) -> list[Verdict]:
        """Look up many queries at once (the perceptual search is batched)."""
        verdicts = []
        for q in queries:
            refs: set[tuple[int, int]] = set()
            for kind in ("md5", "sha1", "sha256"):
                value = getattr(q, kind)
                if value:
                    refs.update(self._exact[kind].get(value, ()))
            known = False
            matches = set()
            for ref in refs:
                hs, entry = self._entry(ref)
                if entry.known:
                    known = True
                else:
                    matches.add(Match("exact", hs.path, 0, entry.category, entry.id))
            verdicts.append(Verdict(known, sorted(matches, key=Match.sort_key)))
        usable = [
            i
            for i, q in enumerate(queries)
            if q.pdq and (q.pdq_quality is None or q.pdq_quality >= MIN_QUALITY)
        ]
        if usable and self.perceptual:
            hashes: list[str] = []
            groups: list[int] = []
            for n, i in enumerate(usable):
                q = queries[i]
                mine = q.pdq_dihedral or (q.pdq or "",)
                hashes.extend(mine)
                groups.extend([n] * len(mine))
            words = pdq_array(hashes)
            for s, index in self.perceptual:
                found = index.search(words, max_distance, threads=self._threads).grouped(groups)
                for n, row, distance in found.pairs():
                    hs, entry = self._entry((s, row))
                    verdicts[usable[n]].matches.append(
                        Match("perceptual", hs.path, distance, entry.category, entry.id)
                    )
            for i in usable:
                verdicts[i].matches = sorted(set(verdicts[i].matches), key=Match.sort_key)
        for i, q in enumerate(queries):
            if q.video_frames and self.videos:
                self._match_video(q.video_frames, max_distance, verdicts[i])
        return verdicts

    def _match_video(self, frames: tuple[str, ...], max_distance: int, verdict: Verdict) -> None:
        query = VideoHash(tuple(FrameHash(float(n), h, 100) for n, h in enumerate(frames)), 0.0)
        for s, videos in self.videos:
            for found in videos.matcher.match(query, max_distance=max_distance):
                if not found.matched:
                    continue
                hs, entry = self._entry((s, videos.rows[found.video_id]))
                verdict.matches.append(
                    Match(
                        "perceptual",
                        hs.path,
                        max_distance,
                        entry.category,
                        entry.video_id,
                        round(found.query_share, 3),
                    )
                )
        verdict.matches = sorted(set(verdict.matches), key=Match.sort_key)
