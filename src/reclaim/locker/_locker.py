"""The locker: an encrypted folder of evidence items with a signed custody log.

Layout (nothing in it is readable without the master key, except locker.json, which holds
only salts, cost settings, wrapped keys and the public key):

    locker.json      header: Argon2id settings, the master key wrapped twice, the public key
    custody.log      one sealed custody entry per line, appended, never rewritten
    head             sealed: how many entries the log had and the digest of the last one
    records/ID       sealed metadata of one item (names are random, never content digests)
    blobs/ID         the item's bytes, sealed with the item's own key
    incidents/ID     sealed incidents
    requests/ID      sealed removal requests (their meaning is reclaim.notices')
    referrals/ID     sealed records of what was shared with a helpline (reclaim.referrals)
    inbox/ID/        captures a worker sealed to the inbox public key, waiting (see _inbox)
    quarantine/      files no custody entry names, moved aside (never deleted) to be looked at
    .lock            held (flock) by whoever changes the locker, so writers never interleave

Adding an item writes its blob, then its record, then appends its custody entry: the
custody entry is the commit point. After a crash every item is whole or absent: opening
ignores a last line without its newline (an unfinished append), and the next change cuts it
off and moves files no entry names to quarantine. Opening to read changes nothing on disk.
Any other damage, or a log shorter than its sealed head, is refused, never "tidied" away;
nothing is deleted except by the person's own delete, which leaves a tombstone.
"""

import contextlib
import mimetypes
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import BinaryIO, Concatenate, ParamSpec, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from reclaim.files import (
    PRIVATE_FILE_MODE,
    PRIVATE_FOLDER_MODE,
    FolderLock,
    remove_temporaries,
)
from reclaim.locker._custody import CustodyEntry
from reclaim.locker._errors import CorruptLockerError, LockerError, NotFoundError
from reclaim.locker._head import MARKER
from reclaim.locker._header import HEADER, Header, Slot, read_header
from reclaim.locker._inbox import Delivery, Inbox, deliver, open_note, seal_note
from reclaim.locker._incidents import Incident, Under18Error, check_not_future
from reclaim.locker._items import (
    Damage,
    EvidenceItem,
    PiecesReader,
    SealedItem,
    capture_origin,
    digest_details,
    item_from_record,
)
from reclaim.locker._keys import (
    KdfParams,
    calibrate,
    new_key,
    new_recovery_code,
    normalise_recovery_code,
)
from reclaim.locker._log import LOG, CustodyLog
from reclaim.locker._memory import MEMORY, identity
from reclaim.locker._quarantine import FOLDERS, quarantine, unnamed
from reclaim.locker._sealed import SealedFolder
from reclaim.locker._stamps import BatchProofs, ItemBatch, KeyStamp, LogStamp, Stamps
from reclaim.locker._store import ItemStore
from reclaim.locker._stream import Readable
from reclaim.signing import sshsig

