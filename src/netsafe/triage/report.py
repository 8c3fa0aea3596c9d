"""The scan's outputs: files.jsonl, files.csv, report.json and report.html.

Everything here is computed from the result store in a fixed order, so a
resumed scan writes the same files as an uninterrupted one (only ``started``
and ``finished`` in report.json tell them apart).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import cast

from netsafe import __version__
from netsafe.triage import csvsafe
from netsafe.triage.hashsets import HashSet
from netsafe.triage.indicators import IndicatorScan, Rule
from netsafe.triage.matching import HashIndex, Match, Query, Verdict
from netsafe.triage.priority import assess
from netsafe.triage.sources import TIME_KEYS
from netsafe.triage.work import CONTENT_FIELDS, RECORD_FIELDS

SCHEMA = "netsafe.triage-report/1"
#: A row's ``exif`` object, flattened into these files.csv columns (``gps`` in two).
EXIF_COLUMNS = (
    "exif_make",
    "exif_model",
    "exif_serial",
    "exif_taken",
    "exif_latitude",
    "exif_longitude",
    "exif_software",
)
#: files.csv flattens a row's ``times`` into one column per time.
CSV_FIELDS = (
    *(f for f in RECORD_FIELDS if f != "times"),
    *TIME_KEYS,
    "path_hex",
    "carved",
    "offset",
    *EXIF_COLUMNS,
    "known",
    "match_kind",
    "category",
    "distance",
    "hashsets",
    "matches",
    "error",
)
UNCATEGORISED = "uncategorised"
_BATCH = 4096


@dataclass
class EvidenceInfo:
    """What the report says about one evidence item besides its files."""

    path: str
    kind: str
    integrity: dict
    errors: list[str] = field(default_factory=list)
    volume_signatures: list[tuple[str, str]] = field(default_factory=list)
    #: report.json's ``volumes``: the partitions (or bare file system) of a disk image.
    volumes: list[dict] = field(default_factory=list)
    #: What carving the unallocated space did (disk images), None when not carved.
    carving: dict | None = None


def file_row(rec: dict, verdict: Verdict) -> dict:
    """One files.jsonl object: the record's fields, ``known``, ``matches`` and ``error``."""
    row = {}
    for k in RECORD_FIELDS:
        row[k] = rec.get(k)
        if k == "path" and rec.get("path_hex"):
            # Only where the name's bytes are not UTF-8 (the contract's "also has").
            row["path_hex"] = rec["path_hex"]
    row.update({k: rec.get(k) for k in CONTENT_FIELDS})
    row["carved"] = bool(row["carved"])
    row["known"] = verdict.known
    row["matches"] = [m.as_dict() for m in verdict.matches]
    row["error"] = rec.get("error")
    return row


def counted_matches(matches: list[Match]) -> list[Match]:
    """The matches a file is counted under: its exact ones if any, else its perceptual ones."""
    exact = [m for m in matches if m.kind == "exact"]
    return exact or matches


def counted_category(matches: list[Match]) -> str | None:
    """The one category a matched file counts in (the most severe label, A before B before C)."""
    counted = counted_matches(matches)
    if not counted:
        return None
    # The closest match decides (all exact ones are at distance 0); among equals the
    # first label in order, which on the UK scale is the most severe. Entries without
    # a category come last.
    best = min(counted, key=lambda m: (m.distance, m.category is None, m.category or ""))
    return best.category or UNCATEGORISED


