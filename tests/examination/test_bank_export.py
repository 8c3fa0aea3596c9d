"""The bank leaves the operation as a hash set (issue 16): VICS 2.0 JSON and CSV that the
triage's own readers read back entry for entry, and that `netsafe triage scan --hashset`
matches with the right categories; every export is a bulk read in the audit log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from tests.examination.conftest import PICTURES, triage
from tests.factories import make_user
from tests.triage.conftest import jpeg_bytes, photo, write_tree
from typer.testing import CliRunner

from netsafe.accounts.roles import Role
from netsafe.audit.models import AuditEntry
from netsafe.examination import bank, cli, grading
from netsafe.examination.models import BankEntry
from netsafe.triage.cli import app as triage_app
from netsafe.triage.hashsets import detect_format, load_hashset

pytestmark = pytest.mark.django_db

UK = ",".join(f"{k}={v}" for k, v in bank.UK_VICS_CATEGORIES.items())
#: What examiners graded each picture of South Wales's laptop.
GRADES = {
    "DCIM/a.jpg": "A",
    "DCIM/b.jpg": "B",
    "DCIM/holiday.jpg": "C",
    "DCIM/c.jpg": "non-pertinent",
}


def _app() -> typer.Typer:
    app = typer.Typer()
    cli.register(app)
    return app


@pytest.fixture
def graded(store, exhibit, examiner):
    job = triage(exhibit, "JS-1-laptop", examiner)
    for path, grade in GRADES.items():
        grading.grade(job.images.get(path=path), grade, examiner)
    return job


def _export(tmp_path: Path, fmt: str, user: str = "sw-examiner") -> tuple[Path, object]:
    out = tmp_path / f"bank.{fmt}"
    result = CliRunner().invoke(
        _app(), ["bank", "export", "--format", fmt, "--out", str(out), "--user", user]
    )
    return out, result


@pytest.mark.parametrize("fmt", ["vics", "csv"])
def test_an_export_is_read_back_by_the_triage_reader_entry_for_entry(tmp_path, graded, fmt):
    out, result = _export(tmp_path, fmt)
    assert result.exit_code == 0, result.output
    assert "4 pictures" in result.output
    assert detect_format(out).name == fmt
    read = load_hashset(out, categories=bank.UK_VICS_CATEGORIES, cache_dir=tmp_path / "cache")
    got = {(e.sha1, e.md5, e.category) for e in read.entries}
    want = {(e.sha1, e.md5, e.category) for e in BankEntry.objects.all()}
    assert got == want
    assert {e.category for e in read.entries} == {"A", "B", "C", "non-pertinent"}
    assert all(e.md5 and e.sha1 for e in read.entries)


def test_the_vics_export_is_vics_2_with_uk_category_numbers(tmp_path, graded):
    out, result = _export(tmp_path, "vics")
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["@odata.context"].endswith("/2.0.xml/UK/$metadata#Media")
    by_sha1 = {m["SHA1"].lower(): m for m in doc["value"]}
    a = BankEntry.objects.get(category="A")
    assert by_sha1[a.sha1]["Category"] == 1
    assert by_sha1[a.sha1]["MD5"] == a.md5.upper()
    # Content and category only: where a picture was found never leaves the operation.
    assert not any("RelativeFilePath" in m for m in doc["value"])
    assert "JS-1-laptop" not in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["vics", "csv"])
def test_a_scan_with_the_export_finds_the_pictures_in_their_categories(tmp_path, graded, fmt):
    out, result = _export(tmp_path, fmt)
    assert result.exit_code == 0, result.output
    # Another seizure: copies of the graded pictures under other names, and a new one.
    evidence = write_tree(
        tmp_path / "seized",
        {
            "x/one.jpg": PICTURES["DCIM/a.jpg"],
            "x/two.jpg": PICTURES["DCIM/b.jpg"],
            "x/three.jpg": PICTURES["DCIM/holiday.jpg"],
            "x/ordinary.jpg": PICTURES["DCIM/c.jpg"],
            "x/new.jpg": jpeg_bytes(photo(77)),
        },
    )
    scan_out = tmp_path / "scan"
    args = ["scan", str(evidence), "--out", str(scan_out), "--hashset", str(out)]
    args += ["--workers", "1", "--vics-categories", UK]
    scanned = CliRunner().invoke(triage_app, args)
    assert scanned.exit_code == 0, scanned.output
    rows = {
        r["path"]: r
        for r in map(json.loads, (scan_out / "files.jsonl").read_text("utf-8").splitlines())
    }
    found = {p: sorted({m["category"] for m in r["matches"]}) for p, r in rows.items()}
    assert found == {
        "x/one.jpg": ["A"],
        "x/two.jpg": ["B"],
        "x/three.jpg": ["C"],
        "x/ordinary.jpg": [],
        "x/new.jpg": [],
    }
    # Graded not indecent: known, as a hash set's category 0 makes it, never a match.
    assert rows["x/ordinary.jpg"]["known"] is True
    assert not rows["x/new.jpg"]["known"]
    report = json.loads((scan_out / "report.json").read_text("utf-8"))
    categories = report["evidence"][0]["summary"]["categories"]
    assert {k: v["files"] for k, v in categories.items()} == {"A": 1, "B": 1, "C": 1}


def test_every_export_is_a_bulk_read_in_the_audit_log(client, tmp_path, graded, examiner):
    _export(tmp_path, "csv")
    entry = AuditEntry.objects.filter(action="export").latest("seq")
    assert entry.model == "examination.bankentry"
    assert sorted(entry.changes["ids"]) == sorted(BankEntry.objects.values_list("pk", flat=True))
    assert entry.username == "sw-examiner"
    client.force_login(make_user("gw-sup", "gwent", Role.SUPERVISOR))
    page = client.get("/examination/bank/export/vics/")
    assert page.status_code == 200
    assert page["Content-Disposition"].startswith('attachment; filename="netsafe-bank-')
    latest = AuditEntry.objects.filter(action="export").latest("seq")
    assert (latest.username, latest.pk != entry.pk) == ("gw-sup", True)


def test_only_a_forces_graders_and_supervisors_export(client, tmp_path, graded):
    make_user("gw-officer", "gwent", Role.OFFICER)
    out, result = _export(tmp_path, "csv", user="gw-officer")
    assert result.exit_code == 2
    assert "'gw-officer' is not an active supervisor or examiner" in result.output
    assert not out.exists()
    client.force_login(make_user("gw-officer2", "gwent", Role.OFFICER))
    assert client.get("/examination/bank/export/csv/").status_code == 404
    _out, bad = _export(tmp_path, "xml")
    assert bad.exit_code == 2
    assert "--format is vics or csv, not 'xml'" in bad.output


@pytest.mark.parametrize("fmt", ["vics", "csv"])
def test_the_export_carries_pdq_so_a_scan_finds_a_re_encoded_copy(tmp_path, graded, fmt):
    """The bank's PDQ leaves with it: a scan with the export finds a re-encoding of a graded
    picture (other bytes) as a perceptual match in its category."""
    out, result = _export(tmp_path, fmt)
    assert result.exit_code == 0, result.output
    read = load_hashset(out, categories=bank.UK_VICS_CATEGORIES, cache_dir=tmp_path / "cache")
    want = {(e.sha1, e.pdq or None) for e in BankEntry.objects.all()}
    assert {(e.sha1, e.pdq) for e in read.entries} == want
    assert all(pdq for _sha1, pdq in want)
    evidence = write_tree(tmp_path / "seized", {"y/again.jpg": jpeg_bytes(photo(14), quality=60)})
    scan_out = tmp_path / "scan"
    args = ["scan", str(evidence), "--out", str(scan_out), "--hashset", str(out)]
    args += ["--workers", "1", "--vics-categories", UK]
    scanned = CliRunner().invoke(triage_app, args)
    assert scanned.exit_code == 0, scanned.output
    row = json.loads((scan_out / "files.jsonl").read_text("utf-8").splitlines()[0])
    assert [(m["kind"], m["category"]) for m in row["matches"]] == [("perceptual", "C")]
