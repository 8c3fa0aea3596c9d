"""The compiled kernels of :mod:`netsafe.triage.pdq.index` (numba).

Kept apart so that importing the index costs nothing: numba, and the compiled
code loaded from its cache, come in only when a large search or a build needs
them.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import binding as llvm_binding
from llvmlite import ir
from numba.core import cgutils
from numba.extending import intrinsic

_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)


# LLVM names the prefetch intrinsic by pointer type: opaque pointers from LLVM 15 on.
_PREFETCH = "llvm.prefetch.p0" if llvm_binding.llvm_version_info >= (15,) else "llvm.prefetch.p0i8"


@intrinsic
def _prefetch_row(typingctx, array, row):  # pragma: no cover - compiled
    """Ask the CPU to start loading ``array[row]`` now (a hint; it changes no result).

    The search knows which reference rows it will read a few hundred
    instructions ahead; fetching them early overlaps the cache misses that
    dominate its time (about 25% more queries per CPU-second at 10 million).
    """
    signature = numba.types.void(array, row)

    def codegen(context, builder, sig, args):
        array_type = sig.args[0]
        data = context.make_array(array_type)(context, builder, args[0])
        zero = context.get_constant(numba.types.intp, 0)
        index = [args[1]] + [zero] * (array_type.ndim - 1)
        pointer = cgutils.get_item_pointer(context, builder, array_type, data, index)
        byte_pointer = ir.IntType(8).as_pointer()
        int32 = ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.VoidType(), [byte_pointer, int32, int32, int32]),
            _PREFETCH,
        )
        # read, keep in all cache levels, data cache
        flags = [ir.Constant(int32, 0), ir.Constant(int32, 3), ir.Constant(int32, 1)]
        builder.call(function, [builder.bitcast(pointer, byte_pointer), *flags])
        return context.get_dummy_value()

    return signature, codegen


@numba.njit(cache=True, inline="always")
def _popcount(x):  # pragma: no cover - compiled
    # SWAR popcount; LLVM turns it into the popcnt instruction.
    x = x - ((x >> np.uint64(1)) & _M1)
    x = (x & _M2) + ((x >> np.uint64(2)) & _M2)
    x = (x + (x >> np.uint64(4))) & _M4
    return np.int64((x * _H01) >> np.uint64(56))


@numba.njit(cache=True, inline="always")
def _chunk(words, row, start, width):  # pragma: no cover - compiled
    """Bits ``start .. start+width-1`` (0 = most significant) of a 256-bit hash."""
    word = start // 64
    offset = start % 64
    if offset + width <= 64:
        shift = np.uint64(64 - offset - width)
        return (words[row, word] >> shift) & ((np.uint64(1) << np.uint64(width)) - np.uint64(1))
    low_bits = offset + width - 64
    high = words[row, word] & ((np.uint64(1) << np.uint64(64 - offset)) - np.uint64(1))
    low = words[row, word + 1] >> np.uint64(64 - low_bits)
    return (high << np.uint64(low_bits)) | low


@numba.njit(cache=True, inline="always")
def _distance(a, i, b, j):  # pragma: no cover - compiled
    return (
        _popcount(a[i, 0] ^ b[j, 0])
        + _popcount(a[i, 1] ^ b[j, 1])
        + _popcount(a[i, 2] ^ b[j, 2])
        + _popcount(a[i, 3] ^ b[j, 3])
    )


@numba.njit(cache=True, parallel=True)
def mih_search(
    queries, words, order, offsets, table_base, starts, widths, radii, masks, mask_base,
    mask_count, max_distance, out_entry, out_distance, counts, blocks,
):  # fmt: skip  # pragma: no cover - compiled
    capacity = out_entry.shape[1]
    chunks = starts.shape[0]
    nq = queries.shape[0]
    for block in numba.prange(blocks):
        # Scratch per block of queries, grown when a bucket run is larger.
        keys = np.empty(masks.shape[0], np.int64)
        low = np.empty(masks.shape[0], np.int64)
        high = np.empty(masks.shape[0], np.int64)
        candidates = np.empty(4096, np.int64)
        for q in range(block * nq // blocks, (block + 1) * nq // blocks):
            found = 0
            for i in range(chunks):
                if radii[i] < 0:
                    continue
                value = _chunk(queries, q, starts[i], widths[i])
                base = table_base[i]
                probes = mask_count[i]
                # Phase 1: every bucket's bounds, fetched together so the misses overlap.
                for k in range(probes):
                    keys[k] = base + np.int64(value ^ masks[mask_base[i] + k])
                    _prefetch_row(offsets, keys[k])
                total = 0
                for k in range(probes):
                    low[k] = offsets[keys[k]]
                    high[k] = offsets[keys[k] + 1]
                    total += high[k] - low[k]
                if total > candidates.shape[0]:
                    candidates = np.empty(2 * total, np.int64)
                # Phase 2: gather the candidates, and start loading their hashes.
                c = 0
                for k in range(probes):
                    for p in range(low[k], high[k]):
                        e = np.int64(order[i, p])
                        candidates[c] = e
                        _prefetch_row(words, e)
                        c += 1
                # Phase 3: full distances, again independent random loads.
                for t in range(c):
                    e = candidates[t]
                    d = _distance(queries, q, words, e)
                    if d > max_distance:
                        continue
                    # Report each pair once: skip it if an earlier chunk also reaches it.
                    earlier = False
                    for j in range(i):
                        if radii[j] >= 0:
                            a = _chunk(queries, q, starts[j], widths[j])
                            b = _chunk(words, e, starts[j], widths[j])
                            if _popcount(a ^ b) <= radii[j]:
                                earlier = True
                                break
                    if earlier:
                        continue
                    if found < capacity:
                        out_entry[q, found] = e
                        out_distance[q, found] = d
                    found += 1
            counts[q] = found


@numba.njit(cache=True, parallel=True)
def flat_search(
    queries, words, max_distance, out_entry, out_distance, counts
):  # pragma: no cover - compiled
    capacity = out_entry.shape[1]
    for q in numba.prange(queries.shape[0]):
        found = 0
        for e in range(words.shape[0]):
            d = _distance(queries, q, words, e)
            if d <= max_distance:
                if found < capacity:
                    out_entry[q, found] = e
                    out_distance[q, found] = d
                found += 1
        counts[q] = found


@numba.njit(cache=True)
def chunk_table(words, start, width, offsets, order_row):  # pragma: no cover - compiled
    """Counting sort of the entries by one chunk's value (offsets has 2**width + 1 slots)."""
    n = words.shape[0]
    values = np.empty(n, np.int64)
    for e in range(n):
        values[e] = np.int64(_chunk(words, e, start, width))
        offsets[values[e] + 1] += 1
    for v in range(1, offsets.shape[0]):
        offsets[v] += offsets[v - 1]
    fill = offsets[:-1].copy()
    for e in range(n):
        order_row[fill[values[e]]] = e
        fill[values[e]] += 1