class Summary:
    """Counts for one evidence item, accumulated row by row."""

    def __init__(self, rules: list[Rule]) -> None:
        self.files = self.bytes = self.images = self.videos = 0
        self.deleted = self.errors = self.known = self.exact = self.perceptual = 0
        self.deleted_matches = self.unknown_images = 0
        self.categories: dict[str, dict] = {}
        self._unique: dict[str, set[str]] = {}
        self.indicators = IndicatorScan(rules)
        self.error_rows: list[tuple[str, str]] = []
        #: Pictures that name their camera (the first _MAX_CAMERA_ROWS) and how many do.
        self.camera_rows: list[tuple] = []
        self.cameras = 0
        self.carved = 0

    def add(self, rec: dict, row: dict, matches: list[Match]) -> None:
        """Count one file."""
        self.files += 1
        self.bytes += row["size"] or 0
        kind = row["type"] or ""
        self.images += kind.startswith("image/")
        self.videos += kind.startswith("video/")
        self.deleted += bool(row["deleted"])
        if row["error"]:
            self.errors += 1
            self.error_rows.append((row["path"], row["error"]))
        self.known += bool(row["known"])
        self.carved += bool(row.get("carved"))
        exif = row.get("exif")
        if exif:
            self.cameras += 1
            if len(self.camera_rows) < _MAX_CAMERA_ROWS:
                gps = exif["gps"]
                self.camera_rows.append(
                    (
                        row["path"],
                        exif["make"] or "",
                        exif["model"] or "",
                        exif["serial"] or "",
                        exif["taken"] or "",
                        f"{gps[0]}, {gps[1]}" if gps else "",
                        exif["software"] or "",
                    )
                )
        category = counted_category(matches)
        if category is not None:
            if matches[0].kind == "exact":
                self.exact += 1
            else:
                self.perceptual += 1
            self.deleted_matches += bool(row["deleted"])
            c = self.categories.setdefault(category, {"files": 0, "unique": 0})
            c["files"] += 1
            self._unique.setdefault(category, set()).add(row["sha1"] or row["path"])
            c["unique"] = len(self._unique[category])
        elif kind.startswith("image/") and not row["known"]:
            self.unknown_images += 1
        self.indicators.observe(rec)

    def as_dict(self) -> dict:
        """The ``summary`` object of report.json."""
        return {
            "files": self.files,
            "bytes": self.bytes,
            "images": self.images,
            "videos": self.videos,
            "deleted": self.deleted,
            "errors": self.errors,
            "known": self.known,
            "matches": {"exact": self.exact, "perceptual": self.perceptual},
            "categories": {k: self.categories[k] for k in sorted(self.categories)},
            "indicators": self.indicators.results(),
        }


def with_verdicts(
    records: Iterable[dict], index: Callable[[], HashIndex], max_distance: int
) -> Iterator[tuple[dict, Verdict]]:
    """Each record with its look-up result: the one the worker stored with it, else looked
    up here in batches (``index()`` gives the index, built only when first needed)."""
    it = iter(records)
    while batch := list(islice(it, _BATCH)):
        verdicts = [Verdict.from_stored(r) for r in batch]
        missing = [i for i, v in enumerate(verdicts) if v is None]
        if missing:
            found = index().lookup([Query.of_record(batch[i]) for i in missing], max_distance)
            for i, verdict in zip(missing, found, strict=True):
                verdicts[i] = verdict
        yield from zip(batch, cast(list[Verdict], verdicts), strict=True)


def csv_row(row: dict) -> list:
    """A files.jsonl object flattened for files.csv."""
    matches = [
        Match(m["kind"], m["hashset"], m["distance"], m["category"], m["entry_id"])
        for m in row["matches"]
    ]
    counted = counted_matches(matches)
    exif = row.get("exif") or {}
    gps = exif.get("gps") or (None, None)
    exif_values = {
        "exif_make": exif.get("make"),
        "exif_model": exif.get("model"),
        "exif_serial": exif.get("serial"),
        "exif_taken": exif.get("taken"),
        "exif_latitude": gps[0],
        "exif_longitude": gps[1],
        "exif_software": exif.get("software"),
    }
    out = []
    for name in CSV_FIELDS:
        value: object
        if name in exif_values:
            value = exif_values[name]
        elif name == "match_kind":
            value = counted[0].kind if counted else ""
        elif name == "category":
            value = counted_category(matches) or ""
        elif name == "distance":
            value = min(m.distance for m in counted) if counted else ""
        elif name == "hashsets":
            value = ";".join(sorted({m.hashset for m in matches}))
        elif name == "matches":
            value = len(matches)
        elif name in TIME_KEYS:
            value = (row["times"] or {}).get(name)
        elif name == "path_hex":
            value = row.get("path_hex")
        else:
            value = row[name]
        if isinstance(value, bool):
            value = "true" if value else "false"
        out.append("" if value is None else value)
    return out


