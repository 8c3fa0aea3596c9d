"""Evidence sources: every kind passes the same contract, plus what is particular to each."""

from __future__ import annotations

import hashlib
import os
import shutil

import pytest
from tests.triage.conftest import DELETED_FILES, STANDARD_FILES, flat_name, run, tool

from netsafe.triage import sources
from netsafe.triage.sources import EvidenceError, detect_kind, open_evidence

#: Evidence of every kind: fixture -> (the kind it is, the path prefix of its files).
KINDS = {
    "standard_folder": ("folder", ""),
    "fat_image": ("raw", ""),
    "exfat_image": ("raw", ""),
    "ext4_image": ("raw", ""),
    "mbr_image": ("raw", "p1/"),
    "split_raw": ("raw", "p1/"),
    "gpt_image": ("raw", "p1/"),
    "e01_image": ("ewf", ""),
    "split_e01": ("ewf", ""),
    "standard_zip": ("archive", ""),
    "standard_tar": ("archive", ""),
}


def test_the_contract_covers_every_registered_kind():
    # A kind added to sources.KINDS without evidence here would skip the contract below.
    assert {kind for kind, _ in KINDS.values()} == {k.kind for k in sources.KINDS}
    assert len({k.kind for k in sources.KINDS}) == len(sources.KINDS)


def read_all(evidence) -> dict[str, tuple[bool, str]]:
    out = {}
    for entry in evidence.entries():
        with evidence.open(entry) as fh:
            data = fh.read()
        assert len(data) == entry.size, entry.path
        out[entry.path] = (entry.deleted, hashlib.md5(data).hexdigest())
    return out


@pytest.mark.parametrize("fixture", sorted(KINDS))
def test_every_source_lists_and_reads_the_same_files(fixture, request):
    """The contract every source passes: kind found from content, every regular file listed
    once with its size, content read back exactly, paths relative to the root."""
    path = request.getfixturevalue(fixture)
    kind, prefix = KINDS[fixture]
    assert detect_kind(path) == kind
    evidence = open_evidence(path)
    try:
        files = read_all(evidence)
    finally:
        evidence.close()
    live = {p.removeprefix(prefix): md5 for p, (deleted, md5) in files.items() if not deleted}
    live.pop("lost+found", None)
    expected = {rel: hashlib.md5(data).hexdigest() for rel, data in STANDARD_FILES.items()}
    assert live == expected
    assert all(p.startswith(prefix) for p in files)


def test_ntfs_lists_and_reads_the_files_without_its_metadata(ntfs_image):
    """NTFS through TSK: the same content (at the top of the volume: see the fixture), and
    none of the file system's own files ($MFT, $Bitmap, ...)."""
    assert detect_kind(ntfs_image) == "raw"
    evidence = open_evidence(ntfs_image)
    try:
        files = read_all(evidence)
    finally:
        evidence.close()
    expected = {
        flat_name(rel): (False, hashlib.md5(data).hexdigest())
        for rel, data in STANDARD_FILES.items()
    }
    assert files == expected


def test_split_raw_image_is_read_as_one_from_its_first_part(split_raw, mbr_image):
    evidence = open_evidence(split_raw)
    try:
        assert [p.name for p in evidence.parts] == ["disk.001", "disk.002", "disk.003"]
        assert evidence.volumes == open_evidence(mbr_image).volumes
    finally:
        evidence.close()
    # Without its last part the partition table points past the end of the image.
    short = split_raw.parent.parent / "short"
    short.mkdir()
    for name in ("disk.001", "disk.002"):
        shutil.copy(split_raw.parent / name, short / name)
    with pytest.raises(EvidenceError, match=r"2 parts, disk.001 to disk.002: is a part missing"):
        open_evidence(short / "disk.001")


def test_listing_order_is_the_same_every_time(ext4_image):
    first = [e.path for e in open_evidence(ext4_image).entries()]
    second = [e.path for e in open_evidence(ext4_image).entries()]
    assert first == second
    assert [e.seq for e in open_evidence(ext4_image).entries()] == list(range(len(first)))


