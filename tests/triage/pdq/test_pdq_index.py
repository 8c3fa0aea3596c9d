"""PDQIndex against brute force: random and clustered data, edges, bad input, disk."""

from __future__ import annotations

import json

import numpy as np
import pytest

from netsafe.triage.pdq import index as pdq_index
from netsafe.triage.pdq.index import (
    MalformedHashError,
    PDQIndex,
    hashes_to_words,
    parse_hashes,
)


def brute_force(refs: np.ndarray, queries: np.ndarray, max_distance: int, ids=None):
    """Every pair within the distance, by comparing everything with everything."""
    ref_words, query_words = hashes_to_words(refs), hashes_to_words(queries)
    ids = np.arange(len(refs)) if ids is None else np.asarray(ids)
    pairs = []
    for q in range(len(queries)):
        distance = np.bitwise_count(ref_words ^ query_words[q]).sum(axis=1)
        for e in np.flatnonzero(distance <= max_distance):
            pairs.append((q, int(ids[e]), int(distance[e])))
    return sorted(pairs, key=lambda p: (p[0], p[2], p[1]))


def flip_bits(hashes: np.ndarray, counts, rng) -> np.ndarray:
    """Copies of ``hashes`` with exactly ``counts[i]`` distinct bits flipped in row i."""
    out = hashes.copy()
    for row, count in zip(out, np.broadcast_to(counts, len(out)), strict=True):
        for bit in rng.choice(256, int(count), replace=False):
            row[bit // 8] ^= 1 << (7 - bit % 8)
    return out


def random_hashes(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, 32), dtype=np.uint8)


def clustered(n_centres: int, per_centre: int, seed: int) -> np.ndarray:
    """Many hashes near each other: every centre with copies 0..40 bits away."""
    rng = np.random.default_rng(seed)
    centres = random_hashes(n_centres, seed)
    rows = np.repeat(centres, per_centre, axis=0)
    return flip_bits(rows, rng.integers(0, 41, len(rows)), rng)


@pytest.fixture(scope="module")
def random_refs() -> np.ndarray:
    return random_hashes(40_000, seed=1)  # above FLAT_LIMIT: multi-index segment


def test_random_data_equals_brute_force(random_refs):
    rng = np.random.default_rng(2)
    near = flip_bits(random_refs[:300], rng.integers(0, 45, 300), rng)
    queries = np.concatenate([near, random_hashes(100, seed=3)])
    index = PDQIndex.build(random_refs)
    assert [len(s) for s in index._segments] == [40_000]
    for max_distance in (0, 8, 31, 44):
        found = index.search(queries, max_distance).pairs()
        assert found == brute_force(random_refs, queries, max_distance), max_distance
    assert index.search(queries, threads=1).pairs() == index.search(queries).pairs()
    assert len(index.search(queries).pairs()) > 150


@pytest.mark.parametrize("chunks", [13, 19])
def test_chunks_crossing_word_boundaries_equal_brute_force(monkeypatch, random_refs, chunks):
    """Chunks of 19-20 and 13-14 bits straddle the 64-bit words the kernel reads."""
    monkeypatch.setattr(pdq_index, "_choose_widths", lambda n: pdq_index._widths(chunks))
    rng = np.random.default_rng(chunks)
    queries = flip_bits(random_refs[:200], rng.integers(20, 40, 200), rng)
    index = PDQIndex.build(random_refs)
    assert len(index._segments[0].widths) == chunks
    for max_distance in (31, 36):
        found = index.search(queries, max_distance).pairs()
        assert found == brute_force(random_refs, queries, max_distance)


def test_clustered_data_equals_brute_force():
    refs = clustered(n_centres=40, per_centre=1000, seed=4)
    rng = np.random.default_rng(5)
    queries = np.concatenate(
        [flip_bits(refs[::400], rng.integers(0, 33, 100), rng), random_hashes(20, seed=6)]
    )
    index = PDQIndex.build(refs)
    found = index.search(queries).pairs()
    expected = brute_force(refs, queries, 31)
    # Clusters put hundreds of matches on one query: the result buffer must grow.
    assert max(np.bincount([q for q, _, _ in expected])) > pdq_index.FIRST_PASS_CAPACITY
    assert found == expected


