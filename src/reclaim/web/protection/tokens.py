"""Platform API tokens: random, shown once, kept as SHA-256, scoped, revocable, may expire."""

import datetime
import hashlib
import secrets

from django.db.models import Q, QuerySet
from django.utils import timezone

from reclaim.web.protection.models import ApiToken, Platform

SCOPES = ("bank:read", "match", "feedback")
PREFIX = "rcl_"
LAST_USED_STEP = datetime.timedelta(minutes=1)


def issue(
    platform: Platform,
    scopes: tuple[str, ...] = SCOPES,
    expires: datetime.datetime | None = None,
) -> str:
    """Make a token for ``platform``, working until ``expires`` if given; return it.

    This is the only time the token is seen in full.
    """
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    if expires is not None and expires <= timezone.now():
        raise ValueError("the expiry must be in the future")
    token = PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        platform=platform,
        prefix=token[:12],
        digest=_digest(token),
        scopes=" ".join(scopes),
        expires=expires,
    )
    return token


def find(token: str) -> ApiToken | None:
    """Return the live token record for ``token``, or None (unknown, revoked or expired)."""
    if not token.startswith(PREFIX):
        return None
    now = timezone.now()
    found = _live(now).filter(digest=_digest(token)).first()
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
    return _live(timezone.now()).exists()


def state(token: ApiToken, now: datetime.datetime) -> str:
    """Return how an admin reads ``token``'s state: live (until when), expired or revoked."""
    if token.revoked:
        return f"revoked {token.revoked:%Y-%m-%d}"
    if token.expires is None:
        return "live"
    when = f"{token.expires.astimezone(datetime.UTC):%Y-%m-%d %H:%M} UTC"
    return f"expired {when}" if token.expires <= now else f"live until {when}"


def _live(now: datetime.datetime) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(
        Q(expires__isnull=True) | Q(expires__gt=now), revoked__isnull=True
    )


def _digest(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: nothing to guess offline.
    return hashlib.sha256(token.encode()).hexdigest()