def write_outputs(
    out: Path,
    evidence: list[EvidenceInfo],
    records_of,
    index: Callable[[], HashIndex],
    hashsets: list[HashSet],
    rules: list[Rule],
    max_distance: int,
    started: str,
    finished: str,
) -> dict:
    """Write the four outputs into ``out`` and return the report.json object.

    ``records_of(i)`` yields the stored records of evidence ``i`` in output order;
    ``index()`` gives the hash-set index for records stored without their matches.
    """
    report_evidence = []
    summaries = []
    with (
        open(out / "files.jsonl", "w", encoding="utf-8", newline="\n") as jl,
        open(out / "files.csv", "w", encoding="utf-8", newline="") as cf,
    ):
        writer = csvsafe.writer(cf)
        writer.writerow(CSV_FIELDS)
        for i, ev in enumerate(evidence):
            summary = Summary(rules)
            for path, signature in ev.volume_signatures:
                summary.indicators.observe_volume(path, signature)
            for rec, verdict in with_verdicts(records_of(i), index, max_distance):
                row = file_row(rec, verdict)
                jl.write(json.dumps(row, ensure_ascii=False) + "\n")
                writer.writerow(csv_row(row))
                summary.add(rec, row, verdict.matches)
            s = summary.as_dict()
            item = {
                "path": ev.path,
                "kind": ev.kind,
                "volumes": ev.volumes,
                "integrity": ev.integrity,
                "summary": s,
                "priority": assess(s, summary.deleted_matches, summary.unknown_images),
                "errors": ev.errors,
            }
            if ev.carving is not None:
                item["carving"] = ev.carving
            report_evidence.append(item)
            summaries.append(summary)
    report = {
        "schema": SCHEMA,
        "tool": {"name": "netsafe", "version": __version__},
        "started": started,
        "finished": finished,
        "hashsets": [hs.describe() for hs in hashsets],
        "max_distance": max_distance,
        "evidence": report_evidence,
    }
    (out / "report.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    (out / "report.html").write_text(render_html(report, summaries), "utf-8")
    return report


# --- report.html -------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#0b0c0c;max-width:72rem}
h1{font-size:1.6rem}
h2{font-size:1.3rem;border-top:4px solid #1d70b8;padding-top:.6rem;margin-top:2rem}
h3{font-size:1.05rem;margin-top:1.2rem}table{border-collapse:collapse;margin:.4rem 0 1rem}
th,td{border-bottom:1px solid #b1b4b6;padding:.3rem .8rem;text-align:left;vertical-align:top;
overflow-wrap:anywhere}th{overflow-wrap:normal}
td.n{text-align:right;font-variant-numeric:tabular-nums}.band{font-weight:bold;padding:.1rem .5rem}
.high{background:#d4351c;color:#fff}.medium{background:#f47738;color:#0b0c0c}.low{background:#00703c;color:#fff}
code{font-size:.9em;word-break:break-all}.muted{color:#505a5f}
.failed{border:5px solid #d4351c;padding:0 1rem;margin:1rem 0}.failed h2{border:0;color:#d4351c}
"""
_UK_CATEGORIES = ("A", "B", "C")
_MAX_ERROR_ROWS = 200
_MAX_CAMERA_ROWS = 500


def _e(value: object) -> str:
    return html.escape(str(value))


def _size(nbytes: int) -> str:
    """``125,328,610 bytes (120 MB)``: exact, and readable at a glance."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if nbytes >= scale:
            return f"{nbytes:,} bytes ({nbytes / scale:.3g} {unit})"
    return f"{nbytes:,} bytes"


def _table(
    head: Iterable[str], rows: Iterable[Iterable[object]], numeric: set[int] | None = None
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
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _volume_table(volumes: list[dict]) -> str:
    if not volumes:
        return ""
    return _table(
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
    )


def _integrity_text(integrity: dict) -> str:
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
    return f"NOT verified: {integrity.get('error') or 'hashes differ'} ({hashes})"


def render_html(report: dict, summaries: list[Summary]) -> str:
    """report.html: per device the priority, the category table, known files, indicators, errors."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>NetSafe triage report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>NetSafe triage report</h1>",
        f"<p class='muted'>netsafe {_e(report['tool']['version'])}; "
        f"started {_e(report['started'])}, finished {_e(report['finished'])}; "
        f"PDQ match distance at most {_e(report['max_distance'])}.</p>",
        "<h2>Hash sets</h2>",
        _table(
            ("Path", "Format", "Entries", "SHA-256"),
            ((h["path"], h["format"], h["entries"], h["sha256"]) for h in report["hashsets"]),
            {2},
        )
        if report["hashsets"]
        else "<p>No hash sets were given: nothing could be matched.</p>",
    ]
    failed = [ev for ev in report["evidence"] if ev["integrity"].get("verified") is False]
    if failed:
        # An examiner must see this before any figure below: the media is not what was
        # acquired, or not all of it could be checked.
        alert = [
            "<div class='failed' role='alert'><h2>Evidence failed verification</h2><ul>",
            *(
                f"<li><strong>{_e(ev['path'])}</strong>: "
                f"{_e(ev['integrity'].get('error') or 'stored and computed hashes differ')}</li>"
                for ev in failed
            ),
            "</ul></div>",
        ]
        parts[4:4] = alert  # right under the title
    for ev, summary in zip(report["evidence"], summaries, strict=True):
        s, p = ev["summary"], ev["priority"]
        integ = _integrity_text(ev["integrity"])
        parts += [
            f"<h2>{_e(ev['path'])}</h2>",
            f"<p>Kind: {_e(ev['kind'])}. Integrity: {_e(integ)}.</p>",
            _volume_table(ev.get("volumes") or []),
            f"<p>Priority: <span class='band {_e(p['band'])}'>{_e(p['band'])}</span> "
            f"(score {_e(p['score'])})</p><ul>",
            *(f"<li>{_e(r)}</li>" for r in p["reasons"]),
            "</ul><h3>Indecent images by category</h3>",
        ]
        cats = dict.fromkeys(_UK_CATEGORIES) | dict.fromkeys(s["categories"])
        rows = [
            (
                label,
                s["categories"].get(label, {}).get("files", 0),
                s["categories"].get(label, {}).get("unique", 0),
            )
            for label in cats
        ]
        parts.append(_table(("Category", "Files", "Unique (by SHA-1)"), rows, {1, 2}))
        parts.append(
            f"<p>Matched exactly: {s['matches']['exact']}; perceptually only: "
            f"{s['matches']['perceptual']}.</p>"
        )
        parts.append("<h3>Files</h3>")
        parts.append(
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
            )
        )
        if summary.carved:
            parts.append(
                f"<p>Carved from unallocated space: {summary.carved:,} files "
                "(paths <code>$Carved/&lt;offset&gt;</code>).</p>"
            )
        parts.append(f"<h3>Pictures that name their camera (EXIF, {summary.cameras:,})</h3>")
        if summary.camera_rows:
            parts.append(
                _table(
                    ("Path", "Make", "Model", "Serial", "Taken", "GPS", "Software"),
                    summary.camera_rows,
                )
            )
            if summary.cameras > len(summary.camera_rows):
                parts.append(
                    f"<p>… and {summary.cameras - len(summary.camera_rows):,} more in "
                    "files.csv (columns exif_*).</p>"
                )
        else:
            parts.append("<p>None.</p>")
        parts.append("<h3>Indicators</h3>")
        if s["indicators"]:
            parts.append(
                _table(
                    ("Indicator", "What", "Paths"),
                    (
                        (
                            i["name"],
                            i["description"],
                            "; ".join(i["paths"][:10]) + (" …" if i["count"] > 10 else ""),
                        )
                        for i in s["indicators"]
                    ),
                )
            )
        else:
            parts.append("<p>None found.</p>")
        if ev["errors"]:
            parts.append("<h3>Evidence problems</h3><ul>")
            parts += [f"<li>{_e(x)}</li>" for x in ev["errors"]]
            parts.append("</ul>")
        parts.append(f"<h3>Files that could not be read or decoded ({s['errors']})</h3>")
        if summary.error_rows:
            shown = summary.error_rows[:_MAX_ERROR_ROWS]
            parts.append(_table(("Path", "Error"), shown))
            if len(summary.error_rows) > len(shown):
                parts.append(
                    f"<p>… and {len(summary.error_rows) - len(shown)} more in files.csv.</p>"
                )
        else:
            parts.append("<p>None.</p>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
