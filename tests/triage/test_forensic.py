"""Forensic detail of the disk and E01 sources, checked against the examiner's own tools.

Each image is built with the ordinary tools (mkntfs and an ntfs-3g mount, mkfs.vfat and
mtools, mke2fs, sgdisk, ewfacquire) and what the sources report is compared with what
The Sleuth Kit (``fls -r -p -m``, ``icat``, ``mmls``, ``blkls``) and ``ewfverify`` say
about the same image: rows, deleted flags, content, times, volumes, free space, and an
E01's chunk checksums and stored hashes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import struct
import subprocess
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import pytsk3
from tests.triage.conftest import file_rows, jpeg_bytes, photo, run, tool

from netsafe.triage.sources import open_evidence

#: What the NTFS volume holds once built: path -> content of the live files.
NTFS_LIVE = {
    "Users/Alex/Documents/letter.pdf": b"%PDF-1.4\n" + b"a letter\n" * 200,
    "Users/Alex/Pictures/holiday.jpg": jpeg_bytes(photo(21)),
    "keep.txt": b"keep\n",
}
#: The alternate data stream hidden on the letter.
NTFS_STREAM = ("Users/Alex/Documents/letter.pdf", "hidden.jpg", jpeg_bytes(photo(22)))
#: Deleted after being written (their MFT entries' sequence numbers move on).
NTFS_DELETED = {
    "Users/Alex/Pictures/gone_1.jpg": jpeg_bytes(photo(23)),
    "Users/Alex/Pictures/gone_2.jpg": jpeg_bytes(photo(24)),
    "Users/Alex/Trash/inner.jpg": jpeg_bytes(photo(25)),
}
#: A file whose folder's MFT entry is wiped: TSK finds it only as an orphan.
NTFS_ORPHAN = ("Lost/orphan.jpg", jpeg_bytes(photo(26)))


@dataclass(frozen=True)
class FlsRow:
    """One line of ``fls -r -p -m /``: a file or stream as The Sleuth Kit lists it."""

    path: str
    inode: str
    meta_type: str
    size: int
    deleted: bool
    atime: int
    mtime: int
    ctime: int
    crtime: int


def fls(image: Path, sector_offset: int = 0) -> dict[str, FlsRow]:
    """Every name ``fls -r -p -m /`` lists in the file system at ``sector_offset``, by path
    (NTFS's extra ``($FILE_NAME)`` lines left out)."""
    out = subprocess.run(
        [tool("fls"), "-r", "-p", "-m", "/", "-o", str(sector_offset), str(image)],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8", "backslashreplace")
    rows = {}
    for line in out.splitlines():
        f = line.split("|")
        name = f[1]
        if "($FILE_NAME)" in name:
            continue
        deleted = name.endswith(" (deleted)") or name.endswith(" (deleted-realloc)")
        name = name.removesuffix(" (deleted)").removesuffix(" (deleted-realloc)")
        rows[name.lstrip("/")] = FlsRow(
            name.lstrip("/"),
            f[2],
            f[3].split("/")[1][0],
            int(f[6]),
            deleted,
            *(int(x) for x in f[7:11]),
        )
    return rows


def icat_md5(image: Path, inode: str, sector_offset: int = 0) -> str:
    data = subprocess.run(
        [tool("icat"), "-o", str(sector_offset), str(image), inode],
        capture_output=True,
        check=True,
    ).stdout
    return hashlib.md5(data).hexdigest()


def listed(image: Path) -> dict[str, tuple]:
    """path -> (entry, md5 of the content read) for every entry the source lists."""
    evidence = open_evidence(image)
    try:
        out = {}
        for entry in evidence.entries():
            with evidence.open(entry) as fh:
                data = fh.read()
            assert len(data) == entry.size, entry.path
            assert entry.path not in out, f"listed twice: {entry.path}"
            out[entry.path] = (entry, hashlib.md5(data).hexdigest())
        return out
    finally:
        evidence.close()


def _mft_entry_offset(image: Path, entry: int) -> int:
    """Where MFT entry ``entry`` lies in a fresh mkntfs volume (the MFT is one run there)."""
    with open(image, "rb") as fh:
        boot = fh.read(512)
    sector = struct.unpack_from("<H", boot, 0x0B)[0]
    cluster = sector * boot[0x0D]
    mft = struct.unpack_from("<Q", boot, 0x30)[0]
    return mft * cluster + entry * 1024


def make_ntfs(path: Path) -> Path:
    """An NTFS volume written through ntfs-3g as Windows would: live files, an alternate
    data stream, deleted files (one in a deleted folder) and one orphan."""
    with open(path, "wb") as fh:
        fh.truncate(24 << 20)
    run(tool("mkntfs"), "-q", "-F", "-f", "-s", "512", "-L", "EVIDENCE", path)
    mnt = path.parent / (path.name + ".mnt")
    mnt.mkdir()
    run(tool("ntfs-3g"), "-o", "streams_interface=windows", path, mnt)
    try:
        for rel, data in {**NTFS_LIVE, **NTFS_DELETED, NTFS_ORPHAN[0]: NTFS_ORPHAN[1]}.items():
            (mnt / rel).parent.mkdir(parents=True, exist_ok=True)
            (mnt / rel).write_bytes(data)
        rel, stream, data = NTFS_STREAM
        (mnt / f"{rel}:{stream}").write_bytes(data)
        orphan_dir = os.stat(mnt / Path(NTFS_ORPHAN[0]).parent).st_ino
        os.sync()
        for rel in NTFS_DELETED:
            (mnt / rel).unlink()
        (mnt / "Users/Alex/Trash").rmdir()
        (mnt / NTFS_ORPHAN[0]).unlink()
        (mnt / Path(NTFS_ORPHAN[0]).parent).rmdir()
    finally:
        run("umount", mnt)
        mnt.rmdir()
    # Wipe the orphan's folder's MFT entry, as when it is reused: nothing names the file.
    with open(path, "r+b") as fh:
        fh.seek(_mft_entry_offset(path, orphan_dir))
        fh.write(bytes(1024))
    return path


@pytest.fixture(scope="session")
def ntfs_volume(tmp_path_factory) -> Path:
    return make_ntfs(tmp_path_factory.mktemp("ntfs-forensic") / "ntfs.img")


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def test_ntfs_rows_are_what_fls_lists_and_icat_reads(ntfs_volume):
    """Every regular file and stream fls lists is a row with icat's content, deleted ones
    included; what is left out is exactly the file system's own files and the empty
    reserved MFT entries TSK shows as orphans."""
    rows = listed(ntfs_volume)
    tsk = fls(ntfs_volume)
    files = {p: r for p, r in tsk.items() if r.meta_type == "r"}
    assert set(rows) <= set(files)
    left_out = set(files) - set(rows)
    for path in left_out:
        r = files[path]
        metadata = path.startswith("$") and not path.startswith("$OrphanFiles/")
        assert metadata or (r.deleted and r.size == 0), path
    assert "$MFT" in left_out
    assert "$OrphanFiles" not in rows
    for path, (entry, digest) in rows.items():
        assert entry.deleted == files[path].deleted, path
        assert digest == icat_md5(ntfs_volume, files[path].inode), path


def test_deleted_ntfs_files_are_recovered_intact(ntfs_volume):
    rows = listed(ntfs_volume)
    for rel, data in NTFS_DELETED.items():
        entry, digest = rows[rel]
        assert entry.deleted, rel
        assert digest == md5(data), rel
    for rel, data in NTFS_LIVE.items():
        entry, digest = rows[rel]
        assert not entry.deleted, rel
        assert digest == md5(data), rel


def test_orphan_files_are_deleted_rows_under_orphanfiles(ntfs_volume):
    rows = listed(ntfs_volume)
    name = Path(NTFS_ORPHAN[0]).name
    entry, digest = rows[f"$OrphanFiles/{name}"]
    assert entry.deleted
    assert digest == md5(NTFS_ORPHAN[1])
    assert not [p for p in rows if p.startswith(NTFS_ORPHAN[0].split("/")[0])]


def test_alternate_data_stream_is_a_row_of_its_own(ntfs_volume):
    rows = listed(ntfs_volume)
    rel, stream, data = NTFS_STREAM
    entry, digest = rows[f"{rel}:{stream}"]
    assert entry.stream == stream
    assert digest == md5(data)
    host, host_digest = rows[rel]
    assert host.stream is None
    assert host_digest == md5(NTFS_LIVE[rel])


@pytest.fixture(scope="session")
def labelled_fat(tmp_path_factory) -> Path:
    """A FAT volume with a label (a directory entry TSK lists like a file) and one file."""
    folder = tmp_path_factory.mktemp("fat-label")
    image = folder / "fat.img"
    run(tool("mkfs.vfat"), "-n", "EVIDENCE", "-C", image, "8192")
    (folder / "a.txt").write_bytes(b"hello\n")
    run(tool("mcopy"), "-i", image, folder / "a.txt", "::/a.txt")
    return image


def test_volume_label_and_fat_tables_are_not_rows(labelled_fat):
    tsk = fls(labelled_fat)
    assert "EVIDENCE    (Volume Label Entry)" in tsk
    assert {"$MBR", "$FAT1", "$FAT2", "$OrphanFiles"} <= set(tsk)
    assert set(listed(labelled_fat)) == {"a.txt"}


def _epoch(iso: str | None) -> int:
    """A row's time back as fls -m writes it (0 where none)."""
    if iso is None:
        return 0
    return int(datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


def _assert_times_are_fls(image: Path, rows: dict, sector_offset: int = 0) -> None:
    tsk = fls(image, sector_offset)
    for path, (entry, _digest) in rows.items():
        t = tsk[path]
        got = dict(zip(("modified", "accessed", "changed", "created"), entry.times, strict=True))
        for value in got.values():
            assert value is None or value.endswith("Z")
        assert {k: _epoch(v) for k, v in got.items()} == {
            "modified": t.mtime,
            "accessed": t.atime,
            "changed": t.ctime,
            "created": t.crtime,
        }, path


def test_ntfs_times_are_those_fls_reads(ntfs_volume):
    rows = listed(ntfs_volume)
    _assert_times_are_fls(ntfs_volume, rows)
    entry, _ = rows["keep.txt"]
    assert all(entry.times)


def test_fat_times_have_no_changed(labelled_fat):
    rows = listed(labelled_fat)
    _assert_times_are_fls(labelled_fat, rows)
    entry, _ = rows["a.txt"]
    modified, accessed, changed, created = entry.times
    assert changed is None
    assert modified
    assert accessed
    assert created


def test_ext4_times_are_those_fls_reads(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.jpg").write_bytes(jpeg_bytes(photo(30)))
    os.utime(src / "a.jpg", (1482437378, 1482437378))  # 2016-12-22T20:09:38Z
    image = tmp_path / "ext4.img"
    run(tool("mke2fs"), "-q", "-t", "ext4", "-d", src, "-F", image, "8M")
    rows = listed(image)
    _assert_times_are_fls(image, rows)
    entry, _ = rows["a.jpg"]
    assert entry.times[0] == "2016-12-22T20:09:38Z"
    assert all(entry.times)


def test_scan_rows_carry_times_stream_and_deleted(tmp_path, ntfs_volume):
    """files.jsonl and files.csv: every row has ``times`` and ``stream`` (null but for
    streams); the deleted NTFS photos and the hidden stream are hashed and typed."""
    import csv
    import json

    from tests.triage.test_scan import invoke

    out = tmp_path / "out"
    invoke("scan", ntfs_volume, "--out", out, "--workers", "1")
    rows = {r["path"]: r for r in file_rows(out)}
    tsk = fls(ntfs_volume)
    for path, row in rows.items():
        assert set(row["times"]) == {"modified", "accessed", "changed", "created"}
        assert _epoch(row["times"]["modified"]) == tsk[path].mtime
        assert row["stream"] == (path.split(":")[1] if ":" in path else None)
    rel, stream, data = NTFS_STREAM
    hidden = rows[f"{rel}:{stream}"]
    assert hidden["type"] == "image/jpeg"
    assert hidden["md5"] == md5(data)
    assert hidden["pdq"]
    for gone in NTFS_DELETED:
        assert rows[gone]["deleted"] is True
        assert rows[gone]["type"] == "image/jpeg"
    summary = json.loads((out / "report.json").read_text("utf-8"))["evidence"][0]["summary"]
    assert summary["files"] == len(rows)
    assert summary["deleted"] == sum(r["deleted"] for r in rows.values())
    with open(out / "files.csv", newline="", encoding="utf-8") as fh:
        table = {r["path"]: r for r in csv.DictReader(fh)}
    assert table[f"{rel}:{stream}"]["stream"] == stream
    assert table["keep.txt"]["modified"] == rows["keep.txt"]["times"]["modified"]
    assert table["keep.txt"]["changed"] == rows["keep.txt"]["times"]["changed"]


def test_folder_times_come_from_stat_and_reading_keeps_access_times(tmp_path):
    folder = tmp_path / "ev"
    folder.mkdir()
    photo_path = folder / "a.jpg"
    photo_path.write_bytes(jpeg_bytes(photo(31)))
    os.utime(photo_path, (1000000000, 1482437378))
    before = os.stat(photo_path)
    rows = listed(folder)
    entry, _ = rows["a.jpg"]
    assert entry.times[0] == "2016-12-22T20:09:38Z"
    assert entry.times[1] == "2001-09-09T01:46:40Z"
    assert entry.times[2] == datetime.fromtimestamp(int(before.st_ctime), UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    # Reading did not touch the access time (it would otherwise: atime before mtime).
    assert os.stat(photo_path).st_atime == before.st_atime


def test_archive_member_times_are_as_stored(tmp_path):
    import io
    import tarfile
    import zipfile

    from tests.triage.test_scan import invoke

    folder = tmp_path / "ev"
    folder.mkdir()
    with zipfile.ZipFile(folder / "a.zip", "w") as zf:
        zf.writestr(zipfile.ZipInfo("dated.txt", (2016, 12, 22, 20, 9, 38)), b"x")
    with tarfile.open(folder / "b.tar", "w") as tf:
        info = tarfile.TarInfo("dated.txt")
        info.size, info.mtime = 1, 1482437378
        tf.addfile(info, io.BytesIO(b"y"))
        info = tarfile.TarInfo("undated.txt")
        info.size, info.mtime = 1, 0
        tf.addfile(info, io.BytesIO(b"z"))
    out = tmp_path / "out"
    invoke("scan", folder, "--out", out, "--workers", "1")
    rows = {r["path"]: r for r in file_rows(out)}
    for path in ("a.zip!dated.txt", "b.tar!dated.txt"):
        assert rows[path]["times"] == {
            "modified": "2016-12-22T20:09:38Z",
            "accessed": None,
            "changed": None,
            "created": None,
        }, path
    assert rows["b.tar!undated.txt"]["times"]["modified"] is None


# --- E01 integrity ---------------------------------------------------------------------

CHUNK = 64 * 512  # ewfacquire's default: 64 sectors a chunk
DIARY = "".join(f"day {i}: nothing happened, as usual.\n" for i in range(6000)).encode()
CASE = {
    "-C": "case-2016-0042",
    "-E": "exhibit-SW-17",
    "-e": "DC Jones",
    "-D": "laptop hard disk",
    "-N": "seized at the address",
}


@pytest.fixture(scope="session")
def ewf_pair(tmp_path_factory) -> dict:
    """An ext4 disk with a compressible diary and photos, acquired with ewfacquire
    (deflate, MD5 and SHA-1 stored, case metadata), and a copy of the E01 with one byte
    flipped inside the compressed chunk that holds the middle of the diary."""
    folder = tmp_path_factory.mktemp("ewf-damaged")
    src = folder / "src"
    src.mkdir()
    (src / "diary.txt").write_bytes(DIARY)
    for i in range(3):
        (src / f"photo_{i}.jpg").write_bytes(jpeg_bytes(photo(40 + i)))
    media = folder / "disk.img"
    run(tool("mke2fs"), "-q", "-t", "ext4", "-d", src, "-F", media, "8M")
    args = [tool("ewfacquire"), "-u", "-q", "-c", "deflate:best", "-d", "sha1"]
    args += [a for pair in CASE.items() for a in pair]
    run(*args, "-t", folder / "good", media)
    good = folder / "good.E01"
    data = media.read_bytes()
    # Where the diary's middle lies on the media (through TSK, as icat would read it).
    evidence = open_evidence(media)
    try:
        entry = next(e for e in evidence.entries() if e.path == "diary.txt")
        runs = evidence.byte_runs(entry)
    finally:
        evidence.close()
    assert b"".join(data[a:b] for a, b in runs) == DIARY
    middle, skip = None, len(DIARY) // 2
    for a, b in runs:
        if skip < b - a:
            middle = a + skip
            break
        skip -= b - a
    assert middle is not None
    chunk = middle // CHUNK
    # The chunk as ewfacquire compressed it (zlib, best): found in the E01 by its bytes.
    packed = zlib.compress(data[chunk * CHUNK : (chunk + 1) * CHUNK], 9)
    e01 = bytearray(good.read_bytes())
    where = e01.find(packed)
    assert where > 0, "the compressed chunk was not found in the E01"
    e01[where + len(packed) // 2] ^= 0xFF
    bad = folder / "bad.E01"
    bad.write_bytes(bytes(e01))
    return {"media": media, "good": good, "bad": bad, "chunk": chunk}


def ewfverify_bad_sectors(image: Path) -> list[tuple[int, int]]:
    """The sector ranges ``ewfverify`` reports as failing their checksum, as byte ranges."""
    proc = subprocess.run([tool("ewfverify"), "-q", str(image)], capture_output=True, text=True)
    found = re.findall(r"at sector\(s\): (\d+) - (\d+)", proc.stdout + proc.stderr)
    return [(int(a) * 512, (int(b) + 1) * 512) for a, b in found]


def test_intact_e01_is_verified_with_sha1_and_case_metadata(ewf_pair):
    data = ewf_pair["media"].read_bytes()
    integrity = open_evidence(ewf_pair["good"]).verify().as_dict()
    assert integrity["verified"] is True
    assert integrity["stored_md5"] == integrity["computed_md5"] == md5(data)
    assert integrity["stored_sha1"] == integrity["computed_sha1"] == hashlib.sha1(data).hexdigest()
    assert integrity["bad_ranges"] == []
    meta = integrity["metadata"]
    assert meta["case_number"] == CASE["-C"]
    assert meta["evidence_number"] == CASE["-E"]
    assert meta["examiner"] == CASE["-e"]
    assert meta["description"] == CASE["-D"]
    assert meta["notes"] == CASE["-N"]
    assert meta["acquired"]
    assert meta["acquiry_software"]
    assert ewfverify_bad_sectors(ewf_pair["good"]) == []


def test_damaged_chunk_fails_verification_where_ewfverify_says(tmp_path, ewf_pair):
    from tests.triage.test_scan import _netsafe

    expected = ewfverify_bad_sectors(ewf_pair["bad"])
    chunk = ewf_pair["chunk"]
    assert expected == [(chunk * CHUNK, (chunk + 1) * CHUNK)]

    out = tmp_path / "out"
    proc = _netsafe("scan", ewf_pair["bad"], "--out", out, "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    warnings = [x for x in proc.stderr.splitlines() if x.startswith("WARNING:")]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"WARNING: {ewf_pair['bad'].resolve()} failed verification: ")
    assert "checksum" in warnings[0]

    rep = json.loads((out / "report.json").read_text("utf-8"))
    integrity = rep["evidence"][0]["integrity"]
    assert integrity["verified"] is False
    assert integrity["bad_ranges"] == [list(r) for r in expected]
    assert integrity["stored_sha1"] == hashlib.sha1(ewf_pair["media"].read_bytes()).hexdigest()
    assert integrity["computed_sha1"] != integrity["stored_sha1"]
    assert integrity["metadata"]["case_number"] == CASE["-C"]

    rows = {r["path"]: r for r in file_rows(out)}
    diary = rows["diary.txt"]
    first, end = expected[0]
    assert f"bytes {first}-{end}" in diary["error"]
    assert diary["md5"]
    assert diary["sha1"]
    assert [p for p, r in rows.items() if r["error"]] == ["diary.txt"]

    page = (out / "report.html").read_text("utf-8")
    assert page.index("failed verification") < page.index("Hash sets")
    assert f"bytes {first}-{end}" in page


def test_batch_prints_the_verification_warning_of_each_damaged_device(tmp_path, ewf_pair):
    from tests.triage.test_scan import _netsafe

    manifest = tmp_path / "intake.csv"
    manifest.write_text(
        f"reference,evidence\nEX-1,{ewf_pair['bad']}\nEX-2,{ewf_pair['good']}\n", "utf-8"
    )
    out = tmp_path / "out"
    proc = _netsafe("batch", manifest, "--out", out, "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    warnings = [x for x in proc.stderr.splitlines() if x.startswith("WARNING:")]
    # The same line as `scan` prints, for the damaged device only.
    assert len(warnings) == 1
    assert warnings[0].startswith(f"WARNING: {ewf_pair['bad'].resolve()} failed verification: ")
    assert "checksum" in warnings[0]


def test_intact_e01_scan_prints_no_warning(tmp_path, ewf_pair):
    from tests.triage.test_scan import _netsafe

    out = tmp_path / "out"
    proc = _netsafe("scan", ewf_pair["good"], "--out", out, "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    assert "WARNING" not in proc.stderr
    integrity = json.loads((out / "report.json").read_text("utf-8"))["evidence"][0]["integrity"]
    assert integrity["verified"] is True
    assert "failed verification" not in (out / "report.html").read_text("utf-8")


# --- volumes ---------------------------------------------------------------------------

MIB = 1 << 20


@pytest.fixture(scope="session")
def gpt_multi(tmp_path_factory, ntfs_volume) -> dict:
    """A GPT disk laid out by sgdisk: p1 FAT32 (label CAMERA), p2 the NTFS volume, p3 ext4
    (label linuxdata), p4 random bytes (no file system), with free space between them;
    each file system made by its own tool and written into its partition."""
    folder = tmp_path_factory.mktemp("gpt-multi")
    fat = folder / "fat32.img"
    run(tool("mkfs.vfat"), "-F", "32", "-n", "CAMERA", "-C", fat, str(40 * 1024))
    (folder / "a.jpg").write_bytes(jpeg_bytes(photo(50)))
    run(tool("mmd"), "-i", fat, "::/DCIM")
    run(tool("mcopy"), "-i", fat, folder / "a.jpg", "::/DCIM/a.jpg")
    (folder / "c.jpg").write_bytes(jpeg_bytes(photo(52)))
    run(tool("mcopy"), "-i", fat, folder / "c.jpg", "::/DCIM/deleted_photo.jpg")
    run(tool("mdel"), "-i", fat, "::/DCIM/deleted_photo.jpg")
    src = folder / "src"
    src.mkdir()
    (src / "b.jpg").write_bytes(jpeg_bytes(photo(51)))
    ext4 = folder / "ext4.img"
    run(tool("mke2fs"), "-q", "-t", "ext4", "-L", "linuxdata", "-d", src, "-F", ext4, "8M")
    junk = np.random.default_rng(5).bytes(2 * MIB)
    contents = [fat.read_bytes(), ntfs_volume.read_bytes(), ext4.read_bytes(), junk]
    types = ["0700", "0700", "8300", "8300"]
    names = ["Basic data partition", "Basic data partition", "Linux filesystem", "spare"]
    disk = folder / "disk.img"
    with open(disk, "wb") as fh:
        fh.truncate(sum(len(c) for c in contents) + 12 * MIB)
    args = [tool("sgdisk"), "-a", "2048"]
    start = 2 * MIB // 512  # a free MiB before the first partition, one after each
    layout = []
    for number, (content, code, name) in enumerate(zip(contents, types, names, strict=True), 1):
        sectors = len(content) // 512
        args += ["-n", f"{number}:{start}:{start + sectors - 1}", "-t", f"{number}:{code}"]
        args += ["-c", f"{number}:{name}"]
        layout.append((start * 512, len(content)))
        start += sectors + 2 * MIB // 512
    run(*args, disk)
    with open(disk, "r+b") as fh:
        for (offset, _length), content in zip(layout, contents, strict=True):
            fh.seek(offset)
            fh.write(content)
    return {"disk": disk, "layout": layout}


def mmls(image: Path) -> list[tuple[int, int, str]]:
    """(start sector, length in sectors, description) of each partition mmls lists."""
    out = subprocess.run([tool("mmls"), str(image)], capture_output=True, text=True, check=True)
    parts = []
    for line in out.stdout.splitlines():
        # "004:  000   0000004096   0000086015   0000081920   Basic data partition"
        m = re.match(r"\s*\d+:\s+[\d:]+\s+(\d+)\s+\d+\s+(\d+)\s*(.*)$", line)
        if m:
            parts.append((int(m.group(1)), int(m.group(2)), m.group(3).strip()))
    return parts


def test_volumes_of_a_gpt_disk(gpt_multi):
    evidence = open_evidence(gpt_multi["disk"])
    try:
        volumes = [v.as_dict() for v in evidence.describe_volumes()]
    finally:
        evidence.close()
    assert [v["name"] for v in volumes] == ["p1", "p2", "p3", "p4"]
    assert [(v["offset"], v["length"]) for v in volumes] == gpt_multi["layout"]
    assert {v["scheme"] for v in volumes} == {"gpt"}
    assert [v["filesystem"] for v in volumes] == ["fat32", "ntfs", "ext4", None]
    assert [v["label"] for v in volumes] == ["CAMERA", "EVIDENCE", "linuxdata", None]
    # The partition types are TSK's (mmls) descriptions of the table's entries (on GPT the
    # partition's name, which Windows sets to its type).
    described = {
        (start * 512, length * 512): desc for start, length, desc in mmls(gpt_multi["disk"])
    }
    for v in volumes:
        assert v["type"] == described[(v["offset"], v["length"])]


def test_gpt_disk_rows_are_what_fls_lists_in_each_partition(gpt_multi):
    """FAT32, NTFS and ext4 side by side: per partition, every regular file fls lists is a
    row (path prefixed ``pN/``, icat's content, fls's deleted flag) but for the file
    systems' own files, volume labels and deleted names without content."""
    disk = gpt_multi["disk"]
    rows = listed(disk)
    evidence = open_evidence(disk)
    volumes = evidence.describe_volumes()
    evidence.close()
    seen = set()
    for v in volumes:
        if v.filesystem is None:
            continue
        sector = v.offset // 512
        files = {p: r for p, r in fls(disk, sector).items() if r.meta_type == "r"}
        ours = {p.removeprefix(v.name + "/"): p for p in rows if p.startswith(v.name + "/")}
        assert set(ours) <= set(files), v.name
        for path in set(files) - set(ours):
            r = files[path]
            pseudo = (path.startswith("$") and not path.startswith("$OrphanFiles/")) or (
                path.endswith("(Volume Label Entry)")
            )
            assert pseudo or (r.deleted and r.size == 0), (v.name, path)
        for path, full in ours.items():
            entry, digest = rows[full]
            assert entry.deleted == files[path].deleted, full
            assert digest == icat_md5(disk, files[path].inode, sector), full
        seen |= set(ours.values())
    assert seen == set(rows)
    assert rows["p1/DCIM/deleted_photo.jpg"][0].deleted
    assert rows["p1/DCIM/deleted_photo.jpg"][1] == md5(jpeg_bytes(photo(52)))


def test_scan_report_lists_volumes(tmp_path, gpt_multi, mbr_image, standard_folder):
    from tests.triage.test_scan import invoke

    out = tmp_path / "out"
    invoke("scan", gpt_multi["disk"], mbr_image, standard_folder, "--out", out, "--workers", "1")
    rep = json.loads((out / "report.json").read_text("utf-8"))
    gpt, mbr, folder = rep["evidence"]
    assert [v["filesystem"] for v in gpt["volumes"]] == ["fat32", "ntfs", "ext4", None]
    assert [(v["name"], v["scheme"]) for v in mbr["volumes"]] == [("p1", "mbr"), ("p2", "mbr")]
    assert mbr["volumes"][0]["filesystem"].startswith("fat")
    assert mbr["volumes"][1]["filesystem"] is None
    assert folder["volumes"] == []
    rows = file_rows(out)
    paths = {r["path"] for r in rows if r["evidence"] == gpt["path"]}
    assert {"p1/DCIM/a.jpg", "p3/b.jpg", "p2/keep.txt"} <= paths
    page = (out / "report.html").read_text("utf-8")
    assert "linuxdata" in page


# --- unallocated space (for the carver) -------------------------------------------------


def blkls_free(image: Path, offset: int) -> list[tuple[int, int]]:
    """The blocks ``blkls -l -A`` lists as unallocated in the file system at ``offset``,
    as byte ranges from the start of the image."""
    block = pytsk3.FS_Info(pytsk3.Img_Info(str(image)), offset=offset).info.block_size
    out = subprocess.run(
        [tool("blkls"), "-l", "-A", "-o", str(offset // 512), str(image)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    addrs = [int(line.split("|")[0]) for line in out.splitlines() if line.endswith("|f")]
    return [(offset + a * block, offset + (a + 1) * block) for a in addrs]


def covered(inner: list[tuple[int, int]], outer: list[tuple[int, int]]) -> bool:
    """Whether every byte of ``inner`` lies in ``outer`` (sorted, not overlapping; ranges
    that touch count as one)."""
    import bisect

    joined: list[list[int]] = []
    for a, b in outer:
        if joined and a <= joined[-1][1]:
            joined[-1][1] = max(joined[-1][1], b)
        else:
            joined.append([a, b])
    starts = [a for a, _ in joined]
    for a, b in inner:
        i = bisect.bisect_right(starts, a) - 1
        if i < 0 or joined[i][1] < b:
            return False
    return True


def overlaps(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    return any(max(x, y) < min(x2, y2) for x, x2 in a for y, y2 in b)


def test_unallocated_ranges_for_the_carver(gpt_multi):
    """Everything TSK calls unallocated (blkls) is in the ranges, with the gaps between
    partitions and the partition without a file system; no live file's content is."""
    disk = gpt_multi["disk"]
    evidence = open_evidence(disk)
    try:
        free = evidence.unallocated_ranges()
        volumes = evidence.describe_volumes()
        entries = list(evidence.entries())
        runs = {e.path: evidence.byte_runs(e) for e in entries}
    finally:
        evidence.close()
    assert free == sorted(free)
    assert all(a < b for a, b in free)
    assert all(b <= c for (_, b), (c, _) in itertools.pairwise(free))
    # No range spans two partitions, or a partition and a gap: the carver names a carved
    # file by the partition holding its range's start.
    extents = [(v.offset, v.offset + v.length) for v in volumes]
    for a, b in free:
        inside = [(s, e) for s, e in extents if s <= a < e]
        assert not inside or b <= inside[0][1], (a, b)
        assert all(not (a < s < b) for s, _ in extents), (a, b)
    for v in volumes:
        if v.filesystem:
            assert covered(blkls_free(disk, v.offset), free), v.name
    # The partition without a file system and the free MiBs around the partitions.
    junk = volumes[3]
    assert covered([(junk.offset, junk.offset + junk.length)], free)
    for (offset, length), (nxt, _) in itertools.pairwise(gpt_multi["layout"]):
        assert covered([(offset + length, nxt)], free)
    live = [r for e in entries if not e.deleted for r in runs[e.path]]
    assert live
    assert not overlaps(live, free)
    # The deleted NTFS photos' clusters are free: the carver will look there.
    for rel in NTFS_DELETED:
        assert covered(runs[f"p2/{rel}"], free), rel


# --- names that are not UTF-8 ----------------------------------------------------------


@pytest.fixture(scope="session")
def lookalike_names(tmp_path_factory) -> Path:
    """A folder with ``caf\\xe9.jpg`` twice: once the byte 0xE9 (Latin-1, not UTF-8), once
    the four characters backslash, x, e, 9, which ``backslashreplace`` writes alike; and a
    ZIP and a TAR holding the Latin-1 name."""
    root = tmp_path_factory.mktemp("names") / "ev"
    root.mkdir()
    (root / os.fsdecode(b"caf\xe9.jpg")).write_bytes(jpeg_bytes(photo(60)))
    (root / "caf\\xe9.jpg").write_bytes(jpeg_bytes(photo(61)))
    import io
    import tarfile
    import zipfile

    with zipfile.ZipFile(root / "a.zip", "w") as zf:
        # No UTF-8 flag: the name's bytes are taken as CP437 by the ZIP specification.
        zf.writestr(zipfile.ZipInfo("x.txt"), b"x")
    raw = (root / "a.zip").read_bytes()
    (root / "a.zip").write_bytes(raw.replace(b"x.txt", b"\xe9.txt"))
    with tarfile.open(root / "b.tar", "w", encoding="utf-8", errors="surrogateescape") as tf:
        info = tarfile.TarInfo(os.fsdecode(b"d\xe9.txt"))
        info.size = 1
        tf.addfile(info, io.BytesIO(b"y"))
    # An archive whose own name is not UTF-8: its members' path_hex starts with its bytes.
    (root / os.fsdecode(b"\xe9t\xe9.zip")).write_bytes((root / "a.zip").read_bytes())
    return root


def _scan_rows(tmp_path: Path, evidence: Path) -> tuple[list[dict], list[dict]]:
    import csv

    from tests.triage.test_scan import invoke

    out = tmp_path / "out"
    invoke("scan", evidence, "--out", out, "--workers", "1")
    rows = file_rows(out)
    with open(out / "files.csv", newline="", encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    return rows, table


@pytest.mark.parametrize("as_ext4", [False, True], ids=["folder", "ext4"])
def test_lookalike_names_stay_apart_by_path_hex(tmp_path, lookalike_names, as_ext4):
    evidence = lookalike_names
    if as_ext4:
        evidence = tmp_path / "names.img"
        run(tool("mke2fs"), "-q", "-t", "ext4", "-d", lookalike_names, "-F", evidence, "8M")
    rows, table = _scan_rows(tmp_path, evidence)
    same = [r for r in rows if r["path"] == "caf\\xe9.jpg"]
    assert len(same) == 2
    latin = [r for r in same if "path_hex" in r]
    assert [r["path_hex"] for r in latin] == [b"caf\xe9.jpg".hex()]
    assert {r["md5"] for r in latin} == {md5(jpeg_bytes(photo(60)))}
    # Rows whose name is UTF-8 do not have the key; files.csv leaves the cell empty.
    assert not [r for r in rows if "path_hex" in r and bytes.fromhex(r["path_hex"]).isascii()]
    assert sorted(r["path_hex"] for r in table if r["path"] == "caf\\xe9.jpg") == [
        "",
        b"caf\xe9.jpg".hex(),
    ]
    by_path = {r["path"]: r for r in rows}
    assert by_path["a.zip!\\xe9.txt"]["path_hex"] == b"a.zip!\xe9.txt".hex()
    assert by_path["b.tar!d\\xe9.txt"]["path_hex"] == b"b.tar!d\xe9.txt".hex()
    assert "path_hex" not in by_path["a.zip"]
    assert by_path["\\xe9t\\xe9.zip!\\xe9.txt"]["path_hex"] == b"\xe9t\xe9.zip!\xe9.txt".hex()


# --- worker processes -------------------------------------------------------------------


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting for its new parent does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.fixture(scope="session")
def photo_folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("photos") / "ev"
    root.mkdir()
    for i in range(300):
        (root / f"p{i:03d}.jpg").write_bytes(jpeg_bytes(photo(500 + i, (480, 360)), 80))
    return root


def test_workers_end_when_the_scan_is_killed(tmp_path, photo_folder):
    """kill -9 of the scan's main process: its worker processes (which hold the evidence
    open) do not stay behind."""
    import signal
    import sys
    import time

    netsafe = Path(sys.executable).with_name("netsafe")
    proc = subprocess.Popen(
        [
            str(netsafe),
            "triage",
            "scan",
            str(photo_folder),
            "--out",
            str(tmp_path / "out"),
            "--workers",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: set[int] = set()
    deadline = time.monotonic() + 120
    while len(workers) < 2 and proc.poll() is None and time.monotonic() < deadline:
        workers |= _children(proc.pid)
        time.sleep(0.01)
    assert len(workers) >= 2, "the scan started no worker processes"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 30
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [p for p in workers if _alive(p)]
    for p in left:  # never leave them running after the test, whatever it found
        os.kill(p, signal.SIGKILL)
    assert not left, f"worker processes still running after the scan was killed: {left}"


def with_stored_sha1(e01: bytes, stored: str, new: str) -> bytes:
    """The E01 with another SHA-1 in its ``digest`` section (MD5 16 bytes, SHA-1 20,
    padding 40, then the Adler-32 of those 76), as if the media had changed after
    acquisition while its MD5 had not."""
    data = bytearray(e01)
    where = data.find(bytes.fromhex(stored))
    assert where > 16, "no digest section holding the SHA-1"
    section = where - 16
    data[where : where + 20] = bytes.fromhex(new)
    data[section + 76 : section + 80] = zlib.adler32(bytes(data[section : section + 76])).to_bytes(
        4, "little"
    )
    return bytes(data)


def test_stored_sha1_that_differs_fails_verification(tmp_path, ewf_pair):
    from tests.triage.test_scan import _netsafe

    media = ewf_pair["media"].read_bytes()
    sha1 = hashlib.sha1(media).hexdigest()
    other = tmp_path / "other.E01"
    other.write_bytes(with_stored_sha1(ewf_pair["good"].read_bytes(), sha1, "ab" * 20))
    proc = subprocess.run([tool("ewfverify"), "-q", "-d", "sha1", str(other)], capture_output=True)
    assert proc.returncode != 0  # ewfverify agrees: FAILURE

    out = tmp_path / "out"
    proc = _netsafe("scan", other, "--out", out, "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    integrity = json.loads((out / "report.json").read_text("utf-8"))["evidence"][0]["integrity"]
    assert integrity["stored_md5"] == integrity["computed_md5"]  # the MD5 alone would pass
    assert integrity["stored_sha1"] == "ab" * 20
    assert integrity["computed_sha1"] == sha1
    assert integrity["bad_ranges"] == []
    assert integrity["verified"] is False
    (warning,) = [x for x in proc.stderr.splitlines() if x.startswith("WARNING:")]
    assert "SHA-1" in warning


@pytest.mark.parametrize("zone", ["America/New_York", "Australia/Sydney", "Asia/Kolkata"])
def test_fat_times_do_not_depend_on_the_examining_machines_time_zone(labelled_fat, zone):
    """FAT stores wall-clock times without a zone; TSK reads them through the machine's
    zone. The rows give them as written (what fls -m shows on a UTC machine) anywhere."""
    import sys

    code = (
        "import json, sys; from netsafe.triage.sources import open_evidence; "
        "print(json.dumps([e.times for e in open_evidence(sys.argv[1]).entries()]))"
    )
    env = {**os.environ, "TZ": zone}
    there = subprocess.run(
        [sys.executable, "-c", code, str(labelled_fat)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    utc = subprocess.run(
        [sys.executable, "-c", code, str(labelled_fat)],
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": "UTC"},
        check=True,
    ).stdout
    assert json.loads(there) == json.loads(utc)
    shifted = subprocess.run(
        [tool("fls"), "-r", "-m", "/", str(labelled_fat)], capture_output=True, text=True, env=env
    ).stdout
    plain = subprocess.run(
        [tool("fls"), "-r", "-m", "/", str(labelled_fat)],
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": "UTC"},
    ).stdout
    assert shifted != plain  # TSK itself shifts them: the test would catch a regression
