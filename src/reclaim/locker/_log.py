"""Reading the sealed custody log, telling a torn last write from damage.

Each line is one sealed entry, base64, ending in a newline. Only a final line without its
newline is a write a crash cut short (never committed); any other unreadable line is damage.
"""

import base64
import binascii
from dataclasses import dataclass, field

from reclaim.locker._custody import CustodyEntry, CustodyError, parse_entry
from reclaim.locker._stream import SealError, seal_bytes, unseal_bytes

LOG = "custody.log"
AAD = b"custody"


@dataclass
class LogScan:
    """What a log holds: its readable entries and, line by line, what is wrong."""

    entries: list[CustodyEntry] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    # Bytes of the lines before the first fault or torn line: what a writer may keep.
    good_length: int = 0
    # How many entries come before the first damaged line: the part a repair can keep.
    prefix: int = 0
    torn: bool = False


def seal_line(master: bytes, entry: CustodyEntry) -> bytes:
    """Return the log line (newline included) that holds ``entry``."""
    return base64.b64encode(seal_bytes(master, AAD, entry.line())) + b"\n"


def scan_log(data: bytes, master: bytes) -> LogScan:
    """Return every readable entry of a log and a description of each damaged line."""
    scan = LogScan()
    *lines, tail = data.split(b"\n")
    scan.torn = bool(tail)  # the bytes after the last newline: an append cut short
    for number, line in enumerate(lines):
        entry = _entry(line, master)
        if entry is None:
            last = ", the last, whole: not an unfinished write" if tail == b"" else ""
            last = last if number == len(lines) - 1 else ""
            scan.faults.append(
                f"custody entry {number} is damaged (line {number + 1} of the custody log{last})"
            )
        else:
            scan.entries.append(entry)
        if not scan.faults:
            scan.good_length += len(line) + 1
            scan.prefix += 1
    return scan


def _entry(line: bytes, master: bytes) -> CustodyEntry | None:
    try:
        return parse_entry(unseal_bytes(master, AAD, base64.b64decode(line, validate=False)))
    except (SealError, CustodyError, binascii.Error, ValueError):
        return None
