"""The manifest: what a referral shares, with the keys of its items, as JSON sealed with age.

Only the helpline's age identity opens it. It names the referral, when it was made and until
when it may be read, the SHA-256 of the consent token, the survivor's contact preference (if
they gave one), the under-18 flag, and what is shared: incidents, evidence items (with each
item's own key and digests) and removal requests. ``read_manifest`` checks every field, since
anyone holding the helpline's public key can write a manifest.
"""

import base64
import binascii
import datetime
import json
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from reclaim.locker import Incident, IncidentError
from reclaim.notices import RemovalRequest
from reclaim.referrals._errors import ReferralFormatError
from reclaim.times import parse

FORMAT = "reclaim-referral"
VERSION = 1
MAX_SHARE_DAYS = 365  # a referral is read within a year or shared again
CONTACT_METHODS = ("email", "phone")
ITEM_KEY_BYTES = 32
MAX_ITEMS = 1000
MAX_MESSAGE_CHARACTERS = 4000
MESSAGE_KIND = "message"  # the one kind of item that is not media: words typed or pasted
_ID = re.compile(r"[0-9a-f]{32}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_SHA512 = re.compile(r"[0-9a-f]{128}")


@dataclass(frozen=True)
class Contact:
    """How the survivor would like the helpline to reach them, if they said."""

    method: str  # one of CONTACT_METHODS
    address: str  # the email address or phone number
    note: str = ""  # when it is safe, what to say or not to say

    def check(self) -> None:
        """Raise ReferralFormatError unless the contact can be used."""
        if self.method not in CONTACT_METHODS:
            raise ReferralFormatError(f"contact method must be one of {', '.join(CONTACT_METHODS)}")
        if not self.address.strip():
            raise ReferralFormatError("a contact needs an email address or a phone number")


@dataclass(frozen=True)
class SharedItem:
    """One evidence item in a referral: what it is, its digests, and the key to its bytes."""

    id: str
    name: str
    media_type: str
    kind: str
    size: int  # of the original bytes
    sha256: str  # of the original bytes: checked after decryption
    sha512: str
    added_utc: str
    note: str
    incident: str | None  # an incident shared in the same referral, or None
    details: dict[str, str]
    key: bytes = field(repr=False)  # the item's own key: opens its blob and nothing else
    blob: str  # the blob's name, bound into its seal
    sealed_size: int  # bytes of the sealed blob in the container
    sealed_sha256: str  # of the sealed blob: checked before any decryption

    @property
    def is_media(self) -> bool:
        """Return whether the item is a picture, video, capture or file (not typed words)."""
        return self.kind != MESSAGE_KIND


@dataclass(frozen=True)
class Manifest:
    """Everything a referral says, once its age layer is opened."""

    id: str
    helpline: str  # the directory id of the helpline it is sealed to
    created_utc: str
    expires_utc: str
    consent_sha256: str  # SHA-256 (hex) of the consent token only the survivor holds
    under_18: bool  # someone was under 18 in the image: no media at all
    contact: Contact | None
    message: str  # what the survivor asks for, in their words
    incidents: tuple[Incident, ...]
    items: tuple[SharedItem, ...]
    requests: tuple[RemovalRequest, ...]

    @property
    def expires(self) -> datetime.datetime:
        """Return the moment after which the referral may no longer be read."""
        return _moment(self.expires_utc, "expires_utc")

    def item(self, item_id: str) -> SharedItem:
        """Return one shared item; raise ReferralFormatError if the referral has none such."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise ReferralFormatError(f"the referral shares no item {item_id}")


def manifest_json(manifest: Manifest) -> bytes:
    """Return the manifest as the UTF-8 JSON text that is sealed to the helpline."""
    value = {
        "format": FORMAT,
        "version": VERSION,
        **asdict(replace(manifest, items=(), requests=())),
        "items": [
            {**asdict(item), "key": base64.b64encode(item.key).decode()} for item in manifest.items
        ],
        "requests": [request.to_record() for request in manifest.requests],
    }
    return json.dumps(value, ensure_ascii=False, sort_keys=True).encode()


def read_manifest(data: bytes) -> Manifest:
    """Return the manifest in ``data``, every field checked; raise ReferralFormatError if not."""
    try:
        value = json.loads(data)
        if not isinstance(value, dict):
            raise ReferralFormatError("the manifest is not a JSON object")
        if value.get("format") != FORMAT or value.get("version") != VERSION:
            raise ReferralFormatError(
                f"the manifest is not {FORMAT} version {VERSION} (it says "
                f"{value.get('format')!r} version {value.get('version')!r})"
            )
        manifest = _manifest(value)
    except ReferralFormatError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, IncidentError) as error:
        raise ReferralFormatError(f"the manifest is not as the format says: {error}") from None
    check_manifest(manifest)
    return manifest


def _manifest(value: dict[str, Any]) -> Manifest:
    contact = value["contact"]
    return Manifest(
        id=_text(value, "id"),
        helpline=_text(value, "helpline"),
        created_utc=_text(value, "created_utc"),
        expires_utc=_text(value, "expires_utc"),
        consent_sha256=_text(value, "consent_sha256"),
        under_18=_flag(value, "under_18"),
        contact=None if contact is None else Contact(**contact),
        message=_text(value, "message"),
        incidents=tuple(_incident(each) for each in value["incidents"]),
        items=tuple(_item(each) for each in value["items"]),
        requests=tuple(RemovalRequest.from_record(each) for each in value["requests"]),
    )


def _incident(value: dict[str, Any]) -> Incident:
    fields = dict(value)
    for key in ("urls", "people", "reports"):
        fields[key] = tuple(str(each) for each in fields[key])
    incident = Incident(**fields)
    incident.check()
    return incident


def _item(value: dict[str, Any]) -> SharedItem:
    fields = dict(value)
    try:
        fields["key"] = base64.b64decode(str(fields["key"]), validate=True)
    except binascii.Error:
        raise ReferralFormatError("an item's key is not base64") from None
    for name in ("size", "sealed_size"):
        if type(fields[name]) is not int:
            raise ReferralFormatError(f"an item's {name} is not a whole number")
    details = fields["details"]
    if not isinstance(details, dict) or not all(isinstance(v, str) for v in details.values()):
        raise ReferralFormatError("an item's details are not text")
    return SharedItem(**fields)


def _text(value: dict[str, Any], key: str) -> str:
    found = value[key]
    if not isinstance(found, str):
        raise ReferralFormatError(f"'{key}' is not text")
    return found


def _flag(value: dict[str, Any], key: str) -> bool:
    found = value[key]
    if not isinstance(found, bool):
        raise ReferralFormatError(f"'{key}' is not true or false")
    return found


def _moment(text: str, what: str) -> datetime.datetime:
    moment = parse(text)
    if not isinstance(moment, datetime.datetime):
        raise ReferralFormatError(f"'{what}' is not a time: {text!r}")
    return moment


def check_manifest(manifest: Manifest) -> None:
    """Raise ReferralFormatError unless the manifest keeps every rule of the format."""
    if not _ID.fullmatch(manifest.id):
        raise ReferralFormatError("the referral id is not 32 hex digits")
    if not _SHA256.fullmatch(manifest.consent_sha256):
        raise ReferralFormatError("the consent digest is not a SHA-256 in hex")
    created = _moment(manifest.created_utc, "created_utc")
    if not created < manifest.expires <= created + datetime.timedelta(days=MAX_SHARE_DAYS):
        raise ReferralFormatError(f"a referral expires within {MAX_SHARE_DAYS} days of being made")
    if manifest.contact is not None:
        manifest.contact.check()
    if len(manifest.message) > MAX_MESSAGE_CHARACTERS:
        raise ReferralFormatError(f"the message is longer than {MAX_MESSAGE_CHARACTERS} characters")
    _check_ids([i.id for i in manifest.incidents], "incident")
    _check_ids([r.id for r in manifest.requests], "removal request")
    _check_items(manifest)


def _check_ids(ids: list[str], what: str) -> None:
    if len(set(ids)) != len(ids):
        raise ReferralFormatError(f"a {what} is shared twice")
    if not all(_ID.fullmatch(each) for each in ids):
        raise ReferralFormatError(f"a {what} id is not 32 hex digits")


def _check_items(manifest: Manifest) -> None:
    if len(manifest.items) > MAX_ITEMS:
        raise ReferralFormatError(f"a referral shares at most {MAX_ITEMS} items")
    _check_ids([item.id for item in manifest.items], "item")
    incidents = {incident.id for incident in manifest.incidents}
    for item in manifest.items:
        if not (_ID.fullmatch(item.blob) and len(item.key) == ITEM_KEY_BYTES):
            raise ReferralFormatError(f"item {item.id} has no valid blob name or key")
        if not (_SHA256.fullmatch(item.sha256) and _SHA256.fullmatch(item.sealed_sha256)):
            raise ReferralFormatError(f"item {item.id} has no valid SHA-256")
        if not _SHA512.fullmatch(item.sha512) or item.size < 0 or item.sealed_size <= 0:
            raise ReferralFormatError(f"item {item.id} has no valid SHA-512 or size")
        if item.incident is not None and item.incident not in incidents:
            raise ReferralFormatError(f"item {item.id} names an incident the referral lacks")
        if manifest.under_18 and item.is_media:
            raise ReferralFormatError(
                "the referral is marked under 18 and carries media: it must carry none"
            )
