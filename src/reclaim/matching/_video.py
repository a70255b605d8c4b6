"""Matching a video's vPDQ frames against a bank of frames, by Meta's vPDQ rule."""

from collections import Counter
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from reclaim.hashing import MATCH_DISTANCE_BITS, MIN_QUALITY, VpdqFrame
from reclaim.matching._types import PDQ_BYTES, MatchingError, PdqIndex

# Meta's vPDQ: a video matches when 80% of the query's good frames match one of its frames.
MATCH_FRACTION = 0.8


def match_video(
    frames: Sequence[VpdqFrame],
    index: PdqIndex,
    owner_of: Callable[[int], int] | Mapping[int, int],
    radius: int = MATCH_DISTANCE_BITS,
    min_quality: int = MIN_QUALITY,
    threshold: float = MATCH_FRACTION,
) -> list[tuple[int, float]]:
    """Return (video id, fraction of good query frames matched) for each matching bank video.

    The index holds bank frames under frame ids; owner_of maps a frame id to its video id.
    Frames below min_quality are unreliable and left out of the count on both sides of the
    fraction. Results are sorted by fraction, highest first, then by video id.
    """
    good = [frame for frame in frames if frame.quality >= min_quality]
    if not good:
        return []
    raw = b"".join(bytes.fromhex(frame.hash.hex) for frame in good)
    hashes = np.frombuffer(raw, dtype=np.uint8).reshape(len(good), PDQ_BYTES)
    owner = _owner(owner_of)
    matched: Counter[int] = Counter()
    for matches in index.query_many(hashes, radius):
        matched.update({owner(match.id) for match in matches})
    fractions = [(video, count / len(good)) for video, count in matched.items()]
    return sorted(
        ((video, fraction) for video, fraction in fractions if fraction >= threshold),
        key=lambda pair: (-pair[1], pair[0]),
    )


def _owner(owner_of: Callable[[int], int] | Mapping[int, int]) -> Callable[[int], int]:
    if not isinstance(owner_of, Mapping):
        return owner_of
    mapping = owner_of

    def lookup(frame_id: int) -> int:
        try:
            return mapping[frame_id]
        except KeyError:
            raise MatchingError(f"frame {frame_id} is in the index but has no video") from None

    return lookup
