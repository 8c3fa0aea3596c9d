"""report.html as the examiner's document: every matched file in linked pages, thumbnails
made at report time inside the output folder, readable for 100,000 rows."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image
from tests.triage.conftest import jpeg_bytes, photo, write_tree, zip_bytes
from typer.testing import CliRunner

from netsafe.triage.cli import app
from netsafe.triage.matching import Match
from netsafe.triage.records import FileRecord, Times
from netsafe.triage.report_html import PAGE_ROWS, PAGES_DIR, write_report_html

ROWS = 100_000


class Page(HTMLParser):
    """The links, images, headings and tables of one HTML page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.next: str | None = None
        self.images: list[dict] = []
        self.headings: list[str] = []
        self.tables = self.header_cells = 0
        self.lang = None
        self._heading: str | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"].split("#")[0])
            if a.get("rel") == "next":
                self.next = a["href"]
        elif tag == "img":
            self.images.append(a)
        elif tag == "html":
            self.lang = a.get("lang")
        elif tag == "table":
            self.tables += 1
        elif tag == "th":
            self.header_cells += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self._heading = ""

    def handle_data(self, data):
        if self._heading is not None:
            self._heading += data

    def handle_endtag(self, tag):
        if re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            self.headings.append(self._heading)
            self._heading = None


