"""Videos in evidence are hashed one frame a second and matched against known videos' frames."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import av
import numpy as np
from PIL import Image
from tests.triage.conftest import file_rows
from typer.testing import CliRunner

from netsafe.triage.cli import app
from netsafe.triage.hashsets import load_hashset
from netsafe.triage.pdq.video import hash_video


def make_video(
    path: Path, pictures: list[Path], size: tuple[int, int], codec: str, fps: int
) -> Path:
    """A benign video: each second shows one of the PDQ test photos, brightening slightly."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = size
        stream.bit_rate = 4_000_000  # keep the pictures: PDQ compares pictures, not codecs
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        for source in pictures:
            with Image.open(source) as img:
                picture = img.convert("RGB").resize(size, Image.Resampling.BILINEAR)
            base = np.asarray(picture, dtype=np.int16)
            for n in range(fps):
                pixels = np.clip(base + n, 0, 255).astype(np.uint8)
                frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
                container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def photos(pdq_testdata: Path) -> list[Path]:
    """Detailed photos of the PDQ test set (featureless ones hash unstably when resized)."""
    labelme = pdq_testdata / "reg-test-input" / "labelme-subset"
    return [
        pdq_testdata / "reg-test-input" / "pen-and-coaster.png",
        pdq_testdata / "bridge-mods" / "aaa-orig.jpg",
        labelme / "q0746.jpg",
        labelme / "q1050.jpg",
        labelme / "q2821.jpg",
        labelme / "q0122.jpg",
        pdq_testdata / "misc-images" / "c.png",
    ]


def test_a_reencoded_known_video_matches_with_its_share(tmp_path, pdq_testdata):
    pictures = photos(pdq_testdata)
    seeds, others = pictures[:5], pictures[5:]
    known = make_video(tmp_path / "known.mp4", seeds, (320, 240), "mpeg4", 5)
    evidence = tmp_path / "ev"
    evidence.mkdir()
    # The same pictures, another size, frame rate, codec and container.
    make_video(evidence / "copy.avi", seeds, (256, 192), "mjpeg", 4)
    make_video(evidence / "other.mp4", others, (320, 240), "mpeg4", 5)

    hashset = tmp_path / "videos.csv"
    with open(hashset, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(("id", "video_id", "frame", "pdq", "category"))
        for n, f in enumerate(hash_video(known).frames):
            writer.writerow((f"row{n}", "known-1", f.second, f.hash, "A"))
    assert {e.video_id for e in load_hashset(hashset).entries} == {"known-1"}

    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["scan", str(evidence), "--out", str(out), "--workers", "1", "--hashset", str(hashset)]
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    rows = {r["path"]: r for r in file_rows(out)}
    assert rows["copy.avi"]["type"].startswith("video/")
    (match,) = rows["copy.avi"]["matches"]
    assert (match["kind"], match["category"], match["entry_id"]) == ("perceptual", "A", "known-1")
    assert match["share"] >= 0.8
    assert rows["other.mp4"]["matches"] == []
    assert rows["other.mp4"]["error"] is None
    summary = json.loads((out / "report.json").read_text())["evidence"][0]["summary"]
    assert summary["videos"] == 2
    assert summary["categories"] == {"A": {"files": 1, "unique": 1}}


def test_a_broken_video_is_a_per_file_error(tmp_path, pdq_testdata):
    evidence = tmp_path / "ev"
    evidence.mkdir()
    pictures = photos(pdq_testdata)[:2]
    whole = make_video(tmp_path / "whole.mp4", pictures, (96, 72), "mpeg4", 5).read_bytes()
    (evidence / "cut.mp4").write_bytes(whole[: len(whole) // 4])
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["scan", str(evidence), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    (row,) = file_rows(out)
    assert row["md5"]
    assert row["error"]
