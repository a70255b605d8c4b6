"""PDQ indexes answer exactly as brute force does; MD5 and video matching follow their rules."""

import itertools
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from reclaim.hashing import PdqHash, VpdqFrame
from reclaim.matching import (
    LinearPdqIndex,
    Match,
    MatchingError,
    Md5Index,
    MihPdqIndex,
    PdqIndex,
    _store,
    match_video,
)
from reclaim.matching._plan import ball_masks, ball_size, choose_widths, probe_radii

Hashes = NDArray[np.uint8]

# The same contract for every PdqIndex; "mih-segments" sends almost every addition straight
# into segments, so the chunk tables answer rather than the brute-force memtable.
INDEXES: dict[str, Callable[[], PdqIndex]] = {
    "linear": LinearPdqIndex,
    "mih": MihPdqIndex,
    "mih-segments": lambda: MihPdqIndex(memtable_rows=2),
}


@pytest.fixture(params=sorted(INDEXES))
def index(request: pytest.FixtureRequest) -> PdqIndex:
    return INDEXES[request.param]()


def random_hashes(rng: np.random.Generator, count: int) -> Hashes:
    return rng.integers(0, 256, (count, 32), dtype=np.uint8)


def at_distance(rng: np.random.Generator, hash: Hashes, bits: int) -> Hashes:
    """Return hash (32 bytes) with `bits` distinct bits flipped."""
    flipped = np.unpackbits(hash)
    flipped[rng.choice(256, bits, replace=False)] ^= 1
    return np.packbits(flipped)


def bank_with_near_duplicates(rng: np.random.Generator, distances: list[int]) -> Hashes:
    """Return a query followed by one hash at each distance from it, then 200 random ones."""
    query = random_hashes(rng, 1)[0]
    near = [at_distance(rng, query, d) for d in distances]
    return np.vstack([query, *near, random_hashes(rng, 200)])


def test_finds_an_exact_match(index: PdqIndex) -> None:
    hashes = random_hashes(np.random.default_rng(1), 100)
    index.add(range(1000, 1100), hashes)
    assert index.query(bytes(hashes[42])) == [Match(1042, 0)]
    assert index.query(PdqHash(bytes(hashes[42]).hex())) == [Match(1042, 0)]
    assert len(index) == 100


def test_finds_near_duplicates_up_to_31_bits_and_not_32(index: PdqIndex) -> None:
    rng = np.random.default_rng(2)
    bank = bank_with_near_duplicates(rng, [0, 1, 15, 31, 32, 40])
    index.add(np.arange(1, len(bank)), bank[1:])
    expected = [Match(1, 0), Match(2, 1), Match(3, 15), Match(4, 31)]
    assert index.query(bytes(bank[0])) == expected
    assert index.query(bytes(bank[0]), radius=15) == expected[:3]
    assert index.query(bytes(bank[0]), radius=0) == expected[:1]


def test_results_are_sorted_by_distance_then_id(index: PdqIndex) -> None:
    rng = np.random.default_rng(3)
    query = random_hashes(rng, 1)[0]
    near = np.array([at_distance(rng, query, d) for d in (9, 3, 9, 0, 3)])
    index.add([50, 40, 30, 20, 10], near)
    assert index.query(bytes(query)) == [
        Match(20, 0),
        Match(10, 3),
        Match(40, 3),
        Match(30, 9),
        Match(50, 9),
    ]


def test_adding_an_id_again_replaces_its_hash(index: PdqIndex) -> None:
    hashes = random_hashes(np.random.default_rng(4), 3)
    index.add([7, 8], hashes[:2])
    index.add([7], hashes[2:])
    assert index.query(bytes(hashes[0])) == []
    assert index.query(bytes(hashes[2])) == [Match(7, 0)]
    assert len(index) == 2


def test_the_last_of_repeated_ids_in_one_batch_wins(index: PdqIndex) -> None:
    hashes = random_hashes(np.random.default_rng(5), 3)
    index.add([1, 1, 1], hashes)
    assert [index.query(bytes(h)) for h in hashes] == [[], [], [Match(1, 0)]]
    assert len(index) == 1


