"""reclaim.bank: signals checked once, the index fed plain changes answering as brute force
does through every change, and the API client's requests and errors. No Django, no server."""

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from reclaim.bank import (
    LOW_QUALITY,
    TOO_MANY,
    Added,
    BankClient,
    BankIndex,
    BankServiceError,
    Change,
    Hit,
    Removed,
    Signal,
    SignalError,
    SignalType,
    _index,
    make_signal,
    parse_lines,
    signals_from_hashes,
)
from reclaim.hashing import MIN_QUALITY, PdqHash, VpdqFrame
from reclaim.matching import MATCH_FRACTION, MihPdqIndex

RADIUS = 31


def pdq(rng: np.random.Generator) -> str:
    return rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex()


def near(value: str, bits: int, rng: np.random.Generator) -> str:
    """Return ``value`` with ``bits`` distinct bits flipped."""
    flips = sum(1 << int(b) for b in rng.choice(256, bits, replace=False))
    return PdqHash.from_int(PdqHash(value).as_int() ^ flips).hex


def video(frames: list[tuple[str, int]]) -> str:
    return "\n".join(f"{h},{q},{n}.000" for n, (h, q) in enumerate(frames))


# Signals ----------------------------------------------------------------------------------


def test_signal_types_keep_the_values_the_database_and_the_api_hold() -> None:
    assert [t.value for t in SignalType] == ["ImagePDQ", "VideoMD5", "VideoVPDQ"]
    assert json.dumps({"t": SignalType.VIDEO_MD5}) == '{"t": "VideoMD5"}'
    assert f"{SignalType.IMAGE_PDQ}" == "ImagePDQ"


def test_a_hash_is_kept_in_one_canonical_form_with_a_typed_kind() -> None:
    signal = make_signal("ImagePDQ", "  " + "AB" * 32 + " ", 90)
    assert signal == Signal(SignalType.IMAGE_PDQ, "ab" * 32, 90)
    assert signal.fingerprint == make_signal("ImagePDQ", "ab" * 32, 70).fingerprint[:0] + (
        signal.fingerprint
    )
    assert make_signal("VideoMD5", "CD" * 16).signal_type is SignalType.VIDEO_MD5


@pytest.mark.parametrize(
    ("kind", "value", "quality"),
    [
        ("ImagePDQ", "ab" * 31, 90),
        ("ImagePDQ", "zz" * 32, 90),
        ("ImagePDQ", "ab" * 32, None),
        ("VideoMD5", "cd" * 15, None),
        ("VideoVPDQ", "", None),
        ("VideoVPDQ", f"{'ab' * 32},90,nan", None),
        ("AudioSHA", "ab" * 32, None),
    ],
)
def test_rejects_a_hash_that_is_not_valid(kind: str, value: str, quality: int | None) -> None:
    with pytest.raises(SignalError):
        make_signal(kind, value, quality)


def test_rejects_a_picture_of_too_little_detail_with_its_reason() -> None:
    with pytest.raises(SignalError) as raised:
        make_signal("ImagePDQ", "ab" * 32, MIN_QUALITY - 1)
    assert raised.value.reason == LOW_QUALITY


def test_a_reclaim_hash_line_maps_to_the_signals_the_web_and_the_cli_send() -> None:
    picture = {"kind": "image", "pdq": "ab" * 32, "quality": 90, "md5": "cd" * 16}
    assert signals_from_hashes(picture) == [Signal(SignalType.IMAGE_PDQ, "ab" * 32, 90)]
    frames = [f"{'ab' * 32},90,0.000", f"{'ef' * 32},80,1.000"]
    clip = {"kind": "video", "md5": "cd" * 16, "vpdq": frames}
    assert signals_from_hashes(clip) == [
        Signal(SignalType.VIDEO_MD5, "cd" * 16),
        Signal(SignalType.VIDEO_VPDQ, "\n".join(frames)),
    ]
    assert signals_from_hashes({"kind": "other", "md5": "cd" * 16}) == []
    with pytest.raises(SignalError):
        signals_from_hashes({"kind": "video", "md5": "cd" * 16, "vpdq": "not a list"})


