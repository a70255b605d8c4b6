"""The locker: an encrypted folder of evidence items with a signed custody log.

Layout (nothing in it is readable without the master key, except locker.json, which holds
only salts, cost settings, wrapped keys and the public key):

    locker.json      header: Argon2id settings, the master key wrapped twice, the public key
    custody.log      one sealed custody entry per line, appended, never rewritten
    records/ID       sealed metadata of one item (names are random, never content digests)
    blobs/ID         the item's bytes, sealed with the item's own key
    incidents/ID     sealed incidents
    inbox/ID/        captures a worker sealed to the inbox public key, waiting (see _inbox)
    .lock            held (flock) by whoever changes the locker, so writers never interleave

Adding an item writes its blob, then its record, then appends its custody entry: the
custody entry is the commit point. Opening discards a torn last line and any blob or record
that no committed entry names, so after a crash every item is whole or absent.
"""

import base64
import hashlib
import io
import json
import mimetypes
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Concatenate, ParamSpec, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from reclaim.errors import ReclaimError
from reclaim.locker import _sshsig as sshsig
from reclaim.locker._custody import CustodyEntry, new_entry, parse_entry, verify_chain
from reclaim.locker._files import (
    PRIVATE_FILE_MODE,
    PRIVATE_FOLDER_MODE,
    FolderLock,
    open_private,
    remove_temporaries,
    sync_folder,
    write_atomically,
)
from reclaim.locker._inbox import Delivery, Inbox, deliver, public_bytes
from reclaim.locker._incidents import Incident, Under18Error
from reclaim.locker._keys import (
    KdfParams,
    calibrate,
    new_key,
    new_recovery_code,
    new_salt,
    normalise_recovery_code,
)
from reclaim.locker._merkle import build_tree, leaf_hash, root_data
from reclaim.locker._stream import Readable, SealError, seal, seal_bytes, unseal, unseal_bytes
from reclaim.locker._timestamps import TimestampUnavailableError, request_token

HEADER = "locker.json"
LOG = "custody.log"
FORMAT = "reclaim-locker"
VERSION = 1
OWNER = "owner"
# What a capture's custody entry states besides the digests (see _capture_origin).
CAPTURE_CUSTODY_DETAILS = ("url", "captured_utc", "status", "error_page", "wacz_public_key")


class LockerError(ReclaimError):
    """A locker cannot be created, opened or changed; the message says why."""


class WrongKeyError(LockerError):
    """The passphrase or recovery code does not open this locker."""


class CorruptLockerError(LockerError):
    """Part of the locker was changed or damaged outside Reclaim."""


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
            return method(self, *args, **kwargs)

    # Not functools.wraps: mypy cannot match its wrapper type to a Concatenate signature.
    locked.__name__, locked.__doc__ = method.__name__, method.__doc__
    return locked


def _slug(authority: str) -> str:
    return hashlib.sha256(authority.encode()).hexdigest()[:16]


