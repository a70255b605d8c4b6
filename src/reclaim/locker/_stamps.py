"""Trusted timestamps of a locker: of its custody log's head, of its key, of batches of items.

Each obtained token is sealed in timestamps/ before the custody entry that names it is
appended; an authority that cannot be reached is queued (sealed too: which authorities were
asked says something) and asked again by the next request or retry.
"""

import base64
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from reclaim.locker._log import CustodyLog
from reclaim.locker._sealed import SealedFolder
from reclaim.signing.merkle import build_tree, leaf_hash, root_data
from reclaim.signing.timestamps import TimestampUnavailableError, request_token

PENDING = "pending"  # the queue of log-head timestamps
ANCHORS_PENDING = "anchors-pending"  # the queue of key and item timestamps


@dataclass(frozen=True)
class LogStamp:
    """A timestamp of the custody log up to entry ``seq``: its time, or "pending"."""

    authority: str
    seq: int
    time: str


@dataclass(frozen=True)
class KeyStamp:
    """A timestamp of the locker's key fingerprint (``key_anchor_data``): its time, or "pending"."""

    authority: str
    time: str
    fingerprint: str
    file: str = ""  # the sealed token in timestamps/, "" while pending


@dataclass(frozen=True)
class ItemBatch:
    """One timestamp over the Merkle root of a batch of items: its time, or "pending"."""

    authority: str
    time: str
    root: str
    items: tuple[str, ...]
    file: str = ""  # the sealed token and proofs in timestamps/, "" while pending


@dataclass(frozen=True)
class BatchProofs:
    """What a batch keeps: the authority's token, and each item's (digest, proof path)."""

    token: bytes
    proofs: dict[str, tuple[str, tuple[tuple[str, str], ...]]]


def key_anchor_data(fingerprint: str) -> bytes:
    """Return the exact bytes timestamped to anchor a key: its `SHA256:` fingerprint and a newline.

    The same text `ssh-keygen -l` prints, so an officer can rebuild the file by hand.
    """
    return fingerprint.encode("ascii") + b"\n"


