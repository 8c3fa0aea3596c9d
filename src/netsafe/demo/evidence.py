"""The demo's evidence store: benign generated evidence for a handful of demo devices, and a
demo hash set made from some of those pictures, so that an examiner's journey (queue a
triage, watch it, read the report, grade the pictures) works straight after ``netsafe demo``.

Everything here is generated: smooth random colour fields saved as photos with
camera EXIF, never a real picture. Categories A, B and C in the hash set are
labels on those benign pictures, nothing more.

What is written (into ``NETSAFE_EVIDENCE_ROOT``, one item per device, named
``FORCE-EXHIBIT-KIND``):

- ``photos``: a phone's picture folder (JPEGs with EXIF, a text note);
- ``fat``: a small FAT image (``mkfs.vfat`` and mtools) with a deleted photo;
- ``zip``: a ZIP of pictures;
- ``video``: a folder with a short MP4 made with PyAV;
- ``e01``: an E01 (``ewfacquire``) of a FAT image.

A kind whose tool is missing is skipped with a note. The demo hash set is
:func:`netsafe.examination.jobs.demo_hashset_path` (``var/hashsets/demo.csv``),
which triage from the pages uses when ``NETSAFE_HASHSETS`` names none.

Loading twice changes nothing: the devices chosen the first time are kept in
``.netsafe-demo.json`` in the store, and an item already there is left alone.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TextIO

import numpy as np
from PIL import Image

#: The kinds of evidence, in the order the devices are given them.
KINDS = ("photos", "fat", "zip", "video", "e01")
#: The forces whose most urgent devices get the evidence, kind by kind (South Wales twice,
#: so that one examiner has two devices to try).
FORCE_ORDER = ("south-wales", "gwent", "dyfed-powys", "north-wales", "south-wales")
#: The file in the store that remembers which device got which item.
MANIFEST = ".netsafe-demo.json"
#: Where Debian keeps mkfs.vfat (not on an ordinary user's PATH).
TOOLS_PATH = os.environ.get("PATH", "") + os.pathsep + "/usr/sbin:/sbin"


class EvidenceToolError(RuntimeError):
    """A tool that makes an image failed; the message names it and what it said."""


# --- Benign pictures -------------------------------------------------------------------


def picture(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A benign synthetic photo: smooth random colour fields with a little grain."""
    rng = np.random.default_rng(seed)
    small = (rng.random((6, 8, 3)) * 255).astype(np.uint8)
    img = Image.fromarray(small, "RGB").resize(size, Image.Resampling.BICUBIC)
    grain = rng.normal(0, 6, (size[1], size[0], 3)).astype(np.int16)
    return Image.fromarray(
        np.clip(np.asarray(img, dtype=np.int16) + grain, 0, 255).astype(np.uint8), "RGB"
    )


def photo_bytes(seed: int, *, quality: int = 90, camera: str = "NetSafe DemoCam") -> bytes:
    """A JPEG of :func:`picture` with camera EXIF (make, model, date taken)."""
    exif = Image.Exif()
    exif[0x010F] = "NetSafe"  # Make
    exif[0x0110] = camera  # Model
    day = 1 + seed % 28
    exif[0x0132] = f"2017:03:{day:02d} 14:{seed % 60:02d}:00"  # DateTime
    buf = io.BytesIO()
    picture(seed).save(buf, "JPEG", quality=quality, exif=exif)
    return buf.getvalue()


def _sha1(data: bytes) -> str:
    from netsafe.triage.hashing import digest_stream

    return digest_stream(io.BytesIO(data)).sha1


def _pdq(data: bytes) -> str:
    from netsafe.triage.perceptual import pdq_of_stream

    return pdq_of_stream(io.BytesIO(data))[0]


#: The hash set's rows: what a known-image list would say about some demo pictures.
@dataclass(frozen=True)
class Known:
    seed: int
    category: str
    #: ``sha1``: the very file; ``pdq``: a re-encoding of it (a perceptual match).
    how: str = "sha1"


# Seeds 100+: photos folder; 200+: FAT; 300+: ZIP; 500+: E01. Some are known, most not.
KNOWN = (
    Known(101, "A"),
    Known(102, "B"),
    Known(103, "C", "pdq"),
    Known(203, "B"),  # the FAT image's deleted photo
    Known(302, "C"),
    Known(501, "A"),
)


# --- Building each kind ----------------------------------------------------------------


def _tool(name: str) -> str | None:
    return shutil.which(name, path=TOOLS_PATH)


def _run(*args: str | Path) -> None:
    env = {**os.environ, "MTOOLS_SKIP_CHECK": "1", "PATH": TOOLS_PATH}
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env)
    if proc.returncode:
        raise EvidenceToolError(f"{Path(str(args[0])).name} failed: {proc.stdout}{proc.stderr}")


