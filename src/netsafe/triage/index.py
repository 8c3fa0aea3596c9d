"""Look-ups against loaded hash sets: exact by MD5/SHA-1/SHA-256, perceptual by PDQ distance.

:class:`PerceptualIndex` is deliberately small (build from an ``(n, 32)``
uint8 array, ``search(queries, max_distance)``) so that a faster exact
matcher can replace this brute-force one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from netsafe.triage.hashsets import HashEntry, HashSet
from netsafe.triage.perceptual import MIN_QUALITY

DEFAULT_MAX_DISTANCE = 31


def pdq_array(hashes: Sequence[str]) -> np.ndarray:
    """64-hex PDQ hashes as an ``(n, 32)`` uint8 array (most significant byte first)."""
    if not hashes:
        return np.zeros((0, 32), dtype=np.uint8)
    return np.frombuffer(bytes.fromhex("".join(hashes)), dtype=np.uint8).reshape(-1, 32)


class PerceptualIndex:
    """Exact PDQ range search by brute force: every query against every hash, popcount of XOR."""

    #: Work in slices so the XOR matrix stays around 32 MiB whatever the sizes.
    _ENTRY_CHUNK = 1 << 16
    _QUERY_CHUNK = 16

    def __init__(self, hashes: np.ndarray) -> None:
        """``hashes``: ``(n, 32)`` uint8, one PDQ hash per row."""
        hashes = np.ascontiguousarray(hashes, dtype=np.uint8)
        if hashes.ndim != 2 or hashes.shape[1] != 32:
            raise ValueError(f"PDQ hashes must be an (n, 32) uint8 array, got shape {hashes.shape}")
        self._words = hashes.view(np.uint64)  # (n, 4)

    def __len__(self) -> int:
        return len(self._words)

    def search(self, queries: np.ndarray, max_distance: int) -> list[tuple[int, int, int]]:
        """Every ``(query_idx, entry_idx, distance)`` with distance <= ``max_distance``, sorted."""
        queries = np.ascontiguousarray(queries, dtype=np.uint8).reshape(-1, 32)
        qwords = queries.view(np.uint64)
        found: list[tuple[int, int, int]] = []
        if not len(self._words):
            return found
        for qs in range(0, len(qwords), self._QUERY_CHUNK):
            q = qwords[qs : qs + self._QUERY_CHUNK]
            for es in range(0, len(self._words), self._ENTRY_CHUNK):
                e = self._words[es : es + self._ENTRY_CHUNK]
                dist = np.bitwise_count(q[:, None, :] ^ e[None, :, :]).sum(axis=2, dtype=np.int32)
                qi, ei = np.nonzero(dist <= max_distance)
                found.extend(
                    zip(
                        (qi + qs).tolist(),
                        (ei + es).tolist(),
                        dist[qi, ei].tolist(),
                        strict=True,
                    )
                )
        found.sort()
        return found


@dataclass(frozen=True)
class Match:
    """One hash-set entry a file (or query) matched."""

    kind: str
    hashset: str
    distance: int
    category: str | None
    entry_id: str | None

    def sort_key(self) -> tuple:
        """Exact before perceptual, then by hash set, distance, category, entry."""
        return (
            self.kind != "exact",
            self.hashset,
            self.distance,
            self.category or "",
            self.entry_id or "",
        )

    def as_dict(self) -> dict:
        """The ``matches`` item of files.jsonl."""
        return {
            "hashset": self.hashset,
            "kind": self.kind,
            "category": self.category,
            "distance": self.distance,
            "entry_id": self.entry_id,
        }


@dataclass(frozen=True)
class Query:
    """What is looked up for one file: its digests and PDQ (with quality)."""

    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    pdq: str | None = None
    pdq_quality: int | None = None


@dataclass
class Verdict:
    """The result of looking up one query: whether it is known, and its matches."""

    known: bool
    matches: list[Match]


class HashIndex:
    """All loaded hash sets behind one look-up: exact dictionaries and a perceptual index."""

    def __init__(self, hashsets: Sequence[HashSet]) -> None:
        self._sets = list(hashsets)
        self._exact: dict[str, dict[str, list[tuple[int, int]]]] = {
            k: defaultdict(list) for k in ("md5", "sha1", "sha256")
        }
        pdq_hex: list[str] = []
        self._pdq_refs: list[tuple[int, int]] = []
        for s, hs in enumerate(self._sets):
            for i, entry in enumerate(hs.entries):
                for kind in ("md5", "sha1", "sha256"):
                    value = getattr(entry, kind)
                    if value:
                        self._exact[kind][value].append((s, i))
                # Non-pertinent images only make exact copies known; they are not
                # looked for perceptually.
                if entry.pdq and not entry.known:
                    pdq_hex.append(entry.pdq)
                    self._pdq_refs.append((s, i))
        self.perceptual = PerceptualIndex(pdq_array(pdq_hex))

    def _entry(self, ref: tuple[int, int]) -> tuple[HashSet, HashEntry]:
        hs = self._sets[ref[0]]
        return hs, hs.entries[ref[1]]

    def lookup(
        self, queries: Sequence[Query], max_distance: int = DEFAULT_MAX_DISTANCE
    ) -> list[Verdict]:
        """Look up many queries at once (the perceptual search is batched)."""
        verdicts = []
        for q in queries:
            refs: set[tuple[int, int]] = set()
            for kind in ("md5", "sha1", "sha256"):
                value = getattr(q, kind)
                if value:
                    refs.update(self._exact[kind].get(value, ()))
            known = False
            matches = set()
            for ref in refs:
                hs, entry = self._entry(ref)
                if entry.known:
                    known = True
                else:
                    matches.add(Match("exact", hs.path, 0, entry.category, entry.id))
            verdicts.append(Verdict(known, sorted(matches, key=Match.sort_key)))
        usable = [
            i
            for i, q in enumerate(queries)
            if q.pdq and (q.pdq_quality is None or q.pdq_quality >= MIN_QUALITY)
        ]
        if usable and len(self.perceptual):
            hits = self.perceptual.search(
                pdq_array([queries[i].pdq or "" for i in usable]), max_distance
            )
            for qi, ei, distance in hits:
                hs, entry = self._entry(self._pdq_refs[ei])
                v = verdicts[usable[qi]]
                v.matches.append(Match("perceptual", hs.path, distance, entry.category, entry.id))
            for i in usable:
                verdicts[i].matches = sorted(set(verdicts[i].matches), key=Match.sort_key)
        return verdicts
