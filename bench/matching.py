"""Exact PDQ matching at 1 and 10 million hashes beside faiss as platforms run it, one core.

Four references, all exact at radius 31, all on the same bank and queries in the same run:
- threatexchange's PDQ index, measured, not cited: the class `PdqSignal.get_index_cls()`
  returns, which Meta's Hasher-Matcher-Actioner builds for its PDQ banks. It wraps faiss's
  IndexBinaryMultiHash(256, 16, 16) in an IndexBinaryIDMap2, sets nflip = 31 // 16 = 1 and
  takes and gives hex strings, as HMA does; this is what an HMA query pays, Python included.
- faiss's IndexBinaryMultiHash(256, 16, 16), nflip = 1, called directly: the same tables
  without threatexchange's Python around them. Sixteen tables of 16 bits probed to radius 1
  cover radius 31 exactly, by the pigeonhole principle.
- faiss's IndexBinaryMultiHash with Reclaim's chunking: as many tables as MihPdqIndex has
  chunks, each as wide as its narrowest chunk (faiss gives every table the same width, and
  needs tables x width <= 256), probed to the smallest radius that covers 31 exactly
  (faiss has one nflip for all tables; Reclaim picks one per chunk). The ratio to this row
  is the algorithm and its code; the ratio to the 16 x 16 row adds the configuration.
- faiss's IndexBinaryFlat (brute force; at 10 million on a sample of queries).
faiss's range_search keeps distances strictly below its radius, so it is asked for 32 to
mean 31 or less, as threatexchange does.

The bank is random 256-bit hashes, which spread evenly over every table's buckets; real PDQ
hashes cluster, which makes buckets uneven for faiss's tables and Reclaim's alike. Half the
queries are near-duplicates of bank entries at 0 to 40 bits, half are random. Every index's
results are compared with Reclaim's on every query (identical, recall, extra matches), and
with LinearPdqIndex (brute force) on a sample. Memory is the process's resident set (VmRSS)
held after the build, and its peak during the build (VmHWM, reset before each build through
/proc/self/clear_refs); not tracemalloc, which does not see faiss's C++ allocations.

`python bench/matching.py 100000 1000000` runs other sizes (a quick look on a busy machine).
"""

import contextlib
import ctypes
import gc
import importlib.metadata
import itertools
import os
import platform
import shutil
import sys
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

Found = list[list[tuple[int, int]]]  # per query: sorted (id, distance)


def run(sizes: tuple[int, ...] = SIZES) -> dict[str, object]:
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core for everyone, faiss included
    import faiss

    faiss.omp_set_num_threads(1)
    results: dict[str, object] = {
        "benchmark": "exact PDQ matching at radius 31, one core, random 256-bit hashes",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "queries": f"{QUERIES}: half near-duplicates at 0-40 bits, half random",
        "memory": "MB of resident set: held after the build, and peak during it",
        "faiss": faiss.__version__,
        "threatexchange": importlib.metadata.version("threatexchange"),
        "agreement": "each row's matches beside Reclaim's on every query: identical lists, "
        "recall (share of Reclaim's matches found) and matches Reclaim did not return",
    }
    for rows in sizes:
        results[_label(rows)] = _one_size(rows)
    return results


def _label(rows: int) -> str:
    return f"{rows // 1_000_000}M" if rows % 1_000_000 == 0 else f"{rows // 1000}k"


def _one_size(rows: int) -> dict[str, object]:
    rng = np.random.default_rng(rows)
    bank = rng.integers(0, 256, (rows, 32), dtype=np.uint8)
    queries = _queries(bank, rng)
    sample = np.arange(0, QUERIES, CHECK_EVERY)
    truth = _brute_force(bank, queries[sample])
    ours, ours_found = _reclaim(bank, queries)
    same_chunks = _chunking_like_reclaim(ours["chunk_widths"], ours["chunk_probe_radii"])
    others = {
        "faiss_multihash_16x16_nflip1": _faiss_multihash(bank, queries, 16, 16, 1),
        "faiss_multihash_like_reclaim": _faiss_multihash(bank, queries, *same_chunks[:3]),
        "threatexchange_pdq_index": _threatexchange(bank, queries),
    }
    others["faiss_multihash_like_reclaim"][0]["configuration"] = same_chunks[3]
    flat_count = FLAT_QUERIES.get(rows, QUERIES)
    flat, flat_found = _faiss_flat(bank, queries[:flat_count])
    ours["identical_to_brute_force_on_sample"] = [ours_found[i] for i in sample] == truth
    result: dict[str, object] = {"hashes": rows, "matches_found": _count(ours_found)}
    result["reclaim_mih"] = ours
    for name, (report, found) in others.items():
        report["identical_to_brute_force_on_sample"] = [found[i] for i in sample] == truth
        report |= _agreement(found, ours_found)
        result[name] = report
    flat |= _agreement(flat_found, ours_found[:flat_count])
    result["faiss_flat"] = flat
    result["speedups"] = _speedups(ours, {name: report for name, (report, _) in others.items()})
    result["aim_ms_per_query"] = AIM_MS.get(rows)
    return result


