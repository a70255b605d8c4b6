"""Referrals in the web app: views and the worker call these; they call reclaim.referrals.

Reading never writes: ``shown`` merges the withdrawals waiting in the database in memory.
Changes (sharing, sending, reading openings, stopping) write the locker's record through the
core. A withdrawal the helpline could not be asked is kept (models.PendingWithdrawal) and
asked again by the worker; ``catch_up`` records its answer in the locker on the next change.
Nothing here ever says a withdrawal worked before the helpline's service said so.
"""

import datetime
import functools
import logging
import os
import secrets
import ssl
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reclaim.addresses import AddressRefusedError, loopback_only
from reclaim.content import Helpline, load_helpline_file
from reclaim.locker import NotFoundError, SealError
from reclaim.referrals import (
    SUFFIX,
    ReferralClient,
    ReferralError,
    ReferralServiceError,
    Selection,
    SharedReferral,
    make_referral,
    record_openings,
    record_sent,
    record_withdrawal,
    referral_helpline,
    referral_helplines,
    shared_referral,
    shared_referrals,
)
from reclaim.times import stamp
from reclaim.web.access.session import OpenLocker
from reclaim.web.sealing import seal_payload, unseal_payload
from reclaim.web.sharing.models import PendingWithdrawal

log = logging.getLogger(__name__)
# A withdrawal not answered is asked again after 1, 2, 4... minutes, then every 6 hours.
RETRY_MINUTES_AT_MOST = 6 * 60
RETRIES_PER_RUN = 50
# The error codes that mean the helpline's service does not hold this referral (never sent).
NOT_HELD = (403, 404)


class UnreachableError(Exception):
    """The helpline's service could not be reached, or did not answer as the API says."""


def helplines() -> list[Helpline]:
    """Return the helplines that take referrals: the content's and the operator's file's."""
    return _helplines(Path(settings.CONTENT_DIR), settings.REFERRAL_DIRECTORY)


@functools.cache
def _helplines(content: Path, extra: Path | None) -> list[Helpline]:
    # The content directory's own file (its language files only describe; none is needed here).
    directory = load_helpline_file(content / "helplines" / "directory.toml")
    return referral_helplines(directory, extra)


def helpline(helpline_id: str) -> Helpline:
    """Return one helpline that takes referrals; KeyError if there is none with that id."""
    return referral_helpline(helplines(), helpline_id)


def client() -> ReferralClient:
    """Return the client that talks to helplines (through the public-address gate).

    Public addresses and the system's certificate authorities, always in service mode. Tests
    set RECLAIM_REFERRAL_ALLOW_LOOPBACK (the gate's loopback_only policy, as captures in tests
    use: loopback and nothing else) and RECLAIM_REFERRAL_CA_FILE (their own CA).
    """
    if settings.SERVICE or not settings.REFERRAL_ALLOW_LOOPBACK:  # settings refuse both anyway
        return ReferralClient()
    ca = settings.REFERRAL_CA_FILE
    verify = ssl.create_default_context(cafile=str(ca)) if ca is not None else None
    return ReferralClient(policy=loopback_only, verify=verify)


def referral_file(ref: str, referral_id: str) -> Path:
    """Return where a referral's file is kept until it is sent (only ciphertext is in it)."""
    return Path(settings.DATA_DIR) / "referrals" / ref / f"{referral_id}{SUFFIX}"


@dataclass(frozen=True)
class Shown:
    """A referral as the pages show it: the locker's record and what waits in the database."""

    referral: SharedReferral
    stopping: bool  # the person stopped sharing; the helpline has not answered yet
    withdrawn_utc: str  # when the helpline confirmed it (the locker's, or the worker's)
    has_file: bool  # the referral's file is here, to send again or download
    expired: bool  # the time the person chose has passed: the helpline opens nothing in it


def shown(opened: OpenLocker) -> list[Shown]:
    """Return every referral the locker keeps, newest first, writing nothing."""
    waiting = _waiting(opened.ref)
    found = [_shown(opened, each, waiting) for each in shared_referrals(opened.box)]
    return found[::-1]


def shown_one(opened: OpenLocker, referral_id: str) -> Shown:
    """Return one referral to show; NotFoundError if the locker keeps none with that id."""
    found = shared_referral(opened.box, referral_id)
    return _shown(opened, found, _waiting(opened.ref))


def _shown(
    opened: OpenLocker, found: SharedReferral, waiting: dict[str, PendingWithdrawal]
) -> Shown:
    pending = waiting.get(found.id)
    answered = pending.withdrawn_utc if pending else ""
    return Shown(
        referral=found,
        stopping=pending is not None and not answered and not found.withdrawn,
        withdrawn_utc=found.withdrawn_utc or answered,
        has_file=referral_file(opened.ref, found.id).is_file(),
        expired=found.expired(),
    )


def _waiting(ref: str) -> dict[str, PendingWithdrawal]:
    return {row.referral_id: row for row in PendingWithdrawal.objects.filter(locker_ref=ref)}


# Sharing and sending ------------------------------------------------------------------------


def share(opened: OpenLocker, chosen: Helpline, selection: Selection) -> SharedReferral:
    """Make the referral of what the person chose, keep its file here; return its record.

    Raises ReferralError, NotFoundError or Under18Error as reclaim.referrals.make_referral does.
    """
    made_at = _new_file(opened.ref)
    try:
        made = make_referral(opened.box, chosen, selection, made_at)
        os.replace(made_at, referral_file(opened.ref, made.id))
    finally:
        made_at.unlink(missing_ok=True)
    return made


def _new_file(ref: str) -> Path:
    folder = referral_file(ref, "x").parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder / f"new-{secrets.token_hex(8)}{SUFFIX}"


