"""The demo's evidence store: generated benign evidence for a handful of demo devices and a
hash set that triage from the pages matches them against."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from netsafe.casework.choices import ForensicStatus
from netsafe.casework.models import Device
from netsafe.demo import evidence as demo_evidence
from netsafe.demo.evidence import MANIFEST, load_evidence
from netsafe.examination import jobs
from netsafe.triage.scan import ScanOptions, scan

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]

#: What triage finds in each kind of item: categories matched, and a special feature.
EXPECTED = {
    "photos": {"A", "B", "C"},  # two exact matches and one perceptual
    "fat": {"B"},  # the deleted photo, recovered
    "zip": {"C"},
    "video": {"C"},  # the video's frames
    "e01": {"A"},
}


@pytest.fixture
def store(tmp_path, settings):
    """An empty evidence store and var folder of the test's own."""
    settings.VAR_DIR = tmp_path / "var"
    settings.NETSAFE_EVIDENCE_ROOT = tmp_path / "evidence"
    settings.NETSAFE_HASHSETS = []
    return tmp_path


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_the_demo_fills_the_store_once_and_triage_finds_the_demo_matches(
    demo_operation, store, tmp_path
):
    out = io.StringIO()
    summary = load_evidence(out)
    root = tmp_path / "evidence"
    assert set(summary["items"]) == set(EXPECTED)
    assert summary["skipped"] == {}
    assert sorted(summary["written"]) == sorted(s["item"] for s in summary["items"].values())
    assert "Demo evidence written to" in out.getvalue()

    # One item per device awaiting triage, named after its force and exhibit.
    for kind, spec in summary["items"].items():
        device = Device.objects.select_related("force").get(pk=spec["device"])
        assert device.forensic_status == ForensicStatus.AWAITING_TRIAGE
        assert spec["item"].startswith(
            f"{device.force.slug}-{device.exhibit_ref.replace('/', '-')}"
        )
        assert (root / spec["item"]).exists(), kind
    devices = Device.objects.filter(pk__in=[s["device"] for s in summary["items"].values()])
    assert devices.values("force").distinct().count() == 4  # something for every force

    # The hash set: categories A, B and C as labels of some of those benign pictures.
    hashset = Path(summary["hashset"])
    assert hashset == jobs.demo_hashset_path()
    rows = list(csv.DictReader(io.StringIO(hashset.read_text(encoding="utf-8"))))
    assert {row["category"] for row in rows} == {"A", "B", "C"}
    assert any(row["video_id"] for row in rows)
    # ... which triage from the pages uses when NETSAFE_HASHSETS names none.
    assert jobs.hashsets() == [hashset]

    # Loading twice changes nothing: not a file rewritten, nothing new chosen.
    before = _snapshot(tmp_path)
    again = load_evidence(io.StringIO())
    assert again["written"] == []
    assert sorted(again["kept"]) == sorted(summary["written"])
    assert again["hashset_written"] is False
    assert again["items"] == summary["items"]
    assert _snapshot(tmp_path) == before

    # Triage of each item finds what the demo hash set says is there.
    for kind, spec in summary["items"].items():
        report = scan(
            ScanOptions(
                evidence=[root / spec["item"]],
                out=tmp_path / "scans" / kind,
                hashsets=[hashset],
                workers=1,
                index_cache=tmp_path / "index",
            )
        )
        found = report["evidence"][0]
        assert set(found["summary"]["categories"]) == EXPECTED[kind], kind
        assert found["errors"] == [], kind
        if kind == "fat":
            assert found["summary"]["deleted"] == 1
        if kind == "e01":
            assert found["integrity"]["verified"] is True
        if kind == "video":
            assert found["summary"]["videos"] == 1
        if kind == "photos":
            assert found["summary"]["matches"] == {"exact": 2, "perceptual": 1}


def test_a_kind_whose_tool_is_missing_is_skipped_with_a_note(demo_operation, store, monkeypatch):
    real = demo_evidence._tool
    monkeypatch.setattr(
        demo_evidence, "_tool", lambda name: None if name == "ewfacquire" else real(name)
    )
    out = io.StringIO()
    summary = load_evidence(out)
    assert "e01" in summary["skipped"]
    assert "ewfacquire not installed" in out.getvalue()
    assert len(summary["written"]) == len(EXPECTED) - 1
    # Once the tool is there, the next load adds the missing item and nothing else.
    monkeypatch.setattr(demo_evidence, "_tool", real)
    again = load_evidence(io.StringIO())
    assert again["written"] == [summary["items"]["e01"]["item"]]


def test_a_forgotten_manifest_or_new_databases_choose_again(demo_operation, store, tmp_path):
    summary = load_evidence(io.StringIO())
    manifest = tmp_path / "evidence" / MANIFEST
    manifest.write_text('{"photos": {"item": "x", "device": 999999, "exhibit": "NO/1"}}')
    again = load_evidence(io.StringIO())
    assert again["items"] == summary["items"]  # the same devices, found again
    assert again["written"] == []


def test_configured_hash_sets_win_over_the_demo_one(settings, store, tmp_path):
    assert jobs.hashsets() == []  # no demo hash set written: none
    own = tmp_path / "caid.csv"
    settings.NETSAFE_HASHSETS = [str(own)]
    assert jobs.hashsets() == [own]
