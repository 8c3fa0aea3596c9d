"""``netsafe triage scan`` end to end, on evidence built in code, against generated hash sets."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.triage.conftest import (
    DELETED_FILES,
    STANDARD_FILES,
    file_rows,
    jpeg_bytes,
    photo,
    write_tree,
)
from typer.testing import CliRunner

from netsafe.triage.cli import app
from netsafe.triage.hashsets import DEFAULT_VICS_CATEGORIES, HashEntry, load_hashset
from netsafe.triage.hashsets.csvtable import CsvFormat
from netsafe.triage.hashsets.nsrl import NsrlFormat
from netsafe.triage.hashsets.vics import VicsFormat
from netsafe.triage.perceptual import pdq_of_image
from netsafe.triage.store import STORE_NAME

NETSAFE = Path(sys.executable).with_name("netsafe")
FILE_FIELDS = [
    "evidence",
    "path",
    "size",
    "deleted",
    "type",
    "md5",
    "sha1",
    "sha256",
    "pdq",
    "pdq_quality",
    "times",
    "stream",
    "carved",
    "offset",
    "exif",
    "known",
    "matches",
    "error",
]


def digests(data: bytes) -> dict:
    return {
        "md5": hashlib.md5(data).hexdigest(),
        "sha1": hashlib.sha1(data).hexdigest(),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def invoke(*args: str | Path):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def rows(out: Path) -> list[dict]:
    return file_rows(out)


def report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def hashsets(tmp_path_factory) -> dict[str, Path]:
    """Hash sets generated from the benign test images: a UK CSV (A exact, B perceptual,
    C for the deleted photo), a VICS set grading the text note non-pertinent, an NSRL
    set holding the empty file."""
    root = tmp_path_factory.mktemp("sets")
    # A different encoding and size of photo 2: the same picture, other bytes.
    variant = photo(2).resize((320, 240))
    variant_pdq, _ = pdq_of_image(variant)
    (deleted,) = DELETED_FILES.values()
    uk = [
        HashEntry(id="uk-1", category="A", **digests(STANDARD_FILES["DCIM/img_0001.jpg"])),
        HashEntry(id="uk-2", category="B", pdq=variant_pdq),
        HashEntry(id="uk-3", category="C", md5=digests(deleted)["md5"]),
    ]
    vics = [
        HashEntry(id="5", category="non-pertinent", **digests(STANDARD_FILES["notes/readme.txt"]))
    ]
    nsrl = [HashEntry(id="empty", known_file=True, size=0, **digests(b""))]
    paths = {"uk": root / "uk.csv", "vics": root / "vics.json", "nsrl": root / "rds.db"}
    CsvFormat().write(uk, paths["uk"], DEFAULT_VICS_CATEGORIES)
    VicsFormat().write(vics, paths["vics"], DEFAULT_VICS_CATEGORIES)
    NsrlFormat().write(nsrl, paths["nsrl"], DEFAULT_VICS_CATEGORIES)
    return paths


def set_args(hashsets: dict[str, Path]) -> list[str]:
    return [a for p in hashsets.values() for a in ("--hashset", str(p))]


def test_outputs_follow_the_contract(tmp_path, messy_folder, hashsets):
    out = tmp_path / "out"
    invoke("scan", messy_folder, "--out", out, "--workers", "1", *set_args(hashsets))
    files = rows(out)
    # Rows whose name is not UTF-8 also have path_hex, after path.
    assert all([k for k in r if k != "path_hex"] == FILE_FIELDS for r in files)
    by_path = {r["path"]: r for r in files}
    # Every regular file is a row; archives and each of their members too.
    assert "archives/nested.zip" in by_path
    deep = by_path["archives/nested.zip!a/inner.tar!deep/photo.jpg"]
    assert deep["type"] == "image/jpeg"
    assert deep["pdq_quality"] >= 50
    assert deep["md5"] == hashlib.md5(jpeg_bytes(photo(11))).hexdigest()
    assert by_path["archives/nested.zip!a/inner.tar"]["type"] == "application/x-tar"
    # A bomb member is an error, its harmless sibling is read, the scan goes on.
    assert by_path["archives/bomb.zip!zeros.bin"]["error"].startswith("decompression bomb")
    assert by_path["archives/bomb.zip!ok.txt"]["error"] is None
    assert "corrupt archive" in by_path["archives/broken.zip"]["error"]
    assert by_path["archives/broken.zip"]["md5"]
    # Damaged images: an error, and the digests that could be computed.
    truncated = by_path["DCIM/truncated.jpg"]
    assert "truncated" in truncated["error"]
    assert truncated["md5"]
    assert truncated["pdq"] is None
    assert by_path["DCIM/corrupt.jpg"]["error"]
    # Names that are not UTF-8 are escaped, never dropped; links are not followed.
    assert "caf\\xe9.jpg" in by_path
    assert not [p for p in by_path if "loop" in p]
    # Hashes are lower-case hex; PDQ is 64 hex digits.
    good = by_path["DCIM/good.jpg"]
    assert good["sha256"] == good["sha256"].lower()
    assert len(good["pdq"]) == 64
    # files.csv carries the same rows in the same order.
    with open(out / "files.csv", newline="", encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    assert [r["path"] for r in table] == [r["path"] for r in files]
    assert table[0]["known"] in ("true", "false")
    rep = report(out)
    assert rep["schema"] == "netsafe.triage-report/1"
    assert {h["format"] for h in rep["hashsets"]} == {"csv", "vics", "nsrl"}
    (ev,) = rep["evidence"]
    assert ev["kind"] == "folder"
    assert ev["integrity"] == {"stored_md5": None, "computed_md5": None, "verified": None}
    summary = ev["summary"]
    assert summary["files"] == len(files)
    assert summary["errors"] == sum(1 for r in files if r["error"])
    names = {i["name"] for i in summary["indicators"]}
    assert {"tor-browser", "bittorrent", "cloud-sync"} <= names
    assert ev["priority"]["band"] in ("high", "medium", "low")


def test_matches_categories_known_and_priority(
    tmp_path, standard_folder, fat_image, e01_image, hashsets
):
    out = tmp_path / "out"
    invoke(
        "scan",
        standard_folder,
        fat_image,
        e01_image,
        "--out",
        out,
        "--workers",
        "2",
        *set_args(hashsets),
    )
    rep = report(out)
    folder, fat, e01 = rep["evidence"]
    assert [e["kind"] for e in rep["evidence"]] == ["folder", "raw", "ewf"]
    for ev in (folder, e01):
        s = ev["summary"]
        assert s["files"] == len(STANDARD_FILES)
        assert s["known"] == 2  # the empty file (NSRL) and the note (VICS non-pertinent)
        assert s["matches"] == {"exact": 1, "perceptual": 1}
        assert s["categories"] == {"A": {"files": 1, "unique": 1}, "B": {"files": 1, "unique": 1}}
        assert ev["priority"]["band"] == "high"
        assert any("category A" in r for r in ev["priority"]["reasons"])
    assert e01["integrity"]["verified"] is True
    assert e01["integrity"]["stored_md5"] == e01["integrity"]["computed_md5"]
    # The FAT image also holds the deleted photo: category C, flagged deleted.
    assert fat["summary"]["deleted"] == 1
    assert fat["summary"]["categories"]["C"] == {"files": 1, "unique": 1}
    assert any("deleted" in r for r in fat["priority"]["reasons"])
    files = rows(out)
    img1 = next(r for r in files if r["path"] == "DCIM/img_0001.jpg")
    assert [m["kind"] for m in img1["matches"]] == ["exact"]
    assert img1["matches"][0]["category"] == "A"
    img2 = next(r for r in files if r["path"] == "DCIM/img_0002.jpg")
    (m,) = img2["matches"]
    assert m["kind"] == "perceptual"
    assert 0 < m["distance"] <= 31
    renamed = next(r for r in files if r["path"] == "notes/renamed.txt")
    assert renamed["type"] == "image/jpeg"
    html = (out / "report.html").read_text("utf-8")
    assert "Indecent images by category" in html
    assert "verified" in html


def _stored_records(out: Path) -> list[dict]:
    with sqlite3.connect(out / STORE_NAME) as con:
        return [json.loads(data) for (data,) in con.execute("SELECT data FROM record")]


def test_workers_match_and_a_resume_against_other_hash_sets_matches_again(
    tmp_path, standard_folder, hashsets
):
    out = tmp_path / "out"
    invoke("scan", standard_folder, "--out", out, "--workers", "2", *set_args(hashsets))
    # The workers stored each file with its matches: the outputs are written from them.
    stored = _stored_records(out)
    assert stored
    assert all("matches" in r and "known" in r for r in stored)
    assert any(r["matches"] for r in stored)

    # Resumed with only the NSRL set, the CSV and VICS matches are gone: the same outputs
    # as a fresh scan against that set alone.
    nsrl_only = ["--hashset", str(hashsets["nsrl"])]
    invoke("scan", standard_folder, "--out", out, "--resume", *nsrl_only)
    fresh = tmp_path / "fresh"
    invoke("scan", standard_folder, "--out", fresh, *nsrl_only)
    assert _outputs(out) == _outputs(fresh)
    assert not any(r["matches"] for r in rows(out))
    assert any(r["known"] for r in rows(out))


def test_a_worker_that_reads_another_hash_set_file_fails_its_files(tmp_path, standard_folder):
    from netsafe.triage.scan import make_units, safe_process_unit
    from netsafe.triage.sources import open_evidence
    from netsafe.triage.sources.archive import Limits
    from netsafe.triage.work import MatchSpec

    listed = tmp_path / "set.csv"
    listed.write_text("md5,category\n" + "0" * 32 + ",A\n")
    spec = MatchSpec(((str(listed), "f" * 64),), (), 31)  # not the SHA-256 of that file
    entries = list(open_evidence(standard_folder).entries())
    (unit,) = make_units(0, "folder", str(standard_folder), entries, set(), Limits(), False, spec)
    result = safe_process_unit(unit)
    errors = {recs[0]["error"] for _seq, recs in result.files}
    assert errors == {
        f"not processed: HashSetError: hash set {listed} is not the file the scan started with"
    }


def test_disk_with_partition_table_prefixes_paths(tmp_path, mbr_image):
    out = tmp_path / "out"
    invoke("scan", mbr_image, "--out", out, "--workers", "1")
    paths = [r["path"] for r in rows(out)]
    assert "p1/DCIM/img_0001.jpg" in paths
    assert all(p.startswith("p1/") for p in paths)
    (ev,) = report(out)["evidence"]
    assert ev["errors"][0].startswith("p2 ")


def _netsafe(*args: str | Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(NETSAFE), "triage", *[str(a) for a in args]], capture_output=True, text=True, **kw
    )


def test_unusable_input_exits_2_with_one_line(tmp_path, e01_image, standard_folder):
    junk = tmp_path / "junk.dd"
    junk.write_bytes(os.urandom(1 << 16))
    truncated = tmp_path / "cut.E01"
    truncated.write_bytes(e01_image.read_bytes()[:20000])
    bad_set = tmp_path / "bad.csv"
    bad_set.write_text("md5\nxyz\n")
    full = tmp_path / "full"
    full.mkdir()
    (full / "x").write_text("x")
    cases = [
        (["scan", tmp_path / "missing", "--out", tmp_path / "o1"], "not found"),
        (["scan", junk, "--out", tmp_path / "o2"], "no partition table"),
        (["scan", truncated, "--out", tmp_path / "o3"], "incomplete"),
        (["scan", standard_folder, "--out", tmp_path / "o4", "--hashset", bad_set], "bad.csv:2"),
        (["scan", standard_folder, "--out", full], "not empty"),
        (["scan", standard_folder, "--out", tmp_path / "o5", "--resume"], "no interrupted scan"),
        (["scan", standard_folder, "--out", standard_folder / "out"], "inside the evidence"),
    ]
    for args, needle in cases:
        proc = _netsafe(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, proc.stderr
        assert needle in lines[0]


#: Photos in ``many_photos`` (and 20 more inside its ZIP, itself a file: 21 more files).
PHOTOS = 1500


@pytest.fixture(scope="module")
def many_photos(tmp_path_factory) -> Path:
    """Enough photos that a one-worker scan takes a few seconds (to be killed half-way): the
    store commits once a second, and a fast machine must not be done by then."""
    root = tmp_path_factory.mktemp("many") / "ev"
    files = {}
    for i in range(PHOTOS):
        files[f"d{i % 7}/photo_{i:04d}.jpg"] = jpeg_bytes(photo(1000 + i, (480, 360)), 80)
    files["archive.zip"] = b""
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(20):
            zf.writestr(f"z/p{i}.jpg", files[f"d{i % 7}/photo_{i:04d}.jpg"])
    files["archive.zip"] = buf.getvalue()
    return write_tree(root, files)


def _stored(store: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
        try:
            return con.execute("SELECT COUNT(DISTINCT seq) FROM record").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _outputs(out: Path) -> dict[str, object]:
    rep = report(out)
    rep.pop("started")
    rep.pop("finished")
    return {
        "report": rep,
        "jsonl": (out / "files.jsonl").read_bytes(),
        "csv": (out / "files.csv").read_bytes(),
    }


@pytest.mark.slow
def test_resume_after_kill_gives_identical_outputs(tmp_path, many_photos, hashsets):
    whole = tmp_path / "whole"
    invoke("scan", many_photos, "--out", whole, "--workers", "1", *set_args(hashsets))

    killed = tmp_path / "killed"
    args = ["scan", many_photos, "--out", killed, "--workers", "1", *set_args(hashsets)]
    proc = subprocess.Popen(
        [str(NETSAFE), "triage", *[str(a) for a in args]],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    while _stored(killed / STORE_NAME) < 100 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = _stored(killed / STORE_NAME)
    assert 100 <= done < PHOTOS + 1, "the scan was not killed half-way"
    assert not (killed / "report.json").exists()

    resumed = _netsafe(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert _outputs(killed) == _outputs(whole)


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path, many_photos):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [str(NETSAFE), "triage", "scan", str(many_photos), "--out", str(out), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    # As soon as the scan has begun (its store exists): a scan of these photos takes
    # about a second, so waiting for stored results could mean waiting for the end.
    deadline = time.monotonic() + 180
    while not (out / STORE_NAME).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "--resume" in err
    finished = _netsafe("scan", many_photos, "--out", out, "--workers", "2", "--resume")
    assert finished.returncode == 0, finished.stderr
    assert report(out)["evidence"][0]["summary"]["files"] == PHOTOS + 21


def test_ctrl_c_while_writing_the_outputs_says_how_to_resume(
    tmp_path, standard_folder, monkeypatch
):
    from netsafe.triage import scan as scan_module

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    out = tmp_path / "out"
    monkeypatch.setattr(scan_module, "write_outputs", interrupted)
    result = CliRunner().invoke(app, ["scan", str(standard_folder), "--out", str(out)])
    assert result.exit_code == 130
    assert "Resume with" in result.output
    monkeypatch.undo()
    invoke("scan", standard_folder, "--out", out, "--resume")
    assert report(out)["evidence"][0]["summary"]["files"] == len(STANDARD_FILES)


def test_match_command(tmp_path, hashsets):
    queries = tmp_path / "q.txt"
    variant_pdq = load_hashset(hashsets["uk"]).entries[1].pdq
    near = variant_pdq[:-1] + format(int(variant_pdq[-1], 16) ^ 1, "x")
    queries.write_text(
        f"{digests(STANDARD_FILES['DCIM/img_0001.jpg'])['md5']}\n{near}\n{'0' * 32}\n"
    )
    out = tmp_path / "m.csv"
    invoke("match", queries, "--hashset", hashsets["uk"], "--out", out)
    with open(out, newline="") as fh:
        table = list(csv.DictReader(fh))
    assert [(r["entry_id"], r["kind"], r["category"], r["distance"]) for r in table] == [
        ("uk-1", "exact", "A", "0"),
        ("uk-2", "perceptual", "B", "1"),
    ]
    assert list(table[0]) == ["query", "hashset", "entry_id", "kind", "category", "distance"]


def test_export_vics_round_trips(tmp_path, standard_folder, hashsets):
    out = tmp_path / "out"
    invoke("scan", standard_folder, "--out", out, "--workers", "1", *set_args(hashsets))
    vics = tmp_path / "export.json"
    result = CliRunner().invoke(app, ["export-vics", str(out), "--out", str(vics)])
    assert result.exit_code == 2  # UK labels have no number in the default US profile
    invoke("export-vics", out, "--out", vics, "--vics-categories", "0=non-pertinent,1=A,2=B,3=C")
    doc = json.loads(vics.read_text())
    assert doc["@odata.context"].endswith("$metadata#Media")
    back = load_hashset(vics, {0: "non-pertinent", 1: "A", 2: "B", 3: "C"}).entries
    by_path = {e.path: e for e in back}
    assert set(by_path) == {
        "DCIM/img_0001.jpg",
        "DCIM/img_0002.jpg",
        "DCIM/img_0003.png",
        "notes/renamed.txt",
    }
    assert by_path["DCIM/img_0001.jpg"].category == "A"
    assert by_path["DCIM/img_0002.jpg"].category == "B"
    assert by_path["DCIM/img_0003.png"].category is None


@pytest.mark.slow
def test_dask_scheduler_gives_the_same_outputs(tmp_path, standard_folder, e01_image, hashsets):
    from distributed import LocalCluster

    local = tmp_path / "local"
    invoke(
        "scan", standard_folder, e01_image, "--out", local, "--workers", "1", *set_args(hashsets)
    )
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster:
        dask = tmp_path / "dask"
        invoke(
            "scan",
            standard_folder,
            e01_image,
            "--out",
            dask,
            "--scheduler",
            cluster.scheduler_address,
            *set_args(hashsets),
        )
    assert _outputs(dask) == _outputs(local)


def test_truncated_disk_image_gives_per_file_errors(tmp_path, fat_image):
    cut = tmp_path / "cut.img"
    cut.write_bytes(fat_image.read_bytes()[:100_000])
    out = tmp_path / "out"
    invoke("scan", cut, "--out", out, "--workers", "1")
    files = rows(out)
    assert len(files) == len(STANDARD_FILES) + len(DELETED_FILES)
    broken = [r for r in files if r["error"]]
    assert broken
    assert all("truncated or damaged" in r["error"] for r in broken)
    assert all(r["md5"] for r in broken)  # the digest of what could be read
    assert report(out)["evidence"][0]["summary"]["errors"] == len(broken)
