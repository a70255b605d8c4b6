"""Withholding custody entries from a pack of part of a case.

A pack of chosen incidents carries only the custody entries its exhibits and incidents need to
be checked. Every other line is replaced by a placeholder that carries its position and the
SHA-256 of the line it stands for, nothing else: the next kept line names that digest as
``prev``, so the chain still links, and every kept line is still signed by the locker's key.
Whether a line was withheld is itself covered by the signed tag manifest.

A timestamp of a batch of items (one token over many items, see reclaim.signing.merkle)
names every item of the batch, so its line is withheld unless all of them are in the pack;
the pack's own exhibits still carry their proof up to the batch's root (see _anchors).
"""

import hashlib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from reclaim.locker import GENESIS, CustodyEntry, CustodyError, parse_entry

# The actions that always stay: the key the locker states, and the key's timestamps (the pack
# carries every one of them, and verification counts them).
ALWAYS_KEPT = ("locker-created", "key-timestamped")
# A placeholder line, canonical JSON: {"redacted":true,"seq":N,"sha256":"..."}. A signed entry
# starts with {"action": (keys are sorted), so the two cannot be confused.
PLACEHOLDER_START = b'{"redacted":true,'


def kept_entries(
    entries: Sequence[CustodyEntry], item_ids: Collection[str], incident_ids: Collection[str]
) -> set[int]:
    """Return the seq of each entry a pack of these items and incidents needs."""
    named = {*item_ids, *incident_ids}
    kept = {
        e.seq
        for e in entries
        if e.action in ALWAYS_KEPT
        or (e.item is not None and e.item in named)
        or (e.action == "items-timestamped" and _batch_within(e, item_ids))
    }
    # A timestamp of the log covers the line it names: keep both, or neither.
    return kept | {
        e.seq
        for e in entries
        if e.action == "log-head-timestamped" and _stamped(e) in kept and _stamped(e) < e.seq
    }


def _batch_within(entry: CustodyEntry, item_ids: Collection[str]) -> bool:
    """Whether a timestamp of a batch of items names only items of the pack.

    A batch that also names other items is withheld: its line would show their ids. The
    pack's exhibits keep their proofs, and proofs.json says where the withheld line stands.
    """
    return set(entry.details.get("items", "").split(",")) <= set(item_ids)


def _stamped(entry: CustodyEntry) -> int:
    seq = str(entry.details.get("seq", ""))
    return int(seq) if seq.isdigit() else -1


def placeholder(entry: CustodyEntry) -> bytes:
    """Return the line that stands in a pack for a withheld entry."""
    content = {"redacted": True, "seq": entry.seq, "sha256": entry.digest()}
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode()


def pack_log(entries: Sequence[CustodyEntry], kept: Collection[int] | None) -> str:
    """Return the pack's custody log: every entry, or the kept ones and placeholders."""
    lines = [
        entry.line() if kept is None or entry.seq in kept else placeholder(entry)
        for entry in entries
    ]
    return "".join(line.decode() + "\n" for line in lines)


@dataclass(frozen=True)
class PackLog:
    """A pack's custody log as read back: its signed entries and where lines were withheld."""

    entries: list[CustodyEntry]
    withheld_at: tuple[int, ...]  # the seq of each withheld line

    @property
    def withheld(self) -> int:
        """Return how many lines were withheld."""
        return len(self.withheld_at)

    def by_seq(self, seq: int) -> CustodyEntry | None:
        """Return the entry at ``seq``, or None if it was withheld (or is not there)."""
        return next((entry for entry in self.entries if entry.seq == seq), None)


def read_pack_log(log: bytes) -> PackLog:
    """Return the entries of a pack's log; raise CustodyError on a line of neither form."""
    entries, withheld = [], []
    for line in log.splitlines():
        if line.startswith(PLACEHOLDER_START):
            withheld.append(_placeholder_digest(line)[0])
        else:
            entries.append(parse_entry(line))
    return PackLog(entries, tuple(withheld))


def _placeholder_digest(line: bytes) -> tuple[int, str]:
    try:
        content = json.loads(line)
        seq, digest = content["seq"], content["sha256"]
    except (ValueError, KeyError, TypeError):
        raise CustodyError("a custody log line is neither an entry nor a withheld line") from None
    if set(content) != {"redacted", "seq", "sha256"} or not isinstance(seq, int):
        raise CustodyError("a withheld custody line carries more than its place and digest")
    if not isinstance(digest, str) or len(digest) != 64:
        raise CustodyError(f"withheld custody line {seq} has no SHA-256")
    return seq, digest


def verify_pack_log(log: bytes, key: Ed25519PublicKey) -> PackLog:
    """Return the pack's log; raise CustodyError unless it chains and each entry is signed."""
    _chain_links(log)
    read = read_pack_log(log)
    for entry in read.entries:
        try:
            key.verify(bytes.fromhex(entry.signature), entry.unsigned_bytes())
        except (InvalidSignature, ValueError):
            raise CustodyError(f"custody entry {entry.seq} has no valid signature") from None
    return read


def _chain_links(log: bytes) -> None:
    """Raise CustodyError unless each line follows the one before (withheld ones by digest)."""
    expected, number = GENESIS, 0
    for number, line in enumerate(log.splitlines()):
        if line.startswith(PLACEHOLDER_START):
            seq, digest = _placeholder_digest(line)
            if seq != number:
                raise CustodyError(f"withheld custody line {seq} is out of place")
            expected = digest
            continue
        entry = parse_entry(line)
        if entry.prev != expected or entry.seq != number:
            raise CustodyError(f"custody entry {entry.seq} does not follow the one before it")
        expected = hashlib.sha256(line).hexdigest()
