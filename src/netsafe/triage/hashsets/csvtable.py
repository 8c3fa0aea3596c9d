"""CSV hash sets: a header naming any of md5, sha1, sha256, pdq, category, id, series,
video_id, frame.

A known video is several rows with the same ``video_id``: one per hashed frame (one
a second, as ``vPDQ`` and :func:`netsafe.triage.pdq.video.hash_video` hash them),
its PDQ in ``pdq`` and its time in seconds in ``frame``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from netsafe.triage import csvsafe
from netsafe.triage.hashsets import HashEntry, HashSetError, HashSetFormat, clean_hash

COLUMNS = ("id", "md5", "sha1", "sha256", "pdq", "category", "series", "video_id", "frame")
_HASH_COLUMNS = ("md5", "sha1", "sha256", "pdq")


def _header(line: str) -> tuple[str, list[str]] | None:
    """The delimiter and lower-cased column names when ``line`` is a usable header."""
    for delimiter in (",", ";"):
        names = [n.strip().strip('"').lower() for n in line.split(delimiter)]
        if any(n in _HASH_COLUMNS for n in names):
            return delimiter, names
    return None


class CsvFormat(HashSetFormat):
    """Comma- or semicolon-delimited, header names case-insensitive; categories as written."""

    name = "csv"

    def sniff(self, head: bytes) -> bool:
        text = head.decode("utf-8-sig", "replace")
        first = text.splitlines()[0] if text.strip() else ""
        return _header(first) is not None

    def read(self, path: Path, categories: Mapping[int, str]) -> Iterator[HashEntry]:
        with open(path, encoding="utf-8-sig", errors="backslashreplace", newline="") as fh:
            found = _header(fh.readline())
            if found is None:
                raise HashSetError(f"{path}:1: header names none of md5, sha1, sha256, pdq")
            delimiter, names = found
            for number, row in enumerate(csv.reader(fh, delimiter=delimiter), 2):
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(names):
                    raise HashSetError(
                        f"{path}:{number}: {len(row)} fields, header has {len(names)}"
                    )
                # Our writer neutralises formula-like cells (csvsafe): read back the exact value.
                values = dict(
                    zip(names, (csvsafe.unsafe_cell(c.strip()) for c in row), strict=True)
                )
                where = f"{path}:{number}"
                frame = values.get("frame") or None
                try:
                    second = float(frame) if frame is not None else None
                except ValueError:
                    raise HashSetError(
                        f"{where}: frame {frame!r} is not a number of seconds"
                    ) from None
                if values.get("video_id") and not values.get("pdq"):
                    raise HashSetError(f"{where}: a video frame row needs its pdq")
                yield HashEntry(
                    id=values.get("id") or None,
                    md5=clean_hash(values.get("md5"), "md5", where),
                    sha1=clean_hash(values.get("sha1"), "sha1", where),
                    sha256=clean_hash(values.get("sha256"), "sha256", where),
                    pdq=clean_hash(values.get("pdq"), "pdq", where),
                    category=values.get("category") or None,
                    series=values.get("series") or None,
                    video_id=values.get("video_id") or None,
                    frame=second,
                )

    def write(
        self, entries: Iterable[HashEntry], path: Path, categories: Mapping[int, str]
    ) -> None:
        buf = io.StringIO()
        writer = csvsafe.writer(buf)
        writer.writerow(COLUMNS)
        for e in entries:
            writer.writerow(["" if getattr(e, c) is None else getattr(e, c) for c in COLUMNS])
        path.write_text(buf.getvalue(), encoding="utf-8")

    def get_examples(self) -> list[HashEntry]:
        return [
            HashEntry(id="1", md5="0" * 31 + "1", sha1="a" * 40, category="A", series="s1"),
            HashEntry(id="2", sha256="c" * 64, pdq="f8f8f0cee0f4a84f" * 4, category="C"),
            HashEntry(id="3; with delimiter", pdq="0" * 64, category="B"),
            HashEntry(id="4", pdq="1" * 64, category="A", video_id="v1", frame=0.0),
            HashEntry(id="5", pdq="2" * 64, category="A", video_id="v1", frame=1.0),
        ]
