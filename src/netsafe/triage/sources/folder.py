"""A folder: a logical copy or a mounted volume."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from netsafe.triage.sources import Entry, Evidence, EvidenceError, display_name


class FolderEvidence(Evidence):
    """A folder walked by byte names (names that are not UTF-8 survive), never following links."""

    kind = "folder"

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
                    yield Entry(seq, display_name(child_rel), st.st_size, (child_rel,))
                    seq += 1
            # Depth-first in name order: push in reverse so the smallest name is walked first.
            stack.extend(reversed(subdirs))

    def open(self, entry: Entry) -> BinaryIO:
        (rel,) = entry.locator
        return open(os.path.join(self._root, rel), "rb", buffering=0)
