"""Exact PDQ matching at 1 and 10 million hashes beside faiss as platforms run it, one core.

The reference is faiss's IndexBinaryMultiHash(256, 16, 16) with nflip = 1, queried with
range_search: how Meta's Hasher-Matcher-Actioner (threatexchange's PDQ index) configures it.
Sixteen tables of 16 bits probed to radius 1 cover radius 31 exactly, by the pigeonhole
principle, so it is exact too. Beside it, faiss's IndexBinaryFlat (brute force; at 10 million
on a sample of queries) and Reclaim's MihPdqIndex. faiss's range_search keeps distances
strictly below its radius, so it is asked for 32 to mean 31 or less, as HMA does.

The bank is random 256-bit hashes, which spread evenly over every table's buckets; real PDQ
hashes cluster, which makes buckets uneven for faiss's tables and Reclaim's alike. Half the
queries are near-duplicates of bank entries at 0 to 40 bits, half are random. Every index's
results are compared with the others', and all with LinearPdqIndex (brute force) on a
sample. Memory is the process's resident set (VmRSS) held after the build, and its peak
during the build (VmHWM, reset before each build through /proc/self/clear_refs); not
tracemalloc, which does not see faiss's C++ allocations.
"""

import gc
import itertools
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

SIZES = (1_000_000, 10_000_000)
QUERIES = 200
RADIUS = 31
CHECK_EVERY = 10  # every tenth query is checked against brute force: 20 queries
FLAT_QUERIES = {1_000_000: QUERIES, 10_000_000: 20}
AIM_MS = {1_000_000: 0.5, 10_000_000: 0.85}
HMA_MS_AT_10M = 8.5

Found = list[list[tuple[int, int]]]  # per query: sorted (id, distance)


def run() -> dict[str, object]:
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core for everyone, faiss included
    import faiss

    faiss.omp_set_num_threads(1)
    results: dict[str, object] = {
        "benchmark": "exact PDQ matching at radius 31, one core, random 256-bit hashes",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "queries": f"{QUERIES}: half near-duplicates at 0-40 bits, half random",
        "memory": "MB of resident set: held after the build, and peak during it",
        "faiss": faiss.__version__,
    }
    for rows in SIZES:
        results[f"{rows // 1_000_000}M"] = _one_size(rows)
    return results


def _one_size(rows: int) -> dict[str, object]:
    rng = np.random.default_rng(rows)
    bank = rng.integers(0, 256, (rows, 32), dtype=np.uint8)
    queries = _queries(bank, rng)
    sample = np.arange(0, QUERIES, CHECK_EVERY)
    truth = _brute_force(bank, queries[sample])
    ours, ours_found = _reclaim(bank, queries)
    multi, multi_found = _faiss_multihash(bank, queries)
    flat, flat_found = _faiss_flat(bank, queries[: FLAT_QUERIES[rows]])
    ours["identical_to_brute_force_on_sample"] = [ours_found[i] for i in sample] == truth
    ours["identical_to_faiss_multihash"] = ours_found == multi_found
    multi["identical_to_brute_force_on_sample"] = [multi_found[i] for i in sample] == truth
    flat["identical_to_reclaim"] = flat_found == ours_found[: FLAT_QUERIES[rows]]
    return {
        "hashes": rows,
        "matches_found": sum(len(found) for found in ours_found),
        "reclaim_mih": ours,
        "faiss_multihash_16x16_nflip1": multi,
        "faiss_flat": flat,
        "speedup_vs_faiss_multihash": round(multi["ms_per_query"] / ours["ms_per_query"], 1),
        "speedup_vs_faiss_multihash_batched": round(
            multi["ms_per_query_batched"] / ours["ms_per_query_batched"], 1
        ),
        "aim_ms_per_query": AIM_MS[rows],
        "hma_ms_per_query_at_10M": HMA_MS_AT_10M,
    }


def _queries(bank: NDArray[np.uint8], rng: np.random.Generator) -> NDArray[np.uint8]:
    """Return QUERIES hashes, alternately near-duplicates (0-40 bits flipped) and random."""
    queries = rng.integers(0, 256, (QUERIES, 32), dtype=np.uint8)
    for q in range(0, QUERIES, 2):
        bits = np.unpackbits(bank[rng.integers(len(bank))])
        bits[rng.choice(256, rng.integers(0, 41), replace=False)] ^= 1
        queries[q] = np.packbits(bits)
    return queries


def _reclaim(bank: NDArray[np.uint8], queries: NDArray[np.uint8]) -> tuple[dict[str, Any], Found]:
    from reclaim.matching import MihPdqIndex

    ids = np.arange(len(bank), dtype=np.int64)
    index, report = _build(lambda: _filled(MihPdqIndex(RADIUS), ids, bank))
    found = _ours_found(index, queries)
    report |= _timings(lambda q: index.query(bytes(q), RADIUS), queries)
    report["ms_per_query_batched"] = _batched(lambda: index.query_many(queries, RADIUS), QUERIES)
    report["segments"] = index.segment_rows
    report["chunk_widths"] = list(index._segments[0].widths)  # a look inside, for the record
    report["index_bytes_mb"] = _mb(_index_bytes(index))
    report |= _save_and_load(index, queries, found)
    return report, found


