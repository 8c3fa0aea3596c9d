"""Hash sets: known-image sets (VICS, CSV) and known-file sets (NSRL, hash lists).

Each format is a module here implementing :class:`netsafe.triage.hashset.HashSetFormat`
and recognising its own files (``sniff``); :data:`FORMATS` lists them in the order
they are tried. :func:`load_hashset` finds the format from the content. A new format
is a module here and one entry in :data:`FORMATS` (the contract suite then runs
against it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from netsafe.triage.hashset import (
    DEFAULT_VICS_CATEGORIES,
    NON_PERTINENT,
    HashEntry,
    HashSetError,
    HashSetFormat,
    clean_hash,
    parse_categories,
)
from netsafe.triage.hashsets.csvtable import CsvFormat
from netsafe.triage.hashsets.hashlist import HashListFormat
from netsafe.triage.hashsets.nsrl import NsrlFormat
from netsafe.triage.hashsets.vics import VicsFormat

if TYPE_CHECKING:
    from netsafe.triage.hashsets.compiled import CompiledHashSet

#: Every format, in the order each is asked whether it recognises a file.
FORMATS: tuple[type[HashSetFormat], ...] = (NsrlFormat, VicsFormat, HashListFormat, CsvFormat)

#: The interface's names, importable from here too.
__all__ = [
    "CACHE_ENV",
    "DEFAULT_VICS_CATEGORIES",
    "FORMATS",
    "NON_PERTINENT",
    "HashEntry",
    "HashSet",
    "HashSetError",
    "HashSetFormat",
    "clean_hash",
    "default_cache_dir",
    "detect_format",
    "format_named",
    "formats",
    "load_hashset",
    "parse_categories",
]


def formats() -> list[HashSetFormat]:
    """Every supported format, in the order they are tried when detecting."""
    return [fmt() for fmt in FORMATS]


def detect_format(path: Path) -> HashSetFormat:
    """The format of the hash set at ``path``, from its content."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(64 << 10)
    except OSError as exc:
        raise HashSetError(f"cannot read hash set {path}: {exc.strerror or exc}") from None
    for fmt in formats():
        if fmt.sniff(head):
            return fmt
    raise HashSetError(
        f"{path}: not a hash set format netsafe reads "
        "(VICS JSON, CSV with md5/sha1/sha256/pdq columns, NSRL RDS v3 SQLite, "
        "md5sum/sha1sum/hashdeep)"
    )


class HashSet:
    """A hash set: where it came from, its format, its SHA-256, and its entries, compiled.

    Loaded from a file (:func:`load_hashset`), the entries are held compiled
    (:attr:`compiled`: arrays, mapped from the index cache), and :attr:`entries` parses
    the file again only when asked. Made from ``entries`` in memory (tests, small
    tools), it is compiled from them.
    """

    def __init__(
        self,
        path: str,
        format: str,
        sha256: str,
        entries: list[HashEntry] | None = None,
        *,
        categories: Mapping[int, str] | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.path = path
        self.format = format
        self.sha256 = sha256
        self._entries = entries
        self._categories = dict(categories if categories is not None else DEFAULT_VICS_CATEGORIES)
        self._cache_dir = cache_dir
        self._compiled: CompiledHashSet | None = None

    def __repr__(self) -> str:
        return f"HashSet({self.path!r}, {self.format!r}, {self.sha256[:12]}...)"

    @property
    def entries(self) -> list[HashEntry]:
        """Every entry as an object (parses the file: for small sets and tools only)."""
        if self._entries is None:
            fmt = format_named(self.format)
            self._entries = list(fmt.read(Path(self.path), self._categories))
        return self._entries

    @property
    def compiled(self) -> CompiledHashSet:
        """The entries as arrays: from the cache, or compiled now (and cached)."""
        return self.compile()

    def compile(self, cache_dir: Path | None = None) -> CompiledHashSet:
        """The compiled entries, kept in ``cache_dir`` (default: the folder the set was
        loaded with; None for a set made in memory: compiled in memory)."""
        if self._compiled is None:
            from netsafe.triage.hashsets import compiled as c

            folder = cache_dir or self._cache_dir
            fmt = None if self._entries is not None else format_named(self.format)
            labels = (
                sorted(self._categories.items())
                if fmt is not None and fmt.numbers_categories()
                else None
            )
            key = c.cache_key(self.sha256, labels)
            found = c.load_cached(folder, key) if folder is not None else None
            if found is None:
                if fmt is None:
                    columns = c.Columns.from_entries(self.entries)
                else:
                    columns = c.Columns.concat(list(fmt.columns(Path(self.path), self._categories)))
                found = c.CompiledHashSet.build(columns)
                if folder is not None:
                    about = {"path": self.path, "format": self.format, "sha256": self.sha256}
                    found = c.store(found, folder, key, about)
            self._compiled = found
        return self._compiled

    def describe(self) -> dict:
        """The ``hashsets`` item of report.json."""
        count = len(self._entries) if self._entries is not None else self.compiled.entries
        return {
            "path": self.path,
            "format": self.format,
            "entries": count,
            "sha256": self.sha256,
        }


def format_named(name: str) -> HashSetFormat:
    """The format called ``name``."""
    for fmt in formats():
        if fmt.name == name:
            return fmt
    raise KeyError(name)


def load_hashset(
    path: str | Path,
    categories: Mapping[int, str] | None = None,
    cache_dir: Path | None = None,
) -> HashSet:
    """The hash set at ``path``, its format found from the content, compiled on first use
    into ``cache_dir`` (default: :func:`default_cache_dir`).

    Raises :class:`HashSetError` when it is unusable.
    """
    from netsafe.triage.hashsets.compiled import file_sha256, remembered_sha256

    p = Path(path)
    fmt = detect_format(p)
    folder = cache_dir or default_cache_dir()
    try:
        sha256 = remembered_sha256(p, folder, file_sha256)
    except OSError as exc:
        raise HashSetError(f"cannot read hash set {p}: {exc.strerror or exc}") from None
    hs = HashSet(str(p.resolve()), fmt.name, sha256, categories=categories, cache_dir=folder)
    hs.compile()  # malformed content is an error here, at load, as it always was
    return hs


#: Environment variable naming the folder where compiled hash sets and indexes are cached.
CACHE_ENV = "NETSAFE_INDEX_CACHE"


def default_cache_dir() -> Path:
    """Where compiled hash sets are cached: ``$NETSAFE_INDEX_CACHE``, else the user's cache."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "netsafe" / "pdq-index"