def test_pasted_lines_are_read_deduplicated_and_errors_name_the_line() -> None:
    line = json.dumps({"kind": "image", "pdq": "ab" * 32, "quality": 90})
    text = f"{line}\n\nImagePDQ {'AB' * 32} 90\nVideoMD5 {'cd' * 16}\n"
    assert parse_lines(text) == [
        Signal(SignalType.IMAGE_PDQ, "ab" * 32, 90),
        Signal(SignalType.VIDEO_MD5, "cd" * 16),
    ]
    with pytest.raises(SignalError) as raised:
        parse_lines(f"{line}\nImagePDQ {'ab' * 32} 10")
    assert (raised.value.line, raised.value.reason) == (2, LOW_QUALITY)
    with pytest.raises(SignalError) as raised:
        parse_lines("\n".join(f"VideoMD5 {n:032x}" for n in range(501)))
    assert raised.value.reason == TOO_MANY


def test_a_signal_as_the_api_takes_it() -> None:
    assert make_signal("ImagePDQ", "ab" * 32, 90).as_json() == {
        "signalType": "ImagePDQ",
        "value": "ab" * 32,
        "quality": 90,
    }
    assert make_signal("VideoMD5", "cd" * 16).as_json() == {
        "signalType": "VideoMD5",
        "value": "cd" * 16,
    }


# The index, against a brute-force reference -----------------------------------------------


@dataclass
class ReferenceBank:
    """The active bank as a dict, changed one change at a time, matched by brute force."""

    active: dict[int, Added] = field(default_factory=dict)

    def apply(self, changes: list[Change]) -> None:
        for change in changes:
            if isinstance(change, Added):
                self.active[change.entry_id] = change
            else:
                self.active.pop(change.entry_id, None)

    def match(self, signal: Signal, radius: int) -> list[Hit]:
        kind = signal.signal_type
        entries = [e for e in self.active.values() if e.signal_type == kind]
        if kind == SignalType.IMAGE_PDQ:
            found = [(_distance(e.value, signal.value), e.entry_id) for e in entries]
            return [Hit(i, kind, d) for d, i in sorted(found) if d <= radius]
        if kind == SignalType.VIDEO_MD5:
            return [
                Hit(e.entry_id, kind, 0)
                for e in sorted(entries, key=_id)
                if e.value == signal.value
            ]
        return self._videos(signal, entries, radius)

    def _videos(self, signal: Signal, entries: list[Added], radius: int) -> list[Hit]:
        good = [f.hash.hex for f in signal.frames() if f.quality >= MIN_QUALITY]
        hits = []
        for entry in entries:
            bank = [f.hash.hex for f in map(VpdqFrame.parse, entry.value.splitlines())
                    if f.quality >= MIN_QUALITY]  # fmt: skip
            matched = sum(any(_distance(q, b) <= radius for b in bank) for q in good)
            if good and matched / len(good) >= MATCH_FRACTION:
                hits.append(Hit(entry.entry_id, SignalType.VIDEO_VPDQ, 0, matched / len(good)))
        return sorted(hits, key=lambda h: (-(h.fraction or 0), h.entry_id))


def _distance(a: str, b: str) -> int:
    return (PdqHash(a).as_int() ^ PdqHash(b).as_int()).bit_count()


def _id(entry: Added) -> int:
    return entry.entry_id


INDEXES: dict[str, Callable[[], BankIndex]] = {
    "memtable": BankIndex,
    # Almost every addition goes straight into segments, so the chunk tables answer.
    "segments": lambda: BankIndex(MihPdqIndex(memtable_rows=4), MihPdqIndex(memtable_rows=4)),
}


@pytest.fixture(params=sorted(INDEXES))
def bank_index(request: pytest.FixtureRequest) -> BankIndex:
    return INDEXES[request.param]()


def random_change(
    rng: np.random.Generator, known: dict[int, Added], replaced: list[Added]
) -> Change:
    """Return an addition (new, or a hash replaced), or a removal of a known or unknown id."""
    entry_id = int(rng.integers(1, 40))
    if rng.random() < 0.35:
        old = known.get(entry_id)
        return (
            Removed(entry_id, old.signal_type, old.value)
            if old
            else Removed(entry_id, SignalType.IMAGE_PDQ, pdq(rng))
        )
    kind = [SignalType.IMAGE_PDQ, SignalType.VIDEO_MD5, SignalType.VIDEO_VPDQ][entry_id % 3]
    seeds = list(known.values())
    if kind == SignalType.IMAGE_PDQ:
        base = [e.value for e in seeds if e.signal_type == kind]
        value = (
            near(base[0], int(rng.integers(0, 40)), rng)
            if base and rng.random() < 0.5
            else pdq(rng)
        )
    elif kind == SignalType.VIDEO_MD5:
        value = f"{int(rng.integers(0, 4)):032x}"  # few digests, so that some are shared
    else:
        frames = [(pdq(rng), int(rng.integers(20, 100))) for _ in range(int(rng.integers(1, 8)))]
        value = video(frames)
    added = Added(entry_id, kind, value)
    if entry_id in known:
        replaced.append(known[entry_id])
    known[entry_id] = added
    return added


