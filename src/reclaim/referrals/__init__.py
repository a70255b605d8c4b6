"""Referrals: what a survivor chooses to share with a helpline, sealed to the helpline's key.

The survivor picks a helpline that takes referrals, and exactly which incidents, evidence
items and removal requests to share, and for how long. Only the helpline can read what is
shared; the survivor's locker keeps a record of it and a consent token with which they can
withdraw at any time and see every time it was opened. docs/referrals.md tells the story.

Survivor's side
- ``referral_helplines(library.helplines, extra)``: the helplines with a ``referrals`` table
  (their Reclaim address and age public key), from the content directory and from an
  operator's own directory file (same schema, same checks: reclaim.content).
- ``make_referral(box, helpline, Selection(...), output)`` writes the referral file (name it
  ``*.reclaim-referral``: ``SUFFIX``) and keeps its record in the locker; it returns the
  ``SharedReferral`` (with the consent token, shown to nobody but the locker).
- ``ReferralClient().send(address, file)``, ``.withdraw(address, id, token)``,
  ``.openings(address, id, token)``; then ``record_sent``, ``record_withdrawal``,
  ``record_openings`` keep what happened. ``shared_referrals(box)`` lists them.

Helpline's side
- ``open_referral(path, identity)`` opens a referral file (or a received body, as bytes)
  with the helpline's age identity and checks it all; ``OpenedReferral.read_item(id)``
  decrypts one item on demand; ``verify_items`` checks every item; ``consent_matches``
  checks a consent token against the manifest's digest.
- Keeping a checked referral in parts: ``split_container(data)`` cuts it at its frames into
  the sealed manifest and each item's sealed blob (``join_container`` puts them back, byte for
  byte); ``open_manifest(sealed_manifest, identity)`` opens the manifest alone, and
  ``read_sealed_item(item, sealed)`` decrypts one item from its blob alone, checked as
  ``read_item`` checks it. Showing one item then reads that item and the manifest, nothing else.

Keys. Every item in the locker has its own random key, wrapped by the locker's master key.
A shared item travels as the locker keeps it, sealed with that item key (AES-256-GCM in
chunks, reclaim.locker's STREAM construction); the item keys travel inside the manifest,
which is sealed with age to the helpline's X25519 recipient. The master key never leaves the
locker, and an item key opens that one item and nothing else.

Consent. ``make_referral`` draws a random token (32 bytes, URL-safe base64) that only the
survivor's locker keeps; the manifest carries its SHA-256, which the helpline keeps. The token
withdraws consent and reads openings; the helpline never learns it before it is used.

Format (one serialisation: the HTTPS body and the ``.reclaim-referral`` file)::

    "RCLMREF" | version (1 byte, 1) | manifest length (4 bytes) | manifest (age)
    then for each item, in the manifest's order: length (8 bytes) | sealed blob

Lengths are big-endian and bounded (MAX_MANIFEST_BYTES, MAX_ITEM_BYTES, MAX_REFERRAL_BYTES).
The manifest is UTF-8 JSON:

    {"format": "reclaim-referral", "version": 1,
     "id": "<32 hex>", "helpline": "<directory id>",
     "created_utc": "<ISO 8601>", "expires_utc": "<ISO 8601, at most 365 days on>",
     "consent_sha256": "<64 hex>", "under_18": false,
     "contact": null | {"method": "email" | "phone", "address": "...", "note": "..."},
     "message": "<the survivor's words, at most 4000 characters>",
     "incidents": [<reclaim.locker.Incident as a JSON object>, ...],
     "items": [{"id", "name", "media_type", "kind", "size", "sha256", "sha512",
                "added_utc", "note", "incident": "<a shared incident's id>" | null,
                "details": {...}, "key": "<base64 of 32 bytes>", "blob": "<32 hex>",
                "sealed_size": <bytes>, "sealed_sha256": "<64 hex>"}, ...],
     "requests": [<reclaim.notices.RemovalRequest.to_record()>, ...]}

Under 18 (the survivor says so, or a shared incident does): no media at all, only messages,
incidents and requests; made and opened referrals are both checked.

HTTP API (served by a helpline's Reclaim under its address; all answers JSON, UTF-8):

    POST {address}/api/v1/referrals
        Content-Type: application/vnd.reclaim.referral; body: the container above
        201 {"id": "<referral id>", "received_utc": "<ISO 8601>"}
    POST {address}/api/v1/referrals/{id}/withdraw
        Authorization: Bearer <consent token>; no body
        200 {"id": "<referral id>", "withdrawn_utc": "<ISO 8601>"}   (again: the same answer)
    GET {address}/api/v1/referrals/{id}/openings
        Authorization: Bearer <consent token>
        200 {"id": "<referral id>", "withdrawn_utc": null | "<ISO 8601>",
             "openings": [{"at_utc": "<ISO 8601>", "role": "caseworker" | "supervisor"
                                                              | "administrator"}, ...]}
    Errors: 4xx or 5xx {"error": "<code>", "detail": "<words for a person>"}, with codes
        "not-a-referral", "wrong-key", "tampered", "expired", "too-large" (413),
        "unknown-referral" (404), "bad-token" (403; the same for an unknown id, so that a
        token cannot be used to learn which ids exist), "withdrawn" (410, on POST of a
        withdrawn referral's id).

Errors (the tree is in reclaim.referrals._errors): ReferralError, ReferralFormatError,
TruncatedReferralError, WrongReferralKeyError, TamperedReferralError, ReferralExpiredError,
ReferralServiceError; also NotFoundError and Under18Error from the locker, ContentError from
the directory, AddressRefusedError from the address gate.
"""

