"""Plain hash lists: md5sum / sha1sum / sha256sum output, bare hashes one a line, hashdeep."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from netsafe.triage.hashsets import HashEntry, HashSetError, HashSetFormat, clean_hash

_SUM_LINE = re.compile(rb"^([0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})(?:[ \t][ *]?(.*))?$")
_BY_LENGTH = {32: "md5", 40: "sha1", 64: "sha256"}
_HASHDEEP = b"%%%% HASHDEEP"


class HashListFormat(HashSetFormat):
    """``HASH  NAME`` lines (the hash kind from its length) or a hashdeep file."""

    name = "hashlist"

    def sniff(self, head: bytes) -> bool:
        if head.startswith(_HASHDEEP):
            return True
        lines = [ln.strip() for ln in head.splitlines()[:20] if ln.strip()]
        lines = lines[:-1] if len(lines) > 1 and not head.endswith(b"\n") else lines
        return bool(lines) and all(_SUM_LINE.match(ln) for ln in lines)

    def read(self, path: Path, categories: Mapping[int, str]) -> Iterator[HashEntry]:
        with open(path, "rb") as fh:
            first = fh.readline()
            fh.seek(0)
            if first.startswith(_HASHDEEP):
                yield from _read_hashdeep(path, fh)
                return
            for number, raw in enumerate(fh, 1):
                line = raw.strip()
                if not line or line.startswith(b"#"):
                    continue
                m = _SUM_LINE.match(line)
                if not m:
                    raise HashSetError(f"{path}:{number}: not a hash line: {line[:80]!r}")
                value = m.group(1).decode().lower()
                kind = _BY_LENGTH[len(value)]
                name = m.group(2).decode("utf-8", "backslashreplace") if m.group(2) else None
                yield HashEntry(
                    id=name or value,
                    md5=value if kind == "md5" else None,
                    sha1=value if kind == "sha1" else None,
                    sha256=value if kind == "sha256" else None,
                )

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
        return [
            HashEntry(id="DCIM/a.jpg", md5="0" * 31 + "1", sha1="a" * 40, sha256="b" * 64, size=10),
            HashEntry(id="naïve name.txt", md5="f" * 32, sha1="1" * 40, sha256="2" * 64, size=0),
        ]


def _read_hashdeep(path: Path, fh) -> Iterator[HashEntry]:
    columns: list[str] = []
    for number, raw in enumerate(fh, 1):
        line = raw.rstrip(b"\r\n")
        if (
            line.startswith(b"%%%% size")
            or line.startswith(b"%%%% md5")
            or (line.startswith(b"%%%% ") and b"filename" in line)
        ):
            columns = line[5:].decode().split(",")
            continue
        if not line or line.startswith(b"%%%%") or line.startswith(b"##"):
            continue
        if not columns:
            raise HashSetError(f"{path}:{number}: hashdeep row before the %%%% column header")
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
        yield HashEntry(
            id=row["filename"].decode("utf-8", "backslashreplace") if "filename" in row else None,
            md5=clean_hash(_text(row.get("md5")), "md5", where),
            sha1=clean_hash(_text(row.get("sha1")), "sha1", where),
            sha256=clean_hash(_text(row.get("sha256")), "sha256", where),
            size=size_value,
        )


def _text(value: bytes | None) -> str | None:
    return value.decode("ascii", "replace") if value is not None else None