def _write_tree(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _photos(target: Path, work: Path) -> None:
    files = {f"DCIM/Camera/IMG_{seed:04d}.jpg": photo_bytes(seed) for seed in range(101, 109)}
    files["Documents/shopping.txt"] = b"milk, bread, batteries\n"
    _write_tree(target, files)


def _fat_image(path: Path, files: dict[str, bytes], deleted: dict[str, bytes]) -> None:
    """A FAT image with ``files``, and ``deleted`` copied in then deleted (still recoverable)."""
    # The caller checked they are installed; a name left as it is fails clearly in _run.
    mkfs, mcopy, mmd, mdel = (_tool(t) or t for t in ("mkfs.vfat", "mcopy", "mmd", "mdel"))
    _run(mkfs, "-C", "-i", "4e455453", path, "2048")  # a fixed volume id: same image each time
    staging = path.parent / (path.name + ".src")
    everything = {**files, **deleted}
    _write_tree(staging, everything)
    folders = {str(p) for rel in everything for p in Path(rel).parents if str(p) != "."}
    for folder in sorted(folders, key=lambda d: d.count("/")):
        _run(mmd, "-i", path, f"::/{folder}")
    for rel in everything:
        _run(mcopy, "-i", path, staging / rel, f"::/{rel}")
    for rel in deleted:
        _run(mdel, "-i", path, f"::/{rel}")
    shutil.rmtree(staging)


def _fat(target: Path, work: Path) -> None:
    files = {f"DCIM/IMG_{seed:04d}.jpg": photo_bytes(seed) for seed in (201, 202)}
    files["notes.txt"] = b"back up the camera card\n"
    _fat_image(target, files, {"DCIM/IMG_0203.jpg": photo_bytes(203)})


def _zip(target: Path, work: Path) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for seed in range(301, 305):
            info = zipfile.ZipInfo(f"holiday/IMG_{seed:04d}.jpg", date_time=(2017, 6, 1, 12, 0, 0))
            archive.writestr(info, photo_bytes(seed))


def video_bytes(seconds: int = 3, fps: int = 5, size: tuple[int, int] = (320, 240)) -> bytes:
    """A short benign MP4 (MPEG-4 part 2, which every FFmpeg build writes): colour fields
    that drift, a new scene every second."""
    import av

    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, fps)
        for i in range(seconds * fps):
            frame = av.VideoFrame.from_image(picture(400 + i // fps, size))
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()


def _video(target: Path, work: Path) -> None:
    _write_tree(target, {"Movies/clip_0001.mp4": video_bytes(), "Movies/readme.txt": b"clips\n"})


def _e01(target: Path, work: Path) -> None:
    raw = work / "disk.img"
    files = {f"Pictures/IMG_{seed:04d}.jpg": photo_bytes(seed) for seed in (501, 502, 503)}
    _fat_image(raw, files, {})
    base = target.parent / target.stem
    _run(
        _tool("ewfacquire") or "ewfacquire",
        "-u",
        "-q",
        "-c",
        "deflate:best",
        "-t",
        base,
        "-C",
        "demo",
        "-E",
        target.stem,
        "-D",
        "NetSafe demo evidence (generated, benign)",
        raw,
    )


@dataclass(frozen=True)
class Kind:
    name: str
    #: The item's name after ``FORCE-EXHIBIT-`` (a folder when it has no suffix).
    suffix: str
    build: Callable[[Path, Path], None]
    tools: tuple[str, ...] = ()


BUILDERS = {
    "photos": Kind("photos", "photos", _photos),
    "fat": Kind("fat", "card.img", _fat, ("mkfs.vfat", "mcopy", "mmd", "mdel")),
    "zip": Kind("zip", "backup.zip", _zip),
    "video": Kind("video", "videos", _video),
    "e01": Kind("e01", "disk.E01", _e01, ("mkfs.vfat", "mcopy", "mmd", "mdel", "ewfacquire")),
}


# --- The store -------------------------------------------------------------------------


def _choose_devices() -> dict[str, dict]:
    """For each kind, the most urgent device awaiting triage of the next force in
    :data:`FORCE_ORDER` (as the examiners' queue orders them)."""
    from netsafe.casework.models import Device
    from netsafe.casework.querysets import band_rank

    chosen: dict[str, dict] = {}
    taken: set[int] = set()
    for kind, force in zip(KINDS, FORCE_ORDER, strict=True):
        device = (
            Device.objects.filter(force__slug=force)
            .awaiting_triage()
            .exclude(pk__in=taken)
            .alias(rank=band_rank("subject__referral__risk"))
            .order_by("rank", "seized", "id")
            .first()
        )
        if device is None:
            continue
        taken.add(device.pk)
        item = f"{force}-{device.exhibit_ref.replace('/', '-')}-{BUILDERS[kind].suffix}"
        chosen[kind] = {"item": item, "device": device.pk, "exhibit": device.exhibit_ref}
    return chosen


def _still_there(chosen: dict[str, dict]) -> bool:
    """Whether every remembered device is still in the database with its exhibit."""
    from netsafe.casework.models import Device

    found = dict(
        Device.objects.filter(pk__in=[spec["device"] for spec in chosen.values()]).values_list(
            "pk", "exhibit_ref"
        )
    )
    return all(found.get(spec["device"]) == spec["exhibit"] for spec in chosen.values())


def _missing_tools(kind: Kind) -> list[str]:
    return [t for t in kind.tools if _tool(t) is None]


def _write_item(root: Path, item: str, kind: Kind) -> None:
    """Build the item in a scratch folder beside the store, then move it in whole, so that
    an interrupted load never leaves half an item that the next load would keep."""
    with tempfile.TemporaryDirectory(dir=root, prefix=".building-") as scratch:
        work = Path(scratch)
        built = work / "out" / item
        built.parent.mkdir()
        kind.build(built, work)
        if kind.name == "e01":
            # ewfacquire may write segments beside it (.E02 ...): move them all.
            for segment in sorted(built.parent.glob(f"{built.stem}.E*")):
                segment.replace(root / segment.name)
        else:
            built.replace(root / item)


def write_hashset(path: Path) -> bool:
    """Write the demo hash set (CSV: id, sha1, pdq, category, video_id, frame); True when the
    file was written, False when it was already so."""
    from netsafe.triage.pdq.video import hash_video

    rows = []
    for number, known in enumerate(KNOWN, 1):
        data = photo_bytes(known.seed)
        if known.how == "pdq":
            # A re-encoding of the picture: the evidence holds a near copy, not this file.
            rows.append([number, "", _pdq(photo_bytes(known.seed, quality=70)), known.category])
        else:
            rows.append([number, _sha1(data), "", known.category])
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["id", "sha1", "pdq", "category", "video_id", "frame"])
    for number, sha1, pdq, category in rows:
        writer.writerow([number, sha1, pdq, category, "", ""])
    # The demo video, frame by frame (one a second), so that triage matches it too.
    video = hash_video(io.BytesIO(video_bytes()))
    for k, frame in enumerate(video.frames, len(rows) + 1):
        writer.writerow([k, "", frame.hash, "C", 1, f"{frame.second:g}"])
    content = text.getvalue()
    if path.is_file() and path.read_text(encoding="utf-8") == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".csv.part")
    partial.write_text(content, encoding="utf-8")
    partial.replace(path)
    return True


