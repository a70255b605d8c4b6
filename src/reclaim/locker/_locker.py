"""The locker: an encrypted folder of evidence items with a signed custody log.

Layout (nothing in it is readable without the master key, except locker.json, which holds
only salts, cost settings, wrapped keys and the public key):

    locker.json      header: Argon2id settings, the master key wrapped twice, the public key
    custody.log      one sealed custody entry per line, appended, never rewritten
    head             sealed: how many entries the log had and the digest of the last one
    records/ID       sealed metadata of one item (names are random, never content digests)
    blobs/ID         the item's bytes, sealed with the item's own key
    incidents/ID     sealed incidents
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

import base64
import contextlib
import hashlib
import io
import json
import mimetypes
import os
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Concatenate, ParamSpec, TypeVar

from argon2.exceptions import HashingError
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from reclaim.files import (
    PRIVATE_FILE_MODE,
    PRIVATE_FOLDER_MODE,
    FolderLock,
    open_private,
    remove_temporaries,
    sync_folder,
    write_atomically,
)
from reclaim.locker._custody import CustodyEntry, CustodyError, new_entry, verify_chain
from reclaim.locker._errors import (
    BrokenChainError,
    CorruptLockerError,
    LockerError,
    WrongKeyError,
    what_to_do,
)
from reclaim.locker._errors import damaged as damage_error
from reclaim.locker._head import MARKER, check_head, seal_head
from reclaim.locker._header import FORMAT, HEADER, VERSION, read_header
from reclaim.locker._inbox import Delivery, Inbox, deliver, open_note, public_bytes, seal_note
from reclaim.locker._incidents import Incident, Under18Error, check_not_future
from reclaim.locker._keys import (
    KdfError,
    KdfParams,
    calibrate,
    new_key,
    new_recovery_code,
    new_salt,
    normalise_recovery_code,
)
from reclaim.locker._log import LOG, scan_log, seal_line
from reclaim.locker._quarantine import FOLDERS, quarantine, unnamed
from reclaim.locker._stream import Readable, SealError, seal, seal_bytes, unseal, unseal_bytes
from reclaim.signing import sshsig
from reclaim.signing.merkle import build_tree, leaf_hash, root_data
from reclaim.signing.timestamps import TimestampUnavailableError, request_token

OWNER = "owner"
# What a capture's custody entry states besides the digests (see _capture_origin).
CAPTURE_CUSTODY_DETAILS = ("url", "captured_utc", "status", "error_page", "wacz_public_key")
STALE_SECONDS = 3600  # a delivery staged longer ago than this was cut short by a crash


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
class Damage:
    """An item, incident or removal request the custody log names that cannot be read."""

    kind: str
    id: str
    reason: str
    added_utc: str
    details: dict[str, str] = field(default_factory=dict)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)


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


@dataclass(frozen=True)
class LogStamp:
    """A timestamp of the custody log up to entry ``seq``: its time, or "pending"."""

    authority: str
    seq: int
    time: str


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
            self._catch_up()
            if not self._settled:
                self._settled = True
                self._settle()
            return method(self, *args, **kwargs)

    # Not functools.wraps: mypy cannot match its wrapper type to a Concatenate signature.
    locked.__name__, locked.__doc__ = method.__name__, method.__doc__
    return locked


def _slug(authority: str) -> str:
    return hashlib.sha256(authority.encode()).hexdigest()[:16]


class Locker:
    """An unlocked locker. Create one with ``create``, open one with ``open`` or ``recover``."""

    def __init__(
        self, root: Path, master_key: bytes, header: dict[str, object], new: bool = False
    ) -> None:
        self.root = root
        self._master = master_key
        self._header = header
        self._lock = FolderLock(root)
        self._signing_key = signing_key(master_key, header)
        self._log_size = 0
        self._settled = new  # a writer settles what a crash left once, before its first change
        self._moved: list[Path] = []
        with self._lock:
            self._entries = self._read_log()
            if not new:
                self._check_whole()

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
        master, code, signing = new_key(), new_recovery_code(), Ed25519PrivateKey.generate()
        header: dict[str, object] = {
            "format": FORMAT,
            "version": VERSION,
            "kdf": {"algorithm": "argon2id", **kdf.__dict__},
            "passphrase": _wrap(master, kdf, passphrase.encode(), "passphrase"),
            "recovery": _wrap(master, kdf, normalise_recovery_code(code), "recovery"),
            "signing_key": _b64(seal_bytes(master, b"signing-key", _private_bytes(signing))),
            "public_key": _b64(signing.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)),
            **_inbox_header(master),
        }
        for folder in (
            root,
            root / "blobs",
            root / "records",
            root / "incidents",
            root / "requests",
            root / "timestamps",
        ):
            folder.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True, exist_ok=True)
        (root / LOG).touch(mode=PRIVATE_FILE_MODE)
        write_atomically(root / HEADER, json.dumps(header, indent=2).encode())
        locker = cls(root, master, header, new=True)
        created = {**dict([MARKER]), "key": locker.key_fingerprint()}
        locker._append("locker-created", OWNER, details=created)
        if authorities:
            locker.anchor_key(authorities)
        return locker, code

    @classmethod
    def _viewing(
        cls, root: Path, master: bytes, header: dict[str, object], entries: list[CustodyEntry]
    ) -> "Locker":
        """Return a locker over ``entries`` as given, checked by nobody: for check and repair."""
        locker = cls.__new__(cls)
        locker.root, locker._master, locker._header = root, master, header
        locker._lock = FolderLock(root)
        locker._signing_key = signing_key(master, header)
        locker._entries, locker._log_size, locker._settled = list(entries), 0, True
        locker._moved = []
        return locker

    @classmethod
    def open(cls, root: Path, passphrase: str) -> "Locker":
        """Unlock a locker with its passphrase; raise WrongKeyError if it is not the right one."""
        header = read_header(root)
        return cls._unlock(root, header, "passphrase", passphrase.encode())

    @classmethod
    def resume(cls, root: Path, key: bytes) -> "Locker":
        """Reopen an unlocked locker with the key ``session_key`` gave (no Argon2id wait).

        Raises WrongKeyError if ``key`` is not this locker's.
        """
        return cls(root, key, read_header(root))

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
        header = read_header(root)
        if "inbox_key" not in header:
            raise LockerError("open this locker once so that it can receive captures")
        public = X25519PublicKey.from_public_bytes(_unb64(str(header["inbox_key"])))
        return deliver(root, public, files, kind, incident, details)

    @staticmethod
    def seal_note(root: Path, label: str, plaintext: bytes) -> bytes:
        """Return ``plaintext`` sealed to a locker's inbox key, without unlocking it.

        Only the owner, with the locker open, can read it back (``open_note``). Nothing is
        written: the caller keeps the sealed bytes where it likes.
        """
        header = read_header(root)
        if "inbox_key" not in header:
            raise LockerError("open this locker once so that it can keep notes")
        public = X25519PublicKey.from_public_bytes(_unb64(str(header["inbox_key"])))
        return seal_note(public, label, plaintext)

    def open_note(self, label: str, sealed: bytes) -> bytes:
        """Return the plaintext of a note sealed to this locker (SealError if changed)."""
        return open_note(self._inbox_private(), label, sealed)

    def session_key(self) -> bytes:
        """Return the master key, for a caller that keeps the locker open between requests.

        Whoever holds it can read everything: keep it sealed, and only as long as the
        person has the locker open.
        """
        return self._master

    @classmethod
    def recover(cls, root: Path, recovery_code: str, new_passphrase: str) -> "Locker":
        """Unlock with the recovery code and set a new passphrase."""
        header = read_header(root)
        locker = cls._unlock(root, header, "recovery", normalise_recovery_code(recovery_code))
        locker.change_passphrase(new_passphrase, reason="recovered with the recovery code")
        return locker

    @classmethod
    def _unlock(cls, root: Path, header: dict[str, object], slot: str, secret: bytes) -> "Locker":
        locker = cls(root, master_key(root, header, slot, secret), header)
        if "inbox_key" not in header:
            locker._add_inbox_key()  # a locker made before captures existed: once, ever
        return locker

    @_exclusive
    def change_passphrase(self, new_passphrase: str, reason: str = "changed") -> None:
        """Wrap the master key with a new passphrase (the recovery code keeps working)."""
        kdf = _kdf(self._header)
        header = {
            **self._header,
            "passphrase": _wrap(self._master, kdf, new_passphrase.encode(), "passphrase"),
        }
        write_atomically(self.root / HEADER, json.dumps(header, indent=2).encode())
        self._header = header
        self._append("passphrase-changed", OWNER, details={"reason": reason})

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
        origin = _capture_origin(details)
        stored = []
        for name, path in files.items():
            media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            with path.open("rb") as source:
                stored.append(
                    self._add(source, name, media_type, "", incident, "capture", details, origin)
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
        data = text.encode()
        return self._add(
            data, "message.txt", "text/plain; charset=utf-8", "", incident, "message", details
        )

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
        stream = io.BytesIO(source) if isinstance(source, bytes) else source
        item_id, blob_id, item_key = uuid.uuid4().hex, uuid.uuid4().hex, new_key()
        digests = _Digests(stream)
        _write_stream(self.root / "blobs" / blob_id, seal(item_key, blob_id.encode(), digests))
        record = {
            "id": item_id,
            "blob": blob_id,
            "item_key": _b64(seal_bytes(self._master, f"item-key:{item_id}".encode(), item_key)),
            "name": name,
            "media_type": media_type,
            "size": digests.size,
            "sha256": digests.sha256.hexdigest(),
            "sha512": digests.sha512.hexdigest(),
            "note": note,
            "kind": kind,
            "incident": incident,
            "details": details,
        }
        self._stage_record(record)
        custody = {**(origin or {}), **_digest_details(record)}
        entry = self._append("item-added", OWNER, item_id, custody)
        return _item(record, entry)

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
                self._append("delivery-refused", OWNER, details={"reason": "under 18"})
            inbox.discard(delivery.id)
        return added

    def _accept(self, inbox: Inbox, delivery: Delivery) -> list[EvidenceItem]:
        incident = delivery.incident
        if incident is not None and incident not in self._incident_ids():
            incident = None  # deleted since the capture was asked for: keep it unlinked
        self.check_media_allowed(incident)
        done = {item.name for item in self.items() if item.details.get("delivery") == delivery.id}
        details = {**delivery.details, "delivery": delivery.id}
        origin = _capture_origin(details) if delivery.kind == "capture" else None
        added = []
        for name, pieces in inbox.files(delivery):
            if name in done:
                continue
            media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            source = _PiecesReader(pieces)
            kind = delivery.kind
            added.append(self._add(source, name, media_type, "", incident, kind, details, origin))
        return added

    def _inbox(self) -> Inbox:
        return Inbox(self.root, self._inbox_private())

    def _inbox_private(self) -> X25519PrivateKey:
        private = unseal_bytes(
            self._master, b"inbox-key", _unb64(str(self._header["inbox_private"]))
        )
        return X25519PrivateKey.from_private_bytes(private)

    @_exclusive
    def _add_inbox_key(self) -> None:
        header = {**read_header(self.root), **_inbox_header(self._master)}
        write_atomically(self.root / HEADER, json.dumps(header, indent=2).encode())
        self._header = header

    def _incident_ids(self) -> set[str | None]:
        return {e.item for e in self._entries if e.action == "incident-added"}

    def items(self) -> list[EvidenceItem]:
        """Return every item in the locker, oldest first; a damaged one has ``damaged`` set."""
        live = self._live_ids()
        return [
            self._item_as_found(entry, live)
            for entry in self._entries
            if entry.action == "item-added" and entry.item in live
        ]

    def _item_as_found(self, entry: CustodyEntry, live: set[str | None]) -> EvidenceItem:
        try:
            record = self._record(entry.item, live)
        except CorruptLockerError as error:
            return _damaged_item(entry, str(error))
        if not (self.root / "blobs" / record["blob"]).is_file():
            missing = f"the sealed file of item {entry.item} is missing"
            return replace(_item(record, entry), damaged=missing)
        return _item(record, entry)

    def damaged(self) -> list[Damage]:
        """Return every item, incident and removal request the log names that cannot be read."""
        found = [
            Damage("item", item.id, item.damaged, item.added_utc, _digest_details(asdict(item)))
            for item in self.items()
            if item.damaged
        ]
        for kind, reader, action in (
            ("incident", self.incident, "incident-added"),
            ("removal request", self._request_record, "request-added"),
        ):
            for entry in self._entries:
                if entry.action == action:
                    try:
                        reader(str(entry.item))
                    except CorruptLockerError as error:
                        found.append(Damage(kind, str(entry.item), str(error), entry.at_utc))
        return found

    def read(self, item_id: str) -> Iterator[bytes]:
        """Yield an item's original bytes; raise CorruptLockerError if they were changed."""
        record = self._record(item_id)
        key = unseal_bytes(self._master, f"item-key:{item_id}".encode(), _unb64(record["item_key"]))
        with (self.root / "blobs" / record["blob"]).open("rb") as sealed:
            try:
                yield from unseal(key, record["blob"].encode(), sealed)
            except SealError as error:
                raise CorruptLockerError(f"item {item_id} was damaged: {error}") from None

    @_exclusive
    def delete(self, item_id: str, reason: str = "") -> None:
        """Delete an item for good, leaving a tombstone with its digests in the custody log."""
        found = self._item_as_found(self._entry_of(item_id), self._live_ids())
        try:
            blob = self._record(item_id)["blob"]
        except CorruptLockerError:
            blob = ""  # which blob was its cannot be told: it goes to quarantine, not away
        digests = _digest_details(asdict(found))
        self._append("item-deleted", OWNER, item_id, {**digests, "reason": reason})
        self._remove_files(item_id, blob)

    def _entry_of(self, item_id: str) -> CustodyEntry:
        if item_id not in self._live_ids():
            raise LockerError(f"no item {item_id} in this locker")
        return next(e for e in self._entries if e.action == "item-added" and e.item == item_id)

    @_exclusive
    def add_incident(self, incident: Incident) -> Incident:
        """Store an incident on the timeline; return it with its new id."""
        incident.check()
        stored = replace(incident, id=uuid.uuid4().hex)
        self._write_incident(stored)
        self._append("incident-added", OWNER, stored.id)
        return stored

    @_exclusive
    def correct_incident(self, incident: Incident, reason: str) -> None:
        """Replace an incident's details, recording which fields changed and why."""
        incident.check()
        old = self.incident(incident.id)
        changed = sorted(k for k, v in asdict(incident).items() if asdict(old)[k] != v)
        self._write_incident(incident)
        self._append(
            "incident-corrected",
            OWNER,
            incident.id,
            {"fields": ",".join(changed), "reason": reason},
        )

    @_exclusive
    def link_item(self, item_id: str, incident_id: str | None) -> EvidenceItem:
        """Link an item to an incident (or, given None, to none); return the item as linked.

        The custody log records the change (``item-linked``, with the incident before and
        after). Refuses (Under18Error) a file or capture for an incident where someone was
        under 18; a message may be linked to any incident.
        """
        entry = self._entry_of(item_id)
        record = self._record(item_id)
        if incident_id is not None:
            self.incident(incident_id)  # LockerError if there is no such incident
            if record.get("kind", "file") != "message":
                self.check_media_allowed(incident_id)
        before = record["incident"] or ""
        self._stage_record({**record, "incident": incident_id})
        self._append("item-linked", OWNER, item_id, {"incident": incident_id or "", "was": before})
        return _item(self._record(item_id), entry)

    def incident(self, incident_id: str) -> Incident:
        """Return one incident; raise LockerError if there is none with that id."""
        if incident_id not in self._incident_ids():
            raise LockerError(f"no incident {incident_id} in this locker")
        path = self.root / "incidents" / incident_id
        try:
            plain = unseal_bytes(
                self._master, f"incident:{incident_id}".encode(), path.read_bytes()
            )
        except (OSError, SealError) as error:
            raise CorruptLockerError(f"incident {incident_id} is missing or damaged") from error
        fields = json.loads(plain)
        for key in ("urls", "people", "reports"):
            fields[key] = tuple(fields[key])
        return Incident(**fields)

    def incidents(self) -> list[Incident]:
        """Return every incident that can be read, in the order they were added.

        A damaged one is left out here and listed by ``damaged``.
        """
        found = []
        for entry in self._entries:
            if entry.action == "incident-added":
                try:
                    found.append(self.incident(str(entry.item)))
                except CorruptLockerError:
                    continue
        return found

    def _write_incident(self, incident: Incident) -> None:
        sealed = seal_bytes(
            self._master, f"incident:{incident.id}".encode(), json.dumps(asdict(incident)).encode()
        )
        write_atomically(self.root / "incidents" / incident.id, sealed)

    # Removal requests (reclaim.notices keeps their meaning; the locker keeps them sealed) ---

    @_exclusive
    def save_request(
        self, request_id: str, content: Mapping[str, object], details: dict[str, str]
    ) -> None:
        """Store a removal request's record, sealed; log it as added or changed (``details``)."""
        known = request_id in self._request_ids()
        folder = self.root / "requests"
        folder.mkdir(exist_ok=True)  # lockers made before removal requests existed lack it
        sealed = seal_bytes(
            self._master, f"request:{request_id}".encode(), json.dumps(content).encode()
        )
        write_atomically(folder / request_id, sealed)
        self._append("request-changed" if known else "request-added", OWNER, request_id, details)

    def request_records(self) -> list[dict[str, object]]:
        """Return every removal request's record that can be read, in the order added.

        A damaged one is left out here and listed by ``damaged``.
        """
        records = []
        for request_id in self._request_ids():
            try:
                records.append(self._request_record(request_id))
            except CorruptLockerError:
                continue
        return records

    def _request_record(self, request_id: str) -> dict[str, object]:
        path = self.root / "requests" / request_id
        try:
            plain = unseal_bytes(self._master, f"request:{request_id}".encode(), path.read_bytes())
        except (OSError, SealError) as error:
            raise CorruptLockerError(
                f"removal request {request_id} is missing or damaged"
            ) from error
        return dict(json.loads(plain))

    def _request_ids(self) -> list[str]:
        return [str(e.item) for e in self._entries if e.action == "request-added"]

    def timestamp_log_head(self, authorities: tuple[str, ...]) -> list[LogStamp]:
        """Ask each authority to timestamp the newest custody entry; queue those offline."""
        head = self._entries[-1]
        pending = self._pending() + [LogStamp(a, head.seq, "pending") for a in authorities]
        return self._stamp(pending)

    def retry_timestamps(self) -> list[LogStamp]:
        """Try the queued timestamp requests again; return each log-head one, obtained or not.

        Queued key and item timestamps are retried too (see ``anchor_key``).
        """
        self.anchor_key(())
        self.timestamp_items(())
        return self._stamp(self._pending())

    def timestamps(self) -> list[LogStamp]:
        """Return every log-head timestamp obtained, and every one still pending."""
        done = [
            LogStamp(e.details["authority"], int(e.details["seq"]), e.details["time"])
            for e in self._entries
            if e.action == "log-head-timestamped"
        ]
        return done + self._pending()

    def timestamp_token(self, stamp: LogStamp) -> bytes:
        """Return the RFC 3161 response stored for an obtained log-head timestamp."""
        path = self.root / "timestamps" / f"{stamp.seq}-{_slug(stamp.authority)}.tsr"
        return unseal_bytes(self._master, f"timestamp:{path.name}".encode(), path.read_bytes())

    @_exclusive
    def _stamp(self, queue: list[LogStamp]) -> list[LogStamp]:
        still_pending, results = [], []
        for stamp in queue:
            line = self._entries[stamp.seq].line()
            try:
                token = request_token(stamp.authority, line)
            except TimestampUnavailableError:
                still_pending.append(stamp)
                results.append(stamp)
                continue
            name = f"{stamp.seq}-{_slug(stamp.authority)}.tsr"
            sealed = seal_bytes(self._master, f"timestamp:{name}".encode(), token.response)
            write_atomically(self.root / "timestamps" / name, sealed)
            details = {"authority": stamp.authority, "seq": str(stamp.seq), "time": token.time}
            self._append("log-head-timestamped", OWNER, details=details)
            results.append(LogStamp(stamp.authority, stamp.seq, token.time))
        self._write_pending(still_pending)
        return results

    def _pending(self) -> list[LogStamp]:
        path = self.root / "timestamps" / "pending"
        if not path.exists():
            return []
        plain = unseal_bytes(self._master, b"timestamps-pending", path.read_bytes())
        queued = [LogStamp(a, int(seq), "pending") for a, seq in json.loads(plain)]
        return [stamp for stamp in queued if stamp.seq < len(self._entries)]  # after a repair

    def _write_pending(self, pending: list[LogStamp]) -> None:
        (self.root / "timestamps").mkdir(exist_ok=True)
        data = json.dumps([[stamp.authority, stamp.seq] for stamp in pending]).encode()
        sealed = seal_bytes(self._master, b"timestamps-pending", data)
        write_atomically(self.root / "timestamps" / "pending", sealed)

    # Anchors: the key and the items timestamped by RFC 3161 authorities ------------------

    def key_fingerprint(self) -> str:
        """Return the key's `SHA256:` fingerprint, as `ssh-keygen -l` prints it."""
        return sshsig.fingerprint(self.public_key())

    def spoken_key_fingerprint(self) -> str:
        """Return the key's fingerprint to read aloud: eight groups of four hex digits."""
        return sshsig.spoken_fingerprint(self.public_key())

    @_exclusive
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
            KeyStamp(
                e.details["authority"],
                e.details["time"],
                e.details["fingerprint"],
                e.details["file"],
            )
            for e in self._entries
            if e.action == "key-timestamped"
        ]

    def anchor_token(self, file: str) -> bytes:
        """Return a stored key or item timestamp (``KeyStamp.file`` or ``ItemBatch.file``)."""
        path = self.root / "timestamps" / file
        return unseal_bytes(self._master, f"timestamp:{file}".encode(), path.read_bytes())

    def _anchor_key_with(self, authority: str) -> KeyStamp:
        fingerprint = self.key_fingerprint()
        try:
            token = request_token(authority, key_anchor_data(fingerprint))
        except TimestampUnavailableError:
            return KeyStamp(authority, "pending", fingerprint)
        file = f"key-{_slug(authority)}.tsr"
        self._keep_sealed(file, token.response)
        details = {"authority": authority, "time": token.time, "fingerprint": fingerprint}
        self._append("key-timestamped", OWNER, details={**details, "file": file})
        return KeyStamp(authority, token.time, fingerprint, file)

    @_exclusive
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
            ItemBatch(
                e.details["authority"],
                e.details["time"],
                e.details["root"],
                tuple(e.details["items"].split(",")),
                e.details["file"],
            )
            for e in self._entries
            if e.action == "items-timestamped"
        ]

    def batch_proofs(self, batch: ItemBatch) -> BatchProofs:
        """Return the token of an obtained batch and each of its items' proof paths."""
        kept = json.loads(self.anchor_token(batch.file))
        proofs = {
            item: (str(sha256), tuple((str(side), str(sibling)) for side, sibling in path))
            for item, sha256, path in kept["items"]
        }
        return BatchProofs(_unb64(kept["token"]), proofs)

    def _uncovered_items(self, authority: str) -> list[tuple[str, str]]:
        """Return (id, sha256) of the live items ``authority`` has not timestamped, oldest first."""
        covered = {i for b in self.item_batches() if b.authority == authority for i in b.items}
        live = self._live_ids()
        return [
            (str(e.item), e.details["sha256"])
            for e in self._entries
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
            "token": _b64(token.response),
            "items": [
                [item, sha256, path] for (item, sha256), path in zip(items, paths, strict=True)
            ],
        }
        self._keep_sealed(file, json.dumps(kept).encode())  # before the entry that names it
        details = {"authority": authority, "time": token.time, "root": root.hex()}
        details |= {"count": str(len(ids)), "items": ",".join(ids), "file": file}
        self._append("items-timestamped", OWNER, details=details)
        return ItemBatch(authority, token.time, root.hex(), ids, file)

    def _keep_sealed(self, file: str, data: bytes) -> None:
        (self.root / "timestamps").mkdir(exist_ok=True)
        sealed = seal_bytes(self._master, f"timestamp:{file}".encode(), data)
        write_atomically(self.root / "timestamps" / file, sealed)

    def _anchor_queue(self) -> dict[str, list[str]]:
        """Return the authorities still to ask, for the key and for items.

        Sealed like the log-head queue: which authorities were asked says something.
        """
        path = self.root / "timestamps" / "anchors-pending"
        if not path.exists():
            return {"key": [], "items": []}
        return dict(json.loads(unseal_bytes(self._master, b"anchors-pending", path.read_bytes())))

    def _write_anchor_queue(self, kind: str, authorities: list[str]) -> None:
        queue = {**self._anchor_queue(), kind: authorities}
        path = self.root / "timestamps" / "anchors-pending"
        if not any(queue.values()) and not path.exists():
            return  # nothing was ever queued: leave no file
        (self.root / "timestamps").mkdir(exist_ok=True)
        sealed = seal_bytes(self._master, b"anchors-pending", json.dumps(queue).encode())
        write_atomically(path, sealed)

    def custody(self) -> list[CustodyEntry]:
        """Return the custody log, verified."""
        return list(self._entries)

    def public_key(self) -> Ed25519PublicKey:
        """Return the Ed25519 public key that signs the custody log and packs."""
        return self._signing_key.public_key()

    def ssh_sign(self, namespace: str, message: bytes) -> str:
        """Return an SSH signature (checkable with `ssh-keygen -Y verify`) of ``message``."""
        return sshsig.sign(self._signing_key, namespace, message)

    @_exclusive
    def record_export(self, details: dict[str, str]) -> None:
        """Append a custody entry saying that a pack was exported."""
        self._append("pack-exported", OWNER, details=details)

    # Internals ------------------------------------------------------------------------------

    def _stage_record(self, record: dict[str, object]) -> None:
        sealed = seal_bytes(
            self._master, f"record:{record['id']}".encode(), json.dumps(record).encode()
        )
        write_atomically(self.root / "records" / str(record["id"]), sealed)

    def _record(self, item_id: str | None, live: set[str | None] | None = None) -> dict[str, str]:
        if item_id not in (self._live_ids() if live is None else live):
            raise LockerError(f"no item {item_id} in this locker")
        path = self.root / "records" / str(item_id)
        try:
            plain = unseal_bytes(self._master, f"record:{item_id}".encode(), path.read_bytes())
        except (OSError, SealError) as error:
            raise CorruptLockerError(
                f"the record of item {item_id} is missing or damaged"
            ) from error
        return dict(json.loads(plain))

    def _live_ids(self) -> set[str | None]:
        added = {entry.item for entry in self._entries if entry.action == "item-added"}
        return added - {entry.item for entry in self._entries if entry.action == "item-deleted"}

    def _append(
        self,
        action: str,
        actor: str,
        item: str | None = None,
        details: dict[str, str] | None = None,
    ) -> CustodyEntry:
        previous = self._entries[-1] if self._entries else None
        entry = new_entry(previous, action, actor, self._signing_key, item, details)
        line = seal_line(self._master, entry)
        with (self.root / LOG).open("ab") as log:
            log.write(line)
            log.flush()
            os.fsync(log.fileno())
        self._entries.append(entry)
        self._log_size += len(line)
        seal_head(self.root, self._master, self._entries)  # a crash here: the head lags by one
        return entry

    def _catch_up(self) -> None:
        """Read the entries another writer appended since this object last looked."""
        if (self.root / LOG).stat().st_size != self._log_size:
            self._entries = self._read_log()
            self._check_whole()

    def _read_log(self) -> list[CustodyEntry]:
        """Return the committed entries; refuse any damage but a torn last line (ignored)."""
        try:
            data = (self.root / LOG).read_bytes()
        except FileNotFoundError:
            raise damage_error(f"the custody log {self.root / LOG} is missing", self.root) from None
        scan = scan_log(data, self._master)
        if scan.faults:
            raise damage_error("; ".join(scan.faults), self.root)
        self._log_size = scan.good_length
        return scan.entries

    def _check_whole(self) -> None:
        """Refuse a log that is empty, broken, or short of its sealed head."""
        if not self._entries:
            raise damage_error(f"the custody log {self.root / LOG} is empty", self.root)
        try:
            verify_chain(self._entries, self._signing_key.public_key())
        except CustodyError as error:
            raise BrokenChainError(f"{error}. {what_to_do(self.root)}") from None
        check_head(self.root, self._master, self._entries)

    def _settle(self) -> None:
        """Before a first change, settle what a crash left: only a writer may, under the lock.

        Cuts off a torn last line, removes half-written temporaries, finishes deletions the
        person asked for, and moves files no entry names to quarantine (never deletes them).
        """
        if (self.root / LOG).stat().st_size != self._log_size:
            _truncate(self.root / LOG, self._log_size)
        for folder in ("", *FOLDERS, "timestamps"):
            if (self.root / folder).is_dir():
                remove_temporaries(self.root / folder)
        self._finish_deletions()
        self._moved = quarantine(self.root, unnamed(self.root, self._named_files()))
        self._moved += quarantine(self.root, _stale_deliveries(self.root / "inbox"))
        if not any(entry.details.get(MARKER[0]) == MARKER[1] for entry in self._entries):
            self._append("head-sealed", OWNER, details=dict([MARKER]))  # a locker made before

    def restart_log(self, entries: list[CustodyEntry], size: int) -> None:
        """Take ``entries`` (``size`` bytes on disk) as the whole log: for repair only."""
        self._entries, self._log_size = list(entries), size

    def append_entry(self, action: str, item: str | None, details: dict[str, str]) -> CustodyEntry:
        """Append an entry as the owner, under the lock the caller holds: for repair only."""
        return self._append(action, OWNER, item, details)

    @_exclusive
    def tidy(self) -> list[Path]:
        """Settle what a crash left now; return the files this moved to quarantine.

        Every writer does this before its first change anyway; nothing is deleted.
        """
        return list(self._moved)

    def named_files(self) -> dict[str, set[str]]:
        """Return, per item folder, the names of the files the custody log accounts for."""
        return self._named_files()

    def _finish_deletions(self) -> None:
        """Remove what a crash left of items the person deleted (their tombstone is written)."""
        deleted = {e.item for e in self._entries if e.action == "item-deleted"} - self._live_ids()
        for item_id in sorted(str(i) for i in deleted):
            if (self.root / "records" / item_id).exists():
                try:
                    blob = self._record(item_id, {item_id})["blob"]
                except CorruptLockerError:
                    continue  # unreadable: leave it for quarantine, never guess
                self._remove_files(item_id, blob)

    def _named_files(self) -> dict[str, set[str]]:
        """Return, per folder, the file names the log names; blobs only if every record reads."""
        live = self._live_ids()
        named: dict[str, set[str]] = {
            "records": {str(i) for i in live},
            "incidents": set(map(str, self._incident_ids())),
            "requests": set(self._request_ids()),
        }
        # If a record cannot be read, which blob is whose cannot be told: move no blob.
        with contextlib.suppress(CorruptLockerError):
            named["blobs"] = {self._record(item_id, live)["blob"] for item_id in live}
        return named

    def _remove_files(self, item_id: str, blob_id: str) -> None:
        # The blob first: if a crash stops us between the two, the record still says whose
        # the leftover blob is, so the next writer finishes the deletion.
        paths = [self.root / "blobs" / blob_id] if blob_id else []
        for path in [*paths, self.root / "records" / item_id]:
            path.unlink(missing_ok=True)
            sync_folder(path.parent)


