"""One typed file record (``FileRecord``) and one reader of files.jsonl (``read_files``),
and every kind of row read back from its evidence (``triage.content``)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from tests.triage.conftest import jpeg_bytes, photo, tar_bytes, write_tree, zip_bytes
from tests.triage.test_carve_scan import GONE_JPEG, ext4_deleted  # noqa: F401 - fixture
from tests.triage.test_exif import THUMB, exif_jpeg
from tests.triage.test_forensic import ntfs_volume  # noqa: F401 - fixture
from tests.triage.test_scan import FILE_FIELDS
from typer.testing import CliRunner

from netsafe.triage.cli import app
from netsafe.triage.content import EvidenceContent
from netsafe.triage.records import FileRecord, RecordError, read_files
from netsafe.triage.sources import open_evidence


@pytest.fixture(scope="module")
def varied_folder(tmp_path_factory) -> Path:
    """A folder whose rows use every optional field a folder can give: EXIF and its
    thumbnail row, archive members (nested), a name that is not UTF-8, an error."""
    root = tmp_path_factory.mktemp("records") / "ev"
    write_tree(
        root,
        {
            "DCIM/camera.jpg": exif_jpeg(photo(1), thumbnail=THUMB),
            "DCIM/plain.jpg": jpeg_bytes(photo(2)),
            "DCIM/cut.jpg": jpeg_bytes(photo(3))[:3000],
            "a/n.zip": zip_bytes({"x/in.tar": tar_bytes({"deep/p.jpg": jpeg_bytes(photo(4))})}),
        },
    )
    (root / os.fsdecode(b"caf\xe9.jpg")).write_bytes(jpeg_bytes(photo(5)))
    return root


def scan(evidence: list[Path], out: Path, *extra: str) -> Path:
    result = CliRunner().invoke(
        app, ["scan", *map(str, evidence), "--out", str(out), "--workers", "1", *extra]
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    return out / "files.jsonl"


@pytest.fixture(scope="module")
def scanned(tmp_path_factory, varied_folder, ntfs_volume, ext4_deleted) -> Path:  # noqa: F811
    """One scan of a folder, an NTFS volume (deleted files, orphan, stream) and an ext4
    disk with carved photos, matched against a set naming two of them."""
    out = tmp_path_factory.mktemp("records-out") / "out"
    plain = jpeg_bytes(photo(2))
    sets = out.parent / "set.csv"
    sets.write_text(
        f"md5,category\n{hashlib.md5(plain).hexdigest()},A\n"
        f"{hashlib.md5(GONE_JPEG).hexdigest()},B\n"
    )
    return scan([varied_folder, ntfs_volume, ext4_deleted], out, "--hashset", str(sets))


def test_every_row_reads_and_writes_back_to_the_same_bytes(scanned):
    lines = scanned.read_text("utf-8").splitlines()
    records = list(read_files(scanned))
    assert len(records) == len(lines)
    for line, record in zip(lines, records, strict=True):
        assert record.to_json() == line
        assert FileRecord.from_json(line) == record
        keys = list(json.loads(line))
        assert [k for k in keys if k != "path_hex"] == FILE_FIELDS
        if "path_hex" in keys:
            assert keys.index("path_hex") == 2
    # The corpus holds every kind of row the fields describe.
    assert any(r.path_hex for r in records)
    assert any(r.stream for r in records)
    assert any(r.carved and r.offset is not None for r in records)
    assert any(r.exif and r.exif.model for r in records)
    assert any(r.path.endswith("!thumbnail") for r in records)
    assert any(r.deleted and not r.carved for r in records)
    assert any(r.error for r in records)
    assert {r.category for r in records} >= {"A", "B"}


def test_a_row_says_how_it_is_counted(scanned):
    by_path = {r.path: r for r in read_files(scanned)}
    plain = by_path["DCIM/plain.jpg"]
    assert (plain.category, plain.match_kind, plain.distance) == ("A", "exact", 0)
    assert plain.is_image
    assert not plain.is_video
    camera = by_path["DCIM/camera.jpg"]
    assert (camera.category, camera.match_kind, camera.distance) == (None, None, None)


def test_every_row_is_read_back_from_its_evidence(scanned, varied_folder, ntfs_volume):  # noqa: F811
    """Listed, deleted, orphan, stream, archive member, EXIF thumbnail and carved rows:
    the bytes read back have the row's SHA-1."""
    by_evidence: dict[str, list[FileRecord]] = {}
    for record in read_files(scanned):
        if record.sha1 and not record.error:
            by_evidence.setdefault(record.evidence, []).append(record)
    kinds = set()
    for label, records in by_evidence.items():
        evidence = open_evidence(label)
        try:
            content = EvidenceContent(evidence)
            for record in records:
                data = content.read(record, 64 << 20)
                assert hashlib.sha1(data).hexdigest() == record.sha1, record.path
                kinds |= {
                    "carved" if record.carved else "",
                    "stream" if record.stream else "",
                    "member" if "!" in record.path else "",
                    "deleted" if record.deleted else "",
                }
        finally:
            evidence.close()
    assert kinds >= {"carved", "stream", "member", "deleted"}