def queries(rng: np.random.Generator, entries: list[Added]) -> list[Signal]:
    """Return queries near these entries (some within the radius, some beyond) and new ones."""
    found = []
    for entry in entries:
        if entry.signal_type == SignalType.IMAGE_PDQ:
            for bits in (0, 20, 31, 32, 45):
                found.append(Signal(SignalType.IMAGE_PDQ, near(entry.value, bits, rng), 100))
        elif entry.signal_type == SignalType.VIDEO_MD5:
            found.append(Signal(SignalType.VIDEO_MD5, entry.value))
        else:
            frames = [VpdqFrame.parse(line) for line in entry.value.splitlines()]
            mixed = [(near(f.hash.hex, int(rng.integers(0, 40)), rng), f.quality) for f in frames]
            found.append(Signal(SignalType.VIDEO_VPDQ, video(mixed)))
    found.append(Signal(SignalType.IMAGE_PDQ, pdq(rng), 100))
    found.append(Signal(SignalType.VIDEO_MD5, f"{9:032x}"))
    return found


@pytest.mark.parametrize("seed", range(2))
def test_the_index_answers_as_brute_force_through_every_batch_of_changes(
    bank_index: BankIndex, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    reference, known, replaced = ReferenceBank(), {}, []
    kinds_hit: set[SignalType] = set()
    for batch_number in range(10):
        batch = [random_change(rng, known, replaced) for _ in range(int(rng.integers(1, 12)))]
        bank_index.apply(batch, cursor=batch_number)
        reference.apply(batch)
        assert bank_index.cursor == batch_number
        # Near what is active, and near what was just removed or replaced (must not match).
        asked = [*reference.active.values(), *(c for c in batch if isinstance(c, Added))]
        asked += [
            Added(c.entry_id, c.signal_type, c.value) for c in batch if isinstance(c, Removed)
        ]
        asked += replaced[-6:]
        for signal in queries(rng, asked):
            expected = reference.match(signal, RADIUS)
            assert bank_index.match(signal, RADIUS) == expected, signal
            kinds_hit |= {hit.signal_type for hit in expected}
    assert kinds_hit == set(SignalType), "every kind of hash was matched at least once"


def test_the_last_change_of_an_entry_in_a_batch_counts() -> None:
    rng = np.random.default_rng(3)
    value = pdq(rng)
    index = BankIndex()
    index.apply([Added(1, SignalType.IMAGE_PDQ, value), Removed(1, SignalType.IMAGE_PDQ, value)])
    assert index.match(Signal(SignalType.IMAGE_PDQ, value, 100), RADIUS) == []
    index.apply([Removed(1, SignalType.IMAGE_PDQ, value), Added(1, SignalType.IMAGE_PDQ, value)])
    assert index.match(Signal(SignalType.IMAGE_PDQ, value, 100), RADIUS) == [
        Hit(1, SignalType.IMAGE_PDQ, 0)
    ]


def test_low_quality_frames_of_a_bank_video_are_left_out() -> None:
    rng = np.random.default_rng(4)
    frames = [(pdq(rng), 90) for _ in range(4)] + [(pdq(rng), MIN_QUALITY - 1)]
    index = BankIndex()
    index.apply([Added(7, SignalType.VIDEO_VPDQ, video(frames))])
    assert len(index.frames) == 4
    only_dull = Signal(SignalType.VIDEO_VPDQ, video([(frames[-1][0], 90)]))
    assert index.match(only_dull, RADIUS) == []


def test_a_saved_index_loads_and_answers_as_before(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    picture, clip = pdq(rng), video([(pdq(rng), 90) for _ in range(3)])
    index = BankIndex()
    index.apply(
        [Added(1, SignalType.IMAGE_PDQ, picture), Added(2, SignalType.VIDEO_VPDQ, clip)], cursor=9
    )
    assert index.save(tmp_path) == 9
    loaded = BankIndex.load(tmp_path, 9)
    assert loaded.cursor == 9
    assert loaded.match(Signal(SignalType.IMAGE_PDQ, picture, 100), RADIUS) == [
        Hit(1, SignalType.IMAGE_PDQ, 0)
    ]
    assert loaded.match(Signal(SignalType.VIDEO_VPDQ, clip), RADIUS) == [
        Hit(2, SignalType.VIDEO_VPDQ, 0, 1.0)
    ]


def test_a_query_holds_no_lock_so_changes_and_other_queries_go_ahead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(6)
    clip = video([(pdq(rng), 90) for _ in range(10)])
    picture = pdq(rng)
    bank_index = BankIndex()
    bank_index.apply([Added(1, SignalType.VIDEO_VPDQ, clip)])
    started, carry_on, done = threading.Event(), threading.Event(), threading.Event()
    real_match_video = _index.match_video

    def paused(*args: Any, **kwargs: Any) -> Any:  # the long video query, held mid-way
        started.set()
        carry_on.wait(timeout=60)  # longer than the test waits below: only the test ends it
        return real_match_video(*args, **kwargs)

    def other_platform() -> None:  # a withdrawal and another platform's query meanwhile
        bank_index.apply(
            [Added(2, SignalType.IMAGE_PDQ, picture), Removed(1, SignalType.VIDEO_VPDQ, clip)]
        )
        answers["picture"] = bank_index.match(Signal(SignalType.IMAGE_PDQ, picture, 90), 31)
        done.set()

    monkeypatch.setattr(_index, "match_video", paused)
    answers: dict[str, list[Hit]] = {}
    query = Signal(SignalType.VIDEO_VPDQ, clip)
    thread = threading.Thread(target=lambda: answers.update(video=bank_index.match(query, 31)))
    thread.start()
    try:
        assert started.wait(timeout=10)
        threading.Thread(target=other_platform, daemon=True).start()
        assert done.wait(timeout=10), "the change and the other query waited for the video's"
    finally:
        carry_on.set()
        thread.join(timeout=10)
    assert answers["picture"] == [Hit(2, SignalType.IMAGE_PDQ, 0)]
    assert answers["video"] == [Hit(1, SignalType.VIDEO_VPDQ, 0, 1.0)], "as when asked"
    assert bank_index.match(query, 31) == [], "the withdrawal counts from the next query"


# The client -------------------------------------------------------------------------------


def recording(answer: httpx.Response, sent: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return answer

    return httpx.MockTransport(handle)


def test_the_client_posts_signals_and_the_pin_in_the_body() -> None:
    sent: list[httpx.Request] = []
    made = httpx.Response(201, json={"caseNumber": "7KQ2M-X9PRT", "pin": "12345678"})
    client = BankClient("https://bank.example", recording(made, sent))
    eligible = {"isTheSubject": True, "isIntimate": True, "wasAdultWhenTaken": True}
    answer = client.new_case(eligible, [make_signal("VideoMD5", "cd" * 16)])
    assert answer["pin"] == "12345678"
    assert str(sent[0].url) == "https://bank.example/api/v1/cases"
    assert json.loads(sent[0].content)["signals"] == [
        {"signalType": "VideoMD5", "value": "cd" * 16}
    ]
    client.withdraw("7KQ2M-X9PRT", "12345678", ["a" * 24])
    assert str(sent[1].url).endswith("/api/v1/cases/withdraw")
    assert json.loads(sent[1].content) == {
        "caseNumber": "7KQ2M-X9PRT",
        "pin": "12345678",
        "entryIds": ["a" * 24],
    }


def test_the_client_says_what_the_service_refused() -> None:
    problem = httpx.Response(
        404,
        json={"title": "That case number and PIN do not match", "status": 404},
        headers={"Content-Type": "application/problem+json"},
    )
    client = BankClient("https://bank.example/", recording(problem, []))
    with pytest.raises(BankServiceError, match="That case number and PIN do not match"):
        client.status("7KQ2M-X9PRT", "12345678")
    page = httpx.Response(502, text="<html>Bad gateway</html>")
    with pytest.raises(BankServiceError, match="Bad Gateway"):
        BankClient("https://bank.example", recording(page, [])).status("7KQ2M-X9PRT", "1")


@pytest.mark.parametrize("service", ["http://bank.example", "ftp://127.0.0.1", "bank.example"])
def test_the_client_refuses_a_service_the_pin_would_reach_in_clear(service: str) -> None:
    with pytest.raises(BankServiceError, match="https://"):
        BankClient(service)


def test_the_client_may_use_plain_http_on_this_computer() -> None:
    assert BankClient("http://127.0.0.1:8000").service == "http://127.0.0.1:8000"
