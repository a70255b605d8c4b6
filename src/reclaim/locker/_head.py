"""The sealed head: how long the custody log was, and its last entry, when last written.

The log is append-only, so a log shorter than its sealed head, or other at the head's
length, was rolled back or rewritten. The head is written after each append, so after a
crash it may lag the log by one entry, never lead it.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import tsp

from reclaim.files import write_atomically
from reclaim.locker._custody import CustodyEntry
from reclaim.locker._errors import RolledBackError, damaged, what_to_do
from reclaim.locker._stream import SealError, seal_bytes, unseal_bytes

HEAD = "head"
# A custody entry with this detail says the locker seals its head, so a missing one is damage.
MARKER = ("head", "sealed")
_AAD = b"custody-head"
_TOKEN_NAME = re.compile(r"(\d+)-[0-9a-f]{16}\.tsr")


@dataclass(frozen=True)
class Head:
    """How many entries the log had, and the SHA-256 of the last one."""

    count: int
    sha256: str


def seal_head(root: Path, master: bytes, entries: list[CustodyEntry]) -> None:
    """Seal the head of ``entries`` beside the header, replacing the one before."""
    head = {"count": len(entries), "sha256": entries[-1].digest() if entries else ""}
    write_atomically(root / HEAD, seal_bytes(master, _AAD, json.dumps(head).encode()))


def read_head(root: Path, master: bytes) -> Head | None:
    """Return the sealed head, or None if there is none; raise if it is damaged."""
    try:
        sealed = (root / HEAD).read_bytes()
    except FileNotFoundError:
        return None
    try:
        fields = json.loads(unseal_bytes(master, _AAD, sealed))
        return Head(int(fields["count"]), str(fields["sha256"]))
    except (SealError, ValueError, KeyError, TypeError):
        raise damaged(
            f"the sealed head of the custody log ({root / HEAD}) is damaged", root
        ) from None


def head_faults(root: Path, master: bytes, entries: list[CustodyEntry]) -> list[str]:
    """Return why ``entries`` cannot be the locker's whole log (empty if they can)."""
    head = read_head(root, master)
    if head is None:
        if any(entry.details.get(MARKER[0]) == MARKER[1] for entry in entries):
            return [f"the sealed head of the custody log ({root / HEAD}) is missing"]
        return []
    if len(entries) < head.count:
        return [
            f"the custody log has {len(entries)} entries but the locker last sealed "
            f"{head.count}: it was rolled back or cut short"
        ]
    if head.count and entries[head.count - 1].digest() != head.sha256:
        return [f"custody entry {head.count - 1} is not the one the locker sealed: it was replaced"]
    return []


def timestamp_faults(root: Path, master: bytes, entries: list[CustodyEntry]) -> list[str]:
    """Return the log-head timestamps that name an entry the log no longer holds as it was."""
    return [fault for _, fault in _token_faults(root, master, entries)]


def stale_tokens(root: Path, master: bytes, entries: list[CustodyEntry]) -> list[Path]:
    """Return the stored log-head timestamps of entries that ``entries`` do not hold."""
    return [path for path, _ in _token_faults(root, master, entries)]


def _token_faults(root: Path, master: bytes, entries: list[CustodyEntry]) -> list[tuple[Path, str]]:
    faults = []
    for path in sorted((root / "timestamps").glob("*.tsr")):
        match = _TOKEN_NAME.fullmatch(path.name)
        if match is None:
            continue
        seq = int(match.group(1))
        if seq >= len(entries):
            fault = (
                f"{path.name} timestamps custody entry {seq}, but the log ends at entry "
                f"{len(entries) - 1}: it was rolled back"
            )
        elif _stamped_digest(master, path) not in (None, _sha256(entries[seq])):
            fault = f"{path.name} timestamps another custody entry {seq} than the log holds"
        else:
            continue
        faults.append((path, fault))
    return faults


def check_head(root: Path, master: bytes, entries: list[CustodyEntry]) -> None:
    """Raise RolledBackError if ``entries`` fall short of the sealed head or timestamps."""
    faults = head_faults(root, master, entries) + timestamp_faults(root, master, entries)
    if faults:
        raise RolledBackError(f"{'; '.join(faults)}. {what_to_do(root)}")


def _stamped_digest(master: bytes, path: Path) -> bytes | None:
    """Return the digest a stored token covers, or None if it cannot be read."""
    try:
        response = unseal_bytes(master, f"timestamp:{path.name}".encode(), path.read_bytes())
        token = tsp.TimeStampResp.load(response)["time_stamp_token"]["content"]
        info = token["encap_content_info"]["content"].parsed
        return bytes(info["message_imprint"]["hashed_message"].native)
    except (OSError, SealError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _sha256(entry: CustodyEntry) -> bytes:
    return bytes.fromhex(entry.digest())
