"""One file of a scan, typed: :class:`FileRecord` is a row of ``files.jsonl``.

The scan writes each row with :meth:`FileRecord.to_json`; everything that reads a
scan's files (the report, the command line, the examination app, the tests) reads
them with :func:`read_files`, which streams the file and says which line is bad.
The fields, their order and their meaning are those of the contract
(``contracts/triage.md``, "Outputs" and "Forensic detail").
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from netsafe.triage.exif import EXIF_KEYS
from netsafe.triage.matching import Match, Verdict
from netsafe.triage.sources import TIME_KEYS

__all__ = [
    "UNCATEGORISED",
    "Exif",
    "FileRecord",
    "RecordError",
    "Times",
    "counted_category",
    "counted_matches",
    "read_files",
]

#: The category of a matched file whose hash-set entry has none.
UNCATEGORISED = "uncategorised"

#: ``json.dumps(row, ensure_ascii=False)``, without making an encoder for every row.
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


class RecordError(ValueError):
    """A files.jsonl row that is not a file record; the message names the field (and, from
    :func:`read_files`, the file and line)."""


def counted_matches(matches: Sequence[Match]) -> list[Match]:
    """The matches a file is counted under: its exact ones if any, else its perceptual ones."""
    exact = [m for m in matches if m.kind == "exact"]
    return exact or list(matches)


def counted_category(matches: Sequence[Match]) -> str | None:
    """The one category a matched file counts in (the most severe label, A before B before C)."""
    counted = counted_matches(matches)
    if not counted:
        return None
    # The closest match decides (all exact ones are at distance 0); among equals the
    # first label in order, which on the UK scale is the most severe. Entries without
    # a category come last.
    best = min(counted, key=lambda m: (m.distance, m.category is None, m.category or ""))
    return best.category or UNCATEGORISED


@dataclass(frozen=True, slots=True)
class Times:
    """A row's ``times``: ISO 8601 UTC text, or None where the file system keeps no such time."""

    modified: str | None = None
    accessed: str | None = None
    changed: str | None = None
    created: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """The ``times`` object (keys in alphabetical order, as files.jsonl has them)."""
        return {k: getattr(self, k) for k in sorted(TIME_KEYS)}

    @classmethod
    def from_dict(cls, d: object) -> Times:
        """Times from their ``times`` object."""
        if not isinstance(d, dict):
            raise RecordError(f"times: expected an object, got {d!r}")
        return cls(**{k: _text(d.get(k), f"times.{k}") for k in TIME_KEYS})


@dataclass(frozen=True, slots=True)
class Exif:
    """A picture's ``exif``: camera, serial, when taken (as the camera wrote it), where."""

    make: str | None = None
    model: str | None = None
    serial: str | None = None
    taken: str | None = None
    gps: tuple[float, float] | None = None
    software: str | None = None

    def as_dict(self) -> dict:
        """The ``exif`` object (keys in alphabetical order, as files.jsonl has them; ``gps``
        as ``[lat, lon]``)."""
        return {
            k: list(self.gps) if k == "gps" and self.gps else getattr(self, k)
            for k in sorted(EXIF_KEYS)
        }

    @classmethod
    def from_dict(cls, d: object) -> Exif:
        """EXIF details from their ``exif`` object."""
        if not isinstance(d, dict):
            raise RecordError(f"exif: expected an object, got {d!r}")
        gps = d.get("gps")
        if gps is not None:
            if (
                not isinstance(gps, list)
                or len(gps) != 2
                or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in gps)
            ):
                raise RecordError(f"exif.gps: expected [latitude, longitude], got {gps!r}")
            gps = (gps[0], gps[1])
        return cls(
            **{k: _text(d.get(k), f"exif.{k}") for k in EXIF_KEYS if k != "gps"},
            gps=gps,
        )


