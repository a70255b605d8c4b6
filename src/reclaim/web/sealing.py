"""Sealing what background work carries: task payloads and re-check watches in the database.

A queued capture's address, a re-check's address and hashes, a reminder's email address: each
is sealed (AES-256-GCM) with a key derived from SECRET_KEY by HKDF, so a copy of the database
alone does not show them. Personal mode makes a new SECRET_KEY at each start, so what was
sealed before a restart no longer opens (``unseal_payload`` raises SealError; callers say so).

This module depends only on the core and Django's settings: every app may use it.
"""

import json
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from reclaim.locker import seal_bytes, unseal_bytes

# The HKDF info and the sealing name: unchanged, so what was sealed before still opens.
KEY_INFO = b"reclaim-task-payload"
SEALING_NAME = b"task"


def _key() -> bytes:
    hkdf = HKDF(algorithm=SHA256(), length=32, salt=None, info=KEY_INFO)
    return hkdf.derive(settings.SECRET_KEY.encode())


def seal_payload(content: Mapping[str, Any]) -> bytes:
    """Return ``content`` as JSON sealed with a key derived from SECRET_KEY."""
    return seal_bytes(_key(), SEALING_NAME, json.dumps(content).encode())


def unseal_payload(sealed: bytes) -> dict[str, Any]:
    """Return what ``seal_payload`` sealed; raise SealError if SECRET_KEY has changed."""
    return dict(json.loads(unseal_bytes(_key(), SEALING_NAME, sealed)))