def _filled(index: Any, ids: NDArray[np.int64], bank: NDArray[np.uint8]) -> Any:
    index.add(ids, bank)
    return index


def _save_and_load(index: Any, queries: NDArray[np.uint8], found: Found) -> dict[str, Any]:
    from reclaim.matching import MihPdqIndex

    folder = Path(tempfile.mkdtemp(prefix="reclaim-bench-matching-")) / "index"
    try:
        started = time.perf_counter()
        index.save(folder)
        saved = time.perf_counter() - started
        started = time.perf_counter()
        loaded = MihPdqIndex.load(folder)
        load = time.perf_counter() - started
        started = time.perf_counter()
        loaded.query(bytes(queries[0]), RADIUS)
        first = time.perf_counter() - started
        same = _ours_found(loaded, queries) == found
        timing = _timings(lambda q: loaded.query(bytes(q), RADIUS), queries)
        return {
            "save_seconds": round(saved, 2),
            "load_seconds_mmap": round(load, 4),
            "first_query_ms_after_load": round(first * 1000, 3),
            "ms_per_query_after_load": timing["ms_per_query"],
            "identical_after_load": same,
        }
    finally:
        shutil.rmtree(folder.parent)


def _ours_found(index: Any, queries: NDArray[np.uint8]) -> Found:
    return [sorted((m.id, m.distance) for m in matches) for matches in index.query_many(queries)]


def _faiss_multihash(
    bank: NDArray[np.uint8], queries: NDArray[np.uint8]
) -> tuple[dict[str, Any], Found]:
    import faiss

    def build() -> Any:
        index = faiss.IndexBinaryMultiHash(256, 16, 16)
        index.nflip = 1
        index.add(bank)
        return index

    return _faiss(build, queries)


def _faiss_flat(
    bank: NDArray[np.uint8], queries: NDArray[np.uint8]
) -> tuple[dict[str, Any], Found]:
    import faiss

    def build() -> Any:
        index = faiss.IndexBinaryFlat(256)
        index.add(bank)
        return index

    report, found = _faiss(build, queries)
    report["queries_timed"] = len(queries)
    return report, found


def _faiss(build: Callable[[], Any], queries: NDArray[np.uint8]) -> tuple[dict[str, Any], Found]:
    index, report = _build(build)
    found = _faiss_found(index.range_search(queries, RADIUS + 1))
    report |= _timings(lambda q: index.range_search(q[None, :], RADIUS + 1), queries)

    def batch() -> object:
        return index.range_search(queries, RADIUS + 1)

    report["ms_per_query_batched"] = _batched(batch, len(queries))
    return report, found


def _faiss_found(answer: tuple[Any, Any, Any]) -> Found:
    limits, dists, ids = answer
    return [
        sorted(zip(ids[a:b].tolist(), dists[a:b].astype(int).tolist(), strict=True))
        for a, b in itertools.pairwise(limits)
    ]


def _brute_force(bank: NDArray[np.uint8], queries: NDArray[np.uint8]) -> Found:
    from reclaim.matching import LinearPdqIndex

    index = LinearPdqIndex(RADIUS)
    index.add(np.arange(len(bank)), bank)
    return _ours_found(index, queries)


def _build(build: Callable[[], Any]) -> tuple[Any, dict[str, Any]]:
    gc.collect()
    before = _status("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM, the peak resident set
    started = time.perf_counter()
    index = build()
    seconds = time.perf_counter() - started
    return index, {
        "build_seconds": round(seconds, 2),
        "memory_held_mb": _mb(_status("VmRSS") - before),
        "memory_peak_during_build_mb": _mb(_status("VmHWM") - before),
    }


def _timings(
    query: Callable[[NDArray[np.uint8]], object], queries: NDArray[np.uint8]
) -> dict[str, float]:
    for q in queries[:3]:
        query(q)  # warm up: imports, caches, probe plans
    samples = []
    for q in queries:
        started = time.perf_counter()
        query(q)
        samples.append(time.perf_counter() - started)
    return {
        "ms_per_query": round(1000 * float(np.mean(samples)), 4),
        "ms_per_query_median": round(1000 * float(np.median(samples)), 4),
        "ms_per_query_p99": round(1000 * float(np.percentile(samples, 99)), 4),
    }


def _batched(call: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    call()
    return round(1000 * (time.perf_counter() - started) / count, 4)


def _index_bytes(index: Any) -> int:
    arrays = ("ids", "words", "offsets", "order", "dead")
    return sum(getattr(s, name).nbytes for s in index._segments for name in arrays)


def _status(field: str) -> int:
    """Return a /proc/self/status memory field in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _mb(count: int) -> int:
    return round(count / 2**20)


if __name__ == "__main__":
    import json

    result = run()
    text = json.dumps(result, indent=2)
    (Path(__file__).resolve().parent / "results" / "matching.json").write_text(text + "\n")
    print(text)