class _Digests:
    """A reader that computes SHA-256, SHA-512 and the size of what passes through it."""

    def __init__(self, source: Readable) -> None:
        self._source = source
        self.sha256 = hashlib.sha256()
        self.sha512 = hashlib.sha512()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self.sha256.update(data)
        self.sha512.update(data)
        self.size += len(data)
        return data


class _PiecesReader:
    """A reader over an iterator of byte strings (an unsealing stream)."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self._pieces = pieces
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            piece = next(self._pieces, None)
            if piece is None:
                break
            self._buffer += piece
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def _inbox_header(master: bytes) -> dict[str, str]:
    inbox = X25519PrivateKey.generate()
    private = inbox.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return {
        "inbox_key": _b64(public_bytes(inbox.public_key())),
        "inbox_private": _b64(seal_bytes(master, b"inbox-key", private)),
    }


def _write_stream(path: Path, pieces: Iterator[bytes]) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with open_private(temporary) as file:
        for piece in pieces:
            file.write(piece)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    sync_folder(path.parent)


def _stale_deliveries(inbox: Path) -> list[Path]:
    """Return deliveries a worker began over an hour ago and never finished."""
    if not inbox.is_dir():
        return []
    # A worker may be writing one now, without the lock: only old ones are left over.
    now = time.time()
    return [path for path in inbox.glob(".*.tmp") if now - path.stat().st_mtime > STALE_SECONDS]


def _truncate(path: Path, length: int) -> None:
    with path.open("r+b") as file:
        file.truncate(length)
        os.fsync(file.fileno())


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _wrap(master: bytes, kdf: KdfParams, secret: bytes, slot: str) -> dict[str, str]:
    salt = new_salt()
    wrapped = seal_bytes(kdf.derive(secret, salt), slot.encode(), master)
    return {"salt": _b64(salt), "wrapped_key": _b64(wrapped)}


def _private_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def master_key(root: Path, header: dict[str, object], slot: str, secret: bytes) -> bytes:
    """Return the master key that ``secret`` unwraps from ``slot`` of a checked header.

    Raises WrongKeyError if it does not, CorruptLockerError if the slot is malformed.
    """
    wrapped = header[slot]
    assert isinstance(wrapped, dict)
    try:
        salt = base64.b64decode(wrapped["salt"], validate=True)
        sealed = base64.b64decode(wrapped["wrapped_key"], validate=True)
        stretched = _kdf(header).derive(secret, salt)
    except (ValueError, KdfError, HashingError) as error:
        raise CorruptLockerError(f"{root / HEADER} is damaged: {error}") from None
    try:
        return unseal_bytes(stretched, slot.encode(), sealed)
    except SealError:
        words = "passphrase" if slot == "passphrase" else "recovery code"
        raise WrongKeyError(f"that {words} does not open this locker") from None


def signing_key(master: bytes, header: dict[str, object]) -> Ed25519PrivateKey:
    """Return the locker's signing key, which the header holds sealed with the master key."""
    try:
        sealed = base64.b64decode(str(header["signing_key"]), validate=True)
    except ValueError:
        raise CorruptLockerError(f"{HEADER} is damaged: signing_key is not base64") from None
    try:
        return Ed25519PrivateKey.from_private_bytes(unseal_bytes(master, b"signing-key", sealed))
    except (SealError, ValueError):
        raise WrongKeyError("that key does not open this locker") from None


