"""Protection cases' PINs: kept as Argon2id hashes sealed with the server's pepper.

A PIN is one of 10^8, so its Argon2id hash alone, taken from a copy of the database, could be
tried against every PIN in a few days on a few machines. Each hash is therefore sealed
(AES-256-GCM) with a key derived from RECLAIM_PIN_PEPPER, which lives in the server's
environment and never in the database: a copy of the database alone gives nothing to try PINs
against. Sealing the hash, rather than mixing the pepper into what is hashed, lets hashes
made before a pepper was set be sealed where they are, with no PIN needed: ``seal_all``
runs after every ``migrate`` (which `reclaim serve` runs at start).
"""

import base64
import functools
import logging

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from reclaim.locker import SealError, seal_bytes, unseal_bytes
from reclaim.web.protection.models import ProtectionCase

SEALED = "sealed$"  # how a sealed hash starts; an unsealed one starts with $argon2id$
LABEL = b"protection-case-pin"
_hasher = PasswordHasher()  # Argon2id with argon2-cffi's defaults (RFC 9106 low-memory)
log = logging.getLogger(__name__)


def hash_pin(pin: str) -> str:
    """Return the PIN's Argon2id hash, sealed with the pepper when one is set."""
    return seal(_hasher.hash(pin))


def pin_matches(stored: str, pin: str) -> bool:
    """Return whether ``pin`` is the one behind ``stored`` (one Argon2id check, sealed or not)."""
    try:
        return _hasher.verify(_unseal(stored), pin)
    except (VerificationError, InvalidHashError):
        return False


def seal(hashed: str) -> str:
    """Return an Argon2id hash sealed with the pepper (as it is if sealed or with no pepper)."""
    if not settings.PIN_PEPPER or hashed.startswith(SEALED):
        return hashed
    sealed = seal_bytes(_key(settings.PIN_PEPPER), LABEL, hashed.encode())
    return SEALED + base64.urlsafe_b64encode(sealed).decode()


def seal_all() -> int:
    """Seal every case's PIN hash made before the pepper was set; return how many."""
    sealed = 0
    for case in ProtectionCase.objects.exclude(pin_hash__startswith=SEALED).only("pin_hash"):
        case.pin_hash = seal(case.pin_hash)
        if case.pin_hash.startswith(SEALED):
            case.save(update_fields=["pin_hash"])
            sealed += 1
    return sealed


def _unseal(stored: str) -> str:
    if not stored.startswith(SEALED):
        return stored
    try:
        sealed = base64.urlsafe_b64decode(stored.removeprefix(SEALED))
        return unseal_bytes(_key(settings.PIN_PEPPER), LABEL, sealed).decode()
    except (SealError, ValueError):
        log.error("a PIN hash did not unseal: is RECLAIM_PIN_PEPPER the one it was sealed with?")
        return dummy_hash()  # the same Argon2id wait as any wrong PIN


@functools.cache
def _key(pepper: str) -> bytes:
    return HKDF(SHA256(), 32, salt=None, info=LABEL).derive(pepper.encode())


@functools.cache
def dummy_hash() -> str:
    """Return the hash an unknown case number's PIN is checked against (as long as a wrong PIN).

    Made on first use rather than at import: every process that imports the site (`reclaim
    serve`, the worker, `manage.py check`) would otherwise wait for an Argon2id hash at start.
    """
    return _hasher.hash("no such case")
