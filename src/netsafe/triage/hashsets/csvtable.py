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

import numpy as np

from netsafe.triage import csvsafe
from netsafe.triage.hashset import (
    NON_PERTINENT,
    HashEntry,
    HashSetError,
    HashSetFormat,
    clean_hash,
)
from netsafe.triage.hashsets import lines
from netsafe.triage.hashsets.compiled import KNOWN, NO_ID, Columns, interleave

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
        """A first line naming a digest column (``md5``, ``sha1``, ``sha256`` or ``pdq``)."""
        text = head.decode("utf-8-sig", "replace")
        first = text.splitlines()[0] if text.strip() else ""
        return _header(first) is not None

    def read(self, path: Path, categories: Mapping[int, str]) -> Iterator[HashEntry]:
        """Each row as an entry, the delimiter and column order from the header."""
        with open(path, encoding="utf-8-sig", errors="backslashreplace", newline="") as fh:
            found = _header(fh.readline())
            if found is None:
                raise HashSetError(f"{path}:1: header names none of md5, sha1, sha256, pdq")
            delimiter, names = found
            for number, row in enumerate(csv.reader(fh, delimiter=delimiter), 2):
                entry = _entry(names, row, f"{path}:{number}")
                if entry is not None:
                    yield entry

    def columns(self, path: Path, categories: Mapping[int, str]) -> Iterator[Columns]:
        """Plain rows read a block of bytes at a time with NumPy (see :mod:`.lines`); rows
        with quotes, white space around a value or a video frame go through the csv module."""
        try:
            parts = list(_csv_columns(path))
        except _Irregular:
            # Quoted values across lines, or lone carriage returns: read as before.
            parts = list(super().columns(path, categories))
        yield from parts

    def write(
        self, entries: Iterable[HashEntry], path: Path, categories: Mapping[int, str]
    ) -> None:
        """A header of every column, then one row per entry (through :mod:`~netsafe.triage.csvsafe`,
        so that no cell is read as a spreadsheet formula)."""
        buf = io.StringIO()
        writer = csvsafe.writer(buf)
        writer.writerow(COLUMNS)
        for e in entries:
            writer.writerow(["" if getattr(e, c) is None else getattr(e, c) for c in COLUMNS])
        path.write_text(buf.getvalue(), encoding="utf-8")

    def get_examples(self) -> list[HashEntry]:
        """Rows with each digest, a delimiter inside a cell and two frames of a known video."""
        return [
            HashEntry(id="1", md5="0" * 31 + "1", sha1="a" * 40, category="A", series="s1"),
            HashEntry(id="2", sha256="c" * 64, pdq="f8f8f0cee0f4a84f" * 4, category="C"),
            HashEntry(id="3; with delimiter", pdq="0" * 64, category="B"),
            HashEntry(id="4", pdq="1" * 64, category="A", video_id="v1", frame=0.0),
            HashEntry(id="5", pdq="2" * 64, category="A", video_id="v1", frame=1.0),
        ]


