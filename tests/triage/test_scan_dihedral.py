"""``--dihedral``: rotated and mirrored copies of a listed image match too."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.triage.conftest import file_rows
from typer.testing import CliRunner

from netsafe.triage.cli import app
from netsafe.triage.perceptual import pdq_of_stream


def _scan(*args: object) -> None:
    result = CliRunner().invoke(app, ["scan", *[str(a) for a in args]])
    assert result.exit_code == 0, result.output + repr(result.exception)


def _matched(out: Path) -> dict[str, list[tuple[str, int]]]:
    rows = file_rows(out)
    return {r["path"]: [(m["category"], m["distance"]) for m in r["matches"]] for r in rows}


def test_dihedral_scan_finds_rotations_and_flips(tmp_path, pdq_testdata):
    evidence = pdq_testdata / "reg-test-input" / "dih"
    with open(evidence / "bridge-1-original.jpg", "rb") as fh:
        original, _quality = pdq_of_stream(fh)
    hashset = tmp_path / "uk.csv"
    with open(hashset, "w", newline="") as fh:
        csv.writer(fh).writerows([("id", "pdq", "category"), ("bridge", original, "A")])

    plain = tmp_path / "plain"
    _scan(evidence, "--out", plain, "--workers", "1", "--hashset", hashset)
    turned = tmp_path / "turned"
    _scan(evidence, "--out", turned, "--workers", "1", "--hashset", hashset, "--dihedral")

    plain_hits, turned_hits = _matched(plain), _matched(turned)
    # The test photos carry EXIF thumbnails: rows of their own, matched like any picture.
    thumbnails = {p: hits for p, hits in turned_hits.items() if p.endswith("!thumbnail")}
    assert thumbnails
    assert all(hits and hits[0][0] == "A" for hits in thumbnails.values()), thumbnails
    turned_hits = {p: hits for p, hits in turned_hits.items() if p not in thumbnails}
    assert len(turned_hits) == 8
    assert all(hits and hits[0][0] == "A" for hits in turned_hits.values()), turned_hits
    assert turned_hits["bridge-1-original.jpg"] == [("A", 0)]
    # Without the option the rotations are too far away to match.
    assert plain_hits["bridge-2-rotate-90.jpg"] == []
    assert plain_hits["bridge-1-original.jpg"] == [("A", 0)]
    # files.jsonl keeps its fields: the extra hashes stay in the scan's store.
    first = json.loads((turned / "files.jsonl").read_text("utf-8").splitlines()[0])
    assert "pdq_dihedral" not in first

    result = CliRunner().invoke(
        app, ["scan", str(evidence), "--out", str(turned), "--resume", "--hashset", str(hashset)]
    )
    assert result.exit_code == 2
    assert "--dihedral" in result.output
