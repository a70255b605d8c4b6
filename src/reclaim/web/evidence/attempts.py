"""Failed tries at a secret (a locker's passphrase, a protection case's PIN), and the hold.

Each name tried is kept only as a keyed digest, so typos and case numbers are not stored.
After MAX_FAILURES misses within FAILURE_WINDOW, tries are held for HOLD, whether the name
exists or not. Failures are counted under a row lock, so tries in parallel all count.
"""

import datetime
import hashlib
import hmac

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reclaim.web.evidence.models import SignInAttempts

MAX_FAILURES = 5
FAILURE_WINDOW = datetime.timedelta(minutes=15)
HOLD = datetime.timedelta(minutes=15)


class HeldError(Exception):
    """Too many misses: tries for this name wait ``minutes`` more."""

    def __init__(self, minutes: int) -> None:
        super().__init__(f"held for {minutes} minutes")
        self.minutes = minutes


def attempts_for(name: str) -> SignInAttempts:
    """Return the failure count kept for ``name`` (unsaved and empty if there is none)."""
    key = hmac.new(settings.SECRET_KEY.encode(), name.encode(), hashlib.sha256).hexdigest()
    found = SignInAttempts.objects.filter(key=key).first()
    return found or SignInAttempts(key=key, first_failure=timezone.now())


def check_not_held(attempts: SignInAttempts) -> None:
    """Raise HeldError if tries for this name are on hold."""
    now = timezone.now()
    if attempts.locked_until and attempts.locked_until > now:
        raise HeldError(int((attempts.locked_until - now).total_seconds() // 60) + 1)


def count_failure(attempts: SignInAttempts) -> None:
    """Count one miss; the fifth within the window starts the hold."""
    now = timezone.now()
    with transaction.atomic():
        row = SignInAttempts.objects.select_for_update().get_or_create(
            key=attempts.key, defaults={"first_failure": now}
        )[0]
        if now - row.first_failure > FAILURE_WINDOW:
            row.failures, row.first_failure = 0, now
        row.failures += 1
        if row.failures >= MAX_FAILURES:
            row.locked_until, row.failures = now + HOLD, 0
        row.save()


def forget(attempts: SignInAttempts) -> None:
    """Clear the count after a success."""
    if attempts.pk:
        attempts.delete()