def test_a_removed_id_stops_matching_at_once_and_can_come_back(index: PdqIndex) -> None:
    hashes = random_hashes(np.random.default_rng(6), 10)
    index.add(range(10), hashes)
    index.remove([3, 4])
    assert index.query(bytes(hashes[3])) == []
    assert len(index) == 8
    index.add([3], hashes[3:4])
    assert index.query(bytes(hashes[3])) == [Match(3, 0)]


def test_a_snapshot_answers_as_the_index_did_whatever_changes_after(index: PdqIndex) -> None:
    hashes = random_hashes(np.random.default_rng(9), 30)
    index.add(range(20), hashes[:20])
    index.remove([5])
    before = index.snapshot()
    index.remove([0, 1])  # withdrawn rows of segments and memtable alike
    index.add(range(20, 30), hashes[20:])  # new rows, flushes and merges
    index.add([2], hashes[29:30])  # a replaced hash
    assert [before.query(bytes(hashes[i]), 0) for i in (0, 2, 5, 25)] == [
        [Match(0, 0)],
        [Match(2, 0)],
        [],
        [],
    ]
    assert len(before) == 19
    assert [index.query(bytes(hashes[i]), 0) for i in (0, 25)] == [[], [Match(25, 0)]]
    assert {m.id for m in index.query(bytes(hashes[29]), 0)} == {2, 29}


def test_an_md5_snapshot_answers_as_the_index_did() -> None:
    digests = Md5Index()
    digests.add([1, 2], ["aa" * 16, "bb" * 16])
    before = digests.snapshot()
    digests.remove([1])
    digests.add([2, 3], ["cc" * 16, "aa" * 16])
    assert (before.query("aa" * 16), before.query("bb" * 16), before.query("cc" * 16)) == (
        [1],
        [2],
        [],
    )
    assert digests.query("aa" * 16) == [3]


def test_removing_an_unknown_id_is_fine(index: PdqIndex) -> None:
    index.remove([99])
    index.add([1], random_hashes(np.random.default_rng(7), 1))
    index.remove([99, 1, 1])
    assert len(index) == 0


def test_a_radius_beyond_the_index_is_refused(index: PdqIndex) -> None:
    hashes = random_hashes(np.random.default_rng(8), 2)
    index.add([1, 2], hashes)
    for radius in (index.max_radius + 1, -1):
        with pytest.raises(MatchingError, match="radii 0 to"):
            index.query(bytes(hashes[0]), radius=radius)
        with pytest.raises(MatchingError, match="radii 0 to"):
            index.query_many(hashes, radius=radius)


def test_malformed_input_is_refused(index: PdqIndex) -> None:
    hashes = random_hashes(np.random.default_rng(9), 2)
    bad_hashes: list[object] = [hashes[:, :31], hashes.astype(np.int64), hashes[0], [b"x"]]
    for bad in bad_hashes:
        with pytest.raises(MatchingError, match="hashes are"):
            index.add([1, 2], bad)  # type: ignore[arg-type]
        with pytest.raises(MatchingError, match="hashes are"):
            index.query_many(bad)  # type: ignore[arg-type]
    for bad_ids in ([1], [1, 2, 3], [1.5, 2.5], [[1], [2]]):
        with pytest.raises(MatchingError, match="ids"):
            index.add(bad_ids, hashes)  # type: ignore[arg-type]
    for bad_query in (bytes(31), "ab" * 32, hashes[0]):
        with pytest.raises(MatchingError, match="a query is"):
            index.query(bad_query)  # type: ignore[arg-type]
    assert len(index) == 0


def test_query_many_answers_as_query_does(index: PdqIndex) -> None:
    rng = np.random.default_rng(10)
    bank = bank_with_near_duplicates(rng, [0, 5, 25, 31, 35])
    index.add(np.arange(len(bank)), bank)
    queries = np.vstack([bank[:3], random_hashes(rng, 2)])
    assert index.query_many(queries) == [index.query(bytes(q)) for q in queries]
    assert index.query_many(queries[:0]) == []


