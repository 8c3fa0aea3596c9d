"""Hash sets: known-image sets (VICS, CSV) and known-file sets (NSRL, hash lists).

Every format implements the small :class:`HashSetFormat` interface: recognise
itself from the first bytes (``sniff``), read entries, write entries, and give
examples (``get_examples``) that one contract test suite runs against every
format. :func:`load_hashset` finds the format from the content.
"""

from __future__ import annotations

import hashlib
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from netsafe.triage.hashsets.compiled import Columns, CompiledHashSet

#: The Project VIC US profile's category numbers.
DEFAULT_VICS_CATEGORIES: dict[int, str] = {
    0: "non-pertinent",
    1: "CAM",
    2: "exploitive",
    3: "CGI",
    4: "comparison",
}
#: Category label that makes a file known rather than a match.
NON_PERTINENT = "non-pertinent"

#: Entries turned into arrays at a time by the formats read one entry at a time.
_ENTRY_BATCH = 100_000
_HEX_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64, "pdq": 64}
_HEX = re.compile(r"[0-9a-f]+")


class HashSetError(Exception):
    """A hash set that cannot be read; the message says which file and where."""


@dataclass(frozen=True, slots=True)
class HashEntry:
    """One entry of a hash set. Hashes are lower-case hex or None."""

    id: str | None = None
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    pdq: str | None = None
    category: str | None = None
    series: str | None = None
    size: int | None = None
    #: Where the file was found (VICS ``RelativeFilePath``), for exports of a scan.
    path: str | None = None
    #: A known-file set entry (NSRL): counted as known, never as a match.
    known_file: bool = False
    #: A frame of a known video: the entries sharing a ``video_id`` are its frames
    #: (``pdq`` each, ``frame`` its second); the video's digests and category may sit
    #: on any of them.
    video_id: str | None = None
    frame: float | None = None

    @property
    def known(self) -> bool:
        """Whether a file with this entry's hash is a known (not pertinent) file."""
        return self.known_file or self.category == NON_PERTINENT


def clean_hash(value: object, kind: str, where: str) -> str | None:
    """``value`` as lower-case hex of ``kind``; None when empty, HashSetError when malformed."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if not text:
        return None
    if len(text) != _HEX_LENGTHS[kind] or not _HEX.fullmatch(text):
        raise HashSetError(
            f"{where}: {kind} {str(value)[:80]!r} is not {_HEX_LENGTHS[kind]} hex digits"
        )
    return text


def parse_categories(spec: str) -> dict[int, str]:
    """``0=non-pertinent,1=CAM`` as ``{0: "non-pertinent", 1: "CAM"}`` (ValueError if malformed)."""
    out: dict[int, str] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        number, sep, label = part.partition("=")
        if not sep or not number.strip().isdigit() or not label.strip():
            raise ValueError(f"category mapping {part.strip()!r} is not NUMBER=LABEL")
        out[int(number)] = label.strip()
    return out


class HashSetFormat(ABC):
    """One hash-set file format."""

    name: ClassVar[str]

    @abstractmethod
    def sniff(self, head: bytes) -> bool:
        """Whether a file starting with ``head`` (up to 64 KiB) is in this format."""

    @abstractmethod
    def read(self, path: Path, categories: Mapping[int, str]) -> Iterator[HashEntry]:
        """The entries of ``path``; :class:`HashSetError` naming the place when malformed."""

    @abstractmethod
    def write(
        self, entries: Iterable[HashEntry], path: Path, categories: Mapping[int, str]
    ) -> None:
        """Write ``entries`` to ``path`` in this format."""

    @abstractmethod
    def get_examples(self) -> list[HashEntry]:
        """Entries this format represents faithfully: they must survive write then read."""

    def columns(self, path: Path, categories: Mapping[int, str]) -> Iterator[Columns]:
        """The entries of ``path`` as arrays, block by block, in file order.

        By default the entries of :meth:`read` in batches; the text formats that
        national sets come in override it to read whole blocks of bytes with NumPy.
        """
        from netsafe.triage.hashsets.compiled import Columns

        batch: list[HashEntry] = []
        for entry in self.read(path, categories):
            batch.append(entry)
            if len(batch) >= _ENTRY_BATCH:
                yield Columns.from_entries(batch)
                batch = []
        if batch:
            yield Columns.from_entries(batch)

    def numbers_categories(self) -> bool:
        """Whether entries' category labels depend on the ``categories`` mapping (VICS)."""
        return False


def formats() -> list[HashSetFormat]:
    """Every supported format, in the order they are tried when detecting."""
    from netsafe.triage.hashsets.csvtable import CsvFormat
    from netsafe.triage.hashsets.hashlist import HashListFormat
    from netsafe.triage.hashsets.nsrl import NsrlFormat
    from netsafe.triage.hashsets.vics import VicsFormat

    return [NsrlFormat(), VicsFormat(), HashListFormat(), CsvFormat()]


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
    from netsafe.triage.hashsets.compiled import remembered_sha256

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


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, so a report says exactly which hash set was used."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def with_id(entry: HashEntry, default: str) -> HashEntry:
    """``entry`` with ``default`` as its id when it has none."""
    return entry if entry.id else replace(entry, id=default)
