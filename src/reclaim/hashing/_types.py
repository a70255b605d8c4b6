"""Hash values, checked once where they enter and typed from then on.

HashError (ReclaimError)   a file could not be hashed, or a hash value is malformed
"""

import re
from dataclasses import dataclass

from reclaim.errors import ReclaimError

PDQ_BITS = 256
# A match is a Hamming distance of 31 or less (Meta's PDQ threshold, used by StopNCII).
MATCH_DISTANCE_BITS = 31
# Below quality 50 a PDQ hash is unreliable (too little detail): Meta's guidance.
MIN_QUALITY = 50
_HEX = re.compile(r"[0-9a-f]+")


class HashError(ReclaimError):
    """A file could not be hashed, or a hash value is malformed; the message says which."""


def _check_hex(kind: str, text: str, length: int) -> str:
    value = text.strip().lower()
    if len(value) != length or not _HEX.fullmatch(value):
        raise HashError(f"a {kind} is {length} hexadecimal characters, not {text!r}")
    return value


@dataclass(frozen=True, order=True)
class PdqHash:
    """A 256-bit PDQ hash as 64 lowercase hexadecimal characters."""

    hex: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "hex", _check_hex("PDQ hash", self.hex, PDQ_BITS // 4))

    @classmethod
    def from_int(cls, value: int) -> "PdqHash":
        """Return the hash whose bit k is bit k of ``value``."""
        if not 0 <= value < 1 << PDQ_BITS:
            raise HashError("a PDQ hash has 256 bits")
        return cls(format(value, "064x"))

    def as_int(self) -> int:
        """Return the hash as a 256-bit integer."""
        return int(self.hex, 16)

    def distance(self, other: "PdqHash") -> int:
        """Return the Hamming distance: how many of the 256 bits differ."""
        return (self.as_int() ^ other.as_int()).bit_count()

    def __str__(self) -> str:
        return self.hex


@dataclass(frozen=True)
class PdqSignal:
    """A PDQ hash with its quality (0 to 100) and its eight rotations and flips."""

    hash: PdqHash
    quality: int
    dihedral: dict[str, PdqHash]

    def __post_init__(self) -> None:
        if not 0 <= self.quality <= 100:
            raise HashError(f"PDQ quality is 0 to 100, not {self.quality}")

    @property
    def reliable(self) -> bool:
        """Return whether the quality is high enough to match on (MIN_QUALITY or more)."""
        return self.quality >= MIN_QUALITY


@dataclass(frozen=True)
class Digests:
    """Exact digests of a file's bytes: MD5 (what StopNCII uses for video) and SHA-256."""

    md5: str
    sha256: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "md5", _check_hex("MD5 digest", self.md5, 32))
        object.__setattr__(self, "sha256", _check_hex("SHA-256 digest", self.sha256, 64))


@dataclass(frozen=True)
class VpdqFrame:
    """One sampled video frame: its PDQ hash, quality and time in seconds."""

    hash: PdqHash
    quality: int
    timestamp: float

    def __str__(self) -> str:
        """Return Meta's text form: ``pdqhex,quality,timestamp`` (seconds, 3 decimals)."""
        return f"{self.hash.hex},{self.quality},{self.timestamp:.3f}"

    @classmethod
    def parse(cls, line: str) -> "VpdqFrame":
        """Return a frame from Meta's text form; raise HashError if malformed."""
        parts = line.strip().split(",")
        if len(parts) != 3:
            raise HashError(f"a vPDQ frame is 'pdqhex,quality,timestamp', not {line!r}")
        try:
            quality, timestamp = int(parts[1]), float(parts[2])
        except ValueError:
            raise HashError(f"a vPDQ frame is 'pdqhex,quality,timestamp', not {line!r}") from None
        if not 0 <= quality <= 100 or timestamp < 0:
            raise HashError(f"quality 0 to 100 and a time of 0 or more, not {line!r}")
        return cls(PdqHash(parts[0]), quality, timestamp)