def test_distance_exactly_at_the_threshold_matches_and_one_more_does_not(random_refs):
    rng = np.random.default_rng(7)
    index = PDQIndex.build(random_refs)
    for threshold in (0, 1, 16, 31, 32):
        at = flip_bits(random_refs[:50], threshold, rng)
        beyond = flip_bits(random_refs[:50], threshold + 1, rng)
        hits = index.search(at, threshold)
        assert set(zip(hits.query.tolist(), hits.entry.tolist(), strict=True)) >= {
            (i, i) for i in range(50)
        }
        assert set(hits.distance.tolist()) <= set(range(threshold + 1))
        missed = index.search(beyond, threshold)
        assert not set(zip(missed.query.tolist(), missed.entry.tolist(), strict=True)) & {
            (i, i) for i in range(50)
        }


def test_single_hash_index_and_empty_cases():
    one = random_hashes(1, seed=8)
    index = PDQIndex.build(one, ids=[42])
    assert len(index) == 1
    assert index.search(one).pairs() == [(0, 42, 0)]
    assert index.search(flip_bits(one, 31, np.random.default_rng(9))).pairs() == [(0, 42, 31)]
    assert index.search(flip_bits(one, 32, np.random.default_rng(9))).pairs() == []
    assert index.search(np.zeros((0, 32), np.uint8)).pairs() == []
    assert PDQIndex().search(one).pairs() == []
    assert len(PDQIndex.build([])) == 0


def test_duplicate_hashes_are_each_reported():
    base = random_hashes(1, seed=10)
    refs = np.concatenate([np.repeat(base, 50_000, axis=0), random_hashes(1000, seed=11)])
    ids = np.arange(len(refs)) * 10 + 3
    index = PDQIndex.build(refs, ids=ids)
    found = index.search(base)
    assert sorted(found.entry.tolist()) == sorted(ids[:50_000].tolist())
    assert set(found.distance.tolist()) == {0}


def test_hex_input_and_ids(random_refs):
    hexes = [row.tobytes().hex() for row in random_refs[:100]]
    hexes[5] = "  " + hexes[5].upper() + "\n"
    index = PDQIndex.build(hexes, ids=range(1000, 1100))
    assert index.search([hexes[7]], 0).pairs() == [(0, 1007, 0)]
    assert index.search([hexes[5]], 0).pairs() == [(0, 1005, 0)]
    assert parse_hashes(hexes[:3]).tobytes() == random_refs[:3].tobytes()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "line 2: 'abc' is not a PDQ hash"),
        ("g" * 64, "line 2: 'gggg"),
        ("é" * 64, "is not hexadecimal"),
        ("0" * 65, "got 65 characters"),
    ],
)
def test_malformed_hashes_name_the_line_and_value(value, message):
    good = "0" * 64
    with pytest.raises(MalformedHashError, match=message) as caught:
        PDQIndex.build([good, value, good])
    assert caught.value.index == 1
    with pytest.raises(MalformedHashError, match="query line 2"):
        PDQIndex.build([good]).search([good, value])


def test_malformed_arrays_and_arguments():
    with pytest.raises(MalformedHashError, match=r"shape \(3, 31\)"):
        PDQIndex.build(np.zeros((3, 31), np.uint8))
    with pytest.raises(ValueError, match="ids: expected 2 integers"):
        PDQIndex.build(random_hashes(2, seed=1), ids=[1])
    with pytest.raises(ValueError, match="max_distance"):
        PDQIndex.build(random_hashes(2, seed=1)).search(random_hashes(1, seed=1), -1)


