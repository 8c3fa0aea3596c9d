"""Files and folders written into an exFAT volume made by ``mkfs.exfat``.

No tool here copies files into an unmounted exFAT volume (and tests cannot mount), so
this writes the structures itself, after Microsoft's exFAT specification (sections 6
and 7): clusters allocated contiguously (NoFatChain) in the allocation bitmap, and a
directory entry set (file, stream extension, file names) with its checksum and name
hash per file or folder. ``fsck.exfat`` finds the result clean.
"""

from __future__ import annotations

import struct
from pathlib import Path

#: 2017-03-01 10:00:00 as an exFAT (MS-DOS) timestamp.
_STAMP = (2017 - 1980) << 25 | 3 << 21 | 1 << 16 | 10 << 11


def _rotate_add(value: int, byte: int) -> int:
    return (((value & 1) << 15) | (value >> 1)) + byte & 0xFFFF


class ExFat:
    """An exFAT image in memory: :meth:`add` files (folders are made as needed, one
    cluster each), then :meth:`save`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data = bytearray(path.read_bytes())
        d = self.data
        _fat_offset, _fat_length, heap, count, root = struct.unpack_from("<IIIII", d, 0x50)
        self.sector = 1 << d[0x6C]
        self.cluster = self.sector << d[0x6D]
        self.heap = heap * self.sector
        self.count = count
        self.root = root
        for entry in range(self.cluster // 32):
            at = self._at(root) + 32 * entry
            if d[at] == 0x81:
                self.bitmap = self._at(struct.unpack_from("<I", d, at + 20)[0])
        #: Next free directory slot per folder cluster.
        self._slots: dict[int, int] = {}
        self._folders: dict[str, int] = {"": root}

    def _at(self, cluster: int) -> int:
        return self.heap + (cluster - 2) * self.cluster

    def _allocate(self, nbytes: int) -> int:
        need = max(1, -(-nbytes // self.cluster))
        run = 0
        for n in range(self.count):
            used = self.data[self.bitmap + n // 8] >> (n % 8) & 1
            run = 0 if used else run + 1
            if run == need:
                first = n - need + 1
                for k in range(first, n + 1):
                    self.data[self.bitmap + k // 8] |= 1 << (k % 8)
                return first + 2
        raise ValueError("exFAT image full")

    def _free(self, first: int, nbytes: int) -> None:
        for k in range(first - 2, first - 2 + max(1, -(-nbytes // self.cluster))):
            self.data[self.bitmap + k // 8] &= ~(1 << (k % 8)) & 0xFF

    def _entry_set(self, name: str, attributes: int, first: int, length: int) -> bytes:
        units = name.encode("utf-16-le")
        chars = len(units) // 2
        names = -(-chars // 15)
        name_hash = 0
        for byte in name.upper().encode("utf-16-le"):
            name_hash = _rotate_add(name_hash, byte)
        primary = bytearray(32)
        primary[0], primary[1] = 0x85, 1 + names
        struct.pack_into("<H", primary, 4, attributes)
        # Created, modified, accessed (TSK skips entry sets whose times are all zero).
        struct.pack_into("<III", primary, 8, *[_STAMP] * 3)
        stream = bytearray(32)
        flags = 0x03 if length else 0x01  # allocation possible; contiguous (no FAT chain)
        stream[0], stream[1], stream[3] = 0xC0, flags, chars
        struct.pack_into("<H", stream, 4, name_hash)
        struct.pack_into("<Q", stream, 8, length)
        struct.pack_into("<IQ", stream, 20, first if length else 0, length)
        parts = [primary, stream]
        for i in range(names):
            entry = bytearray(32)
            entry[0] = 0xC1
            chunk = units[30 * i : 30 * (i + 1)]
            entry[2 : 2 + len(chunk)] = chunk
            parts.append(entry)
        whole = b"".join(parts)
        checksum = 0
        for i, byte in enumerate(whole):
            if i not in (2, 3):
                checksum = _rotate_add(checksum, byte)
        entry_set = bytearray(whole)
        struct.pack_into("<H", entry_set, 2, checksum)
        return bytes(entry_set)

    def _place(self, folder: int, entries: bytes) -> int:
        at = self._slots.get(folder, 0)
        if folder == self.root and folder not in self._slots:
            while self.data[self._at(folder) + at]:
                at += 32
        if at + len(entries) > self.cluster:
            raise ValueError("exFAT test folder full (one cluster per folder)")
        start = self._at(folder) + at
        self.data[start : start + len(entries)] = entries
        self._slots[folder] = at + len(entries)
        return start

    def _folder(self, rel: str) -> int:
        if rel not in self._folders:
            parent, _, name = rel.rpartition("/")
            cluster = self._allocate(self.cluster)
            start = self._at(cluster)
            self.data[start : start + self.cluster] = bytes(self.cluster)
            self._place(self._folder(parent), self._entry_set(name, 0x10, cluster, self.cluster))
            self._folders[rel] = cluster
        return self._folders[rel]

    def add(self, rel: str, content: bytes, *, deleted: bool = False) -> None:
        parent, _, name = rel.rpartition("/")
        first = self._allocate(len(content)) if content else 0
        if content:
            start = self._at(first)
            self.data[start : start + len(content)] = content
        at = self._place(self._folder(parent), self._entry_set(name, 0x20, first, len(content)))
        if deleted:
            # As a delete leaves it: the entries' in-use bits and the clusters freed, the
            # content still in place.
            for slot in range(at, at + 32 * (self.data[at + 1] + 1), 32):
                self.data[slot] &= 0x7F
            if content:
                self._free(first, len(content))

    def save(self) -> None:
        self.path.write_bytes(self.data)
