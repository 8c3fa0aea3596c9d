"""Windows thumbnail caches as rows (issue #14, contract "Embedded files"): every picture
a thumbcache_*.db or Thumbs.db holds is a row ``cache!<entry id>.<ext>``, hashed,
typed, PDQ-hashed and matched like any file.

The caches are built here by small writers that follow the documented layouts: the
CMMM database (libwtcdb's "Windows Explorer Thumbnail Cache database format") and the
OLE compound file ([MS-CFB], version 3), since no library writes either.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
from pathlib import Path

import olefile
import pytest
from tests.triage.conftest import file_rows, jpeg_bytes, photo, write_tree, zip_bytes
from typer.testing import CliRunner

from netsafe.triage.cli import app
from netsafe.triage.thumbcache import ThumbCacheError, thumbcache_entries, thumbs_db_entries

THUMBS = [jpeg_bytes(photo(20 + i, (256, 192)), quality=85) for i in range(3)]
# Each fills a whole stream of at least 4,096 bytes (see ole_file).
assert all(len(t) >= 4096 for t in THUMBS)


def thumbcache(entries: list[tuple[int, bytes]], version: int = 32) -> bytes:
    """A thumbcache_*.db of ``version`` (21: Windows 7, 32: Windows 10) holding
    ``(entry hash, data)`` entries, an empty entry, then free space."""
    win7 = version == 21
    header = b"CMMM" + struct.pack("<II", version, 3)  # cache type 3: 256 px
    header += struct.pack("<III", 24, 0, len(entries)) if win7 else struct.pack("<III", 0, 24, 0)
    out = bytearray(header[:24])
    for entry_hash, data in [*entries, (0x1234, b"")]:
        ident = f"{entry_hash:016x}".encode("utf-16-le")
        head_size = 48 if win7 else 56
        pad = (-(head_size + len(ident) + len(data))) % 8
        total = head_size + len(ident) + pad + len(data)
        head = b"CMMM" + struct.pack("<IQ", total, entry_hash)
        head += struct.pack("<IIII", len(ident), pad, len(data), 0)
        if not win7:
            head += struct.pack("<II", 256, 192)  # width, height
        head += struct.pack("<QQ", 0, 0)  # data and header checksums
        assert len(head) == head_size
        out += head + ident + b"\x00" * pad + data
    out += b"\x00" * 512
    return bytes(out)


# --- a minimal OLE compound file writer ([MS-CFB] version 3, 512-byte sectors) ---------

_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def ole_file(streams: dict[str, bytes]) -> bytes:
    """An OLE compound file holding ``streams`` in its root storage. Every stream is
    padded to the 4,096-byte mini-stream cut-off so that all live in regular sectors
    (the mini stream is not needed to test a reader of whole streams)."""
    sector = 512
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    data = {n: streams[n] + b"\x00" * max(0, 4096 - len(streams[n])) for n in names}
    fat: list[int] = []
    body = bytearray()
    starts = {}
    for n in names:
        count = -(-len(data[n]) // sector)
        starts[n] = len(fat)
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [_END]
        body += data[n] + b"\x00" * (count * sector - len(data[n]))
    entries = [_dir_entry("Root Entry", 5, _END, 0, child=1 if names else _NOSTREAM)]
    for i, n in enumerate(names):
        right = i + 2 if i + 1 < len(names) else _NOSTREAM
        entries.append(_dir_entry(n, 2, starts[n], len(data[n]), right=right))
    while len(entries) % 4:
        entries.append(b"\x00" * 64 + struct.pack("<HBB", 0, 0, 0) + b"\xff" * 12 + b"\x00" * 48)
    directory = b"".join(entries)
    assert len(directory) % sector == 0
    dir_start = len(fat)
    dir_count = len(directory) // sector
    fat += [len(fat) + i + 1 for i in range(dir_count - 1)] + [_END]
    body += directory
    fat_count = -(-(len(fat) + 1) // 128)
    while -(-(len(fat) + fat_count) // 128) > fat_count:
        fat_count += 1
    fat_start = len(fat)
    fat += [_FATSECT] * fat_count
    fat += [_FREE] * (fat_count * 128 - len(fat))
    body += struct.pack(f"<{len(fat)}I", *fat)
    difat = [fat_start + i for i in range(fat_count)] + [_FREE] * (109 - fat_count)
    header = olefile.MAGIC + b"\x00" * 16
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
    header += struct.pack("<IIIIIIIII", 0, fat_count, dir_start, 0, 4096, _END, 0, _END, 0)
    header += struct.pack("<109I", *difat)
    assert len(header) == sector
    return header + bytes(body)


def _dir_entry(
    name: str, kind: int, start: int, size: int, *, child=_NOSTREAM, right=_NOSTREAM
) -> bytes:
    raw = (name + "\x00").encode("utf-16-le")
    entry = raw + b"\x00" * (64 - len(raw))
    entry += struct.pack("<HBB", len(raw), kind, 1)  # 1: black
    entry += struct.pack("<III", _NOSTREAM, right, child)
    entry += b"\x00" * 16 + struct.pack("<I", 0) + b"\x00" * 16
    entry += struct.pack("<IQ", start, size)
    assert len(entry) == 128
    return entry


def thumbs_db(pictures: list[bytes]) -> bytes:
    """A Windows XP Thumbs.db: streams "1", "2", ... each a 12-byte header (header size,
    index, picture size) then the JPEG, and a Catalog stream naming the files."""
    streams = {
        str(i + 1): struct.pack("<III", 12, i + 1, len(p)) + p for i, p in enumerate(pictures)
    }
    streams["Catalog"] = struct.pack("<HHII", 16, 7, len(pictures), 96) + b"\x00" * 64
    return ole_file(streams)


def scan(evidence: Path, out: Path, *extra: str) -> dict[str, dict]:
    result = CliRunner().invoke(
        app, ["scan", str(evidence), "--out", str(out), "--workers", "1", *extra]
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    rows = file_rows(out)
    return {r["path"]: r for r in rows}


@pytest.mark.parametrize("version", [21, 32])
def test_thumbcache_entries_of_windows_7_and_10(version):
    db = thumbcache([(0xA1B2C3D4E5F60718, THUMBS[0]), (0x0F1E2D3C4B5A6978, THUMBS[1])], version)
    found = list(thumbcache_entries(io.BytesIO(db), len(db)))
    assert [(t.name, t.data) for t in found] == [
        ("a1b2c3d4e5f60718.jpg", THUMBS[0]),
        ("0f1e2d3c4b5a6978.jpg", THUMBS[1]),
    ]


def test_a_damaged_thumbcache_keeps_what_came_before_the_damage():
    db = bytearray(thumbcache([(1, THUMBS[0]), (2, THUMBS[1])]))
    second = db.index(b"CMMM", 30)
    struct.pack_into("<I", db, second + 4, 1 << 30)  # its size runs past the file
    entries = thumbcache_entries(io.BytesIO(bytes(db)), len(db))
    assert next(entries).data == THUMBS[0]
    with pytest.raises(ThumbCacheError, match=f"damaged entry at byte {second}"):
        next(entries)


def test_thumbs_db_written_here_is_read_by_olefile_too():
    db = thumbs_db(THUMBS[:2])
    ole = olefile.OleFileIO(io.BytesIO(db))
    assert sorted(ole.listdir()) == [["1"], ["2"], ["Catalog"]]
    found = list(thumbs_db_entries(io.BytesIO(db)))
    assert [(t.name, t.data) for t in found] == [("1.jpg", THUMBS[0]), ("2.jpg", THUMBS[1])]


def test_scan_lists_every_cached_thumbnail_as_a_row(tmp_path):
    cache = "Users/alex/AppData/Local/Microsoft/Windows/Explorer/thumbcache_256.db"
    ev = write_tree(
        tmp_path / "ev",
        {
            cache: thumbcache([(0xA1B2C3D4E5F60718, THUMBS[0]), (0x77, THUMBS[1])]),
            "old/Thumbs.db": thumbs_db([THUMBS[2]]),
            "backup.zip": zip_bytes({"Thumbs.db": thumbs_db([THUMBS[1]])}),
        },
    )
    # The second thumbnail is known: each copy of it matches wherever it is cached.
    hashset = tmp_path / "set.csv"
    hashset.write_text(f"sha1,category\n{hashlib.sha1(THUMBS[1]).hexdigest()},B\n")
    out = tmp_path / "out"
    rows = scan(ev, out, "--hashset", str(hashset))
    first = rows[f"{cache}!a1b2c3d4e5f60718.jpg"]
    assert first["sha1"] == hashlib.sha1(THUMBS[0]).hexdigest()
    assert first["type"] == "image/jpeg"
    assert first["pdq"]
    assert rows[f"{cache}!0000000000000077.jpg"]["matches"][0]["category"] == "B"
    assert rows[cache]["error"] is None
    xp = rows["old/Thumbs.db!1.jpg"]
    assert xp["pdq"]
    assert xp["type"] == "image/jpeg"
    assert rows["backup.zip!Thumbs.db!1.jpg"]["matches"][0]["category"] == "B"
    report = json.loads((out / "report.json").read_text())
    assert report["evidence"][0]["summary"]["categories"] == {"B": {"files": 2, "unique": 1}}
