"""A small in-memory rate limit per client, for the endpoints anyone can call.

Addresses are never stored: the key is a keyed digest held in this process's memory only,
and forgotten when its window passes. Several processes each keep their own count, which is
fine for its purpose (slowing guessing down; the lockout per case number is in the database).
"""

import hashlib
import hmac
import threading
import time

from django.conf import settings
from django.http import HttpRequest

_lock = threading.Lock()
_seen: dict[str, list[float]] = {}


def allow(request: HttpRequest, bucket: str, per_hour: int) -> bool:
    """Return whether this client may make one more ``bucket`` call this hour (and count it)."""
    address = str(request.META.get("REMOTE_ADDR", ""))
    key = hmac.new(settings.SECRET_KEY.encode(), f"{bucket}:{address}".encode(), hashlib.sha256)
    now = time.monotonic()
    with _lock:
        recent = [t for t in _seen.get(key.hexdigest(), []) if now - t < 3600]
        if len(recent) >= per_hour:
            _seen[key.hexdigest()] = recent
            return False
        _seen[key.hexdigest()] = [*recent, now]
        if len(_seen) > 100_000:  # never let the table grow without bound
            _seen.clear()
    return True


def reset() -> None:
    """Forget every count (tests)."""
    with _lock:
        _seen.clear()
