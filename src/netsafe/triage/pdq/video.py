"""Video hashing and matching in the manner of Meta's vPDQ.

A video is hashed one frame a second: every frame is decoded (PyAV), and the
first frame at or after each whole second is hashed with PDQ (the fast path
of :mod:`netsafe.triage.pdq.fast`). Two videos are compared as vPDQ does:

- frames of quality below 50 are dropped, and repeated hashes count once;
- the *query share* is the fraction of the query's distinct frame hashes that
  are within ``max_distance`` of some frame of the known video, and the
  *known share* the fraction of the known video's distinct frame hashes within
  ``max_distance`` of some query frame;
- the videos match when both shares reach the thresholds (80% by default).

So a re-encoded, resized or re-containered copy matches, and a clip cut from
a known video is reported with its (high) query share and a lower known
share. :class:`VideoMatcher` holds many known videos behind one
:class:`~netsafe.triage.pdq.index.PDQIndex`, so a device's videos are matched
against a whole list without comparing video by video.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from netsafe.triage.pdq.fast import MIN_QUALITY, PDQError, hash_pil
from netsafe.triage.pdq.index import DEFAULT_MAX_DISTANCE, PDQIndex, parse_hashes

__all__ = [
    "DEFAULT_MIN_SHARE",
    "VIDEO_EXTENSIONS",
    "FrameHash",
    "VideoError",
    "VideoHash",
    "VideoMatch",
    "VideoMatcher",
    "compare_videos",
    "hash_video",
]

#: vPDQ's usual threshold for both shares.
DEFAULT_MIN_SHARE = 0.8
#: File names the triage scan should treat as video (the content decides in the end).
VIDEO_EXTENSIONS = frozenset({".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".wmv", ".asf"})
#: Ten hours at one frame a second: a bound on the work one file can cause.
MAX_FRAMES = 36_000


class VideoError(PDQError):
    """A video that cannot be hashed: not a video, no video stream, corrupt."""


@dataclass(frozen=True, slots=True)
class FrameHash:
    """One sampled frame: its time in seconds, PDQ hash (64 hex digits) and quality."""

    second: float
    hash: str
    quality: int


@dataclass(frozen=True)
class VideoHash:
    """A video's frame hashes at one frame a second, in time order."""

    frames: tuple[FrameHash, ...]
    duration: float

    def distinct_hashes(self) -> list[str]:
        """The distinct hashes of frames good enough to match (quality >= 50), in order."""
        seen: dict[str, None] = {}
        for frame in self.frames:
            if frame.quality >= MIN_QUALITY:
                seen.setdefault(frame.hash, None)
        return list(seen)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form (``from_dict`` reads it back)."""
        return {
            "duration": self.duration,
            "frames": [[f.second, f.hash, f.quality] for f in self.frames],
        }

    @classmethod
    def from_dict(cls, data: dict) -> VideoHash:
        """Read :meth:`to_dict`'s form; malformed hashes raise ``MalformedHashError``."""
        frames = tuple(FrameHash(float(s), str(h), int(q)) for s, h, q in data["frames"])
        parse_hashes([f.hash for f in frames], source="video frame")
        return cls(frames, float(data["duration"]))


@dataclass(frozen=True, slots=True)
class VideoMatch:
    """How much of a query video and a known video match each other."""

    video_id: int
    query_share: float
    known_share: float
    matched: bool


def hash_video(
    source: str | os.PathLike[str] | BinaryIO,
    *,
    interval: float = 1.0,
    max_frames: int = MAX_FRAMES,
) -> VideoHash:
    """Hash the first frame at or after every ``interval`` seconds (MP4, MOV, AVI, MKV, WMV...).

    Raises :class:`VideoError` when the input is not a decodable video.
    """
    if interval <= 0:
        raise ValueError(f"interval must be positive, got {interval}")
    import av  # FFmpeg's libraries: loaded by the first video, not by every scan

    target = str(source) if isinstance(source, str | os.PathLike) else source
    frames: list[FrameHash] = []
    last_time = 0.0
    try:
        with av.open(target, mode="r") as container:
            if not container.streams.video:
                raise VideoError(f"{_name(source)}: no video stream")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            rate = float(stream.average_rate or stream.guessed_rate or 25)
            next_time = 0.0
            for index, frame in enumerate(container.decode(stream)):
                # Some containers (AVI, raw streams) leave timestamps out.
                time = float(frame.time) if frame.time is not None else index / rate
                last_time = max(last_time, time)
                if time + 1e-6 < next_time:
                    continue
                result = hash_pil(frame.to_image())
                frames.append(FrameHash(round(time, 3), result.hash, result.quality))
                if len(frames) >= max_frames:
                    break
                # Skip whole seconds the video jumped over (a gap or a variable frame rate).
                next_time = (np.floor(time / interval + 1e-6) + 1) * interval
    except VideoError:
        raise
    except PDQError as exc:
        raise VideoError(f"{_name(source)}: a frame could not be hashed: {exc}") from exc
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise VideoError(f"{_name(source)}: not a decodable video: {exc}") from exc
    if not frames:
        raise VideoError(f"{_name(source)}: no decodable frames")
    return VideoHash(tuple(frames), round(last_time, 3))


