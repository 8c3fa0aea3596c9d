"""NIST NSRL RDS v3 (SQLite, table ``FILE``): known files, never matches."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from netsafe.triage.hashset import HashEntry, HashSetError, HashSetFormat, clean_hash

_SCHEMA = """
CREATE TABLE FILE (
  sha256 VARCHAR NOT NULL, sha1 VARCHAR NOT NULL, md5 VARCHAR NOT NULL,
  crc32 VARCHAR NOT NULL, file_name VARCHAR NOT NULL, file_size INTEGER NOT NULL,
  package_id INTEGER NOT NULL
)
"""


class NsrlFormat(HashSetFormat):
    """The RDS v3 SQLite database; every entry is a known file."""

    name = "nsrl"

    def sniff(self, head: bytes) -> bool:
        """An SQLite database (its header): NSRL RDS v3 is the only one read."""
        return head.startswith(b"SQLite format 3\x00")

    def read(self, path: Path, categories: Mapping[int, str]) -> Iterator[HashEntry]:
        """Every row of table ``FILE`` as a known file (``known_file``), its name as the id."""
        # Opened read-only through a URI: a hash set is input, like evidence.
        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            cur = con.execute("SELECT sha256, sha1, md5, file_name, file_size FROM FILE")
        except sqlite3.Error as exc:
            raise HashSetError(f"{path}: not an NSRL RDS v3 database (table FILE): {exc}") from None
        try:
            for rowid, (sha256, sha1, md5, name, size) in enumerate(cur, 1):
                where = f"{path}: FILE row {rowid}"
                yield HashEntry(
                    id=name,
                    md5=clean_hash(md5, "md5", where),
                    sha1=clean_hash(sha1, "sha1", where),
                    sha256=clean_hash(sha256, "sha256", where),
                    size=size,
                    known_file=True,
                )
        except sqlite3.Error as exc:
            raise HashSetError(f"{path}: cannot read table FILE: {exc}") from None
        finally:
            con.close()

    def write(
        self, entries: Iterable[HashEntry], path: Path, categories: Mapping[int, str]
    ) -> None:
        """An RDS v3-shaped database: table ``FILE`` with the entries' digests, names and sizes."""
        con = sqlite3.connect(path)
        try:
            con.execute(_SCHEMA)
            con.executemany(
                "INSERT INTO FILE VALUES (?, ?, ?, '00000000', ?, ?, 0)",
                [
                    (
                        (e.sha256 or "").upper(),
                        (e.sha1 or "").upper(),
                        (e.md5 or "").upper(),
                        e.id or "",
                        e.size or 0,
                    )
                    for e in entries
                ],
            )
            con.commit()
        finally:
            con.close()

    def get_examples(self) -> list[HashEntry]:
        """Known files with every digest, a name and a size, as the RDS gives them."""
        return [
            HashEntry(
                id="kernel32.dll",
                md5="1" * 32,
                sha1="2" * 40,
                sha256="3" * 64,
                size=9,
                known_file=True,
            ),
            HashEntry(
                id="notepad.exe",
                md5="a" * 32,
                sha1="b" * 40,
                sha256="c" * 64,
                size=0,
                known_file=True,
            ),
        ]
