"""Platform API tokens: random, shown once, kept as SHA-256, scoped and revocable."""

import datetime
import hashlib
import secrets

from django.utils import timezone

from reclaim.web.protection.models import ApiToken, Platform

SCOPES = ("bank:read", "match", "feedback")
PREFIX = "rcl_"
LAST_USED_STEP = datetime.timedelta(minutes=1)


def issue(platform: Platform, scopes: tuple[str, ...] = SCOPES) -> str:
    """Make a token for ``platform``; return it (the only time it is seen in full)."""
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    token = PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        platform=platform, prefix=token[:12], digest=_digest(token), scopes=" ".join(scopes)
    )
    return token


def find(token: str) -> ApiToken | None:
    """Return the live token record for ``token``, or None (unknown or revoked)."""
    if not token.startswith(PREFIX):
        return None
    found = ApiToken.objects.filter(digest=_digest(token), revoked__isnull=True).first()
    now = timezone.now()
    if found is not None and (found.last_used is None or now - found.last_used > LAST_USED_STEP):
        # Not a write on every call: "last used" to the minute is enough for an admin.
        ApiToken.objects.filter(id=found.id).update(last_used=now)
    return found


def revoke(prefix: str) -> int:
    """Revoke the live tokens starting with ``prefix``; return how many."""
    live = ApiToken.objects.filter(prefix=prefix[:12], revoked__isnull=True)
    return live.update(revoked=timezone.now())


def platforms_connected() -> bool:
    """Return True if any platform holds a live token, so that something can fetch the bank."""
    return ApiToken.objects.filter(revoked__isnull=True).exists()


def _digest(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: nothing to guess offline.
    return hashlib.sha256(token.encode()).hexdigest()
