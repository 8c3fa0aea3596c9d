"""report.html: the examiner's document of a scan, written from report.json and files.jsonl.

``report.html`` opens with what an examiner must see first (evidence that failed
verification, with the byte ranges), then the hash sets, an overview of the evidence,
and per evidence item its integrity and case details, volumes, priority, categories,
counts, cameras, indicators and the files that could not be read. Every matched file
(path, size, times, match, distance, a thumbnail of a picture) is listed in pages of
:data:`PAGE_ROWS` under ``report-files/``, per evidence item and category, all linked
from ``report.html``: a device with a hundred thousand matches stays readable.

Thumbnails are made at report time from the evidence and kept in
``report-files/thumbnails/`` inside the output folder: the report is evidence too,
and nothing is written anywhere else. The pages work without JavaScript: headings,
tables with header cells, links.
"""

from __future__ import annotations

import html
import io
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from netsafe.triage.content import ContentError
from netsafe.triage.records import FileRecord, read_files
from netsafe.triage.sources import TIME_KEYS

#: Matched files per page.
PAGE_ROWS = 250
#: The folder of the pages and thumbnails, inside the output folder.
PAGES_DIR = "report-files"
THUMBNAILS_DIR = "thumbnails"
#: The longest side of a thumbnail (pixels).
THUMBNAIL_SIZE = 128
#: Pictures larger than this are not read for a thumbnail.
THUMBNAIL_SOURCE_LIMIT = 64 << 20
#: Rows of the error and camera tables in report.html (the rest are in files.csv).
MAX_ERROR_ROWS = 200
MAX_CAMERA_ROWS = 500
UK_CATEGORIES = ("A", "B", "C")

#: What gives a record's content for its thumbnail (raises :class:`ContentError`, or
#: what reading the evidence raises, when it cannot).
ContentOf = Callable[[FileRecord], bytes]

