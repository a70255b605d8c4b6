"""Making a referral on the survivor's side: exactly what they chose, sealed to the helpline.

Each shared item travels as the locker keeps it, sealed with the item's own key; those keys
travel inside the manifest, which is sealed to the helpline's age key. The locker's master key
never leaves it. The file is written whole or not at all, and the locker keeps its record.
"""

import datetime
import hashlib
import os
import secrets
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import pyrage

from reclaim.content import Helpline, ReferralPoint
from reclaim.files import open_private, sync_folder
from reclaim.locker import Locker, SealedItem, Under18Error
from reclaim.notices import RemovalRequest
from reclaim.referrals._container import READ_BYTES, container_pieces
from reclaim.referrals._errors import ReferralError
from reclaim.referrals._manifest import (
    MAX_SHARE_DAYS,
    Contact,
    Manifest,
    SharedItem,
    check_manifest,
    manifest_json,
)
from reclaim.referrals._record import SharedReferral, record_shared
from reclaim.times import stamp

CONSENT_TOKEN_BYTES = 32
SUFFIX = ".reclaim-referral"


@dataclass(frozen=True)
class Selection:
    """What the survivor chose to share with one helpline, and for how long."""

    incidents: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    requests: tuple[str, ...] = ()  # removal request ids, as the locker keeps them
    days: int = 30  # how long the helpline may read it: 1 to MAX_SHARE_DAYS
    contact: Contact | None = None
    message: str = ""  # what they ask for, in their own words
    under_18: bool = False  # someone was under 18 in the image (also set by any such incident)


def consent_digest(token: str) -> str:
    """Return the SHA-256 (hex) of a consent token: what the helpline keeps of it."""
    return hashlib.sha256(token.encode()).hexdigest()


def make_referral(
    box: Locker,
    helpline: Helpline,
    selection: Selection,
    output: Path,
    now: datetime.datetime | None = None,
) -> SharedReferral:
    """Write a referral of what ``selection`` names to ``output``; keep and return its record.

    Raises ReferralError if the helpline takes no referrals, nothing is chosen or ``output``
    exists; NotFoundError if a chosen thing is not in the locker; Under18Error if media is
    chosen where someone was under 18 in the image.
    """
    point = _point(helpline)
    if output.exists():
        raise ReferralError(f"{output} already exists")
    token = secrets.token_urlsafe(CONSENT_TOKEN_BYTES)
    manifest, sealed = _manifest(box, helpline.id, selection, token, now)
    check_manifest(manifest)
    recipient = pyrage.x25519.Recipient.from_str(point.recipient)
    _write(pyrage.encrypt(manifest_json(manifest), [recipient]), sealed, output)
    referral = SharedReferral(
        id=manifest.id,
        helpline=helpline.id,
        helpline_name=helpline.name,
        address=point.address,
        created_utc=manifest.created_utc,
        expires_utc=manifest.expires_utc,
        consent_token=token,
        under_18=manifest.under_18,
        incidents=tuple(incident.id for incident in manifest.incidents),
        items=tuple(item.id for item in manifest.items),
        requests=tuple(request.id for request in manifest.requests),
        contact_method=manifest.contact.method if manifest.contact else "",
    )
    record_shared(box, referral)
    return referral


def _point(helpline: Helpline) -> ReferralPoint:
    if helpline.referrals is None:
        raise ReferralError(f"{helpline.name} does not take referrals through Reclaim")
    return helpline.referrals


def _manifest(
    box: Locker,
    helpline: str,
    selection: Selection,
    token: str,
    now: datetime.datetime | None,
) -> tuple[Manifest, list[SealedItem]]:
    """Return the manifest of what ``selection`` names, and the sealed items it shares."""
    if not 1 <= selection.days <= MAX_SHARE_DAYS:
        raise ReferralError(f"a referral can be shared for 1 to {MAX_SHARE_DAYS} days")
    if not (selection.incidents or selection.items or selection.requests or selection.message):
        raise ReferralError("choose at least one thing to share, or write a message")
    incidents = tuple(box.incident(incident_id) for incident_id in _once(selection.incidents))
    under_18 = selection.under_18 or any(incident.under_18 for incident in incidents)
    sealed = [box.sealed_item(item_id) for item_id in _once(selection.items)]
    if under_18 and any(each.item.kind != "message" for each in sealed):
        raise Under18Error()
    shared = {incident.id for incident in incidents}
    created = (now or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC)
    manifest = Manifest(
        id=uuid.uuid4().hex,
        helpline=helpline,
        created_utc=stamp(created),
        expires_utc=stamp(created + datetime.timedelta(days=selection.days)),
        consent_sha256=consent_digest(token),
        under_18=under_18,
        contact=selection.contact,
        message=selection.message.strip(),
        incidents=incidents,
        items=tuple(_shared_item(each, shared) for each in sealed),
        requests=_requests(box, _once(selection.requests), shared),
    )
    return manifest, sealed


def _once(ids: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ids))


def _shared_item(sealed: SealedItem, incidents: set[str]) -> SharedItem:
    """Return how the manifest describes one item; its incident only if that is shared too."""
    item = sealed.item
    return SharedItem(
        id=item.id,
        name=item.name,
        media_type=item.media_type,
        kind=item.kind,
        size=item.size,
        sha256=item.sha256,
        sha512=item.sha512,
        added_utc=item.added_utc,
        note=item.note,
        incident=item.incident if item.incident in incidents else None,
        details=dict(item.details),
        key=sealed.key,
        blob=sealed.blob,
        sealed_size=sealed.sealed_size,
        sealed_sha256=_file_sha256(sealed.path),
    )


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while piece := source.read(READ_BYTES):
            digest.update(piece)
    return digest.hexdigest()


def _requests(
    box: Locker, chosen: tuple[str, ...], incidents: set[str]
) -> tuple[RemovalRequest, ...]:
    """Return the chosen removal requests, without the survivor's own reminder address."""
    kept = {str(record["id"]): record for record in box.request_records()}
    missing = [request_id for request_id in chosen if request_id not in kept]
    if missing:
        raise ReferralError(f"there is no removal request {missing[0]} in this locker")
    found = []
    for request_id in chosen:
        request = RemovalRequest.from_record(dict(kept[request_id]))
        incident = request.incident_id if request.incident_id in incidents else ""
        found.append(replace(request, incident_id=incident, remind_email=""))
    return tuple(found)


def _write(sealed_manifest: bytes, items: list[SealedItem], output: Path) -> None:
    """Write the container to ``output`` whole or not at all (it holds only ciphertext)."""
    partial = output.with_name(f".{output.name}.{secrets.token_hex(8)}.tmp")
    try:
        with open_private(partial) as file:
            for piece in container_pieces(sealed_manifest, [each.path for each in items]):
                file.write(piece)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    sync_folder(output.parent)