from reclaim.referrals._build import (
    CONSENT_TOKEN_BYTES,
    SUFFIX,
    Selection,
    consent_digest,
    make_referral,
)
from reclaim.referrals._client import (
    API_PATH,
    MAX_ANSWER_BYTES,
    MEDIA_TYPE,
    Openings,
    Receipt,
    ReferralClient,
    Withdrawal,
)
from reclaim.referrals._container import (
    MAX_ITEM_BYTES,
    MAX_MANIFEST_BYTES,
    MAX_REFERRAL_BYTES,
    ContainerParts,
    join_container,
    split_container,
)
from reclaim.referrals._directory import referral_helpline, referral_helplines
from reclaim.referrals._errors import (
    ReferralError,
    ReferralExpiredError,
    ReferralFormatError,
    ReferralServiceError,
    TamperedReferralError,
    TruncatedReferralError,
    WrongReferralKeyError,
)
from reclaim.referrals._manifest import (
    CONTACT_METHODS,
    MAX_SHARE_DAYS,
    Contact,
    Manifest,
    SharedItem,
)
from reclaim.referrals._open import (
    OpenedReferral,
    consent_matches,
    open_manifest,
    open_referral,
    read_sealed_item,
)
from reclaim.referrals._record import (
    ROLES,
    Opening,
    SharedReferral,
    record_openings,
    record_sent,
    record_withdrawal,
    shared_referral,
    shared_referrals,
)

__all__ = [
    "API_PATH",
    "CONSENT_TOKEN_BYTES",
    "CONTACT_METHODS",
    "MAX_ANSWER_BYTES",
    "MAX_ITEM_BYTES",
    "MAX_MANIFEST_BYTES",
    "MAX_REFERRAL_BYTES",
    "MAX_SHARE_DAYS",
    "MEDIA_TYPE",
    "ROLES",
    "SUFFIX",
    "Contact",
    "ContainerParts",
    "Manifest",
    "OpenedReferral",
    "Opening",
    "Openings",
    "Receipt",
    "ReferralClient",
    "ReferralError",
    "ReferralExpiredError",
    "ReferralFormatError",
    "ReferralServiceError",
    "Selection",
    "SharedItem",
    "SharedReferral",
    "TamperedReferralError",
    "TruncatedReferralError",
    "Withdrawal",
    "WrongReferralKeyError",
    "consent_digest",
    "consent_matches",
    "join_container",
    "make_referral",
    "open_manifest",
    "open_referral",
    "read_sealed_item",
    "record_openings",
    "record_sent",
    "record_withdrawal",
    "referral_helpline",
    "referral_helplines",
    "shared_referral",
    "shared_referrals",
    "split_container",
]
