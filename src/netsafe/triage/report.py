"""The scan's outputs: files.jsonl, files.csv, report.json and report.html.

Everything here is computed from the result store in a fixed order, so a
resumed scan writes the same files as an uninterrupted one (only ``started``
and ``finished`` in report.json tell them apart).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import cast

from netsafe import __version__
from netsafe.triage import csvsafe
from netsafe.triage.content import EvidenceReader
from netsafe.triage.hashsets import HashSet
from netsafe.triage.indicators import IndicatorScan, Rule
from netsafe.triage.matching import HashIndex, Query, Verdict
from netsafe.triage.priority import assess
from netsafe.triage.records import Exif, FileRecord, Times
from netsafe.triage.report_html import ReportPages
from netsafe.triage.sources import TIME_KEYS
from netsafe.triage.work import RECORD_FIELDS

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


class Summary:
    """Counts for one evidence item, accumulated row by row."""

    def __init__(self, rules: list[Rule]) -> None:
        self.files = self.bytes = self.images = self.videos = 0
        self.deleted = self.errors = self.known = self.exact = self.perceptual = 0
        self.deleted_matches = self.unknown_images = 0
        self.categories: dict[str, dict] = {}
        self._unique: dict[str, set[str]] = {}
        self.indicators = IndicatorScan(rules)

    def add(self, record: FileRecord, rec: dict) -> None:
        """Count one file (``rec``: its record as stored, which the indicators look at)."""
        self.files += 1
        self.bytes += record.size or 0
        self.images += record.is_image
        self.videos += record.is_video
        self.deleted += record.deleted
        self.errors += bool(record.error)
        self.known += record.known
        category = record.category
        if category is not None:
            if record.match_kind == "exact":
                self.exact += 1
            else:
                self.perceptual += 1
            self.deleted_matches += record.deleted
            c = self.categories.setdefault(category, {"files": 0, "unique": 0})
            c["files"] += 1
            self._unique.setdefault(category, set()).add(record.sha1 or record.path)
            c["unique"] = len(self._unique[category])
        elif record.is_image and not record.known:
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


#: Where each files.csv column comes from: 0 worked out by :func:`csv_row`, 1 the
#: record's ``times``, 2 the record itself (looked up once, not for every row).
_COMPUTED = frozenset((*EXIF_COLUMNS, "match_kind", "category", "distance", "hashsets", "matches"))
_SOURCES = tuple(
    (0 if name in _COMPUTED else 1 if name in TIME_KEYS else 2, name) for name in CSV_FIELDS
)
_NO_EXIF = Exif()
_NO_TIMES = Times()


def csv_row(record: FileRecord) -> list:
    """A files.jsonl row flattened for files.csv."""
    exif = record.exif or _NO_EXIF
    gps = exif.gps or (None, None)
    times = record.times or _NO_TIMES
    counted = record.counted
    values: dict[str, object] = {
        "exif_make": exif.make,
        "exif_model": exif.model,
        "exif_serial": exif.serial,
        "exif_taken": exif.taken,
        "exif_latitude": gps[0],
        "exif_longitude": gps[1],
        "exif_software": exif.software,
        "match_kind": counted[0].kind if counted else "",
        "category": record.category or "",
        "distance": record.distance if counted else "",
        "hashsets": ";".join(sorted({m.hashset for m in record.matches})),
        "matches": len(record.matches),
    }
    row = [
        values[name] if source == 0 else getattr(times if source == 1 else record, name)
        for source, name in _SOURCES
    ]
    return [
        ""
        if value is None
        else ("true" if value else "false")
        if value is True or value is False
        else value
        for value in row
    ]


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
    with EvidenceReader((ev.path, ev.kind) for ev in evidence) as content_of:
        # report.html is built from the same rows as they are written (its pages of
        # matched files and their thumbnails too), not from files.jsonl read again.
        pages = ReportPages(out, [ev.path for ev in evidence], content_of)
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
                rows = []
                for rec, verdict in with_verdicts(records_of(i), index, max_distance):
                    record = FileRecord.of_stored(rec, verdict)
                    jl.write(record.to_json() + "\n")
                    rows.append(csv_row(record))
                    if len(rows) == _BATCH:
                        writer.writerows(rows)
                        rows.clear()
                    summary.add(record, rec)
                    pages.add(record)
                writer.writerows(rows)
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
        pages.finish(report)
    return report