STALE_SECONDS = 3600  # a delivery staged longer ago than this was cut short by a crash
_FOLDERS = ("blobs", "records", "incidents", "requests", "timestamps")

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _exclusive(
    method: Callable[Concatenate["Locker", _P], _R],
) -> Callable[Concatenate["Locker", _P], _R]:
    """Run a method that changes the locker under the folder lock, after catching up.

    Another thread or process (a second browser tab, a worker) may have appended to the
    custody log since this object read it; chaining to a stale head would break the log.
    """

    def locked(self: "Locker", /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with self._lock:
            self._log.catch_up()
            if not self._settled:
                self._settled = True
                self._settle()
            return method(self, *args, **kwargs)

    # Not functools.wraps: mypy cannot match its wrapper type to a Concatenate signature.
    locked.__name__, locked.__doc__ = method.__name__, method.__doc__
    return locked


class Locker:
    """An unlocked locker. Create one with ``create``, open one with ``open`` or ``recover``."""

    def __init__(
        self, root: Path, master_key: bytes, header: Header, new: bool = False, afresh: bool = False
    ) -> None:
        """Read and check the custody log (``afresh``: all of it, none taken from memory)."""
        self._start(root, master_key, header)
        self._settled = new  # a writer settles what a crash left once, before its first change
        with self._lock:
            self._log.read(reuse=not afresh)
            if not new:
                self._log.check_whole()

    def _start(self, root: Path, master: bytes, header: Header, remember: bool = True) -> None:
        self.root, self._master, self._header = root, master, header
        self._lock = FolderLock(root)
        self._signing_key = header.signing(master)
        public = self._signing_key.public_key().public_bytes_raw()
        remembered = MEMORY.slot(root, identity(master, public)) if remember else None
        self._log = CustodyLog(root, master, self._signing_key, remembered)
        self._moved: list[Path] = []
        self._store = ItemStore(root, master, self._log, remembered)
        self._incidents = SealedFolder(root / "incidents", master, "incident")
        self._requests = SealedFolder(root / "requests", master, "request")
        self._referrals = SealedFolder(root / "referrals", master, "referral")
        timestamps = SealedFolder(root / "timestamps", master, "timestamp")
        self._stamps = Stamps(self._log, timestamps, self.key_fingerprint)

    # Creating and unlocking -------------------------------------------------------------

    @classmethod
    def create(
        cls,
        root: Path,
        passphrase: str,
        kdf: KdfParams | None = None,
        authorities: tuple[str, ...] = (),
    ) -> tuple["Locker", str]:
        """Create a locker; return it and the recovery code to show the person once.

        The first custody entry states the key's fingerprint; each of ``authorities`` (RFC 3161
        URLs) is asked to timestamp it, and one that cannot be reached is asked again later.
        """
        if (root / HEADER).exists():
            raise LockerError(f"{root} already holds a locker")
        kdf = kdf or calibrate()
        kdf.check()
        master, code = new_key(), new_recovery_code()
        header = Header.new(master, kdf, passphrase.encode(), normalise_recovery_code(code))
        for folder in (root, *(root / name for name in _FOLDERS)):
            folder.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True, exist_ok=True)
        (root / LOG).touch(mode=PRIVATE_FILE_MODE)
        header.write(root)
        locker = cls(root, master, header, new=True)
        created = {**dict([MARKER]), "key": locker.key_fingerprint()}
        locker._log.append("locker-created", details=created)
        if authorities:
            locker.anchor_key(authorities)
        return locker, code

    @classmethod
    def _viewing(
        cls, root: Path, master: bytes, header: Header, entries: list[CustodyEntry]
    ) -> "Locker":
        """Return a locker over ``entries`` as given, checked by nobody: for check and repair."""
        locker = cls.__new__(cls)
        locker._start(root, master, header, remember=False)  # check and repair trust no memory
        locker._log.restart(entries, 0)
        locker._settled = True
        return locker

    @classmethod
    def open(cls, root: Path, passphrase: str) -> "Locker":
        """Unlock a locker with its passphrase; raise WrongKeyError if it is not the right one."""
        return cls._unlock(root, read_header(root), "passphrase", passphrase.encode())

    @classmethod
    def resume(cls, root: Path, key: bytes) -> "Locker":
        """Reopen an unlocked locker with the key ``session_key`` gave (no Argon2id wait).

        Only the custody entries this process has not verified before are verified (see
        reclaim.locker._memory); the sealed head is checked as on opening. Raises
        WrongKeyError if ``key`` is not this locker's.
        """
        return cls(root, key, read_header(root))

    @staticmethod
    def forget(root: Path) -> None:
        """Forget what this process remembers of the locker at ``root``: when it is locked.

        That is its verified custody entries and item records (plaintext metadata kept so that
        ``resume`` need not verify, nor ``items`` unseal, them again: reclaim.locker._memory);
        the next ``resume`` verifies the whole log.
        """
        MEMORY.forget(root)

    @classmethod
    def recover(cls, root: Path, recovery_code: str, new_passphrase: str) -> "Locker":
        """Unlock with the recovery code and set a new passphrase."""
        code = normalise_recovery_code(recovery_code)
        locker = cls._unlock(root, read_header(root), "recovery", code)
        locker.change_passphrase(new_passphrase, reason="recovered with the recovery code")
        return locker

    @classmethod
    def _unlock(cls, root: Path, header: Header, slot: Slot, secret: bytes) -> "Locker":
        # Unlocking verifies every entry again: the one wait a person expects anyway.
        locker = cls(root, header.master_key(root, slot, secret), header, afresh=True)
        if header.inbox_key is None:
            locker._add_inbox_key()  # a locker made before captures existed: once, ever
        return locker

    @_exclusive
    def change_passphrase(self, new_passphrase: str, reason: str = "changed") -> None:
        """Wrap the master key with a new passphrase (the recovery code keeps working)."""
        header = self._header.with_passphrase(self._master, new_passphrase.encode())
        header.write(self.root)
        self._header = header
        self._log.append("passphrase-changed", details={"reason": reason})

    @_exclusive
    def _add_inbox_key(self) -> None:
        header = read_header(self.root).with_inbox(self._master)
        header.write(self.root)
        self._header = header

    def session_key(self) -> bytes:
        """Return the master key, for a caller that keeps the locker open between requests.

        Whoever holds it can read everything: keep it sealed, and only as long as the
        person has the locker open.
        """
        return self._master

    # The inbox: captures and notes sealed to the locker without unlocking it ---------------

    @staticmethod
    def deliver(
        root: Path,
        files: Mapping[str, Path],
        kind: str,
        incident: str | None,
        details: Mapping[str, str],
    ) -> str:
        """Seal files into a locker's inbox without unlocking it; return the delivery id.

        The owner's next ``accept_deliveries`` turns them into items. Only the inbox public
        key is used: whoever delivers can write, never read.
        """
        public = read_header(root).inbox_public()
        if public is None:
            raise LockerError("open this locker once so that it can receive captures")
        return deliver(root, public, files, kind, incident, details)

    @staticmethod
    def seal_note(root: Path, label: str, plaintext: bytes) -> bytes:
        """Return ``plaintext`` sealed to a locker's inbox key, without unlocking it.

        Only the owner, with the locker open, can read it back (``open_note``). Nothing is
        written: the caller keeps the sealed bytes where it likes.
        """
        public = read_header(root).inbox_public()
        if public is None:
            raise LockerError("open this locker once so that it can keep notes")
        return seal_note(public, label, plaintext)

    def open_note(self, label: str, sealed: bytes) -> bytes:
        """Return the plaintext of a note sealed to this locker (SealError if changed)."""
        return open_note(self._inbox_private(), label, sealed)

    def deliveries(self) -> list[Delivery]:
        """Return what waits in the inbox to become evidence items."""
        return self._inbox().deliveries()

    @_exclusive
    def accept_deliveries(self) -> list[EvidenceItem]:
        """Turn every delivery in the inbox into items; return the items added.

        A delivery for an incident where someone was under 18 is destroyed unread, and
        the custody log says so. Accepting again after a crash adds nothing twice.
        """
        inbox, added = self._inbox(), []
        for delivery in inbox.deliveries():
            try:
                added += self._accept(inbox, delivery)
            except Under18Error:
                self._log.append("delivery-refused", details={"reason": "under 18"})
            inbox.discard(delivery.id)
        return added

    def _accept(self, inbox: Inbox, delivery: Delivery) -> list[EvidenceItem]:
        incident = delivery.incident
        if incident is not None and incident not in self._log.ids("incident-added"):
            incident = None  # deleted since the capture was asked for: keep it unlinked
        self.check_media_allowed(incident)
        done = {item.name for item in self.items() if item.details.get("delivery") == delivery.id}
        details = {**delivery.details, "delivery": delivery.id}
        origin = capture_origin(details) if delivery.kind == "capture" else None
        added = []
        for name, pieces in inbox.files(delivery):
            if name in done:
                continue
            source, kind = PiecesReader(pieces), delivery.kind
            added.append(self._add(source, name, _guess(name), "", incident, kind, details, origin))
        return added

    def _inbox(self) -> Inbox:
        return Inbox(self.root, self._inbox_private())

    def _inbox_private(self) -> X25519PrivateKey:
        return self._header.inbox(self._master)

    # Evidence items -----------------------------------------------------------------------

    def add(
        self,
        source: BinaryIO | bytes,
        name: str,
        media_type: str,
        note: str = "",
        incident: str | None = None,
        details: Mapping[str, str] | None = None,
        origin: Mapping[str, str] | None = None,
    ) -> EvidenceItem:
        """Seal and store one file, keeping its bytes untouched; return what was stored.

        ``details`` holds what was read about the file (a picture's size, its EXIF date);
        ``origin`` where it came from (its original name, its file times), kept in the
        custody entry that records the addition. Refuses (Under18Error) any file for an
        incident where someone was under 18.
        """
        self.check_media_allowed(incident)
        kept = dict(details or {})
        return self._add(source, name, media_type, note, incident, "file", kept, origin)

    def check_media_allowed(self, incident: str | None) -> None:
        """Raise Under18Error if ``incident`` is one where no media may be kept."""
        if incident is not None and self.incident(incident).under_18:
            raise Under18Error()

    def add_capture(
        self,
        files: dict[str, Path],
        url: str,
        captured_utc: str,
        incident: str | None = None,
        more: Mapping[str, str] | None = None,
    ) -> list[EvidenceItem]:
        """Store each file of a web capture as an item, linked to its URL and capture time.

        ``more`` adds what else the capture recorded (its HTTP status, whether it is an error
        page, the key its WACZ is signed with: reclaim.capture's Capture.locker_details).
        """
        self.check_media_allowed(incident)
        details = {**(more or {}), "url": url, "captured_utc": captured_utc}
        origin = capture_origin(details)
        stored = []
        for name, path in files.items():
            with path.open("rb") as source:
                kind = "capture"
                stored.append(
                    self._add(source, name, _guess(name), "", incident, kind, details, origin)
                )
        return stored

    def add_message(
        self,
        text: str,
        sender: str,
        sent_at: str,
        incident: str | None = None,
        time_zone: str = "",
    ) -> EvidenceItem:
        """Store a message or threat as typed or pasted, with who sent it and when.

        ``sent_at`` is "" when the person does not know when it was sent; otherwise ISO 8601
        with its offset, typed in the zone named ``time_zone`` ("" for older callers: UTC).
        """
        check_not_future(sent_at, "A message cannot have been sent in the future")
        if incident is not None:
            self.incident(incident)
        details = {"sender": sender, "sent_at": sent_at}
        if time_zone:
            details["time_zone"] = time_zone
        data, media_type = text.encode(), "text/plain; charset=utf-8"
        return self._add(data, "message.txt", media_type, "", incident, "message", details)

    @_exclusive
    def _add(
        self,
        source: Readable | bytes,
        name: str,
        media_type: str,
        note: str,
        incident: str | None,
        kind: str,
        details: dict[str, str],
        origin: Mapping[str, str] | None = None,
    ) -> EvidenceItem:
        fields = {"name": name, "media_type": media_type, "note": note, "kind": kind}
        record = self._store.put(source, {**fields, "incident": incident, "details": details})
        custody = {**(origin or {}), **digest_details(record)}
        return item_from_record(record, self._log.append("item-added", str(record["id"]), custody))

    def items(self) -> list[EvidenceItem]:
        """Return every item in the locker, oldest first; a damaged one has ``damaged`` set."""
        live, blobs = self._log.live_items(), self._store.blob_files()
        return [
            self._store.as_found(entry, live, blobs)
            for entry in self._log.entries
            if entry.action == "item-added" and entry.item in live
        ]

    def item(self, item_id: str) -> EvidenceItem:
        """Return one item, unsealing only its record; a damaged one has ``damaged`` set.

        Raises NotFoundError if the locker holds no such item (or it was deleted).
        """
        return self._store.as_found(self._log.added(item_id), self._log.live_items())

    def damaged(self) -> list[Damage]:
        """Return every item, incident and removal request the log names that cannot be read."""
        found = [
            Damage("item", item.id, item.damaged, item.added_utc, digest_details(asdict(item)))
            for item in self.items()
            if item.damaged
        ]
        for kind, reader, action in (
            ("incident", self.incident, "incident-added"),
            ("removal request", self._request_record, "request-added"),
            ("referral", self.referral_record, "referral-shared"),
        ):
            for entry in self._log.entries:
                if entry.action == action:
                    try:
                        reader(str(entry.item))
                    except CorruptLockerError as error:
                        found.append(Damage(kind, str(entry.item), str(error), entry.at_utc))
        return found

    def read(self, item_id: str) -> Iterator[bytes]:
        """Yield an item's original bytes; raise CorruptLockerError if they were changed."""
        return self._store.read(item_id)

    def sealed_item(self, item_id: str) -> SealedItem:
        """Return one item's sealed blob and the item's own key, to share that item alone.

        The key opens this item's blob and nothing else (reclaim.referrals carries it to a
        helpline, sealed to the helpline's key). Raises NotFoundError if there is no such
        item, CorruptLockerError if its record, key or blob is damaged or missing.
        """
        return self._store.sealed(self._log.added(item_id))

    @_exclusive
    def delete(self, item_id: str, reason: str = "") -> None:
        """Delete an item for good, leaving a tombstone with its digests in the custody log."""
        found = self._store.as_found(self._log.added(item_id), self._log.live_items())
        try:
            blob = str(self._store.record(item_id)["blob"])
        except CorruptLockerError:
            blob = ""  # which blob was its cannot be told: it goes to quarantine, not away
        digests = digest_details(asdict(found))
        self._log.append("item-deleted", item_id, {**digests, "reason": reason})
        self._store.remove(item_id, blob)

    @_exclusive
    def link_item(self, item_id: str, incident_id: str | None) -> EvidenceItem:
        """Link an item to an incident (or, given None, to none); return the item as linked.

        The custody log records the change (``item-linked``, with the incident before and
        after). Refuses (Under18Error) a file or capture for an incident where someone was
        under 18; a message may be linked to any incident.
        """
        entry = self._log.added(item_id)
        record = self._store.record(item_id)
        if incident_id is not None:
            self.incident(incident_id)  # NotFoundError if there is no such incident
            if record.get("kind", "file") != "message":
                self.check_media_allowed(incident_id)
        before = str(record["incident"] or "")
        self._store.change({**record, "incident": incident_id})
        self._log.append("item-linked", item_id, {"incident": incident_id or "", "was": before})
        return item_from_record(self._store.record(item_id), entry)

    # Incidents ----------------------------------------------------------------------------

    @_exclusive
    def add_incident(self, incident: Incident) -> Incident:
        """Store an incident on the timeline; return it with its new id."""
        incident.check()
        stored = replace(incident, id=uuid.uuid4().hex)
        self._incidents.write_json(stored.id, asdict(stored))
        self._log.append("incident-added", stored.id)
        return stored

    @_exclusive
    def correct_incident(self, incident: Incident, reason: str) -> None:
        """Replace an incident's details, recording which fields changed and why."""
        incident.check()
        old = self.incident(incident.id)
        changed = sorted(k for k, v in asdict(incident).items() if asdict(old)[k] != v)
        self._incidents.write_json(incident.id, asdict(incident))
        details = {"fields": ",".join(changed), "reason": reason}
        self._log.append("incident-corrected", incident.id, details)

    def incident(self, incident_id: str) -> Incident:
        """Return one incident; raise NotFoundError if there is none with that id."""
        if incident_id not in self._log.ids("incident-added"):
            raise NotFoundError(f"no incident {incident_id} in this locker")
        return self._read_incident(incident_id)

    def _read_incident(self, incident_id: str) -> Incident:
        fields = self._incidents.read_object(incident_id, f"incident {incident_id}")
        for key in ("urls", "people", "reports"):
            fields[key] = tuple(fields[key])
        return Incident(**fields)

    def incidents(self) -> list[Incident]:
        """Return every incident that can be read, in the order they were added.

        A damaged one is left out here and listed by ``damaged``.
        """
        found = []
        for incident_id in self._log.ids("incident-added"):
            with contextlib.suppress(CorruptLockerError):
                found.append(self._read_incident(incident_id))
        return found

    # Removal requests (reclaim.notices keeps their meaning; the locker keeps them sealed) ---

    @_exclusive
    def save_request(
        self, request_id: str, content: Mapping[str, object], details: dict[str, str]
    ) -> None:
        """Store a removal request's record, sealed; log it as added or changed (``details``)."""
        known = request_id in self._log.ids("request-added")
        self._requests.write_json(request_id, content)
        self._log.append("request-changed" if known else "request-added", request_id, details)

    def request_records(self) -> list[dict[str, object]]:
        """Return every removal request's record that can be read, in the order added.

        A damaged one is left out here and listed by ``damaged``.
        """
        records = []
        for request_id in self._log.ids("request-added"):
            with contextlib.suppress(CorruptLockerError):
                records.append(self._request_record(request_id))
        return records

    def _request_record(self, request_id: str) -> dict[str, object]:
        return self._requests.read_object(request_id, f"removal request {request_id}")

    # Referrals (reclaim.referrals keeps their meaning; the locker keeps them sealed) ---------

    @_exclusive
    def save_referral(
        self, referral_id: str, content: Mapping[str, object], details: dict[str, str]
    ) -> None:
        """Store a referral's record, sealed; log it as shared, or changed (``details``)."""
        known = referral_id in self._log.ids("referral-shared")
        self._referrals.write_json(referral_id, content)
        self._log.append("referral-changed" if known else "referral-shared", referral_id, details)

    def referral_record(self, referral_id: str) -> dict[str, object]:
        """Return one referral's record; NotFoundError if none, CorruptLockerError if damaged."""
        if referral_id not in self._log.ids("referral-shared"):
            raise NotFoundError(f"no referral {referral_id} in this locker")
        return self._referrals.read_object(referral_id, f"referral {referral_id}")

    def referral_records(self) -> list[dict[str, object]]:
        """Return every referral's record that can be read, in the order shared.

        A damaged one is left out here and listed by ``damaged``.
        """
        records = []
        for referral_id in self._log.ids("referral-shared"):
            with contextlib.suppress(CorruptLockerError):
                records.append(self.referral_record(referral_id))
        return records

    # Timestamps and anchors (see _stamps) -------------------------------------------------

    @_exclusive
    def timestamp_log_head(self, authorities: tuple[str, ...]) -> list[LogStamp]:
        """Ask each authority to timestamp the newest custody entry; queue those offline."""
        return self._stamps.stamp_log_head(authorities)

    @_exclusive
    def retry_timestamps(self) -> list[LogStamp]:
        """Try the queued timestamp requests again; return each log-head one, obtained or not.

        Queued key and item timestamps are retried too (see ``anchor_key``).
        """
        self._stamps.anchor_key(())
        self._stamps.timestamp_items(())
        return self._stamps.stamp_log_head(())

    def timestamps(self) -> list[LogStamp]:
        """Return every log-head timestamp obtained, and every one still pending."""
        return self._stamps.log_stamps()

    def timestamp_token(self, stamp: LogStamp) -> bytes:
        """Return the RFC 3161 response stored for an obtained log-head timestamp."""
        return self._stamps.log_token(stamp)

    @_exclusive
    def anchor_key(self, authorities: tuple[str, ...]) -> list[KeyStamp]:
        """Ask each authority (and each queued one) to timestamp the key (see Stamps)."""
        return self._stamps.anchor_key(authorities)

    def key_anchors(self) -> list[KeyStamp]:
        """Return every timestamp of the key obtained so far."""
        return self._stamps.key_anchors()

    def anchor_token(self, file: str) -> bytes:
        """Return a stored key or item timestamp (``KeyStamp.file`` or ``ItemBatch.file``)."""
        return self._stamps.token(file)

    @_exclusive
    def timestamp_items(self, authorities: tuple[str, ...]) -> list[ItemBatch]:
        """Timestamp every item an authority has not covered yet: one token over their root."""
        return self._stamps.timestamp_items(authorities)

    def item_batches(self) -> list[ItemBatch]:
        """Return every batch of items timestamped so far."""
        return self._stamps.item_batches()

    def batch_proofs(self, batch: ItemBatch) -> BatchProofs:
        """Return the token of an obtained batch and each of its items' proof paths."""
        return self._stamps.batch_proofs(batch)

    # The key and the custody log -----------------------------------------------------------

    def key_fingerprint(self) -> str:
        """Return the key's `SHA256:` fingerprint, as `ssh-keygen -l` prints it."""
        return sshsig.fingerprint(self.public_key())

    def spoken_key_fingerprint(self) -> str:
        """Return the key's fingerprint to read aloud: eight groups of four hex digits."""
        return sshsig.spoken_fingerprint(self.public_key())

    def public_key(self) -> Ed25519PublicKey:
        """Return the Ed25519 public key that signs the custody log and packs."""
        return self._signing_key.public_key()

    def ssh_sign(self, namespace: str, message: bytes) -> str:
        """Return an SSH signature (checkable with `ssh-keygen -Y verify`) of ``message``."""
        return sshsig.sign(self._signing_key, namespace, message)

    def custody(self) -> list[CustodyEntry]:
        """Return the custody log, verified."""
        return list(self._log.entries)

    def verify_custody(self) -> None:
        """Read and verify the whole custody log again, trusting nothing remembered.

        For what leaves the locker (a pack): raises as opening would if the log is damaged,
        broken or rolled back.
        """
        with self._lock:
            self._log.read(reuse=False)
            self._log.check_whole()

    @_exclusive
    def record_export(self, details: dict[str, str]) -> None:
        """Append a custody entry saying that a pack was exported."""
        self._log.append("pack-exported", details=details)

    def restart_log(self, entries: list[CustodyEntry], size: int) -> None:
        """Take ``entries`` (``size`` bytes on disk) as the whole log: for repair only."""
        self._log.restart(entries, size)

    def append_entry(self, action: str, item: str | None, details: dict[str, str]) -> CustodyEntry:
        """Append an entry as the owner, under the lock the caller holds: for repair only."""
        return self._log.append(action, item, details)

    # What a crash left ------------------------------------------------------------------------

    def _settle(self) -> None:
        """Before a first change, settle what a crash left: only a writer may, under the lock.

        Cuts off a torn last line, removes half-written temporaries, finishes deletions the
        person asked for, and moves files no entry names to quarantine (never deletes them).
        """
        self._log.cut_torn_line()
        for folder in ("", *FOLDERS, "timestamps"):
            if (self.root / folder).is_dir():
                remove_temporaries(self.root / folder)
        self._store.finish_deletions()
        self._moved = quarantine(self.root, unnamed(self.root, self._store.named_files()))
        self._moved += quarantine(self.root, _stale_deliveries(self.root / "inbox"))
        if not any(entry.details.get(MARKER[0]) == MARKER[1] for entry in self._log.entries):
            self._log.append("head-sealed", details=dict([MARKER]))  # a locker made before

    @_exclusive
    def tidy(self) -> list[Path]:
        """Settle what a crash left now; return the files this moved to quarantine.

        Every writer does this before its first change anyway; nothing is deleted.
        """
        return list(self._moved)

    def named_files(self) -> dict[str, set[str]]:
        """Return, per item folder, the names of the files the custody log accounts for."""
        return self._store.named_files()


def _guess(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _stale_deliveries(inbox: Path) -> list[Path]:
    """Return deliveries a worker began over an hour ago and never finished."""
    if not inbox.is_dir():
        return []
    # A worker may be writing one now, without the lock: only old ones are left over.
    now = time.time()
    return [path for path in inbox.glob(".*.tmp") if now - path.stat().st_mtime > STALE_SECONDS]