def synthetic_scan(out: Path, rows: int) -> dict:
    """A files.jsonl of ``rows`` rows (a third matched: A, B, C and an uncategorised entry,
    exact and perceptual) and its report.json, as a scan of one device writes them."""
    out.mkdir()
    ev = "/evidence/device.E01"
    counts: dict[str, dict] = {}
    with open(out / "files.jsonl", "w", encoding="utf-8") as fh:
        for n in range(rows):
            matches: tuple[Match, ...] = ()
            if n % 3 == 0:
                category = ("A", "B", "C", None)[n % 4]
                kind = "exact" if n % 2 else "perceptual"
                matches = (Match(kind, "uk.csv", 0 if kind == "exact" else 9, category, str(n)),)
                label = category or "uncategorised"
                c = counts.setdefault(label, {"files": 0, "unique": 0})
                c["files"] += 1
                c["unique"] += 1
            sha1 = hashlib.sha1(str(n).encode()).hexdigest()
            record = FileRecord(
                evidence=ev,
                path=f"p1/Users/x/Pictures/{n:06d}.jpg",
                size=1000 + n,
                deleted=n % 7 == 0,
                type="image/jpeg",
                md5=None,
                sha1=sha1,
                sha256=None,
                pdq=None,
                pdq_quality=None,
                known=False,
                matches=matches,
                error=None,
                times=Times("2016-12-22T20:09:38Z", None, None, None),
            )
            fh.write(record.to_json() + "\n")
    matched = sum(c["files"] for c in counts.values())
    report = {
        "schema": "netsafe.triage-report/1",
        "tool": {"name": "netsafe", "version": "test"},
        "started": "2017-03-01T10:00:00+00:00",
        "finished": "2017-03-01T10:04:10+00:00",
        "hashsets": [{"path": "uk.csv", "format": "csv", "entries": 9, "sha256": "0" * 64}],
        "max_distance": 31,
        "evidence": [
            {
                "path": ev,
                "kind": "ewf",
                "volumes": [],
                "integrity": {
                    "stored_md5": "a" * 32,
                    "computed_md5": "b" * 32,
                    "verified": False,
                    "stored_sha1": None,
                    "computed_sha1": None,
                    "bad_ranges": [[32768, 65536]],
                    "metadata": {"case_number": "NS-2017-0042", "examiner": "J. Jones"},
                    "error": "chunks failed their checksum at bytes 32768-65536",
                },
                "summary": {
                    "files": rows,
                    "bytes": 0,
                    "images": rows,
                    "videos": 0,
                    "deleted": 0,
                    "errors": 0,
                    "known": 0,
                    "matches": {"exact": matched // 2, "perceptual": matched - matched // 2},
                    "categories": counts,
                    "indicators": [],
                },
                "priority": {"score": 90.0, "band": "high", "reasons": ["category A"]},
                "errors": [],
            }
        ],
    }
    (out / "report.json").write_text(json.dumps(report), "utf-8")
    return report


def test_a_hundred_thousand_rows_are_paged_and_every_page_is_linked(tmp_path):
    out = tmp_path / "out"
    report = synthetic_scan(out, ROWS)
    write_report_html(out, report)

    index_text = (out / "report.html").read_text("utf-8")
    index = Page(index_text)
    # The failed check comes first, with its byte range; the case details are shown.
    assert index.headings[:2] == ["NetSafe triage report", "Evidence failed verification"]
    assert "bytes 32768-65536" in index_text
    assert "NS-2017-0042" in index_text
    assert len(index_text) < 100_000

    per_category = report["evidence"][0]["summary"]["categories"]
    expected_pages = sum(-(-c["files"] // PAGE_ROWS) for c in per_category.values())
    pages = sorted((out / PAGES_DIR).glob("*.html"))
    assert len(pages) == expected_pages
    # Every page is linked from report.html, and links its neighbours and report.html.
    linked = {Path(h).name for h in index.links if h.startswith(PAGES_DIR + "/")}
    assert linked == {p.name for p in pages}
    listed = set()
    for p in pages:
        assert p.stat().st_size < 400_000, p.name
        page = Page(p.read_text("utf-8"))
        assert page.lang == "en"
        assert page.headings
        assert page.tables == 1
        assert "../report.html" in page.links
        assert set(page.links) - {"../report.html"} <= {q.name for q in pages}
        text = p.read_text("utf-8")
        listed |= set(re.findall(r"Pictures/(\d{6})\.jpg", text))
    # From each category's first page, "next" leads through all of its pages.
    firsts = sorted(p for p in pages if p.name.endswith("-p1.html"))
    assert len(firsts) == len(per_category)
    walked = 0
    for first in firsts:
        page: Path | None = first
        while page is not None:
            walked += 1
            nxt = Page(page.read_text("utf-8")).next
            page = page.parent / nxt if nxt else None
    assert walked == len(pages)
    # Every matched file is on a page, and nothing else is.
    assert listed == {f"{n:06d}" for n in range(0, ROWS, 3)}
    # Nothing was written outside the output folder.
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_rendering_again_replaces_the_pages(tmp_path):
    out = tmp_path / "out"
    report = synthetic_scan(out, 3 * PAGE_ROWS * 4 + 3)
    write_report_html(out, report)
    before = sorted(p.name for p in (out / PAGES_DIR).glob("*.html"))
    # Fewer rows now (a resume against other hash sets): no page of the first render stays.
    lines = (out / "files.jsonl").read_text("utf-8").splitlines()[:9]
    (out / "files.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    write_report_html(out, report)
    after = sorted(p.name for p in (out / PAGES_DIR).glob("*.html"))
    assert len(after) < len(before)
    assert set(Page((out / "report.html").read_text("utf-8")).links) >= {
        f"{PAGES_DIR}/{n}" for n in after
    }


@pytest.fixture
def matched_folder(tmp_path) -> tuple[Path, Path]:
    """Evidence with matched pictures (one inside a ZIP) and its hash set."""
    ev = write_tree(
        tmp_path / "ev",
        {
            "DCIM/a.jpg": jpeg_bytes(photo(60)),
            "DCIM/b.jpg": jpeg_bytes(photo(61)),
            "zips/c.zip": zip_bytes({"in/c.jpg": jpeg_bytes(photo(62))}),
            "notes.txt": b"nothing\n",
        },
    )
    sets = tmp_path / "set.csv"
    sets.write_text(
        "md5,category\n"
        + "".join(
            f"{hashlib.md5(jpeg_bytes(photo(s))).hexdigest()},{c}\n"
            for s, c in ((60, "A"), (62, "C"))
        )
    )
    return ev, sets


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_matched_pictures_get_thumbnails_inside_the_report_folder(tmp_path, matched_folder):
    ev, sets = matched_folder
    before = _tree(ev)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["scan", str(ev), "--out", str(out), "--workers", "1", "--hashset", str(sets)]
    )
    assert result.exit_code == 0, result.output
    assert _tree(ev) == before  # the evidence is only read
    index = Page((out / "report.html").read_text("utf-8"))
    pages = [out / h for h in index.links if h.startswith(PAGES_DIR + "/")]
    assert len(pages) == 2  # categories A and C, one page each
    images = [img for p in pages for img in Page(p.read_text("utf-8")).images]
    assert len(images) == 2
    for img in images:
        thumb = (out / PAGES_DIR / img["src"]).resolve()
        assert thumb.is_relative_to(out.resolve())
        with Image.open(thumb) as t:
            assert t.format == "JPEG"
            assert max(t.size) <= 128
        assert img["alt"].startswith("Thumbnail of ")
    assert {img["alt"] for img in images} == {
        "Thumbnail of DCIM/a.jpg",
        "Thumbnail of zips/c.zip!in/c.jpg",
    }


def test_report_command_renders_again_without_the_evidence(tmp_path, matched_folder):
    ev, sets = matched_folder
    out = tmp_path / "out"
    CliRunner().invoke(
        app, ["scan", str(ev), "--out", str(out), "--workers", "1", "--hashset", str(sets)]
    )
    jsonl = (out / "files.jsonl").read_bytes()
    (out / "report.html").unlink()
    shutil.move(ev, tmp_path / "elsewhere")  # the evidence went back to the store
    result = CliRunner().invoke(app, ["report", str(out), "--no-thumbnails"])
    assert result.exit_code == 0, result.output
    assert (out / "files.jsonl").read_bytes() == jsonl
    # The thumbnails the scan made are still shown.
    index = Page((out / "report.html").read_text("utf-8"))
    pages = [out / h for h in index.links if h.startswith(PAGES_DIR + "/")]
    assert sum(len(Page(p.read_text("utf-8")).images) for p in pages) == 2
    # With thumbnails asked for and the evidence gone, each row says why it has none.
    result = CliRunner().invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    shutil.rmtree(out / PAGES_DIR / "thumbnails")
    result = CliRunner().invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    page = pages[0].read_text("utf-8")
    assert f"no thumbnail: not a folder: {ev}" in page
    (out / "files.jsonl").write_text("{broken\n", "utf-8")
    result = CliRunner().invoke(app, ["report", str(out)])
    assert result.exit_code == 2
    assert f"{out / 'files.jsonl'}:1: not JSON" in result.output


def test_a_full_last_page_has_no_next_page(tmp_path):
    out = tmp_path / "out"
    # 12 * PAGE_ROWS rows: every category (A, B, C, uncategorised) fills one page exactly.
    report = synthetic_scan(out, 12 * PAGE_ROWS)
    write_report_html(out, report)
    pages = sorted((out / PAGES_DIR).glob("*.html"))
    assert len(pages) == 4
    for p in pages:
        assert Page(p.read_text("utf-8")).next is None
        assert p.read_text("utf-8").count("<tr>") == PAGE_ROWS + 1  # the header row too


def test_thumbnails_no_longer_shown_are_removed(tmp_path):
    out = tmp_path / "out"
    report = synthetic_scan(out, 24)
    picture = jpeg_bytes(photo(3))
    write_report_html(out, report, lambda record: picture)
    thumbs = out / PAGES_DIR / "thumbnails"
    assert len(list(thumbs.iterdir())) == 8  # rows 0, 3, ..., 21 matched
    # Rendered again with only the first three rows (one matched): one thumbnail stays.
    lines = (out / "files.jsonl").read_text("utf-8").splitlines()[:3]
    (out / "files.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    write_report_html(out, report, lambda record: picture)
    assert [p.name for p in thumbs.iterdir()] == [f"{hashlib.sha1(b'0').hexdigest()}.jpg"]
