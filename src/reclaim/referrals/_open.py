"""Opening a referral on the helpline's side, with the helpline's age identity.

``open_referral`` checks everything it can before any item is decrypted: the magic and format
version, every length against its bound, the manifest (sealed to this identity, every field
valid), that it has not expired, and each item's sealed bytes against the size and SHA-256
the manifest states. ``OpenedReferral.read_item`` then decrypts one item on demand, as a
stream, and checks its size and SHA-256 once the last byte is out: a reader keeps nothing it
was given before the check passes.
"""

import datetime
import hashlib
import hmac
import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pyrage

from reclaim.locker import SealError, unseal
from reclaim.referrals._container import Window, read_frames, read_head
from reclaim.referrals._errors import (
    ReferralError,
    ReferralExpiredError,
    TamperedReferralError,
    WrongReferralKeyError,
)
from reclaim.referrals._manifest import Manifest, SharedItem, read_manifest

# What age says when none of the identities given opens the file's header.
_NO_MATCHING_KEY = "No matching keys found"


class OpenedReferral:
    """A referral opened with the helpline's identity: its manifest, its items on demand.

    ``source`` is the file, or the container's bytes as a service received them (it keeps
    them in its database: ciphertext, never written out as a file).
    """

    def __init__(self, source: Path | bytes, manifest: Manifest, offsets: dict[str, int]) -> None:
        self.path = source if isinstance(source, Path) else None
        self.manifest = manifest
        self._source = source
        self._offsets = offsets

    def _reader(self) -> BinaryIO:
        if isinstance(self._source, Path):
            return self._source.open("rb")
        return io.BytesIO(self._source)

    def read_item(self, item_id: str) -> Iterator[bytes]:
        """Yield one item's original bytes; raise TamperedReferralError if they do not check.

        The size and SHA-256 are checked when the last piece has been yielded: a caller that
        stores the pieces must discard them if this raises.
        """
        item = self.manifest.item(item_id)
        with self._reader() as source:
            yield from _unsealed(item, Window(source, self._offsets[item.id], item.sealed_size))

    def verify_items(self) -> None:
        """Decrypt every item and check it, keeping nothing; raise as ``read_item`` does."""
        for item in self.manifest.items:
            for _piece in self.read_item(item.id):
                pass

    def items(self) -> tuple[SharedItem, ...]:
        """Return the shared items, as the manifest describes them."""
        return self.manifest.items


def open_referral(
    path: Path | bytes, identity: str, now: datetime.datetime | None = None
) -> OpenedReferral:
    """Return the referral in the file ``path`` (or these bytes), opened with ``identity``.

    Raises ReferralFormatError (or TruncatedReferralError) for bytes that are not a whole
    referral, WrongReferralKeyError for one sealed to another key, TamperedReferralError for
    one changed after sealing, ReferralExpiredError for one whose time has passed.
    """
    with path.open("rb") if isinstance(path, Path) else io.BytesIO(path) as source:
        manifest = open_manifest(read_head(source), identity, now)
        expected = [(item.sealed_size, item.sealed_sha256) for item in manifest.items]
        offsets = read_frames(source, expected)
    ids = [item.id for item in manifest.items]
    return OpenedReferral(path, manifest, dict(zip(ids, offsets, strict=True)))


def open_manifest(
    sealed_manifest: bytes, identity: str, now: datetime.datetime | None = None
) -> Manifest:
    """Return the manifest in ``sealed_manifest`` (as a container carries it), opened and checked.

    For a helpline that keeps the parts of a checked container apart (``split_container``):
    the manifest alone opens without reading any item. Raises as ``open_referral`` does.
    """
    manifest = read_manifest(_decrypt(sealed_manifest, _identity(identity)))
    moment = now or datetime.datetime.now(datetime.UTC)
    if moment >= manifest.expires:
        raise ReferralExpiredError(
            f"this referral could be read until {manifest.expires_utc}; it has expired"
        )
    return manifest


def read_sealed_item(item: SharedItem, sealed: bytes) -> Iterator[bytes]:
    """Yield the original bytes of ``item`` from its sealed blob, kept apart from its container.

    The blob's size and SHA-256 are checked against the manifest before anything is
    decrypted, and the original's after the last piece, as ``OpenedReferral.read_item`` does;
    raises TamperedReferralError if either differs.
    """
    if len(sealed) != item.sealed_size or hashlib.sha256(sealed).hexdigest() != item.sealed_sha256:
        raise TamperedReferralError(f"item {item.id} was changed after it was sealed")
    yield from _unsealed(item, io.BytesIO(sealed))


def _unsealed(item: SharedItem, sealed: BinaryIO | Window) -> Iterator[bytes]:
    """Yield the item's original bytes from its sealed blob; check its size and SHA-256 last."""
    digest, size = hashlib.sha256(), 0
    try:
        for piece in unseal(item.key, item.blob.encode(), sealed):
            digest.update(piece)
            size += len(piece)
            yield piece
    except SealError:
        raise TamperedReferralError(f"item {item.id} does not decrypt: changed") from None
    if size != item.size or digest.hexdigest() != item.sha256:
        raise TamperedReferralError(f"item {item.id} is not what the survivor shared")


def consent_matches(manifest: Manifest, token: str) -> bool:
    """Return whether ``token`` is the consent token whose digest the manifest carries."""
    given = hashlib.sha256(token.encode()).hexdigest()
    return hmac.compare_digest(given, manifest.consent_sha256)


def _identity(identity: str) -> pyrage.x25519.Identity:
    try:
        return pyrage.x25519.Identity.from_str(identity.strip())
    except pyrage.IdentityError:
        raise ReferralError(
            "the helpline's key is not an age identity (AGE-SECRET-KEY-1...)"
        ) from None


def _decrypt(sealed: bytes, key: pyrage.x25519.Identity) -> bytes:
    try:
        return bytes(pyrage.decrypt(sealed, [key]))
    except pyrage.DecryptError as error:
        if str(error) == _NO_MATCHING_KEY:
            raise WrongReferralKeyError(
                "this referral is sealed to another helpline's key, not to this one"
            ) from None
        raise TamperedReferralError(f"the referral's manifest was changed: {error}") from None