def _kdf(header: dict[str, object]) -> KdfParams:
    fields = header["kdf"]
    assert isinstance(fields, dict)  # read_header checked it and its three numbers
    return KdfParams(fields["time_cost"], fields["memory_kib"], fields["parallelism"])


def _damaged_item(entry: CustodyEntry, reason: str) -> EvidenceItem:
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


def _digest_details(record: Mapping[str, object]) -> dict[str, str]:
    return {key: str(record[key]) for key in ("sha256", "sha512", "size")}


def _capture_origin(details: Mapping[str, str]) -> dict[str, str]:
    """Return what the signed custody entry of a captured file states besides its digests.

    The address and capture time go into the entry itself (not only the sealed record), so the
    chain an officer checks says what was captured and when; and the capture's WACZ signing key,
    so the locker's signature over the entry countersigns the capture worker's signature.
    """
    return {key: str(details[key]) for key in CAPTURE_CUSTODY_DETAILS if key in details}


def _item(record: Mapping[str, object], entry: CustodyEntry | None) -> EvidenceItem:
    return EvidenceItem(
        id=str(record["id"]),
        name=str(record["name"]),
        media_type=str(record["media_type"]),
        size=int(str(record["size"])),
        sha256=str(record["sha256"]),
        sha512=str(record["sha512"]),
        added_utc=entry.at_utc if entry else "",
        note=str(record["note"]),
        kind=str(record.get("kind", "file")),
        incident=None if record.get("incident") is None else str(record["incident"]),
        details=dict(record.get("details") or {}),  # type: ignore[call-overload]  # JSON object
    )
