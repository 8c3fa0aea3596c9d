"""Fragment-aware carving of JPEG (bifragment gap carving): a photo that a FAT file
system wrote in two pieces around another file, deleted, is carved whole.

The disk is made with the ordinary tools: ``mkfs.vfat``, then ``mcopy`` three small
files, ``mdel`` the middle one, and ``mcopy`` a photo larger than the hole it left.
mtools fills the hole first and goes on after the third file, as a FAT driver does, so
the photo lies in two fragments (``istat`` shows the two runs of sectors). Then the
photo and the third file are deleted with ``mdel``. The Sleuth Kit still lists the
photo, but a deleted FAT file's cluster chain is gone: TSK reads it from its first
cluster on through the free clusters that follow, which now include the third file's,
so only carving gives the photo's bytes back (while the third file is there, TSK skips
its clusters and gets the photo right: the scan then lists it once, not carved again).
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from tests.triage.conftest import file_rows, jpeg_bytes, photo, run, tool
from tests.triage.test_report_pages import PAGES_DIR, Page
from typer.testing import CliRunner

from netsafe.triage.carving import CarveResult, carve
from netsafe.triage.cli import app

SECTOR = 512
PHOTO = jpeg_bytes(photo(77, (640, 480)))
RNG = np.random.default_rng(14)
BEFORE, HOLE, AFTER = RNG.bytes(6000), RNG.bytes(6000), RNG.bytes(10000)


def photo_runs(image: Path) -> list[tuple[int, int]]:
    """The photo's sectors as ``istat`` lists them, in runs ``[first, last]``."""
    fls = subprocess.run([tool("fls"), str(image)], capture_output=True, text=True, check=True)
    inode = re.search(r"(\d+):\s+photo\.jpg", fls.stdout).group(1)
    out = subprocess.run(
        [tool("istat"), str(image), inode], capture_output=True, text=True, check=True
    ).stdout
    sectors = [int(x) for x in out.split("Sectors:", 1)[1].split() if int(x) > 0]
    runs: list[tuple[int, int]] = []
    for s in sectors:
        if runs and s == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], s)
        else:
            runs.append((s, s))
    return runs


@pytest.fixture(scope="module")
def fragmented(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("fragmented")
    image = base / "card.img"
    with open(image, "wb") as fh:
        fh.truncate(4 << 20)
    run(tool("mkfs.vfat"), "-s", "4", "-S", str(SECTOR), image)
    for name, data in (("a.bin", BEFORE), ("b.bin", HOLE), ("c.bin", AFTER), ("photo.jpg", PHOTO)):
        (base / name).write_bytes(data)
    for name in ("a.bin", "b.bin", "c.bin"):
        run(tool("mcopy"), "-i", image, base / name, f"::/{name}")
    run(tool("mdel"), "-i", image, "::/b.bin")
    run(tool("mcopy"), "-i", image, base / "photo.jpg", "::/photo.jpg")
    runs = photo_runs(image)
    run(tool("mdel"), "-i", image, "::/photo.jpg")
    run(tool("mdel"), "-i", image, "::/c.bin")
    return {"image": image, "runs": runs}


def test_the_photo_really_lies_in_two_fragments(fragmented):
    runs = fragmented["runs"]
    assert len(runs) == 2
    (a, b), (c, d) = runs
    assert c > b + 1  # another file's sectors lie between
    data = fragmented["image"].read_bytes()
    pieces = data[a * SECTOR : (b + 1) * SECTOR] + data[c * SECTOR : (d + 1) * SECTOR]
    assert pieces[: len(PHOTO)] == PHOTO
    # Read as one run, as for a deleted FAT file, the bytes are not the photo.
    assert data[a * SECTOR : a * SECTOR + len(PHOTO)] != PHOTO


def test_the_deleted_fragmented_photo_is_carved_whole(tmp_path, fragmented):
    sets = tmp_path / "set.csv"
    sets.write_text(f"md5,category\n{hashlib.md5(PHOTO).hexdigest()},A\n")
    out = tmp_path / "out"
    args = ["scan", str(fragmented["image"]), "--out", str(out), "--workers", "1"]
    result = CliRunner().invoke(app, [*args, "--hashset", str(sets)])
    assert result.exit_code == 0, result.output
    rows = file_rows(out)
    first = fragmented["runs"][0][0] * SECTOR
    carved = [r for r in rows if r["carved"]]
    assert [r["path"] for r in carved] == [f"$Carved/{first}.jpg"]
    (row,) = carved
    assert row["offset"] == first
    assert row["sha1"] == hashlib.sha1(PHOTO).hexdigest()
    assert row["size"] == len(PHOTO)
    assert row["deleted"] is True
    assert [(m["kind"], m["category"]) for m in row["matches"]] == [("exact", "A")]
    # The listed deleted entry (TSK's reading of the free clusters) is not the photo.
    listed = next(r for r in rows if r["path"].endswith("hoto.jpg"))
    assert listed["deleted"] is True
    assert listed["sha1"] != row["sha1"]
    # The report's thumbnail is made from the two fragments read again.
    index = Page((out / "report.html").read_text("utf-8"))
    (page,) = [out / h for h in index.links if h.startswith(PAGES_DIR + "/")]
    assert [i["alt"] for i in Page(page.read_text("utf-8")).images] == [
        f"Thumbnail of $Carved/{first}.jpg"
    ]


def test_noise_with_jpeg_headers_gives_no_fragmented_rows():
    """JPEG headers (each followed by a little of its data) planted in random bytes and in
    a stretch of zeros: nothing may be carved from them, in one piece or in two."""
    data = bytearray(RNG.bytes(6 << 20))
    data[2 << 20 : 3 << 20] = bytes(1 << 20)
    for k in range(12):
        at = k * 500_000 // SECTOR * SECTOR
        data[at : at + 3000] = PHOTO[:3000]
    blob = bytes(data)
    outcome = CarveResult()
    found = list(carve(lambda o, n: blob[o : o + n], [(0, len(blob))], result=outcome))
    assert found == []
    assert outcome.fragment_tries == 12
