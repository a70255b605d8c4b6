"""Creating, unlocking and recovering lockers, for one person (personal mode) or for survivor
accounts (service mode), with limits on guessing.

A wrong username and a wrong passphrase get the same answer, after about the same time, so
that nobody can find out who has an account by trying names; a taken username at set-up
costs the same Argon2id work as a free one. Tries at the passphrase and at the recovery code
are counted apart (reclaim.web.access.attempts), each before it is checked: someone who holds
a username with wrong passphrases cannot stop its owner opening it with the recovery code.
"""

import functools
import logging
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction

from reclaim.locker import (
    LOW_MEMORY_PROFILE,
    CorruptLockerError,
    CustodyError,
    ItemBatch,
    KdfParams,
    KeyStamp,
    Locker,
    LockerError,
    calibrate,
)
from reclaim.signing.timestamps import TimestampError
from reclaim.web.access import attempts as tries
from reclaim.web.access.changes import catch_up
from reclaim.web.access.models import SurvivorAccount
from reclaim.web.access.session import OpenLocker, locker_folder

PERSONAL = "personal"
# The name the personal locker's tries are counted under (a username never has a space).
PERSONAL_TRIES = " personal locker"
# An authority that did not answer is asked again by pages after this long (in this process).
AUTHORITY_REST_SECONDS = 300
_resting_until: dict[tuple[str, ...], float] = {}
log = logging.getLogger(__name__)
# Five tries in a quarter of an hour hold that username for a quarter of an hour: a person
# who forgot a word has room to try, and a guesser gets 480 tries a day, against a passphrase
# of several words. The recovery code (160 random bits) has five of its own.
MAX_FAILURES = tries.MAX_TRIES
# Service mode: sign-ins, recoveries and set-ups one client may try an hour, each: enough for
# a family or an office sharing one address, few for someone trying many usernames.
CLIENT_TRIES_PER_HOUR = 30

# An opener takes a locker folder and returns the unlocked locker (or raises LockerError).
Opener = Callable[[Path], Locker]


class AccessError(Exception):
    """Why a locker was not created or opened: ``reason`` is one of REASONS."""

    REASONS = ("wrong", "held", "taken", "exists", "missing", "damaged")

    def __init__(self, reason: str, minutes: int = 0) -> None:
        assert reason in self.REASONS
        super().__init__(reason)
        self.reason = reason
        self.minutes = minutes


def kdf() -> KdfParams:
    """Return the Argon2id cost for a new locker (never below RFC 9106's low-memory profile)."""
    return _calibrated() if settings.LOCKER_CALIBRATE else LOW_MEMORY_PROFILE


@functools.cache
def _calibrated() -> KdfParams:
    return calibrate()  # once per process: calibrating takes a few derivations


def personal_exists() -> bool:
    """Return whether the person has set up their locker on this machine."""
    return (locker_folder(PERSONAL) / "locker.json").exists()


def create_personal(passphrase: str) -> tuple[Locker, str]:
    """Create the personal locker; return it and the recovery code to show once."""
    if personal_exists():
        raise AccessError("exists")
    try:
        return Locker.create(
            locker_folder(PERSONAL), passphrase, kdf(), settings.TIMESTAMP_AUTHORITIES
        )
    except LockerError:  # set up in another tab a moment ago
        raise AccessError("exists") from None


def create_account(username: str, passphrase: str) -> tuple[Locker, str, str]:
    """Create a survivor account and its locker; return the locker, recovery code and ref.

    The locker is made before the username is claimed, so that a taken username costs the
    same Argon2id work as a free one and is not answered any sooner (its folder is removed).
    """
    locker_id = secrets.token_hex(16)
    folder = locker_folder(locker_id)
    try:
        box, code = Locker.create(folder, passphrase, kdf())
        with transaction.atomic():  # a savepoint, so a taken name leaves any outer one usable
            SurvivorAccount.objects.create(username=username, locker_id=locker_id)
    except IntegrityError:
        shutil.rmtree(folder, ignore_errors=True)
        raise AccessError("taken") from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    timestamp_arrivals(box)  # the key's first timestamp, once the account is the person's
    return box, code, locker_id


def timestamp_arrivals(box: Locker) -> None:
    """Have the configured authorities timestamp new items (and the key, if not yet done).

    With no authority configured (personal mode's default) nothing is sent anywhere.
    Unreachable authorities are queued by the locker and asked again on a later call; after a
    miss, pages leave them alone for AUTHORITY_REST_SECONDS, so that a person does not wait for
    an authority's time-out on every page.
    """
    authorities = settings.TIMESTAMP_AUTHORITIES
    if not authorities or time.monotonic() < _resting_until.get(authorities, 0.0):
        return
    try:
        asked: list[KeyStamp | ItemBatch] = [
            *box.anchor_key(authorities),
            *box.timestamp_items(authorities),
        ]
    except TimestampError as error:
        # What was kept stays kept; a misbehaving authority must not turn that into an error
        # page. The next call asks again. The message names the authority, never evidence.
        log.warning("timestamp authority refused or answered badly: %s", error)
        return
    if any(stamp.time == "pending" for stamp in asked):
        _resting_until[authorities] = time.monotonic() + AUTHORITY_REST_SECONDS


def unlock(username: str | None, passphrase: str) -> tuple[Locker, str]:
    """Open a locker with its passphrase; return it and its ref, or raise AccessError.

    What arrived while it was locked is kept in it now (reclaim.web.access.changes).
    """
    box, ref = _attempt("passphrase", username, lambda folder: Locker.open(folder, passphrase))
    catch_up(OpenLocker(box, ref))
    return box, ref


def recover(username: str | None, code: str, new_passphrase: str) -> tuple[Locker, str]:
    """Open a locker with its recovery code and set a new passphrase.

    Its tries are counted apart from the passphrase's, so it works while the passphrase is on
    hold; a success clears the passphrase's count too (the new one starts afresh). What arrived
    while it was locked is kept in it, as on unlocking.
    """
    box, ref = _attempt("recovery", username, lambda f: Locker.recover(f, code, new_passphrase))
    tries.forget(_tries_name("passphrase", username))
    catch_up(OpenLocker(box, ref))
    return box, ref


def _attempt(secret: str, username: str | None, opener: Opener) -> tuple[Locker, str]:
    """Count a try at ``secret`` for this username (None: the personal locker), then open."""
    if username is None and not personal_exists():
        raise AccessError("missing")
    name = _tries_name(secret, username)
    try:
        tries.reserve(name)
    except tries.HeldError as held:
        raise AccessError("held", held.minutes) from None
    ref = _ref(username)
    try:
        if ref is None:
            _spend_the_same_time()
            raise LockerError("no such account")
        box = opener(locker_folder(ref))
    except (CorruptLockerError, CustodyError):  # changed bytes, or a broken chain of entries
        raise AccessError("damaged") from None
    except LockerError:
        raise AccessError("wrong") from None
    tries.forget(name)
    return box, ref


def _tries_name(secret: str, username: str | None) -> str:
    return f"{secret}:{PERSONAL_TRIES if username is None else username}"


def _ref(username: str | None) -> str | None:
    """Return the locker's ref for this username (None if there is no such account)."""
    if username is None:
        return PERSONAL
    account = SurvivorAccount.objects.filter(username=username).first()
    return account.locker_id if account else None


def _spend_the_same_time() -> None:
    """Derive a key as opening a real locker would, so an unknown name takes as long."""
    kdf().derive(b"no such account", bytes(16))