def test_add_keeps_old_segments_and_finds_everything(random_refs):
    rng = np.random.default_rng(12)
    index = PDQIndex.build(random_refs)
    first = index._segments[0]
    extra = random_hashes(35_000, seed=13)
    index.add(extra)
    index.add(random_hashes(10, seed=14), ids=np.arange(10) + 10**9)
    assert index._segments[0] is first
    assert [len(s) for s in index._segments] == [40_000, 35_000, 10]
    everything = np.concatenate([random_refs, extra, random_hashes(10, seed=14)])
    ids = np.concatenate([np.arange(75_000), np.arange(10) + 10**9])
    queries = flip_bits(everything[::700], rng.integers(0, 35, 108), rng)
    assert index.search(queries).pairs() == brute_force(everything, queries, 31, ids)
    index.compact()
    assert [len(s) for s in index._segments] == [75_010]
    assert index.search(queries).pairs() == brute_force(everything, queries, 31, ids)


@pytest.mark.parametrize("mmap", [False, True])
def test_save_and_load_round_trip(tmp_path, random_refs, mmap):
    rng = np.random.default_rng(15)
    index = PDQIndex.build(random_refs, ids=np.arange(40_000)[::-1])
    queries = flip_bits(random_refs[:100], rng.integers(0, 35, 100), rng)
    expected = index.search(queries).pairs()
    index.save(tmp_path / "idx")
    loaded = PDQIndex.load(tmp_path / "idx", mmap=mmap)
    assert loaded.search(queries).pairs() == expected
    assert len(loaded) == 40_000


def test_saving_after_add_writes_only_the_new_segment(tmp_path, random_refs):
    folder = tmp_path / "idx"
    index = PDQIndex.build(random_refs)
    index.save(folder)
    old = {p: p.stat().st_mtime_ns for p in folder.glob("seg-*/*.npy")}
    reopened = PDQIndex.load(folder)
    reopened.add(random_hashes(5, seed=16))
    reopened.save(folder)
    assert {p: p.stat().st_mtime_ns for p in old} == old
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [s["count"] for s in manifest["segments"]] == [40_000, 5]
    again = PDQIndex.load(folder)
    assert again.search(random_hashes(5, seed=16), 0).entry.tolist() == list(range(40_000, 40_005))


def test_load_rejects_what_is_not_an_index(tmp_path):
    with pytest.raises(FileNotFoundError, match="no PDQ index here"):
        PDQIndex.load(tmp_path)
    (tmp_path / "manifest.json").write_text('{"format": "something-else"}')
    with pytest.raises(ValueError, match=r"not a netsafe\.pdq-index/1 index"):
        PDQIndex.load(tmp_path)


def test_grouped_keeps_the_best_distance_per_group_and_entry():
    refs = random_hashes(100, seed=17)
    rng = np.random.default_rng(18)
    # Two groups of three queries: the same reference at 3, 9 and 20 bits, and nothing.
    queries = np.concatenate(
        [flip_bits(refs[[7, 7, 7]], np.array([9, 3, 20]), rng), random_hashes(3, seed=19)]
    )
    found = PDQIndex.build(refs).search(queries).grouped([0, 0, 0, 1, 1, 1])
    assert found.pairs() == [(0, 7, 3)]
    with pytest.raises(ValueError, match="groups"):
        PDQIndex.build(refs).search(queries).grouped([0, 0])


@pytest.mark.parametrize("small_limit", [0, 1 << 40])
def test_small_searches_and_compiled_kernels_give_the_same_pairs(monkeypatch, small_limit):
    """A small search compares everything in NumPy; a large one runs the kernels: one answer."""
    monkeypatch.setattr(pdq_index, "SMALL_SEARCH_PAIRS", small_limit)
    rng = np.random.default_rng(12)
    refs = random_hashes(3000, seed=13)
    index = PDQIndex.build(refs[:2000], ids=np.arange(2000) * 7)
    index.add(refs[2000:])  # a second segment, ids continuing from 2000
    queries = np.concatenate(
        [flip_bits(refs[::30], rng.integers(0, 40, 100), rng), random_hashes(10, seed=14)]
    )
    ids = np.concatenate([np.arange(2000) * 7, np.arange(2000, 3000)])
    for max_distance in (0, 31, 40):
        found = index.search(queries, max_distance).pairs()
        assert found == brute_force(refs, queries, max_distance, ids=ids)
