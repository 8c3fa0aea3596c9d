"""Exact and perceptual look-ups against loaded hash sets."""

from __future__ import annotations

import numpy as np

from netsafe.triage.hashsets import HashEntry, HashSet
from netsafe.triage.matching import HashIndex, Match, Query, pdq_array
from netsafe.triage.pdq.index import PDQIndex


def naive(queries: np.ndarray, hashes: np.ndarray, r: int) -> list[tuple[int, int, int]]:
    out = []
    for qi, q in enumerate(queries):
        for ei, h in enumerate(hashes):
            d = int(np.unpackbits(q ^ h).sum())
            if d <= r:
                out.append((qi, ei, d))
    return out


def test_pdq_index_equals_naive_on_clustered_data():
    rng = np.random.default_rng(3)
    centres = rng.integers(0, 256, (5, 32), dtype=np.uint8)
    hashes = []
    for c in centres:
        for flips in (0, 5, 20, 31, 32, 40):
            bits = np.unpackbits(c)
            bits[rng.choice(256, flips, replace=False)] ^= 1
            hashes.append(np.packbits(bits))
    hashes = np.array(hashes)
    queries = np.concatenate([centres, rng.integers(0, 256, (3, 32), dtype=np.uint8)])
    index = PDQIndex.build(hashes)
    for r in (0, 31, 32):
        assert index.search(queries, r).pairs() == naive(queries, hashes, r)


def test_distance_exactly_at_threshold_matches():
    a = "0" * 64
    b = "f" * 7 + "e" + "0" * 56  # 31 bits set
    index = PDQIndex.build(pdq_array([b]))
    assert index.search(pdq_array([a]), 31).pairs() == [(0, 0, 31)]
    assert index.search(pdq_array([a]), 30).pairs() == []


def _set(path, entries):
    return HashSet(path, "csv", "0" * 64, entries)


def test_known_files_are_not_matches_and_exact_comes_first():
    pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    near = pdq[:-1] + "3"  # one bit away
    sets = [
        _set("uk.csv", [HashEntry(id="1", md5="a" * 32, category="A", pdq=pdq)]),
        _set("nsrl.db", [HashEntry(id="k", md5="b" * 32, known_file=True)]),
        _set("vics.json", [HashEntry(id="n", md5="c" * 32, category="non-pertinent", pdq=near)]),
    ]
    index = HashIndex(sets)
    v = index.lookup(
        [
            Query(md5="a" * 32, pdq=pdq, pdq_quality=100),
            Query(md5="b" * 32),
            Query(md5="c" * 32, pdq=near, pdq_quality=100),
            Query(md5="d" * 32, pdq=near, pdq_quality=100),
            Query(md5="e" * 32, pdq=near, pdq_quality=49),
        ]
    )
    assert [m.kind for m in v[0].matches] == ["exact", "perceptual"]
    assert v[0].matches[1].distance == 0
    assert v[1].known
    assert not v[1].matches
    # Non-pertinent: known on an exact hit, and never looked for perceptually.
    assert v[2].known
    assert [m.hashset for m in v[2].matches] == ["uk.csv"]
    assert [(m.kind, m.category, m.distance) for m in v[3].matches] == [("perceptual", "A", 1)]
    assert v[4].matches == []  # quality below 50 is never used


def test_a_file_counts_once_under_its_best_match():
    from netsafe.triage.records import counted_category

    exact_c = Match("exact", "s", 0, "C", "1")
    exact_a = Match("exact", "s", 0, "A", "2")
    close_b = Match("perceptual", "s", 3, "B", "3")
    far_a = Match("perceptual", "s", 20, "A", "4")
    assert counted_category([exact_c, exact_a, close_b]) == "A"  # exact wins, most severe
    assert counted_category([close_b, far_a]) == "B"  # perceptual only: the closest
    assert counted_category([Match("exact", "s", 0, None, "5")]) == "uncategorised"
    assert counted_category([]) is None


def test_hashset_index_is_built_once_and_cached_by_sha256(tmp_path):
    rng = np.random.default_rng(5)
    hashes = [bytes(h).hex() for h in rng.integers(0, 256, (50, 32), dtype=np.uint8)]
    entries = [HashEntry(id=str(i), pdq=h, category="A") for i, h in enumerate(hashes)]
    hs = HashSet("set.csv", "csv", "1" * 64, entries)
    cache = tmp_path / "cache"
    first = HashIndex([hs], cache_dir=cache)
    (folder,) = [p for p in cache.iterdir() if not p.name.startswith(".")]
    assert folder.name.startswith("1" * 64)
    manifest = folder / "manifest.json"
    stamp = manifest.stat().st_mtime_ns
    second = HashIndex([hs], cache_dir=cache)
    assert manifest.stat().st_mtime_ns == stamp  # loaded, not rebuilt
    query = [Query(pdq=hashes[7], pdq_quality=100)]
    assert first.lookup(query) == second.lookup(query)
    assert [m.entry_id for m in second.lookup(query)[0].matches] == ["7"]
    # Another hash set (other sha256) gets its own index.
    HashIndex([HashSet("other.csv", "csv", "2" * 64, entries[:3])], cache_dir=cache)
    assert len([p for p in cache.iterdir() if not p.name.startswith(".")]) == 2


def test_dihedral_queries_match_at_their_best_distance():
    pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    rotated = "0" * 64
    index = HashIndex([_set("uk.csv", [HashEntry(id="1", category="A", pdq=pdq)])])
    plain = Query(md5="d" * 32, pdq=rotated, pdq_quality=100)
    turned = Query(md5="d" * 32, pdq=rotated, pdq_quality=100, pdq_dihedral=(rotated, pdq))
    v = index.lookup([plain, turned])
    assert v[0].matches == []
    assert [(m.kind, m.distance, m.entry_id) for m in v[1].matches] == [("perceptual", 0, "1")]
