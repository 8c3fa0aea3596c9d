"""Bounded expansion of archives (issue #12, finding 6; contract "Bounded expansion").

A 42.zip-style archive (30 KB, a million members) ran for minutes at 750 MB without
finishing. Each archive found in the evidence now has one budget for its whole tree:
nesting depth, members and expanded bytes; beyond it there is one error row, on the
archive that holds what lies beyond, and the scan goes on.
"""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.triage.conftest import file_rows, jpeg_bytes, photo, write_tree, zip_bytes
from typer.testing import CliRunner

from netsafe.triage.cli import app

NETSAFE = Path(sys.executable).with_name("netsafe")


def _zip_of_copies(name: str, data: bytes, copies: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for i in range(copies):
            zf.writestr(f"{name}{i:02d}.zip" if copies > 1 else name, data)
    return buf.getvalue()


def bomb42(leaf_size: int, levels: int = 5, copies: int = 16) -> bytes:
    """42.zip's shape: a zip of ``copies`` copies of a zip of ``copies`` copies ... of a
    zip holding one file of ``leaf_size`` zero bytes, ``levels`` zips deep."""
    buf = io.BytesIO()
    with (
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open("0.dat", "w", force_zip64=True) as out,
    ):
        block = bytes(1 << 20)
        for _ in range(leaf_size // len(block)):
            out.write(block)
    data = buf.getvalue()
    for _ in range(levels):
        data = _zip_of_copies("lib", data, copies)
    return data


def scan_rows(evidence: Path, out: Path, *extra: str) -> list[dict]:
    result = CliRunner().invoke(
        app, ["scan", str(evidence), "--out", str(out), "--workers", "1", *extra]
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    return file_rows(out)


def errors(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["error"]]


def test_42_zip_ends_with_one_error_row_on_the_archive_that_holds_the_bomb(tmp_path):
    # Leaves of 64 MiB of zeros (1000:1): 16^5 copies claim 70 TB.
    bomb = bomb42(64 << 20)
    assert len(bomb) < 200_000
    ev = write_tree(tmp_path / "ev", {"42.zip": bomb, "DCIM/a.jpg": jpeg_bytes(photo(1))})
    out = tmp_path / "out"
    # A process of its own, so that its peak memory can be read.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run(
        [NETSAFE, "triage", "scan", ev, "--out", out, "--workers", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert peak_mib < 1024
    rows = file_rows(out)
    (bad,) = errors(rows)
    # The error is on the innermost zip (the one holding the 64 MiB member), and says
    # what was left unopened.
    assert bad["path"] == "42.zip" + "!lib00.zip" * 5
    assert bad["error"].startswith("decompression bomb")
    assert "the rest of 42.zip was not opened" in bad["error"]
    paths = {r["path"] for r in rows}
    assert "DCIM/a.jpg" in paths
    assert len(rows) == 7  # the photo, 42.zip and the five zips down to the bomb
    assert not any(r["path"].endswith("0.dat") for r in rows)
    report = json.loads((out / "report.json").read_text())
    assert report["evidence"][0]["summary"]["errors"] == 1


def test_42_zip_of_small_leaves_stops_at_the_byte_budget(tmp_path):
    # 2 MiB leaves are no bomb alone (under the per-member floor), but 16^4 of them are
    # 137 GB: the budget of the whole tree (256 MiB for a small archive) stops it.
    ev = write_tree(tmp_path / "ev", {"x/42.zip": bomb42(2 << 20, levels=4)})
    rows = scan_rows(ev, tmp_path / "out")
    (bad,) = errors(rows)
    assert bad["path"].startswith("x/42.zip!")
    assert bad["path"].endswith(".zip")
    assert "expands beyond 268,435,456 bytes" in bad["error"]
    leaves = [r for r in rows if r["path"].endswith("0.dat")]
    assert sum(r["size"] for r in leaves) <= 256 << 20
    assert all(r["error"] is None for r in leaves)


def test_flat_bomb_of_many_members_stops_at_the_member_budget(tmp_path):
    ev = write_tree(
        tmp_path / "ev", {"flat.zip": zip_bytes({f"m{i:04d}.txt": b"x" for i in range(500)})}
    )
    rows = scan_rows(ev, tmp_path / "out", "--archive-members", "100")
    (bad,) = errors(rows)
    assert bad["path"] == "flat.zip"
    assert bad["error"] == (
        "decompression bomb: more than 100 members; its remaining members were not opened"
    )
    assert len([r for r in rows if r["path"].startswith("flat.zip!")]) == 100


def test_flat_bomb_of_zeros_stops_at_the_ratio_budget(tmp_path):
    # 1,000 members of 1 MiB of zeros: each alone is fine, together 1 GB from 1 MB.
    ev = write_tree(
        tmp_path / "ev", {"flat.zip": zip_bytes({f"z{i:04d}": bytes(1 << 20) for i in range(1000)})}
    )
    rows = scan_rows(ev, tmp_path / "out")
    (bad,) = errors(rows)
    assert bad["path"] == "flat.zip"
    assert "expands beyond 268,435,456 bytes" in bad["error"]
    assert len(rows) == 1 + 256


def test_nesting_is_opened_eight_levels_deep(tmp_path):
    data = zip_bytes({"deep.jpg": jpeg_bytes(photo(2))})
    for level in range(10, 0, -1):
        data = zip_bytes({f"l{level}.zip": data})
    ev = write_tree(tmp_path / "ev", {"n.zip": data})
    rows = scan_rows(ev, tmp_path / "out")
    (bad,) = errors(rows)
    # n.zip is level 0; l1.zip .. l7.zip are opened; l8.zip is hashed, not opened.
    assert bad["path"] == "n.zip!" + "!".join(f"l{i}.zip" for i in range(1, 9))
    assert bad["error"] == "nested archive not opened: deeper than 8 levels"
    assert not any(r["path"].endswith("deep.jpg") for r in rows)
    rows = scan_rows(ev, tmp_path / "out2", "--archive-depth", "11")
    assert not errors(rows)
    assert any(r["path"].endswith("l10.zip!deep.jpg") and r["pdq"] for r in rows)


def test_a_single_bomb_member_does_not_hide_its_siblings(tmp_path):
    # At the top of an archive one over-compressed member (a zeroed disk image, a log)
    # is an error of its own; the members after it are still read.
    ev = write_tree(
        tmp_path / "ev",
        {"a.zip": zip_bytes({"a_zeros.bin": bytes(40 << 20), "b_photo.jpg": jpeg_bytes(photo(3))})},
    )
    rows = scan_rows(ev, tmp_path / "out")
    by_path = {r["path"]: r for r in rows}
    assert by_path["a.zip!a_zeros.bin"]["error"].startswith("decompression bomb: member expands")
    assert by_path["a.zip"]["error"] is None
    assert by_path["a.zip!b_photo.jpg"]["pdq"]


def test_archive_evidence_beyond_its_budget_is_scanned_up_to_it(tmp_path):
    path = tmp_path / "flat.zip"
    path.write_bytes(zip_bytes({f"m{i:04d}.txt": b"x" for i in range(300)}))
    out = tmp_path / "out"
    rows = scan_rows(path, out, "--archive-members", "50")
    assert len(rows) == 50
    report = json.loads((out / "report.json").read_text())
    (message,) = report["evidence"][0]["errors"]
    assert "more than 50 members" in message


def test_42_zip_given_as_evidence_ends_with_one_error_row(tmp_path):
    path = tmp_path / "42.zip"
    path.write_bytes(bomb42(64 << 20))
    out = tmp_path / "out"
    rows = scan_rows(path, out)
    (bad,) = errors(rows)
    # Its members are the 16 lib zips; the first one's tree holds the bomb, and the
    # rest of the evidence is hashed but not opened.
    assert bad["path"] == "lib00.zip" + "!lib00.zip" * 4
    assert bad["error"].endswith("the rest of 42.zip was not opened")
    assert {r["path"] for r in rows} >= {f"lib{i:02d}.zip" for i in range(16)}
    assert len(rows) == 16 + 4
    report = json.loads((out / "report.json").read_text())
    assert report["evidence"][0]["summary"]["errors"] == 1
