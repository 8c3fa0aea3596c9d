"""The kinds of evidence, one module each, and opening an item as the kind it is.

Each kind implements :class:`netsafe.triage.source.Evidence` and recognises
its own items (``detect``); :data:`KINDS` lists them in the order they are
asked. A new kind is a module here implementing that interface and one entry
in :data:`KINDS` (the source contract tests then run against it).
"""

from __future__ import annotations

import os
from pathlib import Path

from netsafe.triage.source import (
    NO_TIMES,
    TIME_KEYS,
    Entry,
    Evidence,
    EvidenceError,
    Integrity,
    on_bad_ranges,
    path_hex,
    times_dict,
)
from netsafe.triage.sources.archive import ArchiveEvidence, Limits
from netsafe.triage.sources.disk import DiskEvidence
from netsafe.triage.sources.ewf import EwfEvidence
from netsafe.triage.sources.folder import FolderEvidence

#: Every kind, in the order each is asked whether it recognises an item: the raw image
#: last, since any file can be read as one.
KINDS: tuple[type[Evidence], ...] = (FolderEvidence, EwfEvidence, ArchiveEvidence, DiskEvidence)

#: The interface's names, importable from here too (one import for a caller that opens
#: evidence and reads its entries).
__all__ = [
    "KINDS",
    "NO_TIMES",
    "TIME_KEYS",
    "Entry",
    "Evidence",
    "EvidenceError",
    "Integrity",
    "detect_kind",
    "on_bad_ranges",
    "open_evidence",
    "path_hex",
    "times_dict",
]


def detect_kind(path: Path) -> str:
    """The ``kind`` of the first of :data:`KINDS` that recognises ``path`` from its content
    rather than its name (``folder``, ``ewf``, ``archive`` or ``raw``)."""
    if not path.exists():
        raise EvidenceError(f"evidence not found: {path}")
    if not path.is_dir() and not path.is_file() and not path.is_block_device():
        raise EvidenceError(f"evidence is neither a folder nor a file: {path}")
    head = b""
    if not path.is_dir():
        try:
            with open(path, "rb") as fh:
                head = fh.read(512)
        except OSError as exc:
            raise EvidenceError(f"cannot read evidence {path}: {exc.strerror or exc}") from None
    kind = next(k for k in KINDS if k.detect(path, head))
    return kind.kind


def open_evidence(
    path: str | os.PathLike[str], kind: str | None = None, limits: Limits | None = None
) -> Evidence:
    """Open an evidence item of the given (or detected) kind; :class:`EvidenceError` if unusable.

    ``limits`` bound how far an archive given as evidence is listed.
    """
    p = Path(path)
    kind = kind or detect_kind(p)
    by_kind = {k.kind: k for k in KINDS}
    if kind not in by_kind:
        raise EvidenceError(f"unknown evidence kind {kind!r} for {p}")
    return by_kind[kind].opened(p, limits)
