"""Hashes as they enter the bank: checked once here, then carried as a typed Signal.

They come from the hashing page, pasted `reclaim hash` lines, the API, or the CLI's own
hashing; each path ends in make_signal, so a hash is checked the same way whichever door it
came through.
"""

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reclaim.errors import ReclaimError
from reclaim.hashing import MIN_QUALITY, Digests, HashError, PdqHash, VpdqFrame

MAX_SIGNALS = 500  # per submission or match request
MAX_VPDQ_FRAMES = 36_000  # ten hours at one frame a second
# vPDQ frames one match request may hold in all: one hour at one frame a second. A query's
# cost grows with its frames (36,000 took 2.3 s), and one platform's request must not slow
# the others down.
MAX_MATCH_FRAMES = 3_600

LOW_QUALITY, TOO_MANY, UNREADABLE = "low-quality", "too-many", "unreadable"


class SignalType(StrEnum):
    """The kinds of hash the bank holds, named as StopNCII names them.

    Platforms that integrate StopNCII find the words familiar; the values are what the
    database and the API carry.
    """

    IMAGE_PDQ = "ImagePDQ"
    VIDEO_MD5 = "VideoMD5"
    VIDEO_VPDQ = "VideoVPDQ"


class SignalError(ReclaimError):
    """A hash that cannot be accepted; the message says which and why, plainly (in English).

    ``reason`` (LOW_QUALITY, TOO_MANY, UNREADABLE) and ``line`` (of pasted text, from 1; 0 if
    none) let the pages say it in the person's language.
    """

    def __init__(self, message: str, reason: str = UNREADABLE, line: int = 0) -> None:
        super().__init__(message)
        self.reason, self.line = reason, line


@dataclass(frozen=True)
class Signal:
    """One checked hash: its type, its value in one canonical text form, its quality."""

    signal_type: SignalType
    value: str
    quality: int | None = None

    @property
    def fingerprint(self) -> str:
        """Return the SHA-256 of type and value: the same hash twice has the same one."""
        return hashlib.sha256(f"{self.signal_type}:{self.value}".encode()).hexdigest()

    def frames(self) -> list[VpdqFrame]:
        """Return a vPDQ signal's frames."""
        return [VpdqFrame.parse(line) for line in self.value.splitlines()]

    def frame_count(self) -> int:
        """Return how many vPDQ frames the signal holds (0 for other types)."""
        if self.signal_type != SignalType.VIDEO_VPDQ:
            return 0
        return len(self.value.splitlines())

    def as_json(self) -> dict[str, Any]:
        """Return the signal as the API takes it: signalType, value, and quality if known."""
        body: dict[str, Any] = {"signalType": str(self.signal_type), "value": self.value}
        if self.quality is not None:
            body["quality"] = self.quality
        return body


def make_signal(signal_type: str, value: str, quality: int | None = None) -> Signal:
    """Return a checked signal; raise SignalError with a plain reason if it is not valid."""
    try:
        if signal_type == SignalType.IMAGE_PDQ:
            return _image(value, quality)
        if signal_type == SignalType.VIDEO_MD5:
            return Signal(SignalType.VIDEO_MD5, _md5(value))
        if signal_type == SignalType.VIDEO_VPDQ:
            return _video(value)
    except (HashError, ValueError) as error:
        raise SignalError(f"{signal_type} {value[:70]!r}: {error}") from None
    raise SignalError(f"unknown signal type {signal_type!r}: use ImagePDQ, VideoMD5 or VideoVPDQ")


def _image(value: str, quality: int | None) -> Signal:
    pdq = PdqHash(value.strip().lower())
    if quality is None or not 0 <= quality <= 100:
        raise SignalError(f"ImagePDQ {pdq}: a quality from 0 to 100 is needed")
    if quality < MIN_QUALITY:
        raise SignalError(
            f"ImagePDQ {pdq}: quality {quality} is under {MIN_QUALITY}. A picture with so little "
            "detail matches too many others, so platforms cannot rely on its hash. A clearer "
            "copy of the picture usually gives a good hash.",
            LOW_QUALITY,
        )
    return Signal(SignalType.IMAGE_PDQ, str(pdq), quality)


def _md5(value: str) -> str:
    text = value.strip().lower()
    Digests(md5=text, sha256="0" * 64)  # checks the length and the hex
    return text


def _video(value: str) -> Signal:
    frames = [VpdqFrame.parse(line) for line in value.strip().splitlines() if line.strip()]
    if any(not math.isfinite(frame.timestamp) for frame in frames):
        raise SignalError("VideoVPDQ: a frame's time must be a number of seconds")
    if not frames or len(frames) > MAX_VPDQ_FRAMES:
        raise SignalError(f"VideoVPDQ: between 1 and {MAX_VPDQ_FRAMES} frames are needed")
    return Signal(SignalType.VIDEO_VPDQ, "\n".join(str(frame) for frame in frames))


def signals_from_hashes(hashes: Mapping[str, object]) -> list[Signal]:
    """Return the signals in one file's `reclaim hash` line; [] if it holds no usable kind.

    A picture gives its PDQ; a video its MD5 and, if it has frames, its vPDQ. The web (pasted
    lines) and the CLI (`reclaim protect`, hashing here) both map hashes to signals here.
    Raise SignalError if a hash in it is not valid (a picture of too little detail included).
    """
    if hashes.get("pdq"):
        return [make_signal(SignalType.IMAGE_PDQ, str(hashes["pdq"]), _int(hashes.get("quality")))]
    signals = []
    if hashes.get("md5") and hashes.get("kind") == "video":
        signals.append(make_signal(SignalType.VIDEO_MD5, str(hashes["md5"])))
    frames = hashes.get("vpdq")
    if frames:
        if not isinstance(frames, list):
            raise SignalError("VideoVPDQ: the frames must be a list of lines")
        signals.append(make_signal(SignalType.VIDEO_VPDQ, "\n".join(map(str, frames))))
    return signals


def parse_lines(text: str) -> list[Signal]:
    """Return the signals in pasted text: `reclaim hash` JSON lines, or "TYPE value [quality]".

    Raise SignalError naming the first line that cannot be read.
    """
    signals: list[Signal] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        try:
            found = _from_json(line) if line.startswith("{") else [_from_words(line)]
        except SignalError as error:
            raise SignalError(f"line {number}: {error}", error.reason, number) from None
        signals.extend(found)
    if len(signals) > MAX_SIGNALS:
        raise SignalError(f"at most {MAX_SIGNALS} hashes at a time", TOO_MANY)
    return list(dict.fromkeys(signals))


def _from_words(line: str) -> Signal:
    words = line.split()
    if len(words) not in (2, 3):
        raise SignalError("write a hash as “ImagePDQ hash quality” or “VideoMD5 hash”")
    digits = len(words) == 3 and words[2].isascii() and words[2].isdigit() and len(words[2]) <= 3
    quality = int(words[2]) if digits else None
    return make_signal(words[0], words[1], quality)


def _from_json(line: str) -> list[Signal]:
    try:
        found = json.loads(line)
    except json.JSONDecodeError:
        raise SignalError("this line is not a line of `reclaim hash` output") from None
    if not isinstance(found, dict) or "error" in found:
        raise SignalError("this line holds no hash")
    signals = signals_from_hashes(found)
    if not signals:
        raise SignalError("this line holds no picture or video hash")
    return signals


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
