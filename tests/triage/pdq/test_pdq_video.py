"""vPDQ-style video hashing and matching on videos generated here with PyAV."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from netsafe.triage.pdq.index import MalformedHashError
from netsafe.triage.pdq.video import (
    VideoError,
    VideoHash,
    VideoMatcher,
    compare_videos,
    hash_video,
)

SECONDS = 6
FPS = 10


def scene(second: float, seed: int, width: int, height: int) -> np.ndarray:
    """A benign synthetic frame: colour fields that change each second and a moving disc."""
    rng = np.random.default_rng(seed * 1000 + int(second))
    cells = rng.uniform(0, 255, (6, 8, 3)).astype(np.uint8)
    base = np.asarray(Image.fromarray(cells).resize((width, height), Image.BICUBIC), np.float32)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    # The disc moves within the second, so the frames inside a second differ a little.
    cx, cy = width * (0.2 + 0.6 * (second % 1)), height / 2
    disc = ((xs - cx) ** 2 + (ys - cy) ** 2 < (height / 16) ** 2)[:, :, None] * 30.0
    return np.clip(base + disc, 0, 255).astype(np.uint8)


def write_video(
    path: Path, codec: str, *, seed: int = 1, size=(320, 240), fps: int = FPS, fmt=None
) -> Path:
    with av.open(str(path), mode="w", format=fmt) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = 2_000_000  # the encoders' defaults are far below a real video's
        for i in range(SECONDS * fps):
            frame = av.VideoFrame.from_ndarray(scene(i / fps, seed, *size), format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def reencode(source: Path, target: Path, codec: str, size, fps: int) -> Path:
    """A resized, re-encoded copy at another frame rate, made by decoding ``source``."""
    with av.open(str(source)) as src, av.open(str(target), mode="w") as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = 500_000
        in_rate = float(src.streams.video[0].average_rate)
        for i, frame in enumerate(src.decode(video=0)):
            # Keep every frame whose time lands on the new rate's grid.
            if int(i * fps / in_rate) == int((i - 1) * fps / in_rate) and i:
                continue
            small = frame.reformat(width=size[0], height=size[1], format="yuv420p")
            small.pts = int(i * fps / in_rate)
            small.time_base = Fraction(1, fps)
            for packet in stream.encode(small):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return target


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Path:
    return write_video(tmp_path_factory.mktemp("video") / "original.mp4", "libx264")


@pytest.mark.parametrize(
    ("name", "codec", "fmt"),
    [
        ("clip.mp4", "libx264", None),
        ("clip.mov", "mpeg4", None),
        ("clip.avi", "mpeg4", None),
        ("clip.mkv", "libvpx-vp9", None),
        ("clip.wmv", "wmv2", "asf"),
    ],
)
def test_each_container_is_hashed_once_a_second_and_matches(tmp_path, original, name, codec, fmt):
    video = write_video(tmp_path / name, codec, fmt=fmt)
    hashed = hash_video(video)
    assert [round(f.second) for f in hashed.frames] == list(range(SECONDS))
    assert all(f.quality >= 50 for f in hashed.frames)
    assert len(hashed.distinct_hashes()) == SECONDS
    result = compare_videos(hashed, hash_video(original))
    assert result.matched, result
    assert result.query_share == result.known_share == 1.0


def test_resized_reencoded_copy_matches_and_other_video_does_not(tmp_path, original):
    copy = reencode(original, tmp_path / "copy.mkv", "mpeg4", (176, 132), fps=5)
    other = write_video(tmp_path / "other.mp4", "libx264", seed=99)
    known = hash_video(original)
    copy_hash = hash_video(copy)
    assert len(copy_hash.frames) == SECONDS
    matched = compare_videos(copy_hash, known)
    assert matched.matched
    assert matched.query_share >= 0.8
    assert matched.known_share >= 0.8
    unrelated = compare_videos(hash_video(other), known)
    assert not unrelated.matched
    assert unrelated.query_share < 0.5


def test_a_clip_reports_its_shares(tmp_path, original):
    """Half of the known video: all its frames match, half of the known ones are covered."""
    known = hash_video(original)
    clip = VideoHash(known.frames[: SECONDS // 2], duration=SECONDS / 2)
    result = compare_videos(clip, known)
    assert result.query_share == 1.0
    assert result.known_share == pytest.approx(0.5)
    assert not result.matched
    assert compare_videos(clip, known, min_known_share=0.5).matched


def test_matcher_finds_the_right_known_video_among_many(tmp_path, original):
    matcher = VideoMatcher()
    matcher.add_many(
        (seed, hash_video(write_video(tmp_path / f"k{seed}.mp4", "libx264", seed=seed)))
        for seed in (5, 6, 7)
    )
    matcher.add(1, hash_video(original))
    assert len(matcher) == 4
    copy = hash_video(reencode(original, tmp_path / "copy.mp4", "libx264", (240, 180), fps=8))
    results = matcher.match(copy)
    assert results[0].video_id == 1
    assert results[0].matched
    assert not any(r.matched for r in results[1:])
    with pytest.raises(ValueError, match="already"):
        matcher.add(1, copy)


def test_file_object_input_and_round_trip(original):
    with original.open("rb") as handle:
        from_handle = hash_video(handle)
    assert from_handle == hash_video(original)
    assert VideoHash.from_dict(from_handle.to_dict()) == from_handle


def test_bad_input_is_a_clear_error(tmp_path, original):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    with pytest.raises(VideoError, match=r"junk\.mp4"):
        hash_video(junk)
    with pytest.raises(VideoError, match="not a decodable video"):
        hash_video(io.BytesIO(b"not a video at all"))
    audio_only = tmp_path / "tone.wav"
    with av.open(str(audio_only), mode="w") as container:
        stream = container.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 800), np.int16), format="s16", layout="mono"
        )
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            container.mux(packet)
    with pytest.raises(VideoError, match="no video stream"):
        hash_video(audio_only)
    with pytest.raises(MalformedHashError):
        VideoHash.from_dict({"duration": 1, "frames": [[0, "xyz", 100]]})
