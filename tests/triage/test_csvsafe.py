"""Spreadsheet formula injection (issue 12, finding 4): file names from seized media such as
``=HYPERLINK(...)``, ``+cmd`` and ``@SUM(...)`` must not run when an officer opens a CSV.

Every CSV NetSafe writes (``files.csv``, ``triage match``, ``batch`` ``summary.csv``) starts
such a cell with ``'``; ``files.jsonl`` keeps the exact value (contract "CSV safety")."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from tests.triage.conftest import file_rows, write_tree
from typer.testing import CliRunner

from netsafe.triage import csvsafe
from netsafe.triage.cli import app
from netsafe.triage.hashsets import DEFAULT_VICS_CATEGORIES, HashEntry
from netsafe.triage.hashsets.csvtable import CsvFormat

HOSTILE = {
    '=HYPERLINK("x","open").txt': b"one\n",
    "+cmd.txt": b"two\n",
    "-2+3.txt": b"three\n",
    "@SUM(1+1).txt": b"four\n",
    "\tlead-tab.txt": b"five\n",
    "\rlead-cr.txt": b"six\n",
    "plain.txt": b"seven\n",
}


def _invoke(*args: object):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def _table(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+44", "'+44"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        ("", ""),
        ("'quoted", "'quoted"),
        (12, 12),
    ],
)
def test_safe_cell(value, written):
    assert csvsafe.safe_cell(value) == written
    if isinstance(value, str):
        assert csvsafe.unsafe_cell(csvsafe.safe_cell(value)) == value


def test_files_csv_neutralises_hostile_names_and_jsonl_keeps_them(tmp_path):
    evidence = write_tree(tmp_path / "seized", HOSTILE)
    out = tmp_path / "out"
    _invoke("scan", evidence, "--out", out, "--workers", "1")
    table = {r["path"]: r for r in _table(out / "files.csv")}
    for name in HOSTILE:
        if name == "plain.txt":
            assert "plain.txt" in table
        else:
            assert "'" + name in table, sorted(table)
            assert name not in table
    exact = {r["path"] for r in file_rows(out)}
    assert exact == set(HOSTILE)


def test_match_csv_neutralises_query_and_entry_ids(tmp_path):
    md5 = hashlib.md5(b"known\n").hexdigest()
    queries = tmp_path / "queries.csv"
    queries.write_text(f"id,md5\n@SUM(1+1),{md5}\n", "utf-8")
    hashset = tmp_path / "set.csv"
    hashset.write_text(f'id,md5,category\n"=HYPERLINK(""x"")",{md5},+A\n', "utf-8")
    out = tmp_path / "m.csv"
    _invoke("match", queries, "--hashset", hashset, "--out", out)
    (row,) = _table(out)
    assert row["query"] == "'@SUM(1+1)"
    assert row["entry_id"] == '\'=HYPERLINK("x")'
    assert row["category"] == "'+A"


def test_batch_summary_csv_neutralises_references(tmp_path):
    evidence = write_tree(tmp_path / "dev", {"a.txt": b"a\n"})
    manifest = tmp_path / "intake.csv"
    manifest.write_text(f"reference,evidence\n=EX1,{evidence}\n", "utf-8")
    out = tmp_path / "intake"
    _invoke("batch", manifest, "--out", out, "--workers", "1")
    (row,) = _table(out / "summary.csv")
    assert row["reference"] == "'=EX1"
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["devices"][0]["reference"] == "=EX1"


def test_csv_hash_set_round_trips_formula_like_ids(tmp_path):
    path = tmp_path / "set.csv"
    entries = [HashEntry(id="=1+1", md5="0" * 32, category="A", series="-s")]
    CsvFormat().write(entries, path, DEFAULT_VICS_CATEGORIES)
    assert "'=1+1" in path.read_text("utf-8")
    (back,) = CsvFormat().read(path, DEFAULT_VICS_CATEGORIES)
    assert (back.id, back.series) == ("=1+1", "-s")


def test_compiled_csv_hash_set_reads_formula_like_ids_exactly(tmp_path):
    from netsafe.triage.hashsets import load_hashset

    path = tmp_path / "set.csv"
    entries = [
        HashEntry(id="=1+1", md5="0" * 32, category="A"),
        HashEntry(id="2", md5="1" * 32, category="-B"),
    ]
    CsvFormat().write(entries, path, DEFAULT_VICS_CATEGORIES)
    compiled = load_hashset(path, DEFAULT_VICS_CATEGORIES, tmp_path / "cache").compiled
    got = {(compiled.entry_id(row), compiled.category(row)) for row in range(compiled.entries)}
    assert got == {("=1+1", "A"), ("2", "-B")}


def _one_by_one(rows) -> str:
    """Each row as the writer has always written it: formatted alone with ``\\r\\n`` (which
    quotes a cell holding ``\\r`` or ``\\n``), then ended with ``\\n``."""
    out = []
    for row in rows:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow([csvsafe.safe_cell(v) for v in row])
        out.append(buf.getvalue()[:-2] + "\n")
    return "".join(out)


class _Counted:
    def __init__(self) -> None:
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return len(text)


@pytest.mark.parametrize(
    "rows",
    [
        [["a", 1, None, ""], ["=x", "+y", 2.5, True]],
        [["line\r\nbreak", "x"], ["plain", "y"], ["", '"quoted"']],  # a cell holding "\r\n"
        [["cr\ronly"], ["lf\nonly"], ["\rlead"], ["trailing\r"], ["x\r", "\ny"]],
        [],
    ],
    ids=["plain", "crlf-in-a-cell", "cr-and-lf", "no-rows"],
)
def test_rows_written_together_are_the_rows_written_one_by_one(rows):
    fh = _Counted()
    csvsafe.writer(fh).writerows(rows)  # type: ignore[arg-type]
    assert "".join(fh.writes) == _one_by_one(rows)
    for row in rows:
        single = _Counted()
        csvsafe.writer(single).writerow(row)  # type: ignore[arg-type]
        assert "".join(single.writes) == _one_by_one([row])


def test_a_batch_of_rows_is_formatted_and_written_at_once():
    # files.csv has a row for every file of the evidence: one write per batch, not per row.
    fh = _Counted()
    rows = [[f"file_{i}.txt", i, "=x"] for i in range(1000)]
    csvsafe.writer(fh).writerows(rows)  # type: ignore[arg-type]
    assert len(fh.writes) == 1
    back = list(csv.reader(fh.writes[0].splitlines()))
    assert back[999] == ["file_999.txt", "999", "'=x"]
