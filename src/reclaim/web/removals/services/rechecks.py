"""The worker's re-check job: look at due addresses again, keep what was seen, remind.

The worker holds no locker key: it works from the sealed watches alone. What it sees waits
in the watch, sealed, until the person's next change records it in their locker
(watches.catch_up); the pages show it merged in meanwhile. The watch bookkeeping between
two visits is the job's: when to look next, the page's fingerprint after the first look, the
one reminder, and dropping a watch sealed under a key that is gone (the person's next change
arms it again).
"""

import datetime
import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from reclaim.hashing import PdqHash
from reclaim.locker import SealError
from reclaim.notices import Recheck, RecheckTarget, as_check, first_look, recheck_many
from reclaim.web.removals.models import Watch
from reclaim.web.removals.services.sending import can_email
from reclaim.web.removals.services.watches import results_of
from reclaim.web.sealing import seal_payload, unseal_payload

CLAIM_MINUTES = 15  # a worker's hold on a batch of watches; longer than any batch takes
RECHECK_BATCH = 200
RECHECK_CONCURRENCY = 8
REMINDER_SUBJECT = "A reminder from your account"  # discreet: it names nothing
log = logging.getLogger(__name__)


def run_due_rechecks(now: datetime.datetime | None = None) -> bool:
    """Re-check the addresses whose time has come; return False if there were none."""
    now = now or timezone.now()
    claimed = _claim(now)
    if not claimed:
        return _send_reminders(now)
    watches, targets = [], []
    for watch in claimed:
        try:
            payload = unseal_payload(bytes(watch.payload))
        except SealError:  # the person's next change seals it again with the current key
            watch.delete()
            continue
        watches.append(watch)
        targets.append(_target(payload))
    results = recheck_many(
        targets,
        concurrency=RECHECK_CONCURRENCY,
        allow_private=settings.CAPTURE_ALLOW_PRIVATE,
    )
    for watch, result in zip(watches, results, strict=True):
        _keep_result(watch, result, now)
    _send_reminders(now)
    return True


def _claim(now: datetime.datetime) -> list[Watch]:
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    ids = list(
        Watch.objects.filter(free, next_check__lte=now)
        .order_by("next_check")
        .values_list("id", flat=True)[:RECHECK_BATCH]
    )
    hold = now + datetime.timedelta(minutes=CLAIM_MINUTES)
    mine = [i for i in ids if Watch.objects.filter(free, id=i).update(claimed_until=hold)]
    return list(Watch.objects.filter(id__in=mine))


def _target(payload: dict[str, Any]) -> RecheckTarget:
    hashes = tuple(PdqHash(h) for h in payload.get("hashes", []))
    return RecheckTarget(payload["url"], payload.get("digest", ""), hashes)


def _keep_result(watch: Watch, result: Recheck, now: datetime.datetime) -> None:
    payload = unseal_payload(bytes(watch.payload))
    if not payload.get("digest"):
        result = first_look(result, "")
        if result.outcome == "present":  # the page as reported: its fingerprint from now on
            payload["digest"] = result.digest
            Watch.objects.filter(id=watch.id).update(payload=seal_payload(payload))
    with transaction.atomic():
        current = Watch.objects.select_for_update().filter(id=watch.id).first()
        if current is None:  # the request was closed meanwhile
            return
        checks = [c.__dict__ for c in (*results_of(current), as_check(result))]
        Watch.objects.filter(id=watch.id).update(
            results=seal_payload({"checks": checks}),
            next_check=now + datetime.timedelta(hours=settings.RECHECK_HOURS),
            claimed_until=None,
        )


def _send_reminders(now: datetime.datetime) -> bool:
    """Send the one discreet reminder each opted-in request gets when its time runs out."""
    if not can_email():
        return False
    sent = False
    for watch in Watch.objects.filter(deadline__lt=now, reminded=False):
        try:
            address = unseal_payload(bytes(watch.payload)).get("remind", "")
        except SealError:
            continue
        if address and Watch.objects.filter(id=watch.id, reminded=False).update(reminded=True):
            _remind(address)
            sent = True
    return sent


def _remind(address: str) -> None:
    body = (
        "Hello,\n\nSomething in your account is waiting for you. Sign in when it is safe "
        "to have a look.\n\nYou asked for this reminder. You can turn reminders off in your "
        "account.\n"
    )
    try:
        EmailMessage(REMINDER_SUBJECT, body, settings.DEFAULT_FROM_EMAIL, [address]).send()
    except OSError:
        log.warning("a reminder could not be sent; it will not be retried")
