"""The hash bank's framework-free part: signals, the match index, and the API client.

- Signal and SignalType: a hash checked once where it enters (make_signal, parse_lines, and
  signals_from_hashes for a `reclaim hash` line), then carried typed.
- BankIndex: the match index fed plain change values (Added, Removed), with a lock-free view
  for queries.
- BankClient: the /api/v1 case endpoints, as `reclaim protect` calls them.

Nothing here imports Django: the web app keeps the rows and the change log and converts them
to these values.
"""

from reclaim.bank._client import BankClient, BankServiceError
from reclaim.bank._index import FRAME_BITS, Added, BankIndex, Change, Hit, IndexView, Removed
from reclaim.bank._signals import (
    LOW_QUALITY,
    MAX_MATCH_FRAMES,
    MAX_SIGNALS,
    MAX_VPDQ_FRAMES,
    TOO_MANY,
    UNREADABLE,
    Signal,
    SignalError,
    SignalType,
    make_signal,
    parse_lines,
    signals_from_hashes,
)

__all__ = [
    "FRAME_BITS",
    "LOW_QUALITY",
    "MAX_MATCH_FRAMES",
    "MAX_SIGNALS",
    "MAX_VPDQ_FRAMES",
    "TOO_MANY",
    "UNREADABLE",
    "Added",
    "BankClient",
    "BankIndex",
    "BankServiceError",
    "Change",
    "Hit",
    "IndexView",
    "Removed",
    "Signal",
    "SignalError",
    "SignalType",
    "make_signal",
    "parse_lines",
    "signals_from_hashes",
]
