"""Carving against PhotoRec on the same 1 GiB disk image.

The image: a 1 GiB ext4 file system (``mke2fs -d``) holding generated photos (JPEG of
several sizes, PNG, GIF, BMP) and files of random bytes; through a loop mount the
kernel then deletes two photos in three and every random file (it clears their
extents, so no file-system tool lists them: only carving finds the photos, and the
random bytes left in free space are there to tempt a carver into false finds).

Both carve the file system's free space for pictures:

- ``photorec /d OUT /cmd IMAGE partition_none,options,mode_ext2,fileopt,everything,
  disable,jpg,enable,png,enable,gif,enable,bmp,enable,freespace,search``
- ``netsafe triage scan IMAGE --out DIR`` (carving is on by default), and the same
  with ``--no-carve`` to give the cost of carving alone.

Counted: pictures that decode (Pillow verify + load) among what each recovered, and
how many of the deleted originals each gave back byte for byte.

    .venv/bin/python -m bench carve                 # build once (bench/out/carve/), then measure
    .venv/bin/python -m bench carve -- --rounds 3
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from netsafe.triage.records import FileRecord, read_files

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "carve"
IMAGE = OUT / "disk-ext4-1g.img"
DELETED = OUT / "deleted.json"
NETSAFE = Path(sys.executable).with_name("netsafe")
TOOLS_PATH = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"


def _photo(rng: np.random.Generator, size: tuple[int, int]) -> Image.Image:
    """A benign synthetic photo: smooth colour fields plus grain."""
    small = (rng.random((9, 12, 3)) * 255).astype(np.uint8)
    img = Image.fromarray(small, "RGB").resize(size, Image.Resampling.BICUBIC)
    grain = rng.integers(-8, 9, (size[1] // 4, size[0] // 4, 3), dtype=np.int16)
    grain_img = Image.fromarray((grain + 128).astype(np.uint8), "RGB").resize(size)
    arr = np.asarray(img, dtype=np.int16) + np.asarray(grain_img, dtype=np.int16) - 128
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def _encode(img: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **options)
    return buf.getvalue()


def _files(rng: np.random.Generator) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    sizes = [(2048, 1536), (1600, 1200), (1280, 960), (1024, 768), (800, 600)]
    for i in range(300):
        files[f"DCIM/100CAM/IMG_{i:04d}.jpg"] = _encode(
            _photo(rng, sizes[i % len(sizes)]), "JPEG", quality=88
        )
    for i in range(40):
        files[f"Pictures/png/shot_{i:03d}.png"] = _encode(_photo(rng, (800, 600)), "PNG")
    for i in range(20):
        img = _photo(rng, (480, 360)).convert("P")
        files[f"Pictures/gif/anim_{i:03d}.gif"] = _encode(img, "GIF")
    for i in range(10):
        files[f"Pictures/bmp/scan_{i:03d}.bmp"] = _encode(_photo(rng, (640, 480)), "BMP")
    for i in range(40):
        n = int(rng.integers(1 << 20, 8 << 20))
        files[f"Downloads/blob_{i:03d}.bin"] = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
    return files


def _tool(name: str) -> str:
    found = shutil.which(name, path=TOOLS_PATH)
    if not found:
        raise RuntimeError(f"{name} is missing: run scripts/system-deps.sh")
    return found


def build_image() -> tuple[Path, dict[str, str]]:
    """Make the image once (later runs reuse it); returns it and the deleted photos'
    SHA-1 -> path."""
    if IMAGE.exists() and DELETED.exists():
        return IMAGE, json.loads(DELETED.read_text())
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(2016)
    files = _files(rng)
    src = OUT / "src"
    shutil.rmtree(src, ignore_errors=True)
    for rel, data in files.items():
        p = src / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    IMAGE.unlink(missing_ok=True)
    subprocess.run(
        [_tool("mke2fs"), "-q", "-t", "ext4", "-d", str(src), "-F", str(IMAGE), "1G"], check=True
    )
    shutil.rmtree(src)
    pictures = [p for p in files if not p.endswith(".bin")]
    gone = [p for i, p in enumerate(pictures) if i % 3 != 0]
    gone += [p for p in files if p.endswith(".bin")]
    mnt = Path(tempfile.mkdtemp(prefix="carve-bench-"))
    subprocess.run(["mount", "-o", "loop", str(IMAGE), str(mnt)], check=True)
    try:
        for rel in gone:
            (mnt / rel).unlink()
    finally:
        subprocess.run(["umount", str(mnt)], check=True)
        mnt.rmdir()
    deleted = {hashlib.sha1(files[p]).hexdigest(): p for p in gone if not p.endswith(".bin")}
    DELETED.write_text(json.dumps(deleted, indent=1))
    return IMAGE, deleted


def _decodes(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.load()
    except Exception:  # any failure to decode: not a valid picture
        return False
    return True


def _timed(cmd: list[str], cwd: Path | None = None) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed


PHOTOREC_OPTIONS = (
    "partition_none,options,mode_ext2,fileopt,everything,disable,"
    "jpg,enable,png,enable,gif,enable,bmp,enable,freespace,search"
)


def run_photorec(image: Path, out: Path) -> tuple[float, list[bytes]]:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    cmd = [_tool("photorec"), "/log", "/d", str(out / "recup"), "/cmd", str(image)]
    # /log writes photorec.log into the working folder.
    elapsed = _timed([*cmd, PHOTOREC_OPTIONS], cwd=out)
    found = [
        p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.suffix not in (".log", ".xml")
    ]
    return elapsed, found


def run_netsafe(image: Path, out: Path, carve: bool) -> tuple[float, list[FileRecord]]:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [str(NETSAFE), "triage", "scan", str(image), "--out", str(out)]
    elapsed = _timed(cmd if carve else [*cmd, "--no-carve"])
    rows = list(read_files(out / "files.jsonl"))
    return elapsed, rows


def _carved_pictures(image: Path, rows: list[FileRecord]) -> list[bytes]:
    """The bytes of every carved picture row, read back from the image at its offset."""
    out = []
    with open(image, "rb") as fh:
        for r in rows:
            if r.carved and r.is_image and r.offset is not None:
                fh.seek(r.offset)
                out.append(fh.read(r.size))
    return out


def main(args: list[str]) -> str:
    parser = argparse.ArgumentParser(prog="bench carve")
    parser.add_argument("--rounds", type=int, default=3)
    opts = parser.parse_args(args)
    image, deleted = build_image()
    work = OUT / "runs"
    # Page cache warmed by one read of the image.
    with open(image, "rb") as fh:
        while fh.read(16 << 20):
            pass
    times: dict[str, list[float]] = {"photorec": [], "netsafe": [], "netsafe --no-carve": []}
    photorec_found: list[bytes] = []
    rows: list[FileRecord] = []
    for _ in range(opts.rounds):
        t, photorec_found = run_photorec(image, work / "photorec")
        times["photorec"].append(t)
        t, rows = run_netsafe(image, work / "netsafe", carve=True)
        times["netsafe"].append(t)
        t, _ = run_netsafe(image, work / "netsafe-nocarve", carve=False)
        times["netsafe --no-carve"].append(t)
    ours = _carved_pictures(image, rows)
    valid = {
        "photorec": sum(_decodes(d) for d in photorec_found),
        "netsafe": sum(_decodes(d) for d in ours),
    }
    originals = {
        "photorec": len({hashlib.sha1(d).hexdigest() for d in photorec_found} & set(deleted)),
        "netsafe": len({hashlib.sha1(d).hexdigest() for d in ours} & set(deleted)),
    }
    median = {k: statistics.median(v) for k, v in times.items()}
    carving = median["netsafe"] - median["netsafe --no-carve"]
    lines = [
        "## Carving against PhotoRec (`bench/bench_carve.py`)",
        "",
        f"Command: `.venv/bin/python -m bench carve -- --rounds {opts.rounds}`. Machine: "
        f"{os.cpu_count()} cores, {platform.machine()}, shared with other work; page cache "
        "warmed, runs alternated, median of the rounds. The image (built once in "
        "bench/out/carve/): a 1 GiB ext4 file system with 370 generated photos (300 JPEG "
        "of 0.5 to 3 megapixels, 40 PNG, 20 GIF, 10 BMP) and 40 files of random bytes "
        "(1 to 8 MiB); the kernel then deleted two photos in three and every random "
        f"file through a loop mount ({len(deleted)} deleted photos, their extents "
        "cleared: only carving finds them). PhotoRec 7.1 (Debian `testdisk`): "
        f"`photorec /log /d OUT/recup /cmd IMAGE {PHOTOREC_OPTIONS}`. netsafe: "
        "`netsafe triage scan IMAGE --out DIR` (all cores; it also lists, hashes and "
        "PDQ-hashes the allocated files) and the same with `--no-carve`.",
        "",
        "| | PhotoRec | netsafe |",
        "|---|---|---|",
        f"| Pictures recovered that decode (Pillow verify + load) | {valid['photorec']} "
        f"| **{valid['netsafe']}** |",
        f"| Files recovered in all | {len(photorec_found)} | {len(ours)} carved rows |",
        f"| Deleted originals recovered byte for byte (of {len(deleted)}) "
        f"| {originals['photorec']} | **{originals['netsafe']}** |",
        f"| Time, median (s) | {median['photorec']:.1f} | {median['netsafe']:.1f} whole scan; "
        f"{median['netsafe --no-carve']:.1f} with --no-carve |",
        f"| Time ratio, netsafe / PhotoRec | 1 | **{median['netsafe'] / median['photorec']:.2f}** "
        f"whole scan; {carving / median['photorec']:.2f} carving alone "
        f"(scan minus --no-carve scan, {carving:.1f} s) |",
        "",
        "All runs (s): "
        + "; ".join(f"{k} {', '.join(f'{t:.1f}' for t in v)}" for k, v in times.items())
        + ".",
        "",
        "netsafe's carved rows are hashed, typed, PDQ-hashed and matched like any file, "
        "inside the same scan; PhotoRec writes files for another tool to look at. "
        "Each carved picture must decode to be a row, so every netsafe row counted above "
        "decodes by construction; PhotoRec keeps what it could not validate fully.",
    ]
    return "\n".join(lines) + "\n"
