"""Rate limits per client, for the endpoints anyone can call, counted in the database.

Every process of a deployment shares one count per client and kind of call, so adding
processes adds no tries. A count is kept for the clock hour it belongs to (a client may make
``per_hour`` calls in each hour, so at most twice that across an hour's boundary) and deleted
once that hour is over. Addresses are never stored: the key is a keyed digest of the kind of
call and the client. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) count as their IPv4 address,
and other IPv6 clients by /64, one home's network. Behind a TLS proxy, `reclaim serve` takes
the client's address from the proxy (RECLAIM_TRUSTED_PROXY).
"""

import hashlib
import hmac
import ipaddress
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest

from reclaim.web.access.models import ClientCount

SECONDS_PER_HOUR = 3600


def allow(request: HttpRequest, bucket: str, per_hour: int) -> bool:
    """Return whether this client may make one more ``bucket`` call this hour (and count it)."""
    client = client_of(str(request.META.get("REMOTE_ADDR", "")))
    key = hmac.new(settings.SECRET_KEY.encode(), f"{bucket}:{client}".encode(), hashlib.sha256)
    digest, hour = key.hexdigest(), int(time.time() // SECONDS_PER_HOUR)
    if _count_one(digest, hour, per_hour):
        return True
    try:
        with transaction.atomic():
            ClientCount.objects.create(key=digest, hour=hour, calls=1)
    except IntegrityError:  # there is a count (made a moment ago by another process): use it
        return _count_one(digest, hour, per_hour)
    ClientCount.objects.filter(hour__lt=hour).delete()  # earlier hours are over
    return per_hour > 0


def wait_minutes() -> int:
    """Return the minutes until this hour's counts end."""
    return 60 - int(time.time() % SECONDS_PER_HOUR) // 60


def client_of(address: str) -> str:
    """Return the client as counted: an IPv4 address, or an IPv6 /64 (one home's network)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d is a.b.c.d, through a dual-stack socket
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)


def reset() -> None:
    """Forget every count (tests)."""
    ClientCount.objects.all().delete()


def _count_one(key: str, hour: int, per_hour: int) -> bool:
    """Add one call to an existing count still under ``per_hour``; return whether it was."""
    under = ClientCount.objects.filter(key=key, hour=hour, calls__lt=per_hour)
    return under.update(calls=F("calls") + 1) == 1
