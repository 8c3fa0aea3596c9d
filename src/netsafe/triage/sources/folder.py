"""A folder: a logical copy or a mounted volume."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from netsafe.triage.source import (
    Entry,
    Evidence,
    EvidenceError,
    display_name,
    iso_time,
    path_hex,
)

#: Reading a file would otherwise set its access time: the evidence's own times are what
#: the report gives, and a second scan must see the same ones. Only the file's owner (or
#: root) may ask for it; anyone else reads as before.
_NOATIME = getattr(os, "O_NOATIME", 0)


def stat_times(st: os.stat_result) -> tuple[str | None, str | None, str | None, str | None]:
    """(modified, accessed, changed, created) of a ``stat`` result, ISO 8601 UTC; created
    only where the platform gives a birth time."""
    birth = getattr(st, "st_birthtime", None)
    return (iso_time(st.st_mtime), iso_time(st.st_atime), iso_time(st.st_ctime), iso_time(birth))


class FolderEvidence(Evidence):
    """A folder walked by byte names (names that are not UTF-8 survive), never following links."""

    kind = "folder"

    @classmethod
    def detect(cls, path: Path, head: bytes) -> bool:
        """A folder."""
        return path.is_dir()

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        if not path.is_dir():
            raise EvidenceError(f"not a folder: {path}")
        self._root = os.fsencode(path)

    def entries(self) -> Iterator[Entry]:
        seq = 0
        # Symbolic links are never followed, so link loops cannot trap the walk;
        # (device, inode) pairs guard against bind-mount loops as well.
        seen: set[tuple[int, int]] = set()
        stack: list[bytes] = [b""]
        while stack:
            rel = stack.pop()
            full = os.path.join(self._root, rel) if rel else self._root
            try:
                st = os.stat(full, follow_symlinks=False)
                if (st.st_dev, st.st_ino) in seen:
                    continue
                seen.add((st.st_dev, st.st_ino))
                with os.scandir(full) as it:
                    children = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                self.errors.append(f"cannot list {display_name(rel) or '.'}: {exc.strerror}")
                continue
            subdirs = []
            for child in children:
                child_rel = os.path.join(rel, child.name) if rel else child.name
                try:
                    st = child.stat(follow_symlinks=False)
                except OSError as exc:
                    self.errors.append(f"cannot stat {display_name(child_rel)}: {exc.strerror}")
                    continue
                if stat.S_ISDIR(st.st_mode):
                    subdirs.append(child_rel)
                elif stat.S_ISREG(st.st_mode):
                    yield Entry(
                        seq,
                        display_name(child_rel),
                        st.st_size,
                        (child_rel,),
                        times=stat_times(st),
                        path_hex=path_hex(child_rel),
                    )
                    seq += 1
            # Depth-first in name order: push in reverse so the smallest name is walked first.
            stack.extend(reversed(subdirs))

    def open(self, entry: Entry) -> BinaryIO:
        (rel,) = entry.locator
        full = os.path.join(self._root, rel)
        try:
            fd = os.open(full, os.O_RDONLY | _NOATIME)
        except PermissionError:
            fd = os.open(full, os.O_RDONLY)
        return open(fd, "rb", buffering=0)
