"""Videos: their frames matched against the image hash sets, so that a known still inside
a video is found and makes the video item suggested with the still's category.

The triage's scan keeps each video's frame hashes (PDQ, one a second) in its store
but matches them only against known *videos* (vPDQ); a still is another hash set's
entry. So when a triage is attached, :func:`suggest_from_frames` matches the stored
frame hashes against the image hash sets and stores the category on the video item
(``match_kind`` :data:`FRAME`), which the gallery's tile, its "suggested category"
filter and its order then use. Frames themselves are never stored: a contact sheet
is made at review time (:func:`matched_frames`), and a video listed before this was
done gets its suggestion the first time its frames are matched (:func:`keep_suggestion`).

The hash sets are those every triage from the pages uses (the caller passes
:func:`.jobs.hashsets`), behind the triage's own index
(:class:`~netsafe.triage.matching.HashIndex`), loaded once per process and again when a
hash-set file changes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from netsafe.triage.hashsets import DEFAULT_VICS_CATEGORIES, load_hashset
from netsafe.triage.matching import HashIndex, Match, Query
from netsafe.triage.pdq.index import DEFAULT_MAX_DISTANCE
from netsafe.triage.perceptual import MIN_QUALITY
from netsafe.triage.records import counted_category

from .models import ReviewImage
from .thumbnails import Frame

#: The ``match_kind`` of a video suggested by a known still found in its frames.
FRAME = "frame"

_index: dict[tuple, HashIndex] = {}


def image_index(paths: list[Path]) -> HashIndex | None:
    """The index of the hash sets ``paths`` (None when there are none)."""
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
    frames: list[Frame], hashsets: list[Path], max_distance: int = DEFAULT_MAX_DISTANCE
) -> list[MatchedFrame]:
    """Every frame (one a second) with its matches against the image hash sets ``hashsets``."""
    index = image_index(hashsets)
    queries = [Query(pdq=f.pdq, pdq_quality=MIN_QUALITY if f.pdq else 0) for f in frames]
    verdicts = index.lookup(queries, max_distance) if index is not None else []
    found = [tuple(v.matches) for v in verdicts] or [() for _ in frames]
    return [MatchedFrame(f.second, f.pdq, m) for f, m in zip(frames, found, strict=True)]


def video_suggestion(frames: list[MatchedFrame]) -> str:
    """The most severe category any frame matches ("" when none)."""
    return counted_category([m for f in frames for m in f.matches]) or ""


def _stored_frames(store: Path) -> dict[tuple[str, str], list[str]]:
    """Each video's frame hashes the scan kept in its store, by (path, SHA-1)."""
    if not store.is_file():
        return {}
    con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT path, json_extract(data, '$.sha1'), json_extract(data, '$.video_frames') "
            "FROM record WHERE json_extract(data, '$.video_frames') IS NOT NULL"
        ).fetchall()
    except sqlite3.DatabaseError:
        return {}  # a store of another version: no suggestion, never a failed attach
    finally:
        con.close()
    return {(path, sha1 or ""): json.loads(frames) for path, sha1, frames in rows}


def suggest_from_frames(
    images: Iterable[ReviewImage],
    store: Path,
    hashsets: list[Path],
    max_distance: int = DEFAULT_MAX_DISTANCE,
) -> int:
    """Give each video of ``images`` that nothing suggests yet the category of the known
    stills its frames match (the closest match decides, as for a picture), from the frame
    hashes the scan kept in ``store``; gives how many videos were suggested.

    A video the hash sets already suggest (an exact or known-video match) keeps that.
    """
    wanted = [i for i in images if i.is_video and not i.suggested]
    index = image_index(hashsets) if wanted else None
    if index is None:
        return 0
    stored = _stored_frames(store)
    queries: list[Query] = []
    owners: list[ReviewImage] = []
    for image in wanted:
        for pdq in stored.get((image.path, image.sha1), []):
            queries.append(Query(pdq=pdq, pdq_quality=MIN_QUALITY))
            owners.append(image)
    found: dict[int, list[Match]] = {}
    for owner, verdict in zip(owners, index.lookup(queries, max_distance), strict=True):
        found.setdefault(id(owner), []).extend(verdict.matches)
    suggested = 0
    for image in wanted:
        matches = found.get(id(image), [])
        category = counted_category(matches)
        if category:
            image.suggested = category
            image.match_kind = FRAME
            image.distance = min(m.distance for m in matches)
            suggested += 1
    return suggested


def keep_suggestion(video: ReviewImage, frames: list[MatchedFrame]) -> None:
    """Store the frames' suggestion on a video nothing suggested yet (matched at review time:
    a video listed before frames were matched when a triage was attached)."""
    category = video_suggestion(frames)
    if not category or video.suggested:
        return
    distance = min((f.distance for f in frames if f.distance is not None), default=None)
    ReviewImage.objects.filter(pk=video.pk, suggested="").update(
        suggested=category, match_kind=FRAME, distance=distance
    )
    video.suggested, video.match_kind, video.distance = category, FRAME, distance