_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#0b0c0c;max-width:80rem}
h1{font-size:1.6rem}
h2{font-size:1.3rem;border-top:4px solid #1d70b8;padding-top:.6rem;margin-top:2rem}
h3{font-size:1.05rem;margin-top:1.2rem}table{border-collapse:collapse;margin:.4rem 0 1rem}
th,td{border-bottom:1px solid #b1b4b6;padding:.3rem .8rem;text-align:left;vertical-align:top;
overflow-wrap:anywhere}th{overflow-wrap:normal}caption{text-align:left;font-weight:bold}
td.n{text-align:right;font-variant-numeric:tabular-nums}.band{font-weight:bold;padding:.1rem .5rem}
.high{background:#d4351c;color:#fff}.medium{background:#f47738;color:#0b0c0c}.low{background:#00703c;color:#fff}
code{font-size:.9em;word-break:break-all}.muted{color:#505a5f}a{color:#1d70b8}
.failed{border:5px solid #d4351c;padding:0 1rem;margin:1rem 0}.failed h2{border:0;color:#d4351c}
nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3rem .8rem}
td img{display:block;max-width:128px;max-height:128px}
"""


# --- what one pass over files.jsonl tells ----------------------------------------------


@dataclass
class Tally:
    """What report.html shows of one evidence item's rows besides report.json's summary."""

    matched: dict[str, int] = field(default_factory=dict)
    error_rows: list[tuple[str, str]] = field(default_factory=list)
    errors: int = 0
    camera_rows: list[tuple] = field(default_factory=list)
    cameras: int = 0
    carved: int = 0

    def add(self, record: FileRecord) -> None:
        """Count one row."""
        category = record.category
        if category is not None:
            self.matched[category] = self.matched.get(category, 0) + 1
        if record.error:
            self.errors += 1
            if len(self.error_rows) < MAX_ERROR_ROWS:
                self.error_rows.append((record.path, record.error))
        self.carved += record.carved
        if record.exif:
            self.cameras += 1
            if len(self.camera_rows) < MAX_CAMERA_ROWS:
                x = record.exif
                gps = f"{x.gps[0]}, {x.gps[1]}" if x.gps else ""
                self.camera_rows.append(
                    (
                        record.path,
                        x.make or "",
                        x.model or "",
                        x.serial or "",
                        x.taken or "",
                        gps,
                        x.software or "",
                    )
                )

    def categories(self) -> list[str]:
        """Matched categories in report order: A, B, C, then the others by name."""
        return sorted(
            self.matched,
            key=lambda c: (
                c not in UK_CATEGORIES,
                UK_CATEGORIES.index(c) if c in UK_CATEGORIES else 0,
                c,
            ),
        )


def _evidence_of(record: FileRecord, where: dict[str, int]) -> int:
    try:
        return where[record.evidence]
    except KeyError:
        raise ValueError(
            f"files.jsonl names evidence {record.evidence!r} that report.json does not list"
        ) from None


# --- pages of matched files ------------------------------------------------------------


def page_name(ev: int, category_number: int, page: int) -> str:
    """The file of page ``page`` (from 1) of a category's matched files, under PAGES_DIR."""
    return f"e{ev + 1}-c{category_number + 1}-p{page}.html"


class Thumbnails:
    """Makes each matched picture's thumbnail once (by SHA-1) into the report's folder."""

    def __init__(self, folder: Path, content_of: ContentOf | None) -> None:
        self.folder = folder
        self.content_of = content_of
        #: The thumbnails this rendering shows.
        self.used: set[str] = set()

    def prune(self) -> None:
        """Remove thumbnails an earlier rendering made that this one does not show (a
        resume against other hash sets matches other pictures)."""
        if self.folder.is_dir():
            for old in self.folder.iterdir():
                if old.name not in self.used:
                    old.unlink()

    def cell(self, record: FileRecord) -> str:
        """The table cell of a matched file's thumbnail (a reason where there is none)."""
        if not record.is_image:
            return "<td>not a picture</td>"
        if not record.sha1:
            return "<td>no thumbnail: the file could not be read</td>"
        name = f"{record.sha1}.jpg"
        target = self.folder / name
        if not target.is_file():
            if self.content_of is None:
                return "<td>no thumbnail: the evidence was not read</td>"
            reason = self._make(record, target)
            if reason:
                return f"<td>no thumbnail: {_e(reason)}</td>"
        self.used.add(name)
        src = f"{THUMBNAILS_DIR}/{name}"
        return f"<td><img src='{_e(src)}' alt='Thumbnail of {_e(record.path)}' loading='lazy'></td>"

    def _make(self, record: FileRecord, target: Path) -> str | None:
        if record.size > THUMBNAIL_SOURCE_LIMIT:
            return f"larger than {THUMBNAIL_SOURCE_LIMIT >> 20} MiB"
        if self.content_of is None:
            return "the evidence was not read"
        try:
            data = self.content_of(record)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with Image.open(io.BytesIO(data)) as img:
                    img.draft("RGB", (THUMBNAIL_SIZE, THUMBNAIL_SIZE))
                    small = img.convert("RGB")
                    small.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        except ContentError as exc:
            return str(exc)
        except (OSError, ValueError, RuntimeError, UnidentifiedImageError, SyntaxError) as exc:
            return str(exc) or type(exc).__name__
        except Image.DecompressionBombError as exc:
            return str(exc)
        except Exception as exc:  # any source's read error: the report goes on
            return f"{type(exc).__name__}: {exc}"
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        small.save(partial, "JPEG", quality=70)
        partial.replace(target)
        return None


class ReportPages:
    """report.html and its pages of matched files, built in one pass over the rows.

    Each row given to :meth:`add` is counted for report.html (:class:`Tally`) and, when
    matched, put on its category's current page; a full page is written once the next
    row of its category comes (so that it knows whether it has a next page), and the
    rest by :meth:`finish`, which writes report.html. Pages of an earlier rendering are
    removed first. Category numbers in page names follow the order categories are first
    met, which depends on the rows alone.
    """

    def __init__(self, out: Path, evidence: list[str], content_of: ContentOf | None = None):
        self.out = out
        self.folder = out / PAGES_DIR
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("e*-c*-p*.html"):
            old.unlink()
        self.evidence = evidence
        self._where = {path: i for i, path in enumerate(evidence)}
        self.tallies = [Tally() for _ in evidence]
        #: Per evidence item: category -> its number in page names.
        self.numbers: list[dict[str, int]] = [{} for _ in evidence]
        #: (evidence, category number) -> pages written.
        self.pages: dict[tuple[int, int], int] = {}
        self._rows: dict[tuple[int, int], list[FileRecord]] = {}
        self._full: dict[tuple[int, int], list[FileRecord]] = {}
        self.thumbnails = Thumbnails(self.folder / THUMBNAILS_DIR, content_of)

    def add(self, record: FileRecord) -> None:
        """Count one row; list it if it matched."""
        ev = _evidence_of(record, self._where)
        self.tallies[ev].add(record)
        category = record.category
        if category is None:
            return
        key = (ev, self.numbers[ev].setdefault(category, len(self.numbers[ev])))
        if key in self._full:
            self._write(key, self._full.pop(key), last=False)
        rows = self._rows.setdefault(key, [])
        rows.append(record)
        if len(rows) == PAGE_ROWS:
            self._full[key] = self._rows.pop(key)

    def finish(self, report: dict) -> None:
        """Write the last page of each category, then report.html (``report``: the
        report.json object)."""
        for pending in (self._full, self._rows):
            for key in list(pending):
                self._write(key, pending.pop(key), last=True)
        if self.thumbnails.content_of is not None:
            self.thumbnails.prune()
        (self.out / "report.html").write_text(render_index(report, self), "utf-8")

    def _write(self, key: tuple[int, int], records: list[FileRecord], *, last: bool) -> None:
        ev, number = key
        page = self.pages[key] = self.pages.get(key, 0) + 1
        category = next(c for c, n in self.numbers[ev].items() if n == number)
        text = render_page(
            self.evidence[ev], ev, category, number, page, last, records, self.thumbnails
        )
        (self.folder / page_name(ev, number, page)).write_text(text, "utf-8")


def category_anchor(ev: int, number: int) -> str:
    """The id of a category's row in report.html (its pages link back to it)."""
    return f"e{ev + 1}-c{number + 1}"


def render_page(
    evidence: str,
    ev: int,
    category: str,
    number: int,
    page: int,
    last: bool,
    records: list[FileRecord],
    thumbnails: Thumbnails,
) -> str:
    """One page of a category's matched files."""
    title = f"Category {category}: matched files, page {page}"
    nav = _page_nav(ev, number, page, last, category)
    head = (
        "Thumbnail",
        "Path",
        "Size (bytes)",
        *(t.capitalize() for t in TIME_KEYS),
        "State",
        "Match",
        "Hash set and entry",
        "Distance",
        "SHA-1",
    )
    body = "".join(_matched_row(r, thumbnails) for r in records)
    return "\n".join(
        [
            _head(f"{title} - {evidence}"),
            "<header><p><a href='../report.html'>Back to the triage report</a></p></header>",
            "<main>",
            f"<h1>{_e(title)}</h1>",
            f"<p>Evidence <code>{_e(evidence)}</code>. Times are UTC as the file system "
            "keeps them; distance is the PDQ Hamming distance (0 for an exact match).</p>",
            nav,
            f"<table><caption>Matched files in category {_e(category)}, page {page}</caption>"
            f"<thead><tr>{''.join(f'<th scope=col>{_e(h)}</th>' for h in head)}</tr></thead>"
            f"<tbody>{body}</tbody></table>",
            nav,
            "</main></body></html>\n",
        ]
    )


def _page_nav(ev: int, number: int, page: int, last: bool, category: str) -> str:
    items = []
    if page > 1:
        items.append(
            f"<li><a href='{page_name(ev, number, page - 1)}' rel='prev'>Previous page</a></li>"
        )
    if not last:
        items.append(
            f"<li><a href='{page_name(ev, number, page + 1)}' rel='next'>Next page</a></li>"
        )
    items.append(
        f"<li><a href='../report.html#{category_anchor(ev, number)}'>Every page of category "
        f"{_e(category)}</a></li>"
    )
    return f"<nav aria-label='Pages'><ul>{''.join(items)}</ul></nav>"


def _matched_row(record: FileRecord, thumbnails: Thumbnails) -> str:
    times = record.times.as_dict() if record.times else dict.fromkeys(TIME_KEYS)
    state = (
        ", ".join(
            s
            for s, on in (
                ("deleted", record.deleted),
                ("carved", record.carved),
                (f"error: {record.error}", bool(record.error)),
            )
            if on
        )
        or "live"
    )
    counted = record.counted
    sources = "; ".join(f"{m.hashset} #{m.entry_id}" if m.entry_id else m.hashset for m in counted)
    cells = [
        thumbnails.cell(record),
        f"<th scope='row'><code>{_e(record.path)}</code></th>",
        f"<td class='n'>{record.size:,}</td>",
        *(f"<td>{_e(times[k] or '-')}</td>" for k in TIME_KEYS),
        f"<td>{_e(state)}</td>",
        f"<td>{_e(record.match_kind or '')}</td>",
        f"<td>{_e(sources)}</td>",
        f"<td class='n'>{record.distance}</td>",
        f"<td><code>{_e(record.sha1 or '')}</code></td>",
    ]
    return f"<tr>{''.join(cells)}</tr>"


# --- report.html -----------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape(str(value))


def _size(nbytes: int) -> str:
    """``125,328,610 bytes (120 MB)``: exact, and readable at a glance."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if nbytes >= scale:
            return f"{nbytes:,} bytes ({nbytes / scale:.3g} {unit})"
    return f"{nbytes:,} bytes"


def _head(title: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
    )


def _table(
    head: Iterable[str],
    rows: Iterable[Iterable[object]],
    numeric: set[int] | None = None,
    caption: str | None = None,
) -> str:
    numeric = numeric or set()
    th = "".join(f"<th scope='col'>{_e(h)}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class='n'>{_e(f'{c:,}' if isinstance(c, int) else c)}</td>"
            if i in numeric
            else f"<td>{_e(c)}</td>"
            for i, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def verification_failure(integrity: dict) -> str | None:
    """Why an evidence item's media check failed (one line), or None when it did not fail."""
    if integrity.get("verified") is not False:
        return None
    reason = integrity.get("error") or (
        f"stored MD5 {integrity.get('stored_md5')} differs from the computed "
        f"{integrity.get('computed_md5')}"
    )
    return " ".join(str(reason).split())


def integrity_text(integrity: dict) -> str:
    """The integrity line of one evidence item: verified or not, with what was compared."""
    hashes = f"MD5 stored {integrity['stored_md5']}, computed {integrity['computed_md5'] or 'none'}"
    if "stored_sha1" in integrity:
        hashes += (
            f"; SHA-1 stored {integrity['stored_sha1'] or 'none'}, "
            f"computed {integrity['computed_sha1'] or 'none'}"
        )
    if integrity["verified"] is None:
        if integrity.get("error"):
            return f"nothing stored to verify against ({integrity['error']})"
        return "no stored hash to verify"
    if integrity["verified"]:
        return f"verified, every chunk passed its checksum ({hashes})"
    return f"NOT verified: {verification_failure(integrity)} ({hashes})"


def section_failed(report: dict) -> str:
    """The alert at the top: each evidence item that failed verification, why, and where."""
    failed = [ev for ev in report["evidence"] if verification_failure(ev["integrity"])]
    if not failed:
        return ""
    items = []
    for ev in failed:
        bad = ev["integrity"].get("bad_ranges") or []
        ranges = (
            "<ul>"
            + "".join(
                f"<li>bytes {a}-{b} ({(b - a):,} bytes, sectors {a // 512}-{(b - 1) // 512})</li>"
                for a, b in bad
            )
            + "</ul>"
            if bad
            else ""
        )
        items.append(
            f"<li><strong>{_e(ev['path'])}</strong>: {_e(verification_failure(ev['integrity']))}"
            f"{ranges}</li>"
        )
    # An examiner must see this before any figure below: the media is not what was
    # acquired, or not all of it could be checked.
    return (
        "<div class='failed' role='alert'><h2>Evidence failed verification</h2>"
        "<p>Figures below were read from media that is not as acquired: files on the "
        "ranges named carry an error in files.csv.</p>"
        f"<ul>{''.join(items)}</ul></div>"
    )


def section_run(report: dict) -> str:
    """Who made the report, when, with what distance."""
    return (
        f"<p class='muted'>netsafe {_e(report['tool']['version'])}; "
        f"started {_e(report['started'])}, finished {_e(report['finished'])}; "
        f"PDQ match distance at most {_e(report['max_distance'])}.</p>"
    )


def section_hashsets(report: dict) -> str:
    """The hash sets matched against."""
    if not report["hashsets"]:
        return "<h2>Hash sets</h2><p>No hash sets were given: nothing could be matched.</p>"
    return "<h2>Hash sets</h2>" + _table(
        ("Path", "Format", "Entries", "SHA-256"),
        ((h["path"], h["format"], h["entries"], h["sha256"]) for h in report["hashsets"]),
        {2},
    )


def section_overview(report: dict) -> str:
    """One line per evidence item: kind, integrity, files, matches, priority."""
    rows = []
    for n, ev in enumerate(report["evidence"]):
        s, integ = ev["summary"], ev["integrity"]
        state = {True: "verified", False: "FAILED", None: "nothing stored"}[integ["verified"]]
        matched = s["matches"]["exact"] + s["matches"]["perceptual"]
        rows.append(
            f"<tr><th scope='row'><a href='#evidence-{n + 1}'>{_e(ev['path'])}</a></th>"
            f"<td>{_e(ev['kind'])}</td><td>{_e(state)}</td><td class='n'>{s['files']:,}</td>"
            f"<td class='n'>{matched:,}</td><td>{_e(ev['priority']['band'])}</td></tr>"
        )
    head = "".join(
        f"<th scope='col'>{h}</th>"
        for h in ("Evidence", "Kind", "Integrity", "Files", "Matched files", "Priority")
    )
    return (
        "<h2>Evidence</h2><table><thead><tr>"
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def section_integrity(ev: dict) -> str:
    """An evidence item's integrity line, its stored case details and its volumes."""
    integ = ev["integrity"]
    parts = [f"<p>Kind: {_e(ev['kind'])}. Integrity: {_e(integrity_text(integ))}.</p>"]
    metadata = {k: v for k, v in (integ.get("metadata") or {}).items() if v}
    if metadata:
        parts.append(
            _table(
                ("Stored detail", "Value"),
                ((k.replace("_", " ").capitalize(), v) for k, v in metadata.items()),
                caption="As stored in the image at acquisition",
            )
        )
    volumes = ev.get("volumes") or []
    if volumes:
        parts.append(
            _table(
                ("Volume", "Offset", "Length", "Scheme", "Type", "File system", "Label"),
                (
                    (
                        v["name"] or "(whole image)",
                        v["offset"],
                        v["length"],
                        v["scheme"],
                        v["type"] or "",
                        v["filesystem"] or "none TSK reads",
                        v["label"] or "",
                    )
                    for v in volumes
                ),
                {1, 2},
                caption="Volumes",
            )
        )
    return "".join(parts)


def section_priority(ev: dict) -> str:
    """The priority band, score and reasons."""
    p = ev["priority"]
    return (
        f"<p>Priority: <span class='band {_e(p['band'])}'>{_e(p['band'])}</span> "
        f"(score {_e(p['score'])})</p><ul>"
        + "".join(f"<li>{_e(r)}</li>" for r in p["reasons"])
        + "</ul>"
    )


def section_categories(n: int, ev: dict, pages: ReportPages) -> str:
    """Matched files by category, each linked to its pages of files."""
    s = ev["summary"]
    numbers = pages.numbers[n]
    labels = list(dict.fromkeys([*UK_CATEGORIES, *pages.tallies[n].categories(), *s["categories"]]))
    rows = []
    for label in labels:
        counts = s["categories"].get(label, {})
        files, unique = counts.get("files", 0), counts.get("unique", 0)
        links, anchor = "-", ""
        if label in numbers:
            number = numbers[label]
            total = pages.pages.get((n, number), 0)
            links = " ".join(
                f"<a href='{PAGES_DIR}/{page_name(n, number, p)}'>{p}</a>"
                for p in range(1, total + 1)
            )
            anchor = f" id='{category_anchor(n, number)}'"
        rows.append(
            f"<tr{anchor}><td>{_e(label)}</td><td class='n'>{files:,}</td>"
            f"<td class='n'>{unique:,}</td><td>{links}</td></tr>"
        )
    head = "".join(
        f"<th scope='col'>{h}</th>"
        for h in ("Category", "Files", "Unique (by SHA-1)", "Pages of matched files")
    )
    return (
        "<h3>Indecent images by category</h3>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"<p>Matched exactly: {s['matches']['exact']}; perceptually only: "
        f"{s['matches']['perceptual']}.</p>"
    )


def section_counts(ev: dict, t: Tally) -> str:
    """How many files, bytes, pictures, videos, deleted, known, errors; carved."""
    s = ev["summary"]
    parts = [
        "<h3>Files</h3>",
        _table(
            ("Files", "Size", "Images", "Videos", "Deleted", "Known files", "Errors"),
            [
                (
                    s["files"],
                    _size(s["bytes"]),
                    s["images"],
                    s["videos"],
                    s["deleted"],
                    s["known"],
                    s["errors"],
                )
            ],
            set(range(7)),
        ),
    ]
    if t.carved:
        parts.append(
            f"<p>Carved from unallocated space: {t.carved:,} files "
            "(paths <code>$Carved/&lt;offset&gt;</code>).</p>"
        )
    return "".join(parts)


def section_cameras(t: Tally) -> str:
    """Pictures that name their camera (EXIF)."""
    parts = [f"<h3>Pictures that name their camera (EXIF, {t.cameras:,})</h3>"]
    if not t.camera_rows:
        return parts[0] + "<p>None.</p>"
    parts.append(
        _table(("Path", "Make", "Model", "Serial", "Taken", "GPS", "Software"), t.camera_rows)
    )
    if t.cameras > len(t.camera_rows):
        parts.append(
            f"<p>… and {t.cameras - len(t.camera_rows):,} more in files.csv (columns exif_*).</p>"
        )
    return "".join(parts)


def section_indicators(ev: dict) -> str:
    """Indicator hits: each rule, what it means, how many paths and which."""
    found = ev["summary"]["indicators"]
    if not found:
        return "<h3>Indicators</h3><p>None found.</p>"
    rows = "".join(
        f"<tr><td>{_e(i['name'])}</td><td>{_e(i['description'])}</td>"
        f"<td class='n'>{i['count']:,}</td><td><ul>"
        + "".join(f"<li><code>{_e(p)}</code></li>" for p in i["paths"])
        + ("<li>… more in files.csv</li>" if i["count"] > len(i["paths"]) else "")
        + "</ul></td></tr>"
        for i in found
    )
    head = "".join(f"<th scope='col'>{h}</th>" for h in ("Indicator", "What", "Hits", "Paths"))
    return f"<h3>Indicators</h3><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def section_errors(ev: dict, t: Tally) -> str:
    """Problems with the evidence, then the files that could not be read or decoded."""
    parts = []
    if ev["errors"]:
        parts.append("<h3>Evidence problems</h3><ul>")
        parts += [f"<li>{_e(x)}</li>" for x in ev["errors"]]
        parts.append("</ul>")
    parts.append(f"<h3>Files that could not be read or decoded ({ev['summary']['errors']})</h3>")
    if t.error_rows:
        parts.append(_table(("Path", "Error"), t.error_rows))
        if t.errors > len(t.error_rows):
            parts.append(f"<p>… and {t.errors - len(t.error_rows)} more in files.csv.</p>")
    else:
        parts.append("<p>None.</p>")
    return "".join(parts)


def render_index(report: dict, pages: ReportPages) -> str:
    """report.html itself."""
    parts = [
        _head("NetSafe triage report"),
        "<main><h1>NetSafe triage report</h1>",
        section_failed(report),
        section_run(report),
        section_overview(report),
        section_hashsets(report),
    ]
    for n, (ev, t) in enumerate(zip(report["evidence"], pages.tallies, strict=True)):
        parts += [
            f"<section aria-labelledby='evidence-{n + 1}'>",
            f"<h2 id='evidence-{n + 1}'>{_e(ev['path'])}</h2>",
            section_integrity(ev),
            section_priority(ev),
            section_categories(n, ev, pages),
            section_counts(ev, t),
            section_cameras(t),
            section_indicators(ev),
            section_errors(ev, t),
            "</section>",
        ]
    parts.append("</main></body></html>\n")
    return "\n".join(p for p in parts if p)


def write_report_html(out: Path, report: dict, content_of: ContentOf | None = None) -> None:
    """Write report.html and its pages of matched files into ``out`` from ``report`` (the
    report.json object) and ``out/files.jsonl``; ``content_of`` reads a picture's bytes
    for its thumbnail (None: no thumbnails)."""
    pages = ReportPages(out, [ev["path"] for ev in report["evidence"]], content_of)
    for record in read_files(out / "files.jsonl"):
        pages.add(record)
    pages.finish(report)