@dataclass(frozen=True, slots=True)
class FileRecord:
    """One row of files.jsonl: a file, its hashes, type, times, where it came from and what
    it matched. ``path_hex`` is set only where the name's bytes are not UTF-8."""

    evidence: str
    path: str
    size: int
    deleted: bool
    type: str | None
    md5: str | None
    sha1: str | None
    sha256: str | None
    pdq: str | None
    pdq_quality: int | None
    known: bool
    matches: tuple[Match, ...]
    error: str | None
    times: Times | None = Times()
    stream: str | None = None
    carved: bool = False
    offset: int | None = None
    exif: Exif | None = None
    path_hex: str | None = None

    # --- what a reader asks of a row ---------------------------------------------------

    @property
    def counted(self) -> list[Match]:
        """The matches the file is counted under (exact ones if any, else perceptual)."""
        return counted_matches(self.matches)

    @property
    def category(self) -> str | None:
        """The one category the file counts in, None when it matched nothing."""
        return counted_category(self.matches)

    @property
    def match_kind(self) -> str | None:
        """``exact`` or ``perceptual`` (the kind it is counted under), None if unmatched."""
        counted = self.counted
        return counted[0].kind if counted else None

    @property
    def distance(self) -> int | None:
        """The PDQ distance of its closest counted match (0 for exact), None if unmatched."""
        counted = self.counted
        return min(m.distance for m in counted) if counted else None

    @property
    def is_image(self) -> bool:
        """Whether its content is a picture (by the type read from its bytes)."""
        return (self.type or "").startswith("image/")

    @property
    def is_video(self) -> bool:
        """Whether its content is a video (by the type read from its bytes)."""
        return (self.type or "").startswith("video/")

    # --- files.jsonl --------------------------------------------------------------------

    def as_dict(self) -> dict:
        """The files.jsonl object, keys in the order the scan has always written them (those
        of ``times`` and ``exif`` in alphabetical order: the scan's store keeps records with
        sorted keys, and files.jsonl has always been written from the store)."""
        row: dict = {"evidence": self.evidence, "path": self.path}
        if self.path_hex:
            row["path_hex"] = self.path_hex
        row.update(
            size=self.size,
            deleted=self.deleted,
            type=self.type,
            md5=self.md5,
            sha1=self.sha1,
            sha256=self.sha256,
            pdq=self.pdq,
            pdq_quality=self.pdq_quality,
            times=None if self.times is None else self.times.as_dict(),
            stream=self.stream,
            carved=self.carved,
            offset=self.offset,
            exif=None if self.exif is None else self.exif.as_dict(),
            known=self.known,
            matches=[m.as_dict() for m in self.matches],
            error=self.error,
        )
        return row

    def to_json(self) -> str:
        """The files.jsonl line (without its newline)."""
        return _ENCODE(self.as_dict())

    @classmethod
    def from_dict(cls, row: object) -> FileRecord:
        """A record from its files.jsonl object; :class:`RecordError` names what is wrong.

        The fields of the contract's first version are required; those added since
        ("Forensic detail": times, stream, carved, offset, exif, path_hex) may be absent.
        """
        if not isinstance(row, dict):
            raise RecordError(f"expected a JSON object, got {type(row).__name__}")
        missing = [k for k in _REQUIRED if k not in row]
        if missing:
            raise RecordError(f"missing {', '.join(missing)}")
        times = row.get("times", _ABSENT)
        exif = row.get("exif")
        matches = row["matches"]
        if not isinstance(matches, list):
            raise RecordError(f"matches: expected a list, got {matches!r}")
        return cls(
            evidence=_text(row["evidence"], "evidence", required=True) or "",
            path=_text(row["path"], "path", required=True) or "",
            size=_integer(row["size"], "size", required=True) or 0,
            deleted=_flag(row["deleted"], "deleted"),
            type=_text(row["type"], "type"),
            md5=_hex(row["md5"], "md5", 32),
            sha1=_hex(row["sha1"], "sha1", 40),
            sha256=_hex(row["sha256"], "sha256", 64),
            pdq=_hex(row["pdq"], "pdq", 64),
            pdq_quality=_integer(row["pdq_quality"], "pdq_quality"),
            known=_flag(row["known"], "known"),
            matches=tuple(_match(m, n) for n, m in enumerate(matches)),
            error=_text(row["error"], "error"),
            times=Times()
            if times is _ABSENT
            else None
            if times is None
            else Times.from_dict(times),
            stream=_text(row.get("stream"), "stream"),
            carved=_flag(row.get("carved", False), "carved"),
            offset=_integer(row.get("offset"), "offset"),
            exif=None if exif is None else Exif.from_dict(exif),
            path_hex=_hex(row.get("path_hex"), "path_hex"),
        )

    @classmethod
    def from_json(cls, line: str) -> FileRecord:
        """A record from its files.jsonl line."""
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RecordError(f"not JSON ({exc.msg} at column {exc.colno})") from None
        return cls.from_dict(row)

    @classmethod
    def of_stored(cls, rec: dict, verdict: Verdict) -> FileRecord:
        """The row of a record kept in the scan's store (:mod:`netsafe.triage.work`) with
        its look-up result. Fields only the store keeps (frame hashes, entropy) are left."""
        times = rec.get("times")
        exif = rec.get("exif")
        gps = exif.get("gps") if exif else None
        return cls(
            evidence=rec["evidence"],
            path=rec["path"],
            size=rec["size"],
            deleted=rec["deleted"],
            type=rec["type"],
            md5=rec["md5"],
            sha1=rec["sha1"],
            sha256=rec["sha256"],
            pdq=rec["pdq"],
            pdq_quality=rec["pdq_quality"],
            known=verdict.known,
            matches=tuple(verdict.matches),
            error=rec.get("error"),
            times=None if times is None else Times(*(times.get(k) for k in TIME_KEYS)),
            stream=rec.get("stream"),
            carved=bool(rec.get("carved")),
            offset=rec.get("offset"),
            exif=None
            if exif is None
            else Exif(
                exif.get("make"),
                exif.get("model"),
                exif.get("serial"),
                exif.get("taken"),
                None if gps is None else (gps[0], gps[1]),
                exif.get("software"),
            ),
            path_hex=rec.get("path_hex") or None,
        )


