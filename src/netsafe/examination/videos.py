"""Videos at review time: the frames of a contact sheet matched against the image hash
sets, so that a known still inside a video is found.

The hash sets are those every triage from the pages uses (:func:`.jobs.hashsets`),
behind the triage's own index (:class:`~netsafe.triage.matching.HashIndex`), loaded
once per process and again when a hash-set file changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from netsafe.triage.hashsets import DEFAULT_VICS_CATEGORIES, load_hashset
from netsafe.triage.matching import HashIndex, Match, Query
from netsafe.triage.pdq.index import DEFAULT_MAX_DISTANCE
from netsafe.triage.perceptual import MIN_QUALITY
from netsafe.triage.records import counted_category

from . import jobs
from .thumbnails import Frame

_index: dict[tuple, HashIndex] = {}


def image_index() -> HashIndex | None:
    """The index of the configured hash sets (None when there are none)."""
    paths = jobs.hashsets()
    if not paths:
        return None
    key = tuple((str(p), _stamp(p)) for p in paths)
    if key not in _index:
        _index.clear()
        sets = [load_hashset(p, DEFAULT_VICS_CATEGORIES) for p in paths]
        _index[key] = HashIndex(sets, threads=1)
    return _index[key]


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


@dataclass(frozen=True)
class MatchedFrame:
    """A frame of a video, its PDQ and what the image hash sets say of it."""

    second: float
    pdq: str | None
    matches: tuple[Match, ...]

    @property
    def category(self) -> str:
        """The category the frame's matches count in ("" when none)."""
        return counted_category(list(self.matches)) or ""

    @property
    def distance(self) -> int | None:
        return min((m.distance for m in self.matches), default=None)


def matched_frames(
    frames: list[Frame], max_distance: int = DEFAULT_MAX_DISTANCE
) -> list[MatchedFrame]:
    """Every frame (one a second) with its matches against the image hash sets."""
    index = image_index()
    queries = [Query(pdq=f.pdq, pdq_quality=MIN_QUALITY if f.pdq else 0) for f in frames]
    verdicts = index.lookup(queries, max_distance) if index is not None else []
    found = [tuple(v.matches) for v in verdicts] or [() for _ in frames]
    return [MatchedFrame(f.second, f.pdq, m) for f, m in zip(frames, found, strict=True)]


def video_suggestion(frames: list[MatchedFrame]) -> str:
    """The most severe category any frame matches ("" when none)."""
    return counted_category([m for f in frames for m in f.matches]) or ""
