"""Carving in the scan (issue #14, contract "Carved files"), on disks built with the
ordinary tools: photos deleted from ext4 by the kernel (which clears the inode's
extents, so no file system tool lists them) and a FAT photo whose directory entry was
overwritten lie whole in unallocated space, and come back as carved rows."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.triage.conftest import (
    ewfacquire,
    file_rows,
    jpeg_bytes,
    make_ext4,
    make_fat,
    mbr_disk,
    photo,
    tool,
    write_tree,
)
from tests.triage.test_carving import video
from typer.testing import CliRunner

from netsafe.triage.cli import app
from netsafe.triage.sources import open_evidence
from netsafe.triage.sources.archive import Limits
from netsafe.triage.unallocated import part_of, unallocated_areas
from netsafe.triage.work import CarveSpec, carve_records

KEPT = jpeg_bytes(photo(30))
GONE_JPEG = jpeg_bytes(photo(31, (800, 600)))


def _png(seed: int) -> bytes:
    buf = io.BytesIO()
    photo(seed, (300, 200)).save(buf, "PNG")
    return buf.getvalue()


GONE_PNG = _png(32)
GONE_MP4 = video("mp4", "mpeg4", frames=18)


def scan(evidence: Path, out: Path, *extra: str) -> tuple[list[dict], dict]:
    result = CliRunner().invoke(
        app, ["scan", str(evidence), "--out", str(out), "--workers", "1", *extra]
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    rows = file_rows(out)
    return rows, json.loads((out / "report.json").read_text())


@pytest.fixture(scope="module")
def ext4_deleted(tmp_path_factory) -> Path:
    """ext4 with photos, two of them deleted by the kernel through a loop mount."""
    base = tmp_path_factory.mktemp("ext4carve")
    src = write_tree(
        base / "src",
        {
            "DCIM/kept.jpg": KEPT,
            "DCIM/gone.jpg": GONE_JPEG,
            "DCIM/gone.png": GONE_PNG,
            "DCIM/gone.mp4": GONE_MP4,
        },
    )
    image = make_ext4(base / "ext4.img", src, "32M")
    mnt = base / "mnt"
    mnt.mkdir()
    mounted = subprocess.run(
        ["mount", "-o", "loop", str(image), str(mnt)], capture_output=True, text=True
    )
    if mounted.returncode:
        pytest.skip(f"loop mount not available: {mounted.stderr.strip()}")
    try:
        (mnt / "DCIM/gone.jpg").unlink()
        (mnt / "DCIM/gone.png").unlink()
        (mnt / "DCIM/gone.mp4").unlink()
    finally:
        subprocess.run(["umount", str(mnt)], check=True)
    # No file system tool lists them any more.
    fls = subprocess.run(
        [tool("fls"), "-r", "-p", str(image)], capture_output=True, text=True, check=True
    )
    assert "gone.jpg" not in fls.stdout or "* " in fls.stdout
    return image


def test_kernel_deleted_ext4_photos_are_carved(tmp_path, ext4_deleted):
    hashset = tmp_path / "set.csv"
    hashset.write_text(f"md5,category\n{hashlib.md5(GONE_JPEG).hexdigest()},A\n")
    rows, report = scan(ext4_deleted, tmp_path / "out", "--hashset", str(hashset))
    carved = [r for r in rows if r["carved"]]
    by_sha1 = {r["sha1"]: r for r in carved}
    image = ext4_deleted.read_bytes()
    for original, ext in ((GONE_JPEG, "jpg"), (GONE_PNG, "png")):
        row = by_sha1[hashlib.sha1(original).hexdigest()]
        # A bare file system: no pN/ prefix; the offset is where the bytes are.
        assert row["path"] == f"$Carved/{row['offset']}.{ext}"
        assert image[row["offset"] : row["offset"] + len(original)] == original
        assert row["deleted"] is True
        assert row["size"] == len(original)
        assert row["pdq"]
        assert row["error"] is None
        assert row["type"] == f"image/{'jpeg' if ext == 'jpg' else 'png'}"
    assert by_sha1[hashlib.sha1(GONE_JPEG).hexdigest()]["matches"][0]["category"] == "A"
    # A deleted video comes back too, hashed as a video.
    clip = by_sha1[hashlib.sha1(GONE_MP4).hexdigest()]
    assert clip["path"] == f"$Carved/{clip['offset']}.mp4"
    assert clip["type"].startswith("video/")
    assert clip["error"] is None
    # The photo still allocated is a listed row only, never carved.
    kept = hashlib.sha1(KEPT).hexdigest()
    assert [r["path"] for r in rows if r["sha1"] == kept] == ["DCIM/kept.jpg"]
    assert all(not r["carved"] and r["offset"] is None for r in rows if r not in carved)
    ev = report["evidence"][0]
    assert ev["summary"]["categories"] == {"A": {"files": 1, "unique": 1}}
    assert ev["carving"]["files"] == len(carved)
    assert ev["carving"]["stopped"] is None


def test_an_e01_of_the_disk_carves_the_same(tmp_path, ext4_deleted):
    raw, _ = scan(ext4_deleted, tmp_path / "raw")
    e01 = ewfacquire(ext4_deleted, tmp_path / "disk")
    rows, _ = scan(e01, tmp_path / "e01")
    carved = [(r["path"], r["offset"], r["sha1"]) for r in rows if r["carved"]]
    assert carved == [(r["path"], r["offset"], r["sha1"]) for r in raw if r["carved"]]
    assert len(carved) >= 2


def test_carving_cut_in_parts_gives_the_same_rows(ext4_deleted):
    evidence = open_evidence(ext4_deleted)
    try:
        whole, summary = carve_records(evidence, "x", CarveSpec(0), Limits())
        parts = [
            carve_records(evidence, "x", CarveSpec(k, parts=5, part=k), Limits()) for k in range(5)
        ]
    finally:
        evidence.close()
    assert [r for recs, _ in parts for r in recs] == whole
    assert sum(s["bytes"] for _, s in parts) == summary["bytes"]
    areas = unallocated_areas(open_evidence(ext4_deleted))
    pieces = [part_of(areas, k, 5) for k in range(5)]
    assert sum(a.end - a.start for p in pieces for a in p) == sum(a.end - a.start for a in areas)


def test_no_carve_skips_it(tmp_path, ext4_deleted):
    rows, report = scan(ext4_deleted, tmp_path / "out", "--no-carve")
    assert not any(r["carved"] for r in rows)
    assert "carving" not in report["evidence"][0]


def test_carving_budget_is_reported(tmp_path, ext4_deleted):
    rows, report = scan(ext4_deleted, tmp_path / "out", "--carve-files", "1")
    assert len([r for r in rows if r["carved"]]) == 1
    (message,) = report["evidence"][0]["errors"]
    assert message.startswith("carving stopped after 1 files (--carve-files)")


@pytest.fixture(scope="module")
def fat_disk(tmp_path_factory) -> tuple[Path, int]:
    """An MBR disk: p1 FAT with a photo deleted by mdel (TSK still lists it) and one
    whose directory entry was then overwritten (nothing lists it); a photo in the gap
    after p1 that no partition covers. Returns the disk and where the gap photo is."""
    base = tmp_path_factory.mktemp("fatcarve")
    fat = make_fat(
        base / "fat.img",
        {"DCIM/kept.jpg": KEPT},
        {"DCIM/listed.jpg": jpeg_bytes(photo(33)), "DCIM/wiped.jpg": jpeg_bytes(photo(34))},
    )
    data = bytearray(fat.read_bytes())
    # mdel marked the entry deleted (first byte 0xE5): wipe the whole 32-byte entry.
    entry = data.index(b"IPED   JPG")
    assert data[entry - 1] == 0xE5
    data[entry - 1 : entry + 31] = b"\x00" * 32
    disk = mbr_disk(base / "disk.dd", [(0x0C, bytes(data))])
    gap_at = (2048 + len(data) // 512 + 1024) * 512
    with open(disk, "r+b") as fh:
        fh.seek(gap_at)
        fh.write(GONE_PNG)
    shutil.rmtree(base / "fat.img.src", ignore_errors=True)
    return disk, gap_at


def test_fat_carving_skips_listed_deleted_files_and_finds_wiped_and_gap_ones(tmp_path, fat_disk):
    disk, gap_at = fat_disk
    rows, _report = scan(disk, tmp_path / "out")
    listed = hashlib.sha1(jpeg_bytes(photo(33))).hexdigest()
    wiped = hashlib.sha1(jpeg_bytes(photo(34))).hexdigest()
    # The mdel'd photo TSK lists is one row (listed, deleted), not a carved second one.
    # (TSK names a deleted FAT file with "_" for its lost first letter.)
    assert [(r["path"], r["deleted"], r["carved"]) for r in rows if r["sha1"] == listed] == [
        ("p1/DCIM/_isted.jpg", True, False)
    ]
    (carved,) = [r for r in rows if r["sha1"] == wiped]
    assert carved["carved"] is True
    assert carved["path"] == f"p1/$Carved/{carved['offset']}.jpg"
    (gap,) = [r for r in rows if r["sha1"] == hashlib.sha1(GONE_PNG).hexdigest()]
    assert gap["path"] == f"$Carved/{gap_at}.png"
    assert gap["offset"] == gap_at


def test_two_scans_carve_the_same_rows(tmp_path, fat_disk):
    disk, _ = fat_disk
    first, _ = scan(disk, tmp_path / "a")
    again, _ = scan(disk, tmp_path / "b", "--workers", "2")
    assert first == again


def test_a_partition_without_file_system_is_carved_whole(tmp_path):
    # p1 FAT; p2 holds no file system at all (wiped, or one TSK does not read) but
    # a photo lies in it.
    fat = make_fat(tmp_path / "fat.img", {"a.jpg": KEPT})
    junk = bytearray(4 << 20)
    junk[1 << 20 : (1 << 20) + len(GONE_JPEG)] = GONE_JPEG
    disk = mbr_disk(tmp_path / "disk.dd", [(0x0C, fat.read_bytes()), (0x83, bytes(junk))])
    rows, _ = scan(disk, tmp_path / "out")
    (carved,) = [r for r in rows if r["carved"]]
    assert carved["sha1"] == hashlib.sha1(GONE_JPEG).hexdigest()
    assert carved["path"] == f"p2/$Carved/{carved['offset']}.jpg"
    with open(disk, "rb") as fh:
        fh.seek(carved["offset"])
        assert fh.read(len(GONE_JPEG)) == GONE_JPEG


def test_the_sources_own_unallocated_ranges_are_used_when_it_has_them(fat_disk):
    disk, gap_at = fat_disk
    evidence = open_evidence(disk)
    try:
        ours = unallocated_areas(evidence)
        # A source that knows its ranges (the disk sources will): used as given, the
        # prefixes still from the partition table.
        evidence.unallocated_ranges = lambda: [(a.start, a.end) for a in ours]
        assert unallocated_areas(evidence) == ours
        evidence.unallocated_ranges = lambda: [(gap_at, gap_at + 4096)]
        assert [(a.start, a.prefix) for a in unallocated_areas(evidence)] == [(gap_at, "")]
    finally:
        evidence.close()
