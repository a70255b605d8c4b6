"""Where items live: each one's bytes sealed with its own key in blobs/, its record in records/.

A record (sealed with the master key) names the item's blob, holds the item's key (sealed with
the master key too), its digests, and what the owner knows of it. Blob names are random, never
content digests, so the folder says nothing about what it holds.
"""

import base64
import contextlib
import io
import os
import uuid
from collections.abc import Container, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from reclaim.files import sync_folder
from reclaim.locker._custody import CustodyEntry
from reclaim.locker._errors import CorruptLockerError, NotFoundError
from reclaim.locker._items import (
    Digests,
    EvidenceItem,
    SealedItem,
    damaged_item,
    item_from_record,
    write_stream,
)
from reclaim.locker._keys import new_key
from reclaim.locker._log import CustodyLog
from reclaim.locker._memory import FileStamp, Remembered, file_stamp, settled
from reclaim.locker._sealed import SealedFolder
from reclaim.locker._stream import Readable, SealError, seal, seal_bytes, unseal, unseal_bytes


class ItemStore:
    """The sealed records and blobs of the items ``log`` names."""

    def __init__(
        self, root: Path, master: bytes, log: CustodyLog, remembered: Remembered | None = None
    ) -> None:
        self._blobs = root / "blobs"
        self._blobs_path, self._records_path = str(self._blobs), str(root / "records")
        self._master = master
        self._log = log
        self._records = SealedFolder(root / "records", master, "record")
        # Records this process unsealed before, each with its file's stamp when read.
        self._remembered = remembered

    def put(self, source: Readable | bytes, fields: dict[str, object]) -> dict[str, object]:
        """Seal the bytes of ``source`` and their record (``fields`` and digests); return it.

        The item is not in the locker until the caller appends the custody entry that adds it.
        """
        stream = io.BytesIO(source) if isinstance(source, bytes) else source
        item_id, blob_id, item_key = uuid.uuid4().hex, uuid.uuid4().hex, new_key()
        digests = Digests(stream)
        write_stream(self._blobs / blob_id, seal(item_key, blob_id.encode(), digests))
        sealed_key = seal_bytes(self._master, f"item-key:{item_id}".encode(), item_key)
        record = {
            "id": item_id,
            "blob": blob_id,
            "item_key": base64.b64encode(sealed_key).decode(),
            "name": fields["name"],
            "media_type": fields["media_type"],
            "size": digests.size,
            "sha256": digests.sha256.hexdigest(),
            "sha512": digests.sha512.hexdigest(),
            **{key: fields[key] for key in ("note", "kind", "incident", "details")},
        }
        self._records.write_json(item_id, record)
        return record

    def change(self, record: dict[str, object]) -> None:
        """Replace an item's record (the custody entry saying why follows)."""
        self._records.write_json(str(record["id"]), record)

    def record(self, item_id: str, live: set[str] | None = None) -> dict[str, Any]:
        """Return a live item's record; NotFoundError if none, CorruptLockerError if damaged."""
        return dict(self._recall(item_id, live)[1])

    def _recall(
        self, item_id: str, live: set[str] | None
    ) -> tuple[FileStamp | None, dict[str, Any]]:
        """Return a live item's record, remembered or read, and its file's stamp if remembered."""
        if item_id not in (self._log.live_items() if live is None else live):
            raise NotFoundError(f"no item {item_id} in this locker")
        if self._remembered is None:
            return None, self._read_record(item_id)
        try:
            # Stamped before reading: a write in between leaves an older stamp, read again.
            stamp = file_stamp(os.path.join(self._records_path, item_id))
        except OSError:
            return None, self._read_record(item_id)  # missing: refused as ever
        known = self._remembered.records.get(item_id)
        if known is not None and known[0] == stamp:
            return known
        record = self._read_record(item_id)
        if not settled(stamp):
            return None, record
        self._remembered.records[item_id] = stamp, record
        return stamp, record

    def _read_record(self, item_id: str) -> dict[str, Any]:
        return self._records.read_object(item_id, f"the record of item {item_id}")

    def as_found(
        self, entry: CustodyEntry, live: set[str], blobs: Container[str] | None = None
    ) -> EvidenceItem:
        """Return the item ``entry`` added, as found on disk: ``damaged`` says what is wrong.

        ``blobs`` are the blob files there are (``blob_files``), if the caller listed them.
        """
        try:
            stamp, record = self._recall(str(entry.item), live)
        except CorruptLockerError as error:
            return damaged_item(entry, str(error))
        found = self._item(entry, stamp, record)
        blob = str(record["blob"])
        if not (blob in blobs if blobs is not None else self._is_blob(blob)):
            return replace(found, damaged=f"the sealed file of item {entry.item} is missing")
        return found

    def _item(
        self, entry: CustodyEntry, stamp: FileStamp | None, record: dict[str, Any]
    ) -> EvidenceItem:
        """Return the item a record describes; the same one while its record is remembered."""
        if stamp is None or self._remembered is None:
            return item_from_record(record, entry)
        known = self._remembered.items.get(str(entry.item))
        if known is not None and known[:2] == (stamp, entry.at_utc):
            return known[2]
        found = item_from_record(record, entry)
        self._remembered.items[str(entry.item)] = stamp, entry.at_utc, found
        return found

    def blob_files(self) -> set[str]:
        """Return the names of the blob files there are: one listing instead of a look each."""
        try:
            with os.scandir(self._blobs_path) as found:
                # is_file follows links as os.path.isfile does; the kind is in the listing.
                return {each.name for each in found if each.is_file()}
        except FileNotFoundError:
            return set()

    def _is_blob(self, blob: str) -> bool:
        return os.path.isfile(os.path.join(self._blobs_path, blob))

    def sealed(self, entry: CustodyEntry) -> SealedItem:
        """Return the sealed blob of the live item ``entry`` added, with the item's own key.

        Raises CorruptLockerError if its record or key cannot be unsealed or its blob is gone.
        """
        item_id = str(entry.item)
        record = self.record(item_id)
        path = self._blobs / str(record["blob"])
        try:
            size = path.stat().st_size
        except OSError:
            raise CorruptLockerError(f"the sealed file of item {item_id} is missing") from None
        found = item_from_record(record, entry)
        return SealedItem(found, self._item_key(item_id, record), str(record["blob"]), path, size)

    def _item_key(self, item_id: str, record: dict[str, Any]) -> bytes:
        sealed_key = base64.b64decode(str(record["item_key"]))
        try:
            return unseal_bytes(self._master, f"item-key:{item_id}".encode(), sealed_key)
        except SealError:
            raise CorruptLockerError(f"the key of item {item_id} was damaged") from None

    def read(self, item_id: str) -> Iterator[bytes]:
        """Yield an item's original bytes; raise CorruptLockerError if they were changed."""
        record = self.record(item_id)
        key = self._item_key(item_id, record)
        blob = str(record["blob"])
        with (self._blobs / blob).open("rb") as sealed:
            try:
                yield from unseal(key, blob.encode(), sealed)
            except SealError as error:
                raise CorruptLockerError(f"item {item_id} was damaged: {error}") from None

    def remove(self, item_id: str, blob_id: str) -> None:
        """Remove an item's blob (if known) and record, in that order."""
        # The blob first: if a crash stops us between the two, the record still says whose
        # the leftover blob is, so the next writer finishes the deletion.
        paths = [self._blobs / blob_id] if blob_id else []
        for path in [*paths, self._records.folder / item_id]:
            path.unlink(missing_ok=True)
            sync_folder(path.parent)

    def finish_deletions(self) -> None:
        """Remove what a crash left of items the person deleted (their tombstone is written)."""
        deleted = set(self._log.ids("item-deleted")) - self._log.live_items()
        for item_id in sorted(deleted):
            if self._records.exists(item_id):
                try:
                    blob = str(self.record(item_id, {item_id})["blob"])
                except CorruptLockerError:
                    continue  # unreadable: leave it for quarantine, never guess
                self.remove(item_id, blob)

    def named_files(self) -> dict[str, set[str]]:
        """Return, per folder, the file names the log names; blobs only if every record reads."""
        live = self._log.live_items()
        named: dict[str, set[str]] = {
            "records": set(live),
            "incidents": set(self._log.ids("incident-added")),
            "requests": set(self._log.ids("request-added")),
            "referrals": set(self._log.ids("referral-shared")),
        }
        # If a record cannot be read, which blob is whose cannot be told: move no blob.
        with contextlib.suppress(CorruptLockerError):
            named["blobs"] = {str(self.record(item_id, live)["blob"]) for item_id in live}
        return named
