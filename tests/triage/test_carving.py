"""The carver on its own: pictures and videos planted in noise, found whole, each
validated by decoding (issue #14, contract "Carved files")."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image
from tests.triage.conftest import jpeg_bytes, photo

from netsafe.triage.carving import CarveLimits, CarveResult, carve


def picture(img: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **options)
    return buf.getvalue()


def video(container: str, codec: str, frames: int = 12) -> bytes:
    """A short benign video (generated colour fields) in ``container``."""
    buf = io.BytesIO()
    with av.open(buf, "w", format=container) as out:
        stream = out.add_stream(codec, rate=6)
        stream.width, stream.height = 160, 120
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        for n in range(frames):
            pixels = np.asarray(photo(100 + n, (160, 120)))
            out.mux(stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
        out.mux(stream.encode())
    return buf.getvalue()


def noise(n: int, seed: int) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8).tobytes()


PLANTED = {
    "jpg": jpeg_bytes(photo(1)),
    "png": picture(photo(2, (200, 150)), "PNG"),
    "gif": picture(photo(3, (120, 90)).convert("P"), "GIF"),
    "bmp": picture(photo(4, (64, 48)), "BMP"),
    "webp": picture(photo(5, (160, 120)), "WEBP", quality=80),
    "progressive.jpg": picture(photo(6), "JPEG", progressive=True),
}


@pytest.fixture(scope="module")
def videos() -> dict[str, bytes]:
    return {
        "mp4": video("mp4", "mpeg4"),
        "mov": video("mov", "mjpeg"),
        "avi": video("avi", "mjpeg"),
    }


def image_of(parts: list[bytes]) -> tuple[bytes, list[int]]:
    """The parts one after another with noise between, each at a sector boundary (as a
    file system stores them), and where each begins."""
    out = bytearray(noise(3000, 0))
    offsets = []
    for i, part in enumerate(parts):
        out += b"\x00" * (-len(out) % 512)
        offsets.append(len(out))
        out += part
        out += noise(5000 + i, i + 1)
    return bytes(out), offsets


def reader(data: bytes):
    return lambda offset, size: data[offset : offset + size]


def test_every_kind_is_found_whole_at_its_offset(videos):
    parts = [*PLANTED.values(), *videos.values()]
    data, offsets = image_of(parts)
    found = list(carve(reader(data), [(0, len(data))]))
    assert [(c.offset, c.data) for c in found] == list(zip(offsets, parts, strict=True))
    assert [c.ext for c in found] == [
        "jpg",
        "png",
        "gif",
        "bmp",
        "webp",
        "jpg",
        "mp4",
        "mov",
        "avi",
    ]


def test_sector_starts_by_default_every_byte_on_request(videos):
    parts = [PLANTED["jpg"], PLANTED["webp"], videos["mp4"]]
    data, offsets = image_of(parts)
    # Each moved 7 bytes off its sector start (as inside another file, not on a disk).
    shifted = bytearray()
    moved = []
    for a, b in zip([0, *offsets], [*offsets, len(data)], strict=True):
        shifted += data[a:b]
        if b != len(data):
            shifted += b"\x00" * 7
            moved.append(b + 7 * (len(moved) + 1))
    assert list(carve(reader(bytes(shifted)), [(0, len(shifted))])) == []
    found = list(carve(reader(bytes(shifted)), [(0, len(shifted))], align=1))
    assert [(c.offset, c.data) for c in found] == list(zip(moved, parts, strict=True))


def test_only_files_starting_inside_the_ranges(videos):
    parts = [PLANTED["jpg"], PLANTED["png"], PLANTED["gif"]]
    data, offsets = image_of(parts)
    # The PNG's range ends inside it: it is still carved whole (it starts in range).
    found = list(carve(reader(data), [(offsets[1] - 512, offsets[1] + 100)]))
    assert [(c.offset, c.ext, c.data) for c in found] == [(offsets[1], "png", parts[1])]


def test_a_jpeg_that_does_not_decode_is_not_a_row():
    good = PLANTED["jpg"]
    truncated = good[: len(good) // 2]
    # Its entropy-coded data overwritten by another file: the structure holds, the
    # pixels do not decode.
    at = good.index(b"\xff\xda")
    overwritten = good[: at + 200] + b"\xff\xc4\x00\x01" + good[at + 200 :]
    data, offsets = image_of([truncated, overwritten, good])
    result = CarveResult()
    found = list(carve(reader(data), [(0, len(data))], result=result))
    assert [(c.offset, c.data) for c in found] == [(offsets[2], good)]
    assert result.rejected["jpg"] >= 2


def test_the_thumbnail_inside_a_carved_jpeg_is_not_a_second_file():
    from tests.triage.test_exif import THUMB, exif_jpeg

    camera = exif_jpeg(photo(1), thumbnail=THUMB)
    data, offsets = image_of([camera])
    found = list(carve(reader(data), [(0, len(data))]))
    assert [(c.offset, c.data) for c in found] == [(offsets[0], camera)]


def test_a_disk_of_noise_gives_nothing_and_budgets_stop_the_carver():
    data = noise(24 << 20, 7)
    result = CarveResult()
    assert list(carve(reader(data), [(0, len(data))], result=result)) == []
    assert result.scanned == len(data)
    assert result.stopped is None

    many, _ = image_of([PLANTED["png"]] * 5)
    result = CarveResult()
    found = list(carve(reader(many), [(0, len(many))], CarveLimits(max_files=3), result))
    assert len(found) == 3
    assert result.stopped == "carving stopped after 3 files (--carve-files)"

    ticks = iter(range(1000))
    result = CarveResult()
    found = list(
        carve(
            reader(data),
            [(0, len(data))],
            CarveLimits(max_seconds=1.5),
            result,
            clock=lambda: next(ticks),
        )
    )
    assert result.stopped == "carving stopped after 1.5 s (--carve-seconds)"
    assert result.scanned < len(data)


def test_a_video_whose_boxes_are_cut_short_is_not_a_row(videos):
    mp4 = videos["mp4"]
    data, offsets = image_of([mp4[: len(mp4) - 200], mp4])
    found = list(carve(reader(data), [(0, len(data))]))
    assert [(c.offset, c.ext) for c in found] == [(offsets[1], "mp4")]


def test_parts_written_to_disk_are_carved_from_the_file(tmp_path: Path):
    # The same through a file read with os.pread, as the scan reads an image.
    import os

    data, offsets = image_of([PLANTED["jpg"], PLANTED["webp"]])
    path = tmp_path / "blob.img"
    path.write_bytes(data)
    fd = os.open(path, os.O_RDONLY)
    try:
        found = list(carve(lambda o, n: os.pread(fd, n, o), [(0, len(data))]))
    finally:
        os.close(fd)
    assert [c.offset for c in found] == offsets
