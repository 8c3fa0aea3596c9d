"""A hash-set format: the one small interface every format implements, and its entries.

Every format (the modules of :mod:`netsafe.triage.hashsets`) implements
:class:`HashSetFormat`: recognise itself from the first bytes (``sniff``),
read entries, write entries, and give examples (``get_examples``) that one
contract test suite runs against every format.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from netsafe.triage.hashsets.compiled import Columns

#: The category label that makes a file known rather than a match (VICS category 0).
NON_PERTINENT = "non-pertinent"
#: The Project VIC US profile's category numbers.
DEFAULT_VICS_CATEGORIES: dict[int, str] = {
    0: NON_PERTINENT,
    1: "CAM",
    2: "exploitive",
    3: "CGI",
    4: "comparison",
}

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
