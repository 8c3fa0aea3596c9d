"""Plain hash lists: md5sum / sha1sum / sha256sum output, bare hashes one a line, hashdeep."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np

from netsafe.triage.hashset import HashEntry, HashSetError, HashSetFormat, clean_hash
from netsafe.triage.hashsets import lines
from netsafe.triage.hashsets.compiled import NO_ID, Columns, interleave

_SUM_LINE = re.compile(rb"^([0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})(?:[ \t][ *]?(.*))?$")
_BY_LENGTH = {32: "md5", 40: "sha1", 64: "sha256"}
_HASHDEEP = b"%%%% HASHDEEP"


class HashListFormat(HashSetFormat):
    """``HASH  NAME`` lines (the hash kind from its length) or a hashdeep file."""

    name = "hashlist"

    def sniff(self, head: bytes) -> bool:
        """A hashdeep header, or lines that each start with a hash of a known length."""
        if head.startswith(_HASHDEEP):
            return True
        lines = [ln.strip() for ln in head.splitlines()[:20] if ln.strip()]
        lines = lines[:-1] if len(lines) > 1 and not head.endswith(b"\n") else lines
        return bool(lines) and all(_SUM_LINE.match(ln) for ln in lines)

    def read(self, path: Path, categories: Mapping[int, str]) -> Iterator[HashEntry]:
        """A hashdeep file (its own columns) or sum lines, the hash kind from its length; the
        name is the entry's id."""
        with open(path, "rb") as fh:
            first = fh.readline()
            fh.seek(0)
            if first.startswith(_HASHDEEP):
                yield from _read_hashdeep(path, fh)
                return
            for number, raw in enumerate(fh, 1):
                entry = _sum_entry(raw, number, path)
                if entry is not None:
                    yield entry

    def columns(self, path: Path, categories: Mapping[int, str]) -> Iterator[Columns]:
        """The lines read a block of bytes at a time with NumPy (see :mod:`.lines`)."""
        with open(path, "rb") as fh:
            first = fh.readline()
        if first.startswith(_HASHDEEP):
            try:
                parts = list(_hashdeep_columns(path))
            except _Irregular:
                # Column headers that change part-way: read line by line, as before.
                parts = list(super().columns(path, categories))
            yield from parts
            return
        for buf, line in lines.blocks(path):
            yield _sum_block(path, buf, line)

    def write(
        self, entries: Iterable[HashEntry], path: Path, categories: Mapping[int, str]
    ) -> None:
        """Write a hashdeep file (size where known, and every digest column present)."""
        rows = list(entries)
        cols = [c for c in ("md5", "sha1", "sha256") if any(getattr(e, c) for e in rows)]
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            out.write("%%%% HASHDEEP-1.0\n")
            out.write(f"%%%% size,{','.join(cols)},filename\n")
            out.write("## Invoked from: netsafe\n##\n")
            for e in rows:
                if any(getattr(e, c) is None for c in cols):
                    raise ValueError("a hashdeep file needs the same digests on every row")
                values = [str(e.size if e.size is not None else 0)] + [getattr(e, c) for c in cols]
                out.write(",".join([*values, e.id or ""]) + "\n")

    def get_examples(self) -> list[HashEntry]:
        """Files with MD5, SHA-1, SHA-256 and size, one with a name that is not ASCII."""
        return [
            HashEntry(id="DCIM/a.jpg", md5="0" * 31 + "1", sha1="a" * 40, sha256="b" * 64, size=10),
            HashEntry(id="naïve name.txt", md5="f" * 32, sha1="1" * 40, sha256="2" * 64, size=0),
        ]


def _sum_entry(raw: bytes, number: int, path: Path) -> HashEntry | None:
    """The entry of one ``HASH  NAME`` line (None for a blank or comment line)."""
    line = raw.strip()
    if not line or line.startswith(b"#"):
        return None
    m = _SUM_LINE.match(line)
    if not m:
        raise HashSetError(f"{path}:{number}: not a hash line: {line[:80]!r}")
    value = m.group(1).decode().lower()
    kind = _BY_LENGTH[len(value)]
    name = m.group(2).decode("utf-8", "backslashreplace") if m.group(2) else None
    return HashEntry(
        id=name or value,
        md5=value if kind == "md5" else None,
        sha1=value if kind == "sha1" else None,
        sha256=value if kind == "sha256" else None,
    )