def compare_videos(
    query: VideoHash,
    known: VideoHash,
    *,
    max_distance: int = DEFAULT_MAX_DISTANCE,
    min_query_share: float = DEFAULT_MIN_SHARE,
    min_known_share: float = DEFAULT_MIN_SHARE,
) -> VideoMatch:
    """Compare two videos (the known one gets id 0 in the result)."""
    matcher = VideoMatcher()
    matcher.add(0, known)
    return matcher.compare(
        query,
        0,
        max_distance=max_distance,
        min_query_share=min_query_share,
        min_known_share=min_known_share,
    )


@dataclass
class VideoMatcher:
    """Known videos' frame hashes behind one exact index; matches query videos to them."""

    _index: PDQIndex = field(default_factory=PDQIndex)
    _frame_video: list[np.ndarray] = field(default_factory=list)
    _distinct: dict[int, int] = field(default_factory=dict)

    def add(self, video_id: int, video: VideoHash) -> None:
        """Add a known video under ``video_id`` (its distinct, matchable frames)."""
        if video_id in self._distinct:
            raise ValueError(f"video id {video_id} is already in the matcher")
        hashes = video.distinct_hashes()
        self._distinct[video_id] = len(hashes)
        if hashes:
            self._index.add(hashes)
            self._frame_video.append(np.full(len(hashes), video_id, np.int64))

    def add_many(self, videos: Iterable[tuple[int, VideoHash]]) -> None:
        """Add many known videos, then merge them into one index segment."""
        for video_id, video in videos:
            self.add(video_id, video)
        self._index.compact()

    def __len__(self) -> int:
        return len(self._distinct)

    def match(
        self,
        query: VideoHash,
        *,
        max_distance: int = DEFAULT_MAX_DISTANCE,
        min_query_share: float = DEFAULT_MIN_SHARE,
        min_known_share: float = DEFAULT_MIN_SHARE,
    ) -> list[VideoMatch]:
        """Every known video sharing at least one frame with ``query``, best first.

        ``matched`` says whether both shares reach their thresholds.
        """
        shares = self._shares(query, max_distance)
        results = [
            VideoMatch(
                video_id,
                query_share,
                known_share,
                query_share >= min_query_share and known_share >= min_known_share,
            )
            for video_id, (query_share, known_share) in shares.items()
        ]
        return sorted(results, key=lambda m: (not m.matched, -m.query_share, m.video_id))

    def compare(
        self,
        query: VideoHash,
        video_id: int,
        *,
        max_distance: int = DEFAULT_MAX_DISTANCE,
        min_query_share: float = DEFAULT_MIN_SHARE,
        min_known_share: float = DEFAULT_MIN_SHARE,
    ) -> VideoMatch:
        """The shares between ``query`` and one known video (zero when nothing matches)."""
        if video_id not in self._distinct:
            raise KeyError(f"no known video with id {video_id}")
        query_share, known_share = self._shares(query, max_distance).get(video_id, (0.0, 0.0))
        return VideoMatch(
            video_id,
            query_share,
            known_share,
            query_share >= min_query_share and known_share >= min_known_share,
        )

    def _shares(self, query: VideoHash, max_distance: int) -> dict[int, tuple[float, float]]:
        hashes = query.distinct_hashes()
        if not hashes or not self._frame_video:
            return {}
        found = self._index.search(hashes, max_distance)
        frame_video = np.concatenate(self._frame_video)
        videos = frame_video[found.entry]
        shares: dict[int, tuple[float, float]] = {}
        for video_id in np.unique(videos).tolist():
            mine = videos == video_id
            query_frames = np.unique(found.query[mine]).size
            known_frames = np.unique(found.entry[mine]).size
            shares[video_id] = (
                query_frames / len(hashes),
                known_frames / self._distinct[video_id],
            )
        return shares


def _name(source: object) -> str:
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    return str(getattr(source, "name", "video"))
