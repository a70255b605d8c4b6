"""A small in-memory rate limit per client, for the endpoints anyone can call.

Addresses are never stored: the key is a keyed digest held in this process's memory only,
and forgotten when its window passes. IPv6 clients count by /64, one home's network. Behind
a TLS proxy, `reclaim serve` takes the client's address from the proxy (RECLAIM_TRUSTED_PROXY).
Several processes each keep their own count, which is fine for its purpose (slowing guessing
down; the lockout per case number is in the database).
"""

import hashlib
import hmac
import ipaddress
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.http import HttpRequest

MAX_CLIENTS = 100_000  # counts kept at most; the oldest are dropped first
_lock = threading.Lock()
_seen: OrderedDict[str, list[float]] = OrderedDict()


def allow(request: HttpRequest, bucket: str, per_hour: int) -> bool:
    """Return whether this client may make one more ``bucket`` call this hour (and count it)."""
    client = _client(str(request.META.get("REMOTE_ADDR", "")))
    key = hmac.new(settings.SECRET_KEY.encode(), f"{bucket}:{client}".encode(), hashlib.sha256)
    digest, now = key.hexdigest(), time.monotonic()
    with _lock:
        recent = [t for t in _seen.pop(digest, []) if now - t < 3600]
        allowed = len(recent) < per_hour
        _seen[digest] = [*recent, now] if allowed else recent
        while len(_seen) > MAX_CLIENTS:
            _seen.popitem(last=False)
    return allowed


def _client(address: str) -> str:
    """Return the client as counted: an IPv4 address, or an IPv6 /64 (one home's network)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def reset() -> None:
    """Forget every count (tests)."""
    with _lock:
        _seen.clear()