@pytest.mark.parametrize("fixture", ["fat_image", "exfat_image"])
def test_deleted_file_is_recovered_and_flagged(fixture, request):
    evidence = open_evidence(request.getfixturevalue(fixture))
    files = read_all(evidence)
    deleted = {p: md5 for p, (d, md5) in files.items() if d}
    (data,) = DELETED_FILES.values()
    assert list(deleted.values()) == [hashlib.md5(data).hexdigest()]
    # FAT and exFAT keep the long name of a deleted file; TSK gives it back.
    assert next(iter(deleted)) == next(iter(DELETED_FILES))


def test_exfat_evidence_is_a_volume_fsck_finds_clean(exfat_image):
    """The exFAT image is written by the tests' own code: the file-system checker vouches
    for it, so what TSK reads from it is what a camera's card would hold."""
    run(tool("fsck.exfat"), "-n", exfat_image)


@pytest.mark.parametrize("fixture", ["fat_image", "exfat_image", "ntfs_image"])
def test_file_system_metadata_is_not_listed(fixture, request):
    paths = {e.path for e in open_evidence(request.getfixturevalue(fixture)).entries()}
    assert not {p for p in paths if p.startswith("$")}


def test_partition_without_file_system_is_reported_not_fatal(mbr_image):
    evidence = open_evidence(mbr_image)
    assert [v[0] for v in evidence.volumes] == ["p1/"]
    assert len(evidence.errors) == 1
    assert evidence.errors[0].startswith("p2 ")


def test_ewf_integrity_verified(e01_image, split_e01, ext4_image):
    media_md5 = hashlib.md5(ext4_image.read_bytes()).hexdigest()
    for path in (e01_image, split_e01):
        evidence = open_evidence(path)
        integrity = evidence.verify()
        assert integrity.stored_md5 == media_md5
        assert integrity.computed_md5 == media_md5
        assert integrity.verified is True
    assert len(open_evidence(split_e01).segments) > 5


def test_truncated_e01_is_unusable_evidence(tmp_path, e01_image):
    bad = tmp_path / "bad.E01"
    data = e01_image.read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(EvidenceError) as err:
        open_evidence(bad)
    assert str(bad) in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_segment_of_split_e01_is_unusable(tmp_path, split_e01):
    for seg in split_e01.parent.iterdir():
        shutil.copy(seg, tmp_path / seg.name)
    (tmp_path / "image.E03").unlink()
    with pytest.raises(EvidenceError):
        open_evidence(tmp_path / "image.E01")


def test_unsupported_file_system_is_unusable_evidence(tmp_path):
    junk = tmp_path / "junk.img"
    junk.write_bytes(os.urandom(1 << 20))
    assert detect_kind(junk) == "raw"
    with pytest.raises(EvidenceError, match="no partition table or file system"):
        open_evidence(junk)


def test_missing_evidence(tmp_path):
    with pytest.raises(EvidenceError, match="not found"):
        detect_kind(tmp_path / "nope.dd")


def test_folder_keeps_non_utf8_names_and_survives_link_loops(messy_folder):
    evidence = open_evidence(messy_folder)
    paths = [e.path for e in evidence.entries()]
    assert "caf\\xe9.jpg" in paths
    assert not [p for p in paths if "loop" in p]
    entry = next(e for e in evidence.entries() if e.path == "caf\\xe9.jpg")
    with evidence.open(entry) as fh:
        assert fh.read(2) == b"\xff\xd8"


def test_evidence_is_not_written(fat_image, e01_image, standard_zip):
    before = {
        p: (p.stat().st_mtime_ns, hashlib.md5(p.read_bytes()).hexdigest())
        for p in (fat_image, e01_image, standard_zip)
    }
    for p in before:
        ev = open_evidence(p)
        read_all(ev)
        ev.close()
    after = {p: (p.stat().st_mtime_ns, hashlib.md5(p.read_bytes()).hexdigest()) for p in before}
    assert before == after


def test_disk_image_keeps_non_utf8_names_and_skips_links(tmp_path, messy_folder):
    from tests.triage.conftest import make_ext4

    image = make_ext4(tmp_path / "messy.img", messy_folder, "96M")
    paths = {e.path for e in open_evidence(image).entries()}
    assert "caf\\xe9.jpg" in paths
    assert "DCIM/good.jpg" in paths
    assert not [p for p in paths if "loop" in p]