# Property-style: random banks with planted near-duplicates, changed in every way the LSM
# design has a path for, always compared with brute force.


def planted_bank(rng: np.random.Generator, count: int) -> Hashes:
    """Return count hashes, a third of them 0 to 40 bits from another entry."""
    bank = random_hashes(rng, count)
    for row in rng.choice(count, count // 3, replace=False):
        bank[row] = at_distance(rng, bank[rng.integers(count)], int(rng.integers(0, 41)))
    return bank


def planted_queries(rng: np.random.Generator, bank: Hashes, count: int) -> Hashes:
    """Return queries 0 to 40 bits from bank entries, and a few random ones."""
    near = [
        at_distance(rng, bank[rng.integers(len(bank))], int(rng.integers(0, 41)))
        for _ in range(count)
    ]
    return np.vstack([*near, random_hashes(rng, 5)])


def assert_same(fast: MihPdqIndex, slow: LinearPdqIndex, queries: Hashes, radius: int) -> None:
    assert len(fast) == len(slow)
    assert fast.query_many(queries, radius) == slow.query_many(queries, radius)
    assert fast.query(bytes(queries[0]), radius) == slow.query(bytes(queries[0]), radius)


@pytest.mark.parametrize(("count", "max_radius"), [(300, 31), (3000, 31), (20_000, 31), (3000, 45)])
def test_mih_answers_exactly_as_brute_force_through_every_change(
    count: int, max_radius: int, tmp_path: Path
) -> None:
    rng = np.random.default_rng(count + max_radius)
    fast = MihPdqIndex(max_radius, memtable_rows=max(50, count // 8))
    slow = LinearPdqIndex(max_radius)
    bank, ids = planted_bank(rng, count), rng.permutation(3 * count)[:count]
    for start, end in _batches(rng, count):
        both(fast, slow, "add", ids[start:end], bank[start:end])
    queries = planted_queries(rng, bank, 200)
    assert_same(fast, slow, queries, max_radius)
    assert_same(fast, slow, queries, int(rng.integers(0, max_radius)))
    assert fast.segment_rows  # flushed: segments answer, not only the memtable

    both(fast, slow, "remove", rng.choice(ids, count // 5, replace=False))
    replaced = rng.choice(ids, count // 10, replace=False)
    both(fast, slow, "add", replaced, planted_bank(rng, len(replaced)))
    assert_same(fast, slow, queries, max_radius)

    fast.compact()
    assert len(fast.segment_rows) == 1
    assert_same(fast, slow, queries, max_radius)

    both(fast, slow, "remove", rng.choice(ids, count // 10, replace=False))
    both(fast, slow, "add", [10 * count, 10 * count + 1], queries[:2])
    fast.save(tmp_path / "index")
    loaded = MihPdqIndex.load(tmp_path / "index")
    assert all(isinstance(s.words, np.memmap) for s in loaded._segments)
    assert_same(loaded, slow, queries, max_radius)

    both(loaded, slow, "remove", [10 * count])
    both(loaded, slow, "add", replaced[:5], queries[-5:])
    assert_same(loaded, slow, queries, max_radius)


def both(fast: MihPdqIndex, slow: LinearPdqIndex, change: str, *args: object) -> None:
    getattr(fast, change)(*args)
    getattr(slow, change)(*args)


def _batches(rng: np.random.Generator, count: int) -> list[tuple[int, int]]:
    """Return (start, end) pairs covering range(count) in random sizes, some large."""
    cuts = np.sort(rng.choice(np.arange(1, count), min(count - 1, 12), replace=False))
    edges = [0, *cuts.tolist(), count]
    return list(itertools.pairwise(edges))


def test_small_additions_keep_few_segments() -> None:
    rng = np.random.default_rng(11)
    fast = MihPdqIndex(memtable_rows=8)
    for start in range(0, 1000, 5):
        fast.add(range(start, start + 5), random_hashes(rng, 5))
    assert len(fast) == 1000
    assert len(fast.segment_rows) <= 12  # at most three per size tier


def test_every_probe_plan_covers_the_radius_exactly() -> None:
    for rows in (10, 1000, 16_384, 1_000_000, 10_000_000):
        for radius in (0, 1, 15, 31, 45):
            widths = choose_widths(rows, max(radius, 31))
            radii = probe_radii(widths, rows, radius)
            assert sum(widths) == 256
            assert sum(t + 1 for t in radii) > radius  # the pigeonhole principle
    masks = ball_masks(23, 2).tolist()
    assert len(set(masks)) == len(masks) == ball_size(23, 2) == 1 + 23 + 253
    assert max(masks) < 2**23 and max(m.bit_count() for m in masks) == 2


@pytest.mark.parametrize("radius", [31, 12])
def test_a_hash_only_one_chunk_can_reach_is_found_for_every_chunk(radius: int) -> None:
    # Random near-duplicates almost never sit at the edge of the pigeonhole argument, so build
    # them there: every chunk differs in one bit more than its probe radius, except chunk j,
    # which differs by exactly its radius. Only chunk j's outermost probes can find them.
    rng, rows = np.random.default_rng(radius), 20_000
    widths = choose_widths(rows, 31)
    radii = probe_radii(widths, rows, radius)
    query = random_hashes(rng, 1)[0]
    edges = [edge_of(rng, query, widths, radii, j, radius) for j, t in enumerate(radii) if t >= 0]
    fast = MihPdqIndex(memtable_rows=2)
    fast.add(np.arange(rows), np.vstack([*edges, random_hashes(rng, rows - len(edges))]))
    assert fast._segments[0].widths == widths
    assert fast.query(bytes(query), radius) == [Match(k, radius) for k in range(len(edges))]


def edge_of(
    rng: np.random.Generator,
    query: Hashes,
    widths: tuple[int, ...],
    radii: tuple[int, ...],
    chunk: int,
    radius: int,
) -> Hashes:
    """Return a hash `radius` bits from query that only `chunk`'s probes reach."""
    flips = [t + (i != chunk) for i, t in enumerate(radii)]
    while sum(flips) > radius:  # trim elsewhere: more chunks might then reach it, never fewer
        flips[rng.choice([i for i, f in enumerate(flips) if f and i != chunk])] -= 1
    bits, start = np.unpackbits(query), 0
    for width, count in zip(widths, flips, strict=True):
        bits[start + rng.choice(width, count, replace=False)] ^= 1
        start += width
    return np.packbits(bits)


def test_the_10_million_plan_is_11_chunks_probed_to_radius_2_and_1() -> None:
    widths = choose_widths(10_000_000, 31)
    assert widths == (24,) * 3 + (23,) * 8
    assert sorted(probe_radii(widths, 10_000_000, 31)) == [1] + [2] * 10


# Saving: memory-mapped .npy files and a manifest, and a crash leaves the old save loadable.


def test_a_crash_while_saving_leaves_the_previous_save_loadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(12)
    hashes = random_hashes(rng, 40)
    fast = MihPdqIndex(memtable_rows=16)
    fast.add(range(40), hashes)
    fast.save(tmp_path)
    fast.remove([0])
    fast.add(range(100, 120), random_hashes(rng, 20))

    def crash(target: Path, content: bytes) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(_store, "write_atomically", crash)  # the manifest write
    with pytest.raises(OSError, match="power cut"):
        fast.save(tmp_path)
    old = MihPdqIndex.load(tmp_path)
    assert len(old) == 40
    assert old.query(bytes(hashes[0])) == [Match(0, 0)]

    monkeypatch.undo()
    fast.save(tmp_path)
    new = MihPdqIndex.load(tmp_path)
    assert (len(new), new.query(bytes(hashes[0]))) == (59, [])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("tmp-")]
    suffixes = {p.suffix for p in tmp_path.rglob("*") if p.is_file()}
    assert suffixes == {".npy", ".json"}


def test_loading_a_folder_without_an_index_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MatchingError, match="no readable index"):
        MihPdqIndex.load(tmp_path)


def test_an_index_reaching_beyond_64_bits_is_refused() -> None:
    with pytest.raises(MatchingError):
        MihPdqIndex(max_radius=65)


# MD5 for videos, as StopNCII matches them.

MD5_A, MD5_B = "9e107d9d372bb6826bd81d3542a419d6", "e4d909c290d0fb1ca068ffaddf22cbd0"


def test_md5_lookup_is_exact_and_ignores_case() -> None:
    index = Md5Index()
    index.add([1, 2, 3], [MD5_A, MD5_B, MD5_A.upper()])
    assert index.query(MD5_A) == [1, 3]
    assert index.query(MD5_B.upper()) == [2]
    assert index.query("0" * 32) == []
    assert len(index) == 3


def test_md5_remove_and_replace() -> None:
    index = Md5Index()
    index.add([1, 2], [MD5_A, MD5_B])
    index.remove([1, 99])
    index.add([2], [MD5_A])
    assert (index.query(MD5_A), index.query(MD5_B), len(index)) == ([2], [], 1)


def test_a_malformed_md5_is_refused() -> None:
    index = Md5Index()
    for bad in ("abc", "z" * 32, MD5_A + "0"):
        with pytest.raises(MatchingError, match="32 hexadecimal"):
            index.add([1], [bad])
    with pytest.raises(MatchingError, match="2 ids for 1"):
        index.add([1, 2], [MD5_A])


# vPDQ: a bank video matches when 80% of the query's good frames match one of its frames.


def frame(hash: Hashes, quality: int = 90, second: float = 0.0) -> VpdqFrame:
    return VpdqFrame(PdqHash(bytes(hash).hex()), quality, second)


@pytest.fixture
def video_bank() -> tuple[LinearPdqIndex, Hashes, dict[int, int]]:
    """Return an index of two bank videos' frames (ids 100-109 and 200-209) and their owners."""
    frames = random_hashes(np.random.default_rng(13), 20)
    index = LinearPdqIndex()
    ids = [*range(100, 110), *range(200, 210)]
    index.add(ids, frames)
    return index, frames, {frame_id: frame_id // 100 for frame_id in ids}


@pytest.mark.parametrize(("matching", "expected"), [(8, [(1, 0.8)]), (7, []), (10, [(1, 1.0)])])
def test_a_video_matches_when_80_percent_of_its_frames_do(
    video_bank: tuple[LinearPdqIndex, Hashes, dict[int, int]],
    matching: int,
    expected: list[tuple[int, float]],
) -> None:
    index, frames, owners = video_bank
    rng = np.random.default_rng(14)
    near = [at_distance(rng, frames[k], 20) for k in range(matching)]
    query = [frame(h, second=s) for s, h in enumerate([*near, *random_hashes(rng, 10 - matching)])]
    assert match_video(query, index, owners) == expected
    assert match_video(query, index, owners.__getitem__) == expected


def test_low_quality_frames_are_left_out_of_the_count(
    video_bank: tuple[LinearPdqIndex, Hashes, dict[int, int]],
) -> None:
    index, frames, owners = video_bank
    rng = np.random.default_rng(15)
    good = [frame(frames[k]) for k in range(8)] + [frame(h) for h in random_hashes(rng, 2)]
    poor = [frame(h, quality=20) for h in random_hashes(rng, 5)]
    poor_but_matching = [frame(frames[k], quality=49) for k in range(10, 20)]
    assert match_video(good + poor, index, owners) == [(1, 0.8)]
    assert match_video(poor_but_matching, index, owners) == []
    everything = good + poor_but_matching
    assert match_video(everything, index, owners, min_quality=0, threshold=0.4) == [
        (2, 0.5),
        (1, 0.4),
    ]


def test_video_results_are_sorted_by_fraction_then_id(
    video_bank: tuple[LinearPdqIndex, Hashes, dict[int, int]],
) -> None:
    index, frames, owners = video_bank
    query = [frame(frames[k]) for k in (*range(10), *range(10, 20))]
    assert match_video(query, index, owners, threshold=0.5) == [(1, 0.5), (2, 0.5)]
    assert match_video(query[:10] + query[10:18], index, owners, threshold=0.4) == [
        (1, 10 / 18),
        (2, 8 / 18),
    ]