def _entry(names: list[str], row: list[str], where: str) -> HashEntry | None:
    """The entry of one CSV row (None for a row with nothing in it)."""
    if not any(cell.strip() for cell in row):
        return None
    if len(row) != len(names):
        raise HashSetError(f"{where}: {len(row)} fields, header has {len(names)}")
    # Our writer neutralises formula-like cells (csvsafe): read back the exact value.
    values = dict(zip(names, (csvsafe.unsafe_cell(c.strip()) for c in row), strict=True))
    frame = values.get("frame") or None
    try:
        second = float(frame) if frame is not None else None
    except ValueError:
        raise HashSetError(f"{where}: frame {frame!r} is not a number of seconds") from None
    if values.get("video_id") and not values.get("pdq"):
        raise HashSetError(f"{where}: a video frame row needs its pdq")
    return HashEntry(
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


class _Irregular(Exception):
    """A file the vectorised reader leaves to the csv module."""


_WIDTH = {"md5": 16, "sha1": 20, "sha256": 32, "pdq": 32}
#: Longest category label sorted as fixed-width bytes (longer ones: a dictionary).
_LABEL_WIDTH = 64


def _csv_columns(path: Path) -> Iterator[Columns]:
    with open(path, "rb") as fh:
        raw = fh.readline()
    header = raw.removesuffix(b"\n").removesuffix(b"\r")
    if b"\r" in header:
        raise _Irregular  # lines that end in a lone carriage return
    found = _header(raw.decode("utf-8-sig", "backslashreplace"))
    if found is None:
        raise HashSetError(f"{path}:1: header names none of md5, sha1, sha256, pdq")
    delimiter, names = found
    for buf, line in lines.blocks(path, len(raw)):
        yield _csv_block(path, buf, line + 1, delimiter, names)


def _csv_block(
    path: Path, buf: np.ndarray, first_line: int, delimiter: str, names: list[str]
) -> Columns:
    """One block of CSV rows as columns."""
    starts, ends = lines.split_lines(buf)
    if lines.counts_in(buf == 13, starts, ends).any():
        raise _Irregular  # the csv module ends a row at a lone carriage return
    quotes = lines.counts_in(buf == 34, starts, ends)
    if (quotes % 2).any():
        raise _Irregular  # a quoted value may run over the line end
    delim = ord(delimiter)
    fs, fe, fast = lines.fields(buf, starts, ends, delim, len(names), rest=False)
    # A row with nothing in it is skipped; one with only blanks is left to the csv module.
    candidate = ~(fast & (fe == fs).all(axis=1))
    fast &= candidate & (quotes == 0) & (lines.counts_in(buf == 0, starts, ends) == 0)
    where = {name: k for k, name in enumerate(names)}
    for name in ("id", "category", *_WIDTH):
        if name in where:
            k = where[name]
            fast &= lines.plain_edges(buf, fs[:, k], fe[:, k])
    for name in ("id", "category"):
        if name in where:
            # A text our writer neutralised ('=...) is read back exactly by the csv module.
            k = where[name]
            first = buf[np.minimum(fs[:, k], buf.size - 1)] if buf.size else fs[:, k]
            fast &= (fe[:, k] == fs[:, k]) | (first != ord("'"))
    for name in ("video_id", "frame"):
        if name in where:
            # Video frames are few: they go through the csv module.
            fast &= fe[:, where[name]] == fs[:, where[name]]
    hashes = lines.digest_columns(buf, fs, fe, fast, where, _WIDTH)
    fast_lines = np.flatnonzero(fast)
    count = fast_lines.size
    flags = np.zeros(count, np.uint8)
    if "id" in where:
        k = where["id"]
        id_start, id_end = fs[fast_lines, k], fe[fast_lines, k]
        flags[id_end == id_start] |= NO_ID
        blob, offsets = lines.gather(buf, id_start, id_end)
    else:
        blob, offsets = np.zeros(0, np.uint8), np.zeros(count + 1, np.int64)
        flags |= NO_ID
    category = np.full(count, -1, np.int32)
    labels: list[str] = []
    if "category" in where:
        k = where["category"]
        category, labels = _labels(buf, fs[fast_lines, k], fe[fast_lines, k])
        known = [i for i, label in enumerate(labels) if label == NON_PERTINENT]
        flags[np.isin(category, known)] |= KNOWN
    out = Columns(blob, offsets, flags, category, labels, hashes)
    slow, slow_lines = [], []
    for i in np.flatnonzero(candidate & ~fast).tolist():
        text = buf[starts[i] : ends[i]].tobytes().decode("utf-8", "backslashreplace")
        where_ = f"{path}:{first_line + i}"
        try:
            row = next(csv.reader([text], delimiter=delimiter), [])
        except csv.Error as exc:
            raise HashSetError(f"{where_}: {exc}") from None
        entry = _entry(names, row, where_)
        if entry is not None:
            slow.append(entry)
            slow_lines.append(i)
    return interleave(out, fast_lines, slow, slow_lines)


def _labels(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Each span's label as a number into the list of distinct labels (-1: empty)."""
    lengths = ends - starts
    codes = np.full(starts.size, -1, np.int32)
    have = np.flatnonzero(lengths > 0)
    if not have.size:
        return codes, []
    longest = int(lengths.max())
    if longest <= _LABEL_WIDTH:
        blob, offsets = lines.gather(buf, starts[have], ends[have])
        table = np.zeros((have.size, longest), np.uint8)
        row = np.repeat(np.arange(have.size), lengths[have])
        column = np.arange(blob.size) - np.repeat(offsets[:-1], lengths[have])
        table[row, column] = blob
        distinct, inverse = np.unique(table.view(f"S{longest}").ravel(), return_inverse=True)
        codes[have] = inverse.ravel()
        return codes, [d.decode("utf-8", "backslashreplace") for d in distinct.tolist()]
    seen: dict[str, int] = {}
    for i in have.tolist():
        label = buf[starts[i] : ends[i]].tobytes().decode("utf-8", "backslashreplace")
        codes[i] = seen.setdefault(label, len(seen))
    return codes, list(seen)