_WHITE = np.zeros(256, dtype=bool)
_WHITE[list(b" \t\n\r\x0b\x0c")] = True
_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[list(b"0123456789")] = True
_WIDTH = {"md5": 16, "sha1": 20, "sha256": 32}


class _Irregular(Exception):
    """A file the vectorised reader leaves to the line-by-line one."""


def _sum_block(path: Path, buf: np.ndarray, first_line: int) -> Columns:
    """One block of an md5sum / sha1sum / sha256sum list as columns.

    Lines in the plain form (no white space around, hex digest, one separator) are
    read as arrays; any other line goes through :func:`_sum_entry`.
    """
    starts, ends = lines.split_lines(buf)
    nonempty = ends > starts
    head = buf[np.minimum(starts, buf.size - 1)]
    tail = buf[np.maximum(ends - 1, 0)]
    comment = nonempty & (head == ord("#"))
    candidate = nonempty & ~comment
    plain = candidate & ~_WHITE[head] & ~_WHITE[tail]
    separators = np.flatnonzero((buf == 32) | (buf == 9))
    hash_end = lines.first_at_or_after(separators, starts)
    hash_end = np.where((hash_end < 0) | (hash_end > ends), ends, hash_end)
    width = hash_end - starts
    fast = plain & np.isin(width, (32, 40, 64))
    # After the digest: one blank, then an optional blank or "*" (binary mode), then the name.
    after = np.minimum(hash_end + 1, buf.size - 1)
    name_start = np.where(hash_end < ends, hash_end + 1 + np.isin(buf[after], (32, 42)), ends)
    found = {}
    for kind, digits in (("md5", 32), ("sha1", 40), ("sha256", 64)):
        sel = np.flatnonzero(fast & (width == digits))
        keys, good = lines.digests(buf, starts[sel], digits // 2)
        fast[sel[~good]] = False
        found[kind] = (sel[good], keys[good])
    fast_lines = np.flatnonzero(fast)
    rank = lines.ranks(fast)
    id_start = name_start.copy()
    id_end = ends.copy()
    pieces = [buf]
    base = buf.size
    hashes = {}
    for kind, (sel, keys) in found.items():
        if not sel.size:
            continue
        hashes[kind] = (rank[sel], keys)
        # A line with no name has its digest (lower-case) as its id.
        bare = name_start[sel] == ends[sel]
        if bare.any():
            text = lines.hex_of(keys[bare])
            digits = text.shape[1]
            pieces.append(text.ravel())
            at = base + np.arange(text.shape[0], dtype=np.int64) * digits
            id_start[sel[bare]], id_end[sel[bare]] = at, at + digits
            base += text.size
    source = np.concatenate(pieces) if len(pieces) > 1 else buf
    blob, offsets = lines.gather(source, id_start[fast_lines], id_end[fast_lines])
    count = fast_lines.size
    columns = Columns(
        blob, offsets, np.zeros(count, np.uint8), np.full(count, -1, np.int32), [], hashes
    )
    slow, slow_lines = [], []
    for i in np.flatnonzero(candidate & ~fast).tolist():
        entry = _sum_entry(buf[starts[i] : ends[i]].tobytes(), first_line + i, path)
        if entry is not None:
            slow.append(entry)
            slow_lines.append(i)
    return interleave(columns, fast_lines, slow, slow_lines)


def _is_column_header(line: bytes) -> bool:
    return (
        line.startswith(b"%%%% size")
        or line.startswith(b"%%%% md5")
        or (line.startswith(b"%%%% ") and b"filename" in line)
    )


def _hashdeep_columns(path: Path) -> Iterator[Columns]:
    """A hashdeep file as columns: the header read line by line, the rows as arrays."""
    columns: list[str] = []
    offset = 0
    number = 0
    data = False
    with open(path, "rb") as fh:
        for raw in fh:
            line = raw.rstrip(b"\r\n")
            if _is_column_header(line):
                columns = line[5:].decode().split(",")
            elif line and not line.startswith(b"%%%%") and not line.startswith(b"##"):
                data = True
                break
            offset += len(raw)
            number += 1
    if not data:
        return
    if not columns:
        raise HashSetError(f"{path}:{number + 1}: hashdeep row before the %%%% column header")
    for buf, first in lines.blocks(path, offset):
        yield _hashdeep_block(path, buf, number + first, columns)


def _hashdeep_block(path: Path, buf: np.ndarray, first_line: int, columns: list[str]) -> Columns:
    starts, ends = lines.split_lines(buf)
    nonempty = ends > starts
    head = buf[np.minimum(starts, buf.size - 1)]
    tail = buf[np.maximum(ends - 1, 0)]
    # Header and comment lines start with "%" or "#": checked one by one (there are few).
    special = nonempty & np.isin(head, (ord("%"), ord("#")))
    for i in np.flatnonzero(special).tolist():
        line = buf[starts[i] : ends[i]].tobytes().rstrip(b"\r\n")
        if _is_column_header(line) and line[5:].decode().split(",") != columns:
            raise _Irregular
        if not line.startswith(b"%%%%") and not line.startswith(b"##"):
            special[i] = False
    candidate = nonempty & ~special
    fs, fe, fast = lines.fields(buf, starts, ends, ord(","), len(columns), rest=True)
    fast &= candidate & (tail != 13)
    where = {name: k for k, name in enumerate(columns)}
    if "size" in where:
        k = where["size"]
        fast &= (fe[:, k] > fs[:, k]) & (lines.dense_counts(~_DIGIT[buf], fs[:, k], fe[:, k]) == 0)
    hashes = lines.digest_columns(buf, fs, fe, fast, where, _WIDTH)
    fast_lines = np.flatnonzero(fast)
    count = fast_lines.size
    flags = np.zeros(count, np.uint8)
    if "filename" in where:
        k = where["filename"]
        blob, offsets = lines.gather(buf, fs[fast_lines, k], fe[fast_lines, k])
    else:
        blob, offsets = np.zeros(0, np.uint8), np.zeros(count + 1, np.int64)
        flags |= NO_ID
    out = Columns(blob, offsets, flags, np.full(count, -1, np.int32), [], hashes)
    slow, slow_lines = [], []
    for i in np.flatnonzero(candidate & ~fast).tolist():
        raw = buf[starts[i] : ends[i]].tobytes()
        slow.append(_hashdeep_entry(raw.rstrip(b"\r\n"), columns, first_line + i, path))
        slow_lines.append(i)
    return interleave(out, fast_lines, slow, slow_lines)


def _read_hashdeep(path: Path, fh) -> Iterator[HashEntry]:
    columns: list[str] = []
    for number, raw in enumerate(fh, 1):
        line = raw.rstrip(b"\r\n")
        if _is_column_header(line):
            columns = line[5:].decode().split(",")
            continue
        if not line or line.startswith(b"%%%%") or line.startswith(b"##"):
            continue
        if not columns:
            raise HashSetError(f"{path}:{number}: hashdeep row before the %%%% column header")
        yield _hashdeep_entry(line, columns, number, path)


def _hashdeep_entry(line: bytes, columns: list[str], number: int, path: Path) -> HashEntry:
    """The entry of one hashdeep row (``line`` without its line end)."""
    # The file name is last and may itself contain commas.
    parts = line.split(b",", len(columns) - 1)
    if len(parts) != len(columns):
        raise HashSetError(f"{path}:{number}: expected {len(columns)} fields")
    row = dict(zip(columns, parts, strict=True))
    where = f"{path}:{number}"
    size = row.get("size")
    try:
        size_value = int(size) if size is not None else None
    except ValueError:
        raise HashSetError(f"{where}: size {size!r} is not a number") from None
    return HashEntry(
        id=row["filename"].decode("utf-8", "backslashreplace") if "filename" in row else None,
        md5=clean_hash(_text(row.get("md5")), "md5", where),
        sha1=clean_hash(_text(row.get("sha1")), "sha1", where),
        sha256=clean_hash(_text(row.get("sha256")), "sha256", where),
        size=size_value,
    )


def _text(value: bytes | None) -> str | None:
    return value.decode("ascii", "replace") if value is not None else None
