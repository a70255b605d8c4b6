"""The inbox: files handed to a locker by someone who cannot open it (a background capture).

A capture runs after the person asked for it, in a worker that never holds the locker's key.
The worker seals what it captured to the locker's inbox public key (X25519, then HKDF-SHA256,
then the same AES-256-GCM chunked sealing as every blob), so only the locker's owner can read
it. The next time the person opens the locker, each delivery becomes evidence items, with its
own custody entries.

    inbox/ID/envelope   JSON: the sender's one-time public key and the sealed manifest
    inbox/ID/N          the Nth file, sealed

A delivery is written under a temporary name and renamed into place, so it is whole or absent.
"""

import base64
import json
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from reclaim.files import PRIVATE_FOLDER_MODE, open_private, sync_folder
from reclaim.locker._stream import seal, seal_bytes, unseal, unseal_bytes

INBOX = "inbox"
ENVELOPE = "envelope"


@dataclass(frozen=True)
class Delivery:
    """Files waiting in the inbox, with what the sender recorded about them."""

    id: str
    kind: str
    names: tuple[str, ...]
    incident: str | None
    details: dict[str, str] = field(default_factory=dict)


def public_bytes(key: X25519PublicKey) -> bytes:
    """Return the raw 32 bytes of an inbox public key."""
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def deliver(
    root: Path,
    inbox_key: X25519PublicKey,
    files: Mapping[str, Path],
    kind: str,
    incident: str | None,
    details: Mapping[str, str],
) -> str:
    """Seal ``files`` into the inbox of the locker at ``root``; return the delivery's id."""
    delivery_id = uuid.uuid4().hex
    sender = X25519PrivateKey.generate()
    key = _content_key(sender.exchange(inbox_key), delivery_id)
    staging = root / INBOX / f".{delivery_id}.tmp"
    staging.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True)
    names = list(files)
    for number, name in enumerate(names):
        with files[name].open("rb") as source, open_private(staging / str(number)) as out:
            for piece in seal(key, f"{delivery_id}/{number}".encode(), source):
                out.write(piece)
            out.flush()
            os.fsync(out.fileno())
    manifest = {"kind": kind, "names": names, "incident": incident, "details": dict(details)}
    envelope = {
        "sender": base64.b64encode(public_bytes(sender.public_key())).decode(),
        "manifest": base64.b64encode(
            seal_bytes(key, f"{delivery_id}/manifest".encode(), json.dumps(manifest).encode())
        ).decode(),
    }
    with open_private(staging / ENVELOPE) as out:
        out.write(json.dumps(envelope).encode())
    sync_folder(staging)
    os.replace(staging, root / INBOX / delivery_id)
    sync_folder(root / INBOX)
    return delivery_id


class Inbox:
    """The owner's view of an inbox: read deliveries with the inbox private key."""

    def __init__(self, root: Path, private_key: X25519PrivateKey) -> None:
        self._folder = root / INBOX
        self._private = private_key

    def deliveries(self) -> list[Delivery]:
        """Return every whole delivery waiting, oldest first."""
        if not self._folder.is_dir():
            return []
        found = [p for p in self._folder.iterdir() if not p.name.startswith(".")]
        found.sort(key=lambda path: path.stat().st_mtime)
        return [self._open(path.name) for path in found]

    def files(self, delivery: Delivery) -> Iterator[tuple[str, Iterator[bytes]]]:
        """Yield each file's name and its plaintext, piece by piece."""
        key = self._key(delivery.id)
        for number, name in enumerate(delivery.names):
            with (self._folder / delivery.id / str(number)).open("rb") as sealed:
                yield name, unseal(key, f"{delivery.id}/{number}".encode(), sealed)

    def discard(self, delivery_id: str) -> None:
        """Remove a delivery once it is in the locker (or refused)."""
        shutil.rmtree(self._folder / delivery_id, ignore_errors=True)
        sync_folder(self._folder)

    def remove_temporaries(self) -> None:
        """Remove deliveries a crash left half-written."""
        if self._folder.is_dir():
            for leftover in self._folder.glob(".*.tmp"):
                shutil.rmtree(leftover, ignore_errors=True)

    def _open(self, delivery_id: str) -> Delivery:
        manifest = json.loads(
            unseal_bytes(
                self._key(delivery_id),
                f"{delivery_id}/manifest".encode(),
                base64.b64decode(self._envelope(delivery_id)["manifest"]),
            )
        )
        return Delivery(
            delivery_id,
            str(manifest["kind"]),
            tuple(manifest["names"]),
            manifest["incident"],
            dict(manifest["details"]),
        )

    def _key(self, delivery_id: str) -> bytes:
        sender = X25519PublicKey.from_public_bytes(
            base64.b64decode(self._envelope(delivery_id)["sender"])
        )
        return _content_key(self._private.exchange(sender), delivery_id)

    def _envelope(self, delivery_id: str) -> dict[str, str]:
        return dict(json.loads((self._folder / delivery_id / ENVELOPE).read_text()))


def seal_note(inbox_key: X25519PublicKey, label: str, plaintext: bytes) -> bytes:
    """Return ``plaintext`` sealed to the inbox key: a one-time public key, then the sealed bytes.

    For small things the web keeps for the owner while the locker is locked (a form's draft);
    ``label`` names what it is, so a note kept for one purpose cannot be passed off as another.
    """
    sender = X25519PrivateKey.generate()
    key = _content_key(sender.exchange(inbox_key), f"note/{label}")
    return public_bytes(sender.public_key()) + seal_bytes(key, label.encode(), plaintext)


def open_note(private_key: X25519PrivateKey, label: str, sealed: bytes) -> bytes:
    """Return the plaintext of a note made by ``seal_note`` (SealError if it was changed)."""
    sender = X25519PublicKey.from_public_bytes(sealed[:32])
    key = _content_key(private_key.exchange(sender), f"note/{label}")
    return unseal_bytes(key, label.encode(), sealed[32:])


def _content_key(shared_secret: bytes, delivery_id: str) -> bytes:
    info = f"reclaim-inbox/{delivery_id}".encode()
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=info).derive(shared_secret)
