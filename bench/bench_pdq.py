"""PDQ image hashing: the fast path against the naive one, on 12-megapixel JPEGs.

Naive: Pillow decodes the whole image, ``convert("RGB")``, and
``pdqhash.compute`` runs on all 12 million pixels. Fast:
``netsafe.triage.pdq.fast.hash_image`` (DCT-scaled JPEG decode, the
reference's filter folded onto the reduced image). Both run over the same
generated photos in a process pool with one worker per core, in the same run;
the fidelity columns compare every fast hash with its naive one.

    .venv/bin/python -m bench pdq                 # 24 photos
    .venv/bin/python -m bench pdq -- --quick      # 6 photos
"""

from __future__ import annotations

import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

WIDTH, HEIGHT = 4000, 3000  # 12 megapixels, a phone camera's size


def photo(seed: int) -> Image.Image:
    """A benign synthetic photo: colour fields at several scales, sensor-like noise, discs."""
    rng = np.random.default_rng(seed)
    field = np.zeros((HEIGHT, WIDTH, 3), np.float32)
    for cells, amplitude in ((8, 90.0), (32, 50.0), (128, 25.0)):
        small = rng.uniform(0, 255, (cells * HEIGHT // WIDTH + 2, cells + 2, 3)).astype(np.uint8)
        layer = np.asarray(Image.fromarray(small).resize((WIDTH, HEIGHT), Image.BICUBIC))
        field += (layer.astype(np.float32) - 127.5) / 127.5 * amplitude
    field += 128 + rng.normal(0, 6, field.shape).astype(np.float32)
    image = Image.fromarray(np.clip(field, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = int(rng.integers(0, WIDTH)), int(rng.integers(0, HEIGHT))
        r = int(rng.integers(HEIGHT // 20, HEIGHT // 5))
        draw.ellipse(
            (x - r, y - r, x + r, y + r), fill=tuple(int(c) for c in rng.integers(0, 255, 3))
        )
    return image


def write_photo(args: tuple[int, str]) -> str:
    seed, folder = args
    path = Path(folder) / f"photo-{seed:03d}.jpg"
    photo(seed).save(path, quality=90)
    return str(path)


def naive(path: str) -> tuple[str, int, float]:
    """The naive hash and quality, and the CPU seconds it took in the worker."""
    import pdqhash

    started = time.process_time()
    with Image.open(path) as image:
        bits, quality = pdqhash.compute(np.asarray(image.convert("RGB")))
    hexed = np.packbits(bits.astype(np.uint8)).tobytes().hex()
    return hexed, int(quality), time.process_time() - started


def fast(path: str) -> tuple[str, int, float]:
    """The fast hash and quality, and the CPU seconds it took in the worker."""
    from netsafe.triage.pdq.fast import hash_image

    started = time.process_time()
    result = hash_image(path)
    return result.hash, result.quality, time.process_time() - started


def decode(path: str) -> tuple[str, int, float]:
    """The fast path's floor: only the JPEG decode it asks of libjpeg (DCT-scaled to 1/8,
    luma only), and the CPU seconds it took; no hash."""
    from netsafe.triage.pdq.fast import DRAFT_MIN_SIDE

    started = time.process_time()
    with Image.open(path) as image:
        image.draft("L", (DRAFT_MIN_SIDE, DRAFT_MIN_SIDE))
        image.load()
    return "", 0, time.process_time() - started


def _warm(_: int) -> None:
    import pdqhash  # noqa: F401

    import netsafe.triage.pdq.fast  # noqa: F401


def timed(pool: ProcessPoolExecutor, function, paths: list[str]) -> tuple[float, list]:
    started = time.perf_counter()
    results = list(pool.map(function, paths, chunksize=max(1, len(paths) // 24)))
    return time.perf_counter() - started, results


def main(args: list[str]) -> str:
    count = 6 if "--quick" in args else 24
    workers = os.cpu_count() or 1
    with (
        tempfile.TemporaryDirectory(prefix="bench-pdq-") as tmp,
        ProcessPoolExecutor(workers) as pool,
    ):
        print(f"   generating {count} photos of {WIDTH}x{HEIGHT}", flush=True)
        paths = list(pool.map(write_photo, [(seed, tmp) for seed in range(count)]))
        megabytes = sum(Path(p).stat().st_size for p in paths) / 1e6
        list(pool.map(_warm, range(workers * 2)))
        for path in paths:  # page cache warm for both sides
            Path(path).read_bytes()
        # Two rounds, the sides alternated (naive, fast, fast, naive), best of each: the
        # machine is shared and its load moves. The fast side is ~50x quicker: more
        # rounds over the same files for a measurable time.
        rounds = 10
        naive_runs, fast_runs, decode_runs = [], [], []
        for order in (("naive", "fast", "decode"), ("decode", "fast", "naive")):
            for side in order:
                print(f"   {side}", flush=True)
                if side == "naive":
                    naive_runs.append(timed(pool, naive, paths))
                elif side == "fast":
                    fast_runs.append(timed(pool, fast, paths * rounds))
                else:
                    decode_runs.append(timed(pool, decode, paths * rounds))
        load = os.getloadavg()[0]
    naive_s, expected = min(naive_runs, key=lambda r: r[0])
    fast_s, produced = min(fast_runs, key=lambda r: r[0])
    distances = [
        (int(a[0], 16) ^ int(b[0], 16)).bit_count()
        for a, b in zip(expected, produced[:count], strict=True)
    ]
    naive_rate = count / naive_s
    fast_rate = count * rounds / fast_s
    naive_cpu = min(sum(r[2] for r in results) / len(results) for _s, results in naive_runs)
    fast_cpu = min(sum(r[2] for r in results) / len(results) for _s, results in fast_runs)
    decode_cpu = min(sum(r[2] for r in results) / len(results) for _s, results in decode_runs)
    return "\n".join(
        [
            "## PDQ image hashing: fast path vs naive",
            "",
            "Command: `.venv/bin/python -m bench pdq` (`make bench`). "
            f"{count} generated {WIDTH}x{HEIGHT} JPEGs (quality 90, {megabytes / count:.1f} MB "
            f"each), page cache warm, {workers} worker processes for each side (all cores), "
            "same run. Naive: Pillow full decode + `convert('RGB')` + `pdqhash.compute` on the "
            "full image. Fast: `netsafe.triage.pdq.fast.hash_image` (the files hashed "
            f"{rounds} times over to get a measurable time).",
            "",
            "Two rounds, sides alternated, best of each; load average (1 min, `uptime`) "
            f"{load:.1f} at the end, on a 2-core machine shared with other work (run at normal "
            "priority). CPU ms per image is the hashing's own CPU time in the worker (from "
            "`time.process_time`), which other work on the machine moves least.",
            "",
            "| path | images/s | ms per image per core (wall) | CPU ms per image |",
            "|---|---:|---:|---:|",
            f"| naive | {naive_rate:.2f} | {1000 * workers / naive_rate:.0f} "
            f"| {1000 * naive_cpu:.0f} |",
            f"| fast | {fast_rate:.1f} | {1000 * workers / fast_rate:.1f} "
            f"| {1000 * fast_cpu:.1f} |",
            f"| the fast path's JPEG decode alone (1/8 size, luma; no hash) | | "
            f"| {1000 * decode_cpu:.1f} |",
            "",
            f"Speed-up: **{fast_rate / naive_rate:.0f}x** in images/s, "
            f"**{naive_cpu / fast_cpu:.0f}x** in CPU per image (target: at least 30x).",
            "",
            f"The fast path is the decoder's work plus {1000 * (fast_cpu - decode_cpu):.1f} ms "
            f"an image: libjpeg-turbo must Huffman-decode every coefficient of a baseline JPEG "
            f"to reach the next block's DC term, even at 1/8 size. So no path that decodes "
            f"the image exactly can beat {naive_cpu / decode_cpu:.0f}x the naive path on "
            "this machine; the naive path's cost (a full decode and PDQ over 12 megapixels) "
            "varies more from machine to machine than the decode's, and so does the ratio.",
            "",
            "Fidelity on these photos (fast hash vs naive hash, bits): "
            f"max {max(distances)}, mean {np.mean(distances):.1f}, "
            f"identical {sum(d == 0 for d in distances)} of {count}; qualities equal: "
            f"{sum(a[1] == b[1] for a, b in zip(expected, produced, strict=False))} of {count} "
            "(target: within 10 bits for quality >= 80).",
            "",
        ]
    )
