"""Forensic detail of the disk sources, checked against The Sleuth Kit's own tools.

Each image is built with the ordinary tools (mkntfs and an ntfs-3g mount, mkfs.vfat and
mtools, mke2fs) and every row the source lists is compared with what ``fls -r -p -m``
lists and ``icat`` reads from the same image.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
import subprocess
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.triage.conftest import jpeg_bytes, photo, run, tool

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
    rows = {
        r["path"]: r for r in map(json.loads, (out / "files.jsonl").read_text("utf-8").splitlines())
    }
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
    import json
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
    rows = {
        r["path"]: r for r in map(json.loads, (out / "files.jsonl").read_text("utf-8").splitlines())
    }
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

    rows = {
        r["path"]: r for r in map(json.loads, (out / "files.jsonl").read_text("utf-8").splitlines())
    }
    diary = rows["diary.txt"]
    first, end = expected[0]
    assert f"bytes {first}-{end}" in diary["error"]
    assert diary["md5"]
    assert diary["sha1"]
    assert [p for p, r in rows.items() if r["error"]] == ["diary.txt"]

    page = (out / "report.html").read_text("utf-8")
    assert page.index("failed verification") < page.index("Hash sets")
    assert f"bytes {first}-{end}" in page


def test_intact_e01_scan_prints_no_warning(tmp_path, ewf_pair):
    from tests.triage.test_scan import _netsafe

    out = tmp_path / "out"
    proc = _netsafe("scan", ewf_pair["good"], "--out", out, "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    assert "WARNING" not in proc.stderr
    integrity = json.loads((out / "report.json").read_text("utf-8"))["evidence"][0]["integrity"]
    assert integrity["verified"] is True
    assert "failed verification" not in (out / "report.html").read_text("utf-8")