class Stamps:
    """The timestamps of one locker; every changing method runs under the locker's lock."""

    def __init__(self, log: CustodyLog, folder: SealedFolder, fingerprint: Callable[[], str]):
        self._log = log
        self._folder = folder
        self._fingerprint = fingerprint

    # The custody log's head ---------------------------------------------------------------

    def stamp_log_head(self, authorities: tuple[str, ...]) -> list[LogStamp]:
        """Ask each authority to timestamp the newest custody entry; queue those offline."""
        head = self._log.entries[-1]
        return self.stamp(self._pending() + [LogStamp(a, head.seq, "pending") for a in authorities])

    def log_stamps(self) -> list[LogStamp]:
        """Return every log-head timestamp obtained, and every one still pending."""
        done = [
            LogStamp(e.details["authority"], int(e.details["seq"]), e.details["time"])
            for e in self._log.entries
            if e.action == "log-head-timestamped"
        ]
        return done + self._pending()

    def log_token(self, stamp: LogStamp) -> bytes:
        """Return the RFC 3161 response stored for an obtained log-head timestamp."""
        return self.token(_log_token_name(stamp))

    def stamp(self, queue: list[LogStamp]) -> list[LogStamp]:
        """Ask for each queued log-head timestamp; return each, obtained or still pending."""
        still_pending, results = [], []
        for stamp in queue:
            try:
                token = request_token(stamp.authority, self._log.entries[stamp.seq].line())
            except TimestampUnavailableError:
                still_pending.append(stamp)
                results.append(stamp)
                continue
            self._folder.write(_log_token_name(stamp), token.response)
            details = {"authority": stamp.authority, "seq": str(stamp.seq), "time": token.time}
            self._log.append("log-head-timestamped", details=details)
            results.append(LogStamp(stamp.authority, stamp.seq, token.time))
        queued = [[stamp.authority, stamp.seq] for stamp in still_pending]
        self._folder.write_json(PENDING, queued, aad=b"timestamps-pending")
        return results

    def _pending(self) -> list[LogStamp]:
        if not self._folder.exists(PENDING):
            return []
        queue = self._folder.read_json(PENDING, "the timestamp queue", aad=b"timestamps-pending")
        assert isinstance(queue, list)  # written by stamp() alone, sealed
        queued = [LogStamp(str(a), int(seq), "pending") for a, seq in queue]
        return [s for s in queued if s.seq < len(self._log.entries)]  # after a repair

    # The key ------------------------------------------------------------------------------

    def anchor_key(self, authorities: tuple[str, ...]) -> list[KeyStamp]:
        """Ask each authority (and each queued one) to timestamp the key; queue those offline.

        An authority that already timestamped the key is not asked again. Returns the
        requests made, each obtained or still pending.
        """
        done = {stamp.authority for stamp in self.key_anchors()}
        asked = [a for a in _unique([*self._anchor_queue()["key"], *authorities]) if a not in done]
        results = [self._anchor_key_with(authority) for authority in asked]
        self._write_anchor_queue("key", [s.authority for s in results if s.time == "pending"])
        return results

    def key_anchors(self) -> list[KeyStamp]:
        """Return every timestamp of the key obtained so far."""
        return [
            KeyStamp(d["authority"], d["time"], d["fingerprint"], d["file"])
            for d in (e.details for e in self._log.entries if e.action == "key-timestamped")
        ]

    def token(self, file: str) -> bytes:
        """Return a stored timestamp token (or a batch's token and proofs)."""
        return self._folder.read(file, f"the timestamp {file}")

    def _anchor_key_with(self, authority: str) -> KeyStamp:
        fingerprint = self._fingerprint()
        try:
            token = request_token(authority, key_anchor_data(fingerprint))
        except TimestampUnavailableError:
            return KeyStamp(authority, "pending", fingerprint)
        file = f"key-{_slug(authority)}.tsr"
        self._folder.write(file, token.response)
        details = {"authority": authority, "time": token.time, "fingerprint": fingerprint}
        self._log.append("key-timestamped", details={**details, "file": file})
        return KeyStamp(authority, token.time, fingerprint, file)

    # Items --------------------------------------------------------------------------------

    def timestamp_items(self, authorities: tuple[str, ...]) -> list[ItemBatch]:
        """Timestamp every item an authority has not covered yet: one token over their root.

        Each of ``authorities`` (and each queued one) gets one request over the Merkle root
        (see reclaim.signing.merkle) of the items it has not timestamped; one that cannot be
        reached is queued and asked again, with whatever has arrived by then, next time.
        Returns the batches requested, each obtained or still pending.
        """
        results = []
        for authority in _unique([*self._anchor_queue()["items"], *authorities]):
            uncovered = self._uncovered_items(authority)
            if uncovered:
                results.append(self._timestamp_batch(authority, uncovered))
        self._write_anchor_queue("items", [b.authority for b in results if b.time == "pending"])
        return results

    def item_batches(self) -> list[ItemBatch]:
        """Return every batch of items timestamped so far."""
        return [
            ItemBatch(d["authority"], d["time"], d["root"], tuple(d["items"].split(",")), d["file"])
            for d in (e.details for e in self._log.entries if e.action == "items-timestamped")
        ]

    def batch_proofs(self, batch: ItemBatch) -> BatchProofs:
        """Return the token of an obtained batch and each of its items' proof paths."""
        kept = json.loads(self.token(batch.file))
        proofs = {
            item: (str(sha256), tuple((str(side), str(sibling)) for side, sibling in path))
            for item, sha256, path in kept["items"]
        }
        return BatchProofs(base64.b64decode(kept["token"]), proofs)

    def _uncovered_items(self, authority: str) -> list[tuple[str, str]]:
        """Return (id, sha256) of the live items ``authority`` has not timestamped, oldest first."""
        covered = {i for b in self.item_batches() if b.authority == authority for i in b.items}
        live = self._log.live_items()
        return [
            (str(e.item), e.details["sha256"])
            for e in self._log.entries
            if e.action == "item-added" and e.item in live and e.item not in covered
        ]

    def _timestamp_batch(self, authority: str, items: list[tuple[str, str]]) -> ItemBatch:
        root, paths = build_tree([leaf_hash(sha256, item) for item, sha256 in items])
        ids = tuple(item for item, _ in items)
        try:
            token = request_token(authority, root_data(root))
        except TimestampUnavailableError:
            return ItemBatch(authority, "pending", root.hex(), ids)
        file = f"items-{uuid.uuid4().hex}.json"
        kept = {
            "token": base64.b64encode(token.response).decode(),
            "items": [
                [item, sha256, path] for (item, sha256), path in zip(items, paths, strict=True)
            ],
        }
        self._folder.write_json(file, kept)  # before the entry that names it
        details = {"authority": authority, "time": token.time, "root": root.hex()}
        details |= {"count": str(len(ids)), "items": ",".join(ids), "file": file}
        self._log.append("items-timestamped", details=details)
        return ItemBatch(authority, token.time, root.hex(), ids, file)

    def _anchor_queue(self) -> dict[str, list[str]]:
        """Return the authorities still to ask, for the key and for items."""
        if not self._folder.exists(ANCHORS_PENDING):
            return {"key": [], "items": []}
        queue = self._folder.read_json(ANCHORS_PENDING, "the timestamp queue", _ANCHORS_AAD)
        assert isinstance(queue, dict)  # written by _write_anchor_queue alone, sealed
        return queue

    def _write_anchor_queue(self, kind: str, authorities: list[str]) -> None:
        queue = {**self._anchor_queue(), kind: authorities}
        if not any(queue.values()) and not self._folder.exists(ANCHORS_PENDING):
            return  # nothing was ever queued: leave no file
        self._folder.write_json(ANCHORS_PENDING, queue, _ANCHORS_AAD)


_ANCHORS_AAD = b"anchors-pending"


def _log_token_name(stamp: LogStamp) -> str:
    return f"{stamp.seq}-{_slug(stamp.authority)}.tsr"


def _slug(authority: str) -> str:
    return hashlib.sha256(authority.encode()).hexdigest()[:16]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))
