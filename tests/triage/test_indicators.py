"""Indicators from the shipped rules file, and the priority they feed."""

from __future__ import annotations

import os

import numpy as np
from tests.triage.conftest import mbr_disk

from netsafe.triage.hashing import HEAD_BYTES, file_type
from netsafe.triage.indicators import IndicatorScan, load_rules
from netsafe.triage.priority import assess
from netsafe.triage.sources import open_evidence
from netsafe.triage.sources.archive import Limits
from netsafe.triage.work import process_entry


def names(records: list[dict]) -> set[str]:
    scan = IndicatorScan(load_rules())
    for rec in records:
        scan.observe(rec)
    return {r["name"] for r in scan.results()}


def test_path_rules_cover_each_family():
    paths = {
        "Program Files (x86)/eMule/emule.exe": "emule",
        "Program Files/Shareaza/Shareaza.exe": "shareaza",
        "Users/a/AppData/Local/Ares/My Shared Folder/x.avi": "ares",
        "Users/a/AppData/Roaming/uTorrent/resume.dat": "bittorrent",
        "Users/a/Desktop/Tor Browser/Browser/firefox.exe": "tor-browser",
        "Program Files/CCleaner/CCleaner64.exe": "ccleaner",
        "Program Files/Eraser/Eraser.exe": "eraser",
        "usr/share/bleachbit/Cleaner.py": "bleachbit",
        "Program Files/VeraCrypt/VeraCrypt.exe": "veracrypt-software",
        "Users/a/OneDrive/cv.docx": "cloud-sync",
        # At the top of the evidence, and inside an archive.
        "Tor Browser/Browser/firefox.exe": "tor-browser",
        "Downloads/tools.zip!eMule/emule.exe": "emule",
        "DOWNLOADS/FILM.TORRENT": "bittorrent",
    }
    for path, expected in paths.items():
        assert names([{"path": path, "size": 1}]) == {expected}, path
    assert names([{"path": "Users/a/Documents/eraser-notes.txt", "size": 1}]) == set()
    assert names([{"path": "Users/a/Documents/mytor browser/x", "size": 1}]) == set()


def _random_blob(size: int, typed_as: str) -> bytes:
    """Seeded random bytes that libmagic types as ``typed_as`` (the first such seed)."""
    for seed in range(5000):
        data = np.random.default_rng(seed).bytes(size)
        if file_type(data[:HEAD_BYTES]) == typed_as:
            return data
    raise AssertionError(f"no random blob typed {typed_as}")


def test_encrypted_container_by_size_and_entropy(tmp_path):
    (tmp_path / "vault.dat").write_bytes(_random_blob(2 << 20, "application/octet-stream"))
    # Random bytes that carry a short signature by chance are a container all the same.
    (tmp_path / "vault2.dat").write_bytes(_random_blob(2 << 20, "application/x-dosexec"))
    odd = _random_blob((2 << 20) + 1, "application/octet-stream")
    (tmp_path / "odd.dat").write_bytes(odd)  # not whole sectors
    (tmp_path / "zeros.dat").write_bytes(bytes(2 << 20))  # no entropy
    evidence = open_evidence(tmp_path)
    records = [r for e in evidence.entries() for r in process_entry(evidence, e, "x", Limits())]
    scan = IndicatorScan(load_rules())
    for rec in records:
        scan.observe(rec)
    (found,) = scan.results()
    assert found["name"] == "encrypted-container"
    assert found["paths"] == ["vault.dat", "vault2.dat"]


def test_bitlocker_volume_in_partition_table(tmp_path, fat_image):
    bitlocker = b"\xeb\x58\x90-FVE-FS-" + os.urandom((1 << 20) - 11)
    disk = mbr_disk(tmp_path / "disk.dd", [(0x0C, fat_image.read_bytes()), (0x07, bitlocker)])
    evidence = open_evidence(disk)
    assert evidence.volume_signatures == [("p2", "bitlocker")]
    assert "BitLocker" in evidence.errors[0]
    scan = IndicatorScan(load_rules())
    scan.observe_volume("p2", "bitlocker")
    assert [r["name"] for r in scan.results()] == ["bitlocker-volume"]


def summary(categories: dict, indicators: list | None = None) -> dict:
    return {"categories": categories, "matches": {}, "indicators": indicators or []}


def test_priority_bands_and_reasons():
    nothing = assess(summary({}), 0, 0)
    assert nothing["band"] == "low"
    a = assess(summary({"A": {"files": 1, "unique": 1}}), 0, 0)
    assert a["band"] == "high"
    c = assess(summary({"C": {"files": 2, "unique": 1}}), 0, 0)
    assert c["band"] == "medium"
    assert c["score"] < a["score"]
    tor = {"name": "tor-browser", "group": "anonymity", "count": 1, "paths": ["x"]}
    with_tor = assess(summary({"C": {"files": 2, "unique": 1}}, [tor]), 1, 0)
    assert with_tor["score"] > c["score"]
    assert any("deleted" in r for r in with_tor["reasons"])
    assert any("tor-browser" in r for r in with_tor["reasons"])
