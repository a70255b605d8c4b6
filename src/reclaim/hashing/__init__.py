"""Hashing on the person's own device: PDQ for images, vPDQ and MD5 for videos, SHA-256.

Only hashes leave the device: the images never do. The hashes are the formats platforms'
matchers already accept (PDQ as Meta and StopNCII use it; MD5 for video, as StopNCII does).
"""

from reclaim.hashing._hashers import digests, pdq_from_image, pdq_from_pixels, vpdq_from_video
from reclaim.hashing._images import MAX_DECODED_PIXELS
from reclaim.hashing._types import (
    MATCH_DISTANCE_BITS,
    MIN_QUALITY,
    Digests,
    HashError,
    PdqHash,
    PdqSignal,
    VpdqFrame,
)

__all__ = [
    "MATCH_DISTANCE_BITS",
    "MAX_DECODED_PIXELS",
    "MIN_QUALITY",
    "Digests",
    "HashError",
    "PdqHash",
    "PdqSignal",
    "VpdqFrame",
    "digests",
    "pdq_from_image",
    "pdq_from_pixels",
    "vpdq_from_video",
]
