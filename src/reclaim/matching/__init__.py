"""Matching hashes against a bank: PDQ by Hamming radius, MD5 exactly, videos by vPDQ.

Platforms match each upload against the bank of hashes people submitted. Every index has a
brute-force version beside the fast one, and the tests check the fast one against it:

- LinearPdqIndex scans every entry: the reference.
- MihPdqIndex is exact multi-index hashing with in-place changes and memory-mapped saves.
- Md5Index looks digests up exactly; match_video applies Meta's vPDQ 80% rule.

Nothing here imports Django: the web app and the CLI call in.
"""

from reclaim.matching._linear import LinearPdqIndex
from reclaim.matching._md5 import Md5Index
from reclaim.matching._mih import MihPdqIndex
from reclaim.matching._types import Match, MatchingError, PdqIndex
from reclaim.matching._video import MATCH_FRACTION, match_video

__all__ = [
    "MATCH_FRACTION",
    "LinearPdqIndex",
    "Match",
    "MatchingError",
    "Md5Index",
    "MihPdqIndex",
    "PdqIndex",
    "match_video",
]
