"""Helpline keys: case content sealed with a per-helpline data key, never stored in plaintext.

Each helpline has a random 32-byte data key, sealed (AES-256-GCM, reclaim.locker.seal_bytes)
with a wrapping key derived by HKDF from RECLAIM_HELPLINE_SECRET, which lives in the
environment and never in the database: a copy of the database alone opens no case. The data
key seals what happened, the contact details and (later) notes, and the helpline's age
(X25519) identity, whose public recipient survivors' referrals are encrypted to.
"""

import secrets

import pyrage
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from reclaim.locker import seal_bytes, unseal_bytes
from reclaim.web.console.models import Helpline

DATA_KEY_BYTES = 32
WRAP_INFO = b"reclaim-helpline-key"
CONTENT = b"case-content"  # the default sealing name: what a case says
IDENTITY = b"age-identity"


def new_helpline(slug: str, name: str) -> Helpline:
    """Create a helpline with a fresh data key and age identity; return it."""
    data_key = secrets.token_bytes(DATA_KEY_BYTES)
    identity = pyrage.x25519.Identity.generate()
    helpline = Helpline(slug=slug, name=name, recipient=str(identity.to_public()))
    helpline.sealed_key = seal_bytes(_wrapping_key(), _key_name(slug), data_key)
    helpline.sealed_identity = seal_bytes(data_key, IDENTITY, str(identity).encode())
    helpline.save()
    return helpline


def seal(helpline: Helpline, data: bytes, purpose: bytes = CONTENT) -> bytes:
    """Return ``data`` sealed with the helpline's data key (``purpose`` names what it is)."""
    return seal_bytes(_data_key(helpline), purpose, data)


def unseal(helpline: Helpline, sealed: bytes | memoryview, purpose: bytes = CONTENT) -> bytes:
    """Return what ``seal`` sealed; raise SealError if it was changed or is another's."""
    return unseal_bytes(_data_key(helpline), purpose, bytes(sealed))


def seal_text(helpline: Helpline, text: str) -> bytes:
    """Return ``text`` sealed as case content."""
    return seal(helpline, text.encode())


def unseal_text(helpline: Helpline, sealed: bytes | memoryview | None) -> str:
    """Return the text ``seal_text`` sealed ("" for nothing sealed)."""
    return unseal(helpline, sealed).decode() if sealed else ""


def identity(helpline: Helpline) -> pyrage.x25519.Identity:
    """Return the helpline's age identity, which opens referrals encrypted to its recipient."""
    text = unseal(helpline, helpline.sealed_identity, IDENTITY).decode()
    return pyrage.x25519.Identity.from_str(text)


def _data_key(helpline: Helpline) -> bytes:
    return unseal_bytes(_wrapping_key(), _key_name(helpline.slug), bytes(helpline.sealed_key))


def _key_name(slug: str) -> bytes:
    # The helpline's slug is bound into the seal: one helpline's sealed key pasted into another's
    # row does not open.
    return b"helpline-key:" + slug.encode()


def _wrapping_key() -> bytes:
    secret = settings.HELPLINE_SECRET
    if not secret:
        raise ImproperlyConfigured("RECLAIM_HELPLINE_SECRET must be set for the helpline console")
    hkdf = HKDF(algorithm=SHA256(), length=32, salt=None, info=WRAP_INFO)
    return hkdf.derive(secret.encode())
