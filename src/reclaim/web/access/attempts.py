"""Tries at a secret (a locker's passphrase or recovery code, a case's PIN, a staff password).

A try is counted *before* its secret is checked, in its own committed transaction under a row
lock, so that however many tries arrive at once, from however many threads or processes, at
most MAX_TRIES secrets are ever checked for one name within a window: the one that reaches
the limit starts the hold, and every later one is refused until the hold ends. A success
clears the count (only the right secret can do that). Names are kept as keyed digests, so
typos, usernames and case numbers are not stored, and unknown names are held the same way.
"""

import datetime
import hashlib
import hmac

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reclaim.web.access.models import Attempts

# Five tries in a quarter of an hour, then a quarter of an hour's hold: a person who forgot a
# word has room to try, and a guesser gets 480 tries a day, against a passphrase of several
# words or one of 10^8 PINs.
MAX_TRIES = 5
WINDOW = datetime.timedelta(minutes=15)
HOLD = datetime.timedelta(minutes=15)


class HeldError(Exception):
    """Too many tries: tries for this name wait ``minutes`` more."""

    def __init__(self, minutes: int) -> None:
        super().__init__(f"held for {minutes} minutes")
        self.minutes = minutes


def reserve(name: str) -> None:
    """Count one try at ``name``'s secret; raise HeldError (counting nothing) if on hold.

    Call it before checking the secret, and ``forget(name)`` after a success.
    """
    key = _key(name)
    now = timezone.now()
    with transaction.atomic():
        row, made = Attempts.objects.select_for_update().get_or_create(
            key=key, defaults={"window_start": now}
        )
        if row.held_until and row.held_until > now:
            raise HeldError(int((row.held_until - now).total_seconds() // 60) + 1)
        if row.held_until or now - row.window_start > WINDOW:
            row.tries, row.window_start, row.held_until = 0, now, None
        row.tries += 1
        if row.tries >= MAX_TRIES:
            row.held_until = now + HOLD
        row.save()
    if made:  # a new name: a good moment to drop the counts whose time has passed
        _drop_stale(now)


def forget(name: str) -> None:
    """Clear ``name``'s count after a success."""
    Attempts.objects.filter(key=_key(name)).delete()


def _key(name: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), name.encode(), hashlib.sha256).hexdigest()


def _drop_stale(now: datetime.datetime) -> None:
    """Delete counts whose window and hold are both over (they would start again at zero).

    A hold starts within its window, so it is over by the window's start + WINDOW + HOLD.
    """
    Attempts.objects.filter(window_start__lt=now - WINDOW - HOLD).delete()