def _row(**change) -> str:
    row = {
        "evidence": "/ev",
        "path": "a.jpg",
        "size": 3,
        "deleted": False,
        "type": "image/jpeg",
        "md5": None,
        "sha1": None,
        "sha256": None,
        "pdq": None,
        "pdq_quality": None,
        "known": False,
        "matches": [],
        "error": None,
    } | change
    return json.dumps(row)


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("{not json", "not JSON"),
        ("", "empty line"),
        ("[1, 2]", "expected a JSON object"),
        (_row(size="3"), "size: expected a whole number"),
        (_row(sha1="../../../etc/x"), "sha1: expected 40 lower-case hex digits"),
        (_row(md5="D41D8CD98F00B204E9800998ECF8427E"), "md5: expected 32 lower-case hex"),
        (_row(deleted="no"), "deleted: expected true or false"),
        (json.dumps({"evidence": "/ev", "path": "a"}), "missing size"),
        (_row(matches=[{"kind": "close", "hashset": "s", "distance": 0}]), "matches[0].kind"),
        (_row(times={"modified": 5}), "times.modified"),
        (_row(exif={"gps": [1]}), "exif.gps"),
    ],
)
def test_a_bad_line_is_named_by_file_and_line(tmp_path, line, says):
    files = tmp_path / "files.jsonl"
    files.write_text(_row() + "\n" + line + "\n", "utf-8")
    rows = read_files(files)
    # Streamed: the good first row comes before the bad second one is read.
    assert next(rows).path == "a.jpg"
    with pytest.raises(RecordError) as caught:
        next(rows)
    assert str(caught.value).startswith(f"{files}:2: ")
    assert says in str(caught.value)


def test_rows_of_the_first_contract_version_still_read(tmp_path):
    """Rows written before "Forensic detail" (no times, stream, carved, offset, exif)."""
    files = tmp_path / "files.jsonl"
    match = {"hashset": "s", "kind": "exact", "category": "A", "distance": 0, "entry_id": "7"}
    files.write_text(_row(matches=[match], known=False) + "\n", "utf-8")
    (record,) = read_files(files)
    assert record.category == "A"
    assert record.carved is False
    assert record.exif is None
    assert record.stream is None


def test_export_vics_names_a_bad_line(tmp_path):
    out = tmp_path / "scan"
    out.mkdir()
    (out / "files.jsonl").write_text(_row() + "\n" + _row(size=None) + "\n", "utf-8")
    result = CliRunner().invoke(app, ["export-vics", str(out), "--out", str(tmp_path / "v.json")])
    assert result.exit_code == 2
    assert f"{out / 'files.jsonl'}:2: size" in result.output