class Locker:
    """An unlocked locker. Create one with ``create``, open one with ``open`` or ``recover``."""

    def __init__(self, root: Path, master_key: bytes, header: dict[str, object]) -> None:
        self.root = root
        self._master = master_key
        self._header = header
        self._lock = FolderLock(root)
        try:
            signing = unseal_bytes(master_key, b"signing-key", _unb64(str(header["signing_key"])))
        except SealError:
            raise WrongKeyError("that key does not open this locker") from None
        self._signing_key = Ed25519PrivateKey.from_private_bytes(signing)
        self._log_size = 0
        with self._lock:
            self._entries = self._read_log()
        verify_chain(self._entries, self._signing_key.public_key())

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
        locker = cls(root, master, header)
        locker._append("locker-created", OWNER, details={"key": locker.key_fingerprint()})
        if authorities:
            locker.anchor_key(authorities)
        return locker, code

    @classmethod
    def open(cls, root: Path, passphrase: str) -> "Locker":
        """Unlock a locker with its passphrase; raise WrongKeyError if it is not the right one."""
        header = _read_header(root)
        return cls._unlock(root, header, "passphrase", passphrase.encode())

    @classmethod
    def resume(cls, root: Path, key: bytes) -> "Locker":
        """Reopen an unlocked locker with the key ``session_key`` gave (no Argon2id wait).

        Raises WrongKeyError if ``key`` is not this locker's.
        """
        return cls(root, key, _read_header(root))

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
        header = _read_header(root)
        if "inbox_key" not in header:
            raise LockerError("open this locker once so that it can receive captures")
        public = X25519PublicKey.from_public_bytes(_unb64(str(header["inbox_key"])))
        return deliver(root, public, files, kind, incident, details)

    def session_key(self) -> bytes:
        """Return the master key, for a caller that keeps the locker open between requests.

        Whoever holds it can read everything: keep it sealed, and only as long as the
        person has the locker open.
        """
        return self._master

    @classmethod
    def recover(cls, root: Path, recovery_code: str, new_passphrase: str) -> "Locker":
        """Unlock with the recovery code and set a new passphrase."""
        header = _read_header(root)
        locker = cls._unlock(root, header, "recovery", normalise_recovery_code(recovery_code))
        locker.change_passphrase(new_passphrase, reason="recovered with the recovery code")
        return locker

    @classmethod
    def _unlock(cls, root: Path, header: dict[str, object], slot: str, secret: bytes) -> "Locker":
        kdf_fields = dict(header["kdf"])  # type: ignore[call-overload]  # checked JSON object
        kdf_fields.pop("algorithm")
        wrapped = header[slot]
        assert isinstance(wrapped, dict)
        try:
            master = unseal_bytes(
                KdfParams(**kdf_fields).derive(secret, _unb64(wrapped["salt"])),
                slot.encode(),
                _unb64(wrapped["wrapped_key"]),
            )
        except SealError:
            words = "passphrase" if slot == "passphrase" else "recovery code"
            raise WrongKeyError(f"that {words} does not open this locker") from None
        locker = cls(root, master, header)
        locker._tidy()
        if "inbox_key" not in header:
            locker._add_inbox_key()
        return locker

    @_exclusive
    def change_passphrase(self, new_passphrase: str, reason: str = "changed") -> None:
        """Wrap the master key with a new passphrase (the recovery code keeps working)."""
        kdf_fields = dict(self._header["kdf"])  # type: ignore[call-overload]  # checked JSON object
        kdf_fields.pop("algorithm")
        kdf = KdfParams(**kdf_fields)
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
        self, text: str, sender: str, sent_at: str, incident: str | None = None
    ) -> EvidenceItem:
        """Store a message or threat as typed or pasted, with who sent it and when."""
        if incident is not None:
            self.incident(incident)
        details = {"sender": sender, "sent_at": sent_at}
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
        private = unseal_bytes(
            self._master, b"inbox-key", _unb64(str(self._header["inbox_private"]))
        )
        return Inbox(self.root, X25519PrivateKey.from_private_bytes(private))

    @_exclusive
    def _add_inbox_key(self) -> None:
        header = {**_read_header(self.root), **_inbox_header(self._master)}
        write_atomically(self.root / HEADER, json.dumps(header, indent=2).encode())
        self._header = header

    def _incident_ids(self) -> set[str | None]:
        return {e.item for e in self._entries if e.action == "incident-added"}

    def items(self) -> list[EvidenceItem]:
        """Return every item in the locker, oldest first."""
        live = self._live_ids()
        return [
            _item(self._record(entry.item, live), entry)
            for entry in self._entries
            if entry.action == "item-added" and entry.item in live
        ]

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
        record = self._record(item_id)
        self._append("item-deleted", OWNER, item_id, {**_digest_details(record), "reason": reason})
        self._remove_files(item_id, record["blob"])

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
        """Return every incident, in the order they were added."""
        return [self.incident(str(e.item)) for e in self._entries if e.action == "incident-added"]

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
        """Return every removal request's record, in the order they were added."""
        records = []
        for request_id in self._request_ids():
            path = self.root / "requests" / str(request_id)
            try:
                plain = unseal_bytes(
                    self._master, f"request:{request_id}".encode(), path.read_bytes()
                )
            except (OSError, SealError) as error:
                raise CorruptLockerError(
                    f"removal request {request_id} is missing or damaged"
                ) from error
            records.append(dict(json.loads(plain)))
        return records

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
        return [LogStamp(a, int(seq), "pending") for a, seq in json.loads(plain)]

    def _write_pending(self, pending: list[LogStamp]) -> None:
        (self.root / "timestamps").mkdir(exist_ok=True)
        data = json.dumps([[stamp.authority, stamp.seq] for stamp in pending]).encode()
        sealed = seal_bytes(self._master, b"timestamps-pending", data)
        write_atomically(self.root / "timestamps" / "pending", sealed)

    # Anchors: the key and the items timestamped by RFC 3161 authorities ------------------

    def key_fingerprint(self) -> str:
        """Return the key's `SHA256:` fingerprint, as `ssh-keygen -l` prints it."""
        return sshsig.fingerprint(self.public_key())

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
        (see _merkle) of the items it has not timestamped; one that cannot be reached is
        queued and asked again, with whatever has arrived by then, by the next call.
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
        line = base64.b64encode(seal_bytes(self._master, b"custody", entry.line())) + b"\n"
        with (self.root / LOG).open("ab") as log:
            log.write(line)
            log.flush()
            os.fsync(log.fileno())
        self._entries.append(entry)
        self._log_size += len(line)
        return entry

    def _catch_up(self) -> None:
        """Read the entries another writer appended since this object last looked."""
        if (self.root / LOG).stat().st_size != self._log_size:
            self._entries = self._read_log()
            verify_chain(self._entries, self._signing_key.public_key())

    def _read_log(self) -> list[CustodyEntry]:
        path = self.root / LOG
        data = path.read_bytes()
        entries, good_length = [], 0
        for line in data.splitlines(keepends=True):
            try:
                if not line.endswith(b"\n"):
                    raise SealError("torn line")
                entries.append(
                    parse_entry(unseal_bytes(self._master, b"custody", base64.b64decode(line)))
                )
            except (SealError, ValueError) as error:
                if good_length + len(line) < len(data):
                    raise CorruptLockerError(f"custody entry {len(entries)} is damaged") from error
                _truncate(path, good_length)  # a write cut short by a crash: never committed
                break
            good_length += len(line)
        self._log_size = good_length
        return entries

    @_exclusive
    def _tidy(self) -> None:
        """Remove what a crash left half-done: temporary files, uncommitted or deleted items."""
        live = self._live_ids()
        blobs = {self._record(item_id, live)["blob"] for item_id in live}
        incidents = {e.item for e in self._entries if e.action == "incident-added"}
        requests = set(self._request_ids())
        (self.root / "requests").mkdir(exist_ok=True)
        for folder, keep in (
            ("records", live),
            ("blobs", blobs),
            ("incidents", incidents),
            ("requests", requests),
        ):
            remove_temporaries(self.root / folder)
            for path in (self.root / folder).iterdir():
                if path.name not in keep:
                    path.unlink()
        remove_temporaries(self.root)
        if "inbox_private" in self._header:
            self._inbox().remove_temporaries()

    def _remove_files(self, item_id: str, blob_id: str) -> None:
        for path in (self.root / "records" / item_id, self.root / "blobs" / blob_id):
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


def _read_header(root: Path) -> dict[str, object]:
    try:
        header = json.loads((root / HEADER).read_text())
    except FileNotFoundError:
        raise LockerError(f"there is no locker at {root}") from None
    except ValueError:
        raise CorruptLockerError(f"{root / HEADER} is damaged") from None
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise LockerError(f"{root} is not a Reclaim locker this version can open")
    return dict(header)


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