#: The keys every row has had since the contract's first version.
_REQUIRED = tuple(
    f.name
    for f in fields(FileRecord)
    if f.name not in ("times", "stream", "carved", "offset", "exif", "path_hex")
)
_ABSENT = object()


def read_files(path: Path) -> Iterator[FileRecord]:
    """The records of a scan's files.jsonl, one at a time, in file order.

    Raises :class:`RecordError` naming the file and line of the first bad row, and
    :class:`OSError` when the file cannot be read.
    """
    with open(path, encoding="utf-8") as fh:
        number = 0
        try:
            for number, line in enumerate(fh, 1):  # noqa: B007 - named in the error below
                if not line.strip():
                    raise RecordError("empty line")
                yield FileRecord.from_json(line)
        except RecordError as exc:
            raise RecordError(f"{path}:{number}: {exc}") from None
        except UnicodeDecodeError as exc:
            raise RecordError(f"{path}:{number + 1}: not UTF-8 ({exc.reason})") from None


def _text(value: object, name: str, *, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise RecordError(f"{name}: expected text, got {value!r}")
    return value


def _hex(value: object, name: str, digits: int | None = None) -> str | None:
    """Lower-case hex text of ``digits`` digits (None: any even number), or None."""
    text = _text(value, name)
    if text is None:
        return None
    wrong = len(text) != digits if digits else len(text) % 2
    if wrong or text.strip(_HEX_DIGITS):
        count = f"{digits}" if digits else "an even number of"
        raise RecordError(f"{name}: expected {count} lower-case hex digits, got {text!r}")
    return text


_HEX_DIGITS = "0123456789abcdef"


def _integer(value: object, name: str, *, required: bool = False) -> int | None:
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise RecordError(f"{name}: expected a whole number, got {value!r}")
    return value


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise RecordError(f"{name}: expected true or false, got {value!r}")
    return value


def _match(m: object, n: int) -> Match:
    where = f"matches[{n}]"
    if not isinstance(m, dict):
        raise RecordError(f"{where}: expected an object, got {m!r}")
    for key in ("kind", "hashset", "distance"):
        if key not in m:
            raise RecordError(f"{where}: missing {key}")
    if m["kind"] not in ("exact", "perceptual"):
        raise RecordError(f"{where}.kind: expected exact or perceptual, got {m['kind']!r}")
    _text(m["hashset"], f"{where}.hashset", required=True)
    _integer(m["distance"], f"{where}.distance", required=True)
    _text(m.get("category"), f"{where}.category")
    _text(m.get("entry_id"), f"{where}.entry_id")
    share = m.get("share")
    if share is not None and (not isinstance(share, (int, float)) or isinstance(share, bool)):
        raise RecordError(f"{where}.share: expected a number, got {share!r}")
    return Match.from_dict(m)