def _speedups(ours: dict[str, Any], others: dict[str, dict[str, Any]]) -> dict[str, object]:
    """Return how many times faster Reclaim answers than each reference, alone and batched."""
    speedups: dict[str, object] = {}
    for name, report in others.items():
        speedups[f"vs_{name}"] = round(report["ms_per_query"] / ours["ms_per_query"], 1)
        if "ms_per_query_batched" in report:
            batched = report["ms_per_query_batched"] / ours["ms_per_query_batched"]
            speedups[f"vs_{name}_batched"] = round(batched, 1)
    return speedups


def _agreement(found: Found, reference: Found) -> dict[str, object]:
    """Return whether found equals reference, its recall of reference, and its extra matches."""
    wanted = {(q, match) for q, matches in enumerate(reference) for match in matches}
    got = {(q, match) for q, matches in enumerate(found) for match in matches}
    return {
        "identical_to_reclaim": found == reference,
        "recall_of_reclaim_matches": round(len(wanted & got) / len(wanted), 4) if wanted else 1.0,
        "matches_reclaim_did_not_return": len(got - wanted),
    }


def _count(found: Found) -> int:
    return sum(len(matches) for matches in found)


def _chunking_like_reclaim(
    widths: list[int], radii: list[int]
) -> tuple[int, int, int, dict[str, object]]:
    """Return faiss's tables, bits and nflip nearest Reclaim's chunks, and what still differs.

    faiss's tables all have one width and one probe radius, so: as many tables as chunks,
    each as wide as the narrowest chunk, and the smallest nflip with tables x (nflip + 1) >
    RADIUS, which keeps the search exact by the pigeonhole principle.
    """
    from reclaim.matching._plan import ball_size

    tables, bits = len(widths), min(widths)
    nflip = -(-(RADIUS + 1) // tables) - 1
    ours = sum(ball_size(w, t) for w, t in zip(widths, radii, strict=True))
    theirs = tables * ball_size(bits, nflip)
    return (
        tables,
        bits,
        nflip,
        {
            "tables": tables,
            "bits_per_table": bits,
            "nflip": nflip,
            "bits_unused": 256 - tables * bits,
            "bucket_lookups_per_query": theirs,
            "reclaim_bucket_lookups_per_query": ours,
            "differs_from_reclaim": "every table as wide as Reclaim's narrowest chunk and "
            "probed to one radius; Reclaim widens some chunks by a bit and probes each to its "
            "own radius (see reclaim_mih.chunk_probe_radii)",
        },
    )


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
    from reclaim.matching._plan import probe_radii

    ids = np.arange(len(bank), dtype=np.int64)
    index, report = _build(lambda: _filled(MihPdqIndex(RADIUS), ids, bank))
    found = _ours_found(index, queries)
    report |= _timings(lambda q: index.query(bytes(q), RADIUS), queries)
    report["ms_per_query_batched"] = _batched(lambda: index.query_many(queries, RADIUS), QUERIES)
    report["segments"] = index.segment_rows
    widths = index._segments[0].widths  # a look inside, for the record
    report["chunk_widths"] = list(widths)
    report["chunk_probe_radii"] = list(probe_radii(widths, len(bank), RADIUS))
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
    bank: NDArray[np.uint8], queries: NDArray[np.uint8], tables: int, bits: int, nflip: int
) -> tuple[dict[str, Any], Found]:
    import faiss

    def build() -> Any:
        index = faiss.IndexBinaryMultiHash(256, tables, bits)
        index.nflip = nflip
        index.add(bank)
        return index

    return _faiss(build, queries)


def _threatexchange(
    bank: NDArray[np.uint8], queries: NDArray[np.uint8]
) -> tuple[dict[str, Any], Found]:
    """Return threatexchange's PDQ index's figures and matches, built and queried as HMA does.

    Its entries are hex strings, as HMA keeps them; making them is part of the build time
    (hex_seconds says how much), so the memory held counts the strings the index keeps.
    """
    from threatexchange.signal_type.pdq.signal import PdqSignal

    hex_seconds = []

    def build() -> Any:
        started = time.perf_counter()
        entries = [(row.tobytes().hex(), i) for i, row in enumerate(bank)]
        hex_seconds.append(time.perf_counter() - started)
        return PdqSignal.get_index_cls().build(entries)

    index, report = _build(build)
    report["hex_seconds"] = round(hex_seconds[0], 2)
    hexes = [q.tobytes().hex() for q in queries]
    found = [_tx_found(index.query(h)) for h in hexes]
    by_row = dict(zip((bytes(q) for q in queries), hexes, strict=True))
    report |= _timings(lambda q: index.query(by_row[bytes(q)]), queries)
    report["index_class"] = f"{type(index).__module__}.{type(index).__name__}"
    return report, found


def _tx_found(matches: Any) -> list[tuple[int, int]]:
    return sorted((m.metadata, int(m.similarity_info.distance)) for m in matches)


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
    _trim()
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


def _trim() -> None:
    """Hand freed heap back to the system, so the next build's memory is not the last one's."""
    # Without it, an index built in heap another freed (threatexchange's million Python
    # strings, say) shows no growth in the resident set at all.
    # Not glibc: a row built in reused heap may then show too little memory.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


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

    sizes = tuple(int(rows) for rows in sys.argv[1:]) or SIZES
    text = json.dumps(run(sizes), indent=2)
    if sizes == SIZES:  # other sizes are a quick look: the results file keeps the full run
        (Path(__file__).resolve().parent / "results" / "matching.json").write_text(text + "\n")
    print(text)