def send(opened: OpenLocker, referral_id: str) -> SharedReferral:
    """Send a referral's file to its helpline, record it as sent and delete the file.

    Raises UnreachableError (the file stays, to send again or download), NotFoundError.
    """
    found = shared_referral(opened.box, referral_id)
    path = referral_file(opened.ref, referral_id)
    if found.sent_utc or found.withdrawn or not path.is_file():
        return found
    try:
        receipt = client().send(found.address, path)
    except (ReferralError, AddressRefusedError, OSError) as error:
        log.warning("a referral could not be sent: %s", type(error).__name__)
        raise UnreachableError() from None
    sent = record_sent(opened.box, referral_id, receipt.received_utc)
    path.unlink(missing_ok=True)  # the helpline has it; no copy stays here
    return sent


def check_openings(opened: OpenLocker, referral_id: str) -> SharedReferral:
    """Ask the helpline who opened a referral and keep what it says; UnreachableError if not."""
    found = shared_referral(opened.box, referral_id)
    try:
        answer = client().openings(found.address, referral_id, found.consent_token)
    except (ReferralError, AddressRefusedError) as error:
        log.warning("openings could not be read: %s", type(error).__name__)
        raise UnreachableError() from None
    kept = record_openings(opened.box, referral_id, answer.openings)
    if answer.withdrawn_utc:
        kept = _withdrawn(opened, referral_id, answer.withdrawn_utc)
    return kept


# Stopping -----------------------------------------------------------------------------------


def withdraw(opened: OpenLocker, referral_id: str) -> bool:
    """Withdraw consent: ask the helpline to delete it; return whether it confirmed.

    The file kept here is deleted at once. If the helpline cannot be reached, the withdrawal
    waits in the database and the worker asks again until it answers.
    """
    found = shared_referral(opened.box, referral_id)
    referral_file(opened.ref, referral_id).unlink(missing_ok=True)
    if found.withdrawn:
        return True
    answered = _ask_withdrawal(found.address, referral_id, found.consent_token, found.sent_utc)
    if answered is None:
        _keep_pending(opened.ref, found)
        return False
    _withdrawn(opened, referral_id, answered)
    return True


def _ask_withdrawal(address: str, referral_id: str, token: str, sent_utc: str) -> str | None:
    """Return when the helpline recorded the withdrawal, or None if it could not be asked.

    A referral that was only given as a file, and that the helpline's service does not hold,
    is withdrawn as far as the service goes (the page asks the person to tell them).
    """
    try:
        return client().withdraw(address, referral_id, token).withdrawn_utc
    except ReferralServiceError as error:
        if not sent_utc and error.status in NOT_HELD:
            return stamp(timezone.now())
        log.warning("a withdrawal could not be asked: status %s", error.status)
    except (ReferralError, AddressRefusedError) as error:
        log.warning("a withdrawal could not be asked: %s", type(error).__name__)
    return None


def _keep_pending(ref: str, found: SharedReferral) -> None:
    PendingWithdrawal.objects.update_or_create(
        locker_ref=ref,
        referral_id=found.id,
        defaults={"payload": _payload(found), "next_try": timezone.now(), "withdrawn_utc": ""},
    )


def _payload(found: SharedReferral) -> bytes:
    return seal_payload(
        {"address": found.address, "token": found.consent_token, "sent": found.sent_utc}
    )


def _withdrawn(opened: OpenLocker, referral_id: str, at_utc: str) -> SharedReferral:
    kept = record_withdrawal(opened.box, referral_id, at_utc)
    referral_file(opened.ref, referral_id).unlink(missing_ok=True)
    PendingWithdrawal.objects.filter(locker_ref=opened.ref, referral_id=referral_id).delete()
    return kept


def catch_up(opened: OpenLocker) -> None:
    """Record in the locker the withdrawals the helpline confirmed to the worker.

    A waiting withdrawal whose seal no longer opens (personal mode makes a new SECRET_KEY at
    each start) is sealed again from the locker's record, so the worker can go on asking.
    """
    with transaction.atomic():
        rows = list(PendingWithdrawal.objects.select_for_update().filter(locker_ref=opened.ref))
        for row in rows:
            try:
                found = shared_referral(opened.box, row.referral_id)
            except NotFoundError:
                row.delete()
                continue
            if row.withdrawn_utc or found.withdrawn:
                _withdrawn(opened, found.id, row.withdrawn_utc or found.withdrawn_utc)
            elif not _opens(row):
                PendingWithdrawal.objects.filter(id=row.id).update(payload=_payload(found))


def _opens(row: PendingWithdrawal) -> bool:
    try:
        unseal_payload(bytes(row.payload))
    except SealError:
        return False
    return True


def retry_withdrawals(now: datetime.datetime | None = None) -> int:
    """Ask the helplines again about the withdrawals whose time has come; return how many."""
    moment = now or timezone.now()
    due = PendingWithdrawal.objects.filter(withdrawn_utc="", next_try__lte=moment)
    asked = 0
    for row in list(due.order_by("next_try")[:RETRIES_PER_RUN]):
        wait = datetime.timedelta(minutes=min(2**row.tries, RETRY_MINUTES_AT_MOST))
        # A claim: another worker that read the same row finds its time moved and leaves it.
        claimed = PendingWithdrawal.objects.filter(id=row.id, next_try=row.next_try).update(
            next_try=moment + wait, tries=row.tries + 1
        )
        if not claimed or not _opens(row):
            continue  # sealed under an earlier key: the person's next change seals it again
        value = unseal_payload(bytes(row.payload))
        answered = _ask_withdrawal(value["address"], row.referral_id, value["token"], value["sent"])
        if answered is not None:
            PendingWithdrawal.objects.filter(id=row.id).update(withdrawn_utc=answered)
        asked += 1
    return asked
