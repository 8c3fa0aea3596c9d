"""PDQ matcher: ``PDQIndex`` against faiss ``IndexBinaryFlat`` range search.

For 1 million and 10 million random reference hashes (and queries of which a
quarter are copies of references with 0-31 bits flipped, so there is
something to find), each side runs in its own process so that its memory is
its own: build time, on-disk load time, queries per second with every core,
and peak resident memory. faiss scans everything for every query, so at 10
million it gets fewer queries and its rate is per query; both sides' results
on the queries faiss answers must be identical.

    .venv/bin/python -m bench matcher                 # 1 M and 10 M
    .venv/bin/python -m bench matcher -- --quick      # 1 M only
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

QUERIES = 20_000
FAISS_QUERIES = {1_000_000: 2_000, 10_000_000: 300}
MAX_DISTANCE = 31


def make_data(folder: Path, n: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    refs = np.empty((n, 32), np.uint8)
    for start in range(0, n, 1_000_000):  # in parts: keep the parent small
        stop = min(n, start + 1_000_000)
        refs[start:stop] = rng.integers(0, 256, (stop - start, 32), dtype=np.uint8)
    queries = rng.integers(0, 256, (QUERIES, 32), dtype=np.uint8)
    near = QUERIES // 4
    picks = rng.integers(0, n, near)
    bits = np.unpackbits(refs[picks], axis=1)
    for row, flips in enumerate(rng.integers(0, MAX_DISTANCE + 1, near)):
        positions = rng.choice(256, flips, replace=False)
        bits[row, positions] ^= 1
    # Every fourth query is a planted near copy (so faiss's first queries hold some too).
    positions = np.arange(near) * 4
    queries[positions] = np.packbits(bits, axis=1)
    np.save(folder / "refs.npy", refs)
    np.save(folder / "queries.npy", queries)
    np.save(folder / "planted.npy", np.stack([positions, picks]))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- children: each measurement in a fresh process ---------------------------------


def child_build(folder: Path) -> dict:
    from netsafe.triage.pdq.index import PDQIndex

    refs = np.load(folder / "refs.npy")
    started = time.perf_counter()
    index = PDQIndex.build(refs)
    built = time.perf_counter() - started
    del refs
    started = time.perf_counter()
    index.save(folder / "index")
    saved = time.perf_counter() - started
    return {"build_s": built, "save_s": saved, "rss_mb": peak_rss_mb()}


def child_ours(folder: Path, mmap: bool) -> dict:
    from netsafe.triage.pdq.index import PDQIndex

    queries = np.load(folder / "queries.npy")
    started = time.perf_counter()
    index = PDQIndex.load(folder / "index", mmap=mmap)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    index.search(queries[:10], MAX_DISTANCE)  # compiles the kernels (or loads numba's cache)
    first = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    found = index.search(queries, MAX_DISTANCE)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    np.save(folder / f"ours-{int(mmap)}.npy", np.stack([found.query, found.entry, found.distance]))
    return {
        "load_s": loaded,
        "first_call_s": first,
        "qps": len(queries) / elapsed,
        "qps_per_cpu_s": len(queries) / cpu,
        "matches": len(found),
        "rss_mb": peak_rss_mb(),
    }


def child_faiss(folder: Path, count: int) -> dict:
    import faiss

    refs = np.load(folder / "refs.npy")
    queries = np.load(folder / "queries.npy")[:count]
    started = time.perf_counter()
    index = faiss.IndexBinaryFlat(256)
    index.add(refs)
    built = time.perf_counter() - started
    del refs
    started = time.perf_counter()
    faiss.write_index_binary(index, str(folder / "faiss.index"))
    saved = time.perf_counter() - started
    del index
    started = time.perf_counter()
    index = faiss.read_index_binary(str(folder / "faiss.index"))
    loaded = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    limits, distances, labels = index.range_search(queries, MAX_DISTANCE + 1)  # "< radius"
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    rows = np.repeat(np.arange(count), np.diff(limits).astype(np.int64))
    np.save(folder / "faiss.npy", np.stack([rows, labels, distances.astype(np.int64)]))
    return {
        "build_s": built,
        "save_s": saved,
        "load_s": loaded,
        "qps": count / elapsed,
        "qps_per_cpu_s": count / cpu,
        "matches": int(limits[-1]),
        "rss_mb": peak_rss_mb(),
    }


def run_child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_matcher", "--child", *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if out.returncode:
        raise RuntimeError(f"bench_matcher child {args[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


ROOT = Path(__file__).resolve().parents[1]


def same_results(folder: Path, count: int) -> tuple[bool, int]:
    def pairs(name: str) -> set[tuple[int, int, int]]:
        q, e, d = np.load(folder / name)
        keep = q < count
        return set(zip(q[keep].tolist(), e[keep].tolist(), d[keep].tolist(), strict=True))

    ours, theirs = pairs("ours-1.npy"), pairs("faiss.npy")
    return ours == theirs, len(theirs)


def planted_found(folder: Path) -> tuple[str, bool]:
    """How many planted near copies found their reference; whether both load modes agree."""
    mapped, in_memory = np.load(folder / "ours-1.npy"), np.load(folder / "ours-0.npy")
    found = set(zip(mapped[0].tolist(), mapped[1].tolist(), strict=True))
    positions, sources = np.load(folder / "planted.npy")
    hits = sum((p, s) in found for p, s in zip(positions.tolist(), sources.tolist(), strict=True))
    return f"{hits:,}/{len(positions):,}", bool(np.array_equal(mapped, in_memory))


# -- the benchmark ---------------------------------------------------------------------


def main(args: list[str]) -> str:
    sizes = [1_000_000] if "--quick" in args else [1_000_000, 10_000_000]
    cores = os.cpu_count() or 1
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-matcher-") as tmp:
            folder = Path(tmp)
            print(f"   {n:,} references: data", flush=True)
            make_data(folder, n)
            print("   build", flush=True)
            build = run_child("build", str(folder))
            print("   search", flush=True)
            ours = run_child("ours", str(folder), "1")  # the default: mapped files
            in_memory = run_child("ours", str(folder), "0")
            print("   faiss", flush=True)
            count = FAISS_QUERIES.get(n, 1000)
            theirs = run_child("faiss", str(folder), str(count))
            same, compared = same_results(folder, count)
            ours["planted_found"], ours["modes_agree"] = planted_found(folder)
            rows.append((n, build, ours, in_memory, theirs, count, same, compared))
    return report(rows, cores)


def report(rows, cores: int) -> str:
    lines = [
        "## PDQ matcher: PDQIndex vs faiss IndexBinaryFlat",
        "",
        "Command: `.venv/bin/python -m bench matcher` (`make bench`). Random 256-bit "
        f"references; {QUERIES:,} queries, a quarter of them references with 0-31 bits "
        f"flipped; every match within distance {MAX_DISTANCE}. Each side runs in a fresh "
        f"process on all {cores} cores (numba threads / OpenMP); memory is that process's "
        "peak RSS. PDQIndex is loaded from disk: mapped (the default; processes share the "
        "page cache) or read into memory (`np.load`). faiss scans every reference for "
        "every query, so it answers the first few hundred queries only; its rate is per "
        "query. `same results` compares "
        "both sides' (query, reference, distance) triples on the queries faiss answered. "
        "queries/s is wall clock on a shared machine; per CPU-second is its CPU time.",
        "",
        "| references | | build s | load s | queries/s | per CPU-s | peak RSS MB | matches |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for n, build, ours, in_memory, theirs, count, _same, _compared in rows:
        lines += [
            f"| {n:,} | PDQIndex (mapped) | {build['build_s']:.1f} | {ours['load_s']:.2f} | "
            f"{ours['qps']:,.0f} | {ours['qps_per_cpu_s']:,.0f} | {ours['rss_mb']:,.0f} | "
            f"{ours['matches']:,} |",
            f"| | PDQIndex (read in) | | {in_memory['load_s']:.2f} | {in_memory['qps']:,.0f} | "
            f"{in_memory['qps_per_cpu_s']:,.0f} | {in_memory['rss_mb']:,.0f} | "
            f"{in_memory['matches']:,} |",
            f"| | faiss flat ({count:,} queries) | {theirs['build_s']:.1f} | "
            f"{theirs['load_s']:.2f} | {theirs['qps']:,.1f} | {theirs['qps_per_cpu_s']:,.1f} | "
            f"{theirs['rss_mb']:,.0f} | {theirs['matches']:,} |",
        ]
    lines += [
        "",
        "| references | speed-up (queries/s) | same results as faiss | pairs compared "
        "| planted copies found | mapped = read in |",
        "|---:|---:|---|---:|---:|---|",
    ]
    for n, _build, ours, _in_memory, theirs, _count, same, compared in rows:
        lines.append(
            f"| {n:,} | {ours['qps'] / theirs['qps']:,.0f}x | {'yes' if same else 'NO'} | "
            f"{compared:,} | {ours['planted_found']} | {'yes' if ours['modes_agree'] else 'NO'} |"
        )
    lines += [
        "",
        "Building (a separate process holding the raw hashes too) peaked at "
        + ", ".join(f"{build['rss_mb']:,.0f} MB at {n:,}" for n, build, *_ in rows)
        + "; saving took "
        + ", ".join(f"{build['save_s']:.1f} s" for _n, build, *_ in rows)
        + ". First call (numba compile, or loading its cache) is excluded from queries/s: "
        + ", ".join(f"{ours['first_call_s']:.1f} s at {n:,}" for n, _b, ours, *_ in rows)
        + ".",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        kind, folder = sys.argv[2], Path(sys.argv[3])
        if kind == "build":
            result = child_build(folder)
        elif kind == "ours":
            result = child_ours(folder, mmap=sys.argv[4] == "1")
        else:
            result = child_faiss(folder, int(sys.argv[4]))
        print(json.dumps(result))
    else:
        print(main(sys.argv[1:]))
