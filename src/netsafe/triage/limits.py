"""What a scan may take: the defaults of the scan's options, with no import of their own.

``netsafe triage`` shows these defaults in its help and builds its commands from them;
kept here, apart from the code that applies them (archives, carving, PDQ matching), the
command line reads them without importing that code and what it loads (NumPy, Pillow,
libmagic), which only the command that runs imports.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The PDQ authors' recommended match threshold.
DEFAULT_MAX_DISTANCE = 31


@dataclass(frozen=True)
class Limits:
    """How far archives are opened (the scan's ``--archive-*`` options)."""

    #: Archives nested deeper than this are hashed but not opened.
    max_depth: int = 8
    #: Largest allowed expansion of one member relative to its compressed size...
    max_ratio: int = 100
    #: ...once the member is larger than this many bytes (small files compress freely).
    ratio_floor: int = 16 << 20
    #: Largest total an archive found in the evidence, with everything nested in it, may
    #: expand to, whatever its size...
    max_total: int = 64 << 30
    #: ...and at most ``max_ratio`` times its own size once beyond this many bytes.
    budget_floor: int = 256 << 20
    #: Most members an archive found in the evidence may hold, nested ones included (a
    #: phone extraction delivered as one ZIP holds hundreds of thousands of files).
    max_members: int = 1_000_000


@dataclass(frozen=True)
class CarveLimits:
    """What carving one evidence item may take (the scan's ``--carve-*`` options)."""

    #: Most files carved from one evidence item.
    max_files: int = 100_000
    #: Most seconds spent carving one evidence item.
    max_seconds: float = 3600.0
