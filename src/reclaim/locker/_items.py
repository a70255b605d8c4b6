"""Evidence items as their owner sees them, and what reading and writing their bytes needs."""

import hashlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from reclaim.files import open_private, sync_folder
from reclaim.locker._custody import CustodyEntry
from reclaim.locker._stream import Readable

# What a capture's custody entry states besides the digests (see capture_origin).
CAPTURE_CUSTODY_DETAILS = ("url", "captured_utc", "status", "error_page", "wacz_public_key")


@dataclass(frozen=True)
class EvidenceItem:
    """An item in the locker, as its owner sees it."""

    id: str
    name: str
    media_type: str
    size: int
    sha256: str
    sha512: str
    added_utc: str
    note: str
    kind: str = "file"
    incident: str | None = None
    details: dict[str, str] = field(default_factory=dict, compare=False)
    # Why the item cannot be read ("" if it can); a damaged item carries what the log knows.
    damaged: str = ""


@dataclass(frozen=True)
class SealedItem:
    """One item's bytes as the locker keeps them, sealed with the item's own key.

    For sharing one item without the rest (a referral to a helpline): ``key`` opens this
    blob and nothing else; the master key never leaves the locker. ``unseal(key,
    blob.encode(), file)`` gives the original bytes back.
    """

    item: EvidenceItem
    key: bytes = field(repr=False)
    blob: str  # the blob's name, bound into its seal
    path: Path
    sealed_size: int


@dataclass(frozen=True)
class Damage:
    """An item, incident or removal request the custody log names that cannot be read."""

    kind: str
    id: str
    reason: str
    added_utc: str
    details: dict[str, str] = field(default_factory=dict)


def item_from_record(record: Mapping[str, object], entry: CustodyEntry) -> EvidenceItem:
    """Return the item an unsealed record describes, added by ``entry``."""
    details = record.get("details") or {}
    return EvidenceItem(
        id=str(record["id"]),
        name=str(record["name"]),
        media_type=str(record["media_type"]),
        size=int(str(record["size"])),
        sha256=str(record["sha256"]),
        sha512=str(record["sha512"]),
        added_utc=entry.at_utc,
        note=str(record["note"]),
        kind=str(record.get("kind", "file")),
        incident=None if record.get("incident") is None else str(record["incident"]),
        details=dict(details) if isinstance(details, dict) else {},
    )


def damaged_item(entry: CustodyEntry, reason: str) -> EvidenceItem:
    """Return what the custody log knows of an item whose record cannot be read."""
    known = entry.details
    return EvidenceItem(
        id=str(entry.item),
        name=f"damaged item {str(entry.item)[:8]}",
        media_type="application/octet-stream",
        size=int(known.get("size", "0") or 0),
        sha256=known.get("sha256", ""),
        sha512=known.get("sha512", ""),
        added_utc=entry.at_utc,
        note="",
        damaged=reason,
    )


def digest_details(record: Mapping[str, object]) -> dict[str, str]:
    """Return the digests and size a custody entry states of an item."""
    return {key: str(record[key]) for key in ("sha256", "sha512", "size")}


def capture_origin(details: Mapping[str, str]) -> dict[str, str]:
    """Return what the signed custody entry of a captured file states besides its digests.

    The address and capture time go into the entry itself (not only the sealed record), so the
    chain an officer checks says what was captured and when; and the capture's WACZ signing key,
    so the locker's signature over the entry countersigns the capture worker's signature.
    """
    return {key: str(details[key]) for key in CAPTURE_CUSTODY_DETAILS if key in details}


class Digests:
    """A reader that computes SHA-256, SHA-512 and the size of what passes through it."""

    def __init__(self, source: Readable) -> None:
        self._source = source
        self.sha256 = hashlib.sha256()
        self.sha512 = hashlib.sha512()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        """Return the next bytes of the source, counted and digested."""
        data = self._source.read(size)
        self.sha256.update(data)
        self.sha512.update(data)
        self.size += len(data)
        return data


class PiecesReader:
    """A reader over an iterator of byte strings (an unsealing stream)."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self._pieces = pieces
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        """Return up to ``size`` bytes (all that is left if negative)."""
        while size < 0 or len(self._buffer) < size:
            piece = next(self._pieces, None)
            if piece is None:
                break
            self._buffer += piece
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def write_stream(path: Path, pieces: Iterator[bytes]) -> None:
    """Write ``pieces`` to ``path`` so that a crash leaves it whole or absent."""
    temporary = path.with_name(f".{path.name}.tmp")
    with open_private(temporary) as file:
        for piece in pieces:
            file.write(piece)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    sync_folder(path.parent)