def load_evidence(stdout: TextIO) -> dict:
    """Fill the evidence store and write the demo hash set; return what was done.

    The summary has ``items`` (kind -> item name, device id and exhibit),
    ``written`` and ``kept`` (item names), ``skipped`` (kind -> why) and
    ``hashset`` (its path) with ``hashset_written``.
    """
    from netsafe.examination import evidence
    from netsafe.examination.jobs import demo_hashset_path

    root = evidence.root()
    root.mkdir(parents=True, exist_ok=True)
    manifest = root / MANIFEST
    chosen = json.loads(manifest.read_text(encoding="utf-8")) if manifest.is_file() else {}
    if not chosen or not _still_there(chosen):
        # First load, or the databases were made afresh: choose (and remember) again.
        chosen = _choose_devices()
        manifest.write_text(json.dumps(chosen, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    written, kept, skipped = [], [], {}
    for kind_name, spec in chosen.items():
        kind = BUILDERS[kind_name]
        item = spec["item"]
        if (root / item).exists():
            kept.append(item)
            continue
        missing = _missing_tools(kind)
        if missing:
            skipped[kind_name] = f"{', '.join(missing)} not installed (make system-deps)"
            stdout.write(f"Demo evidence: no {kind_name} item, {skipped[kind_name]}.\n")
            continue
        try:
            _write_item(root, item, kind)
        except (EvidenceToolError, OSError) as exc:
            skipped[kind_name] = str(exc).strip()
            stdout.write(f"Demo evidence: no {kind_name} item: {skipped[kind_name]}\n")
            continue
        written.append(item)
    hashset = demo_hashset_path()
    hashset_written = write_hashset(hashset)
    if written:
        stdout.write(f"Demo evidence written to {root}: {', '.join(written)}.\n")
    return {
        "root": str(root),
        "items": chosen,
        "written": written,
        "kept": kept,
        "skipped": skipped,
        "hashset": str(hashset),
        "hashset_written": hashset_written,
    }
