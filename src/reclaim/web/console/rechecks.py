"""The worker's re-checks of case addresses: removal, still up, and reappearance.

Every address of an open case that is still open, or removed (watched for its return), has
a watch (models.AddressWatch) with its own next time. ``arm`` gives each new address a
watch, its first time spread over the re-check interval by its id, so 100,000 addresses come
due evenly rather than all at once; after each look the next is RECHECK_HOURS later. Each run
of the job claims at most RECHECK_CHUNK due watches (a hold, so several workers share the
work), re-checks them through the core (reclaim.notices.recheck_many: the one public-address
gate) and records the results in bulk.

What a look means for an address (the first look at a page nobody fingerprinted counts as
the page reported, reclaim.notices.first_look):
- a confirmed removal (404 or 410): removed;
- the content there, on an address that was removed: reappeared (reappearances + 1), and
  its caseworker is told (a notification; an email only if settings allow, naming nothing);
- the content there after its deadline: still up;
- anything else is kept as the last look, with no change.
Each change is in the audit log, made by the worker (no member, ``actor`` worker).
"""

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from reclaim.notices import Recheck, RecheckTarget, first_look, recheck_many
from reclaim.web.console import audit
from reclaim.web.console.batches import refresh_deadlines
from reclaim.web.console.models import (
    AddressWatch,
    Case,
    CaseAddress,
    Notification,
    StaffMember,
)
from reclaim.web.console.permissions import case_scope
from reclaim.web.removals.services import can_email

RECHECK_CHUNK = 300  # addresses one run looks at: a minute's share of 100,000 in 6 hours, and more
RECHECK_CONCURRENCY = 16
RECHECK_TIMEOUT_SECONDS = 10.0
CLAIM_MINUTES = 15  # a worker's hold on its chunk; longer than a chunk takes
ARM_CHUNK = 2000  # watches made per run for addresses that have none yet
WATCHED = (*CaseAddress.OPEN_STATUSES, CaseAddress.Status.REMOVED)
REAPPEARED = CaseAddress.Status.REAPPEARED
NOTICE_SUBJECT = "Something in the Reclaim console needs you"  # names no case
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """What a look changed for one address."""

    address: CaseAddress
    before: str


def run_due_rechecks(now: datetime.datetime | None = None) -> int:
    """Arm new addresses, re-check the due ones (one chunk); return how many were checked."""
    now = now or timezone.now()
    arm(now)
    watches = _claim(now)
    if not watches:
        return 0
    targets = [RecheckTarget(w.address.url, w.digest) for w in watches]
    results = recheck_many(
        targets,
        concurrency=RECHECK_CONCURRENCY,
        allow_private=settings.CAPTURE_ALLOW_PRIVATE,
        timeout_seconds=RECHECK_TIMEOUT_SECONDS,
    )
    keep(watches, results, now)
    return len(watches)


def arm(now: datetime.datetime) -> int:
    """Give watched addresses without a watch one, spread over the interval; return how many."""
    interval = settings.RECHECK_HOURS * 3600
    has_watch = AddressWatch.objects.filter(address_id=OuterRef("pk"))
    ids = list(
        CaseAddress.objects.filter(status__in=WATCHED, case__status=Case.Status.OPEN)
        .filter(~Exists(has_watch))
        .values_list("pk", flat=True)[:ARM_CHUNK]
    )
    start = now.timestamp()
    watches = [
        AddressWatch(
            address_id=pk,
            # The first look: spread by id over the interval (deterministic and even).
            next_check_at=datetime.datetime.fromtimestamp(
                start + (pk * 7919) % interval, tz=datetime.UTC
            ),
        )
        for pk in ids
    ]
    AddressWatch.objects.bulk_create(watches, batch_size=500, ignore_conflicts=True)
    return len(watches)


def keep(watches: list[AddressWatch], results: list[Recheck], now: datetime.datetime) -> None:
    """Record what each look saw, in bulk: the watches, the addresses that changed, the
    cases' nearest deadlines, the audit entries and the notifications."""
    changes: list[Change] = []
    checked: list[CaseAddress] = []
    for watch, result in zip(watches, results, strict=True):
        result = first_look(result, watch.digest)
        if result.outcome == "present" and not watch.digest:
            watch.digest = result.digest  # the page as reported: its fingerprint from now on
        watch.outcome, watch.status_code = result.outcome, result.status_code
        watch.next_check_at = now + datetime.timedelta(hours=settings.RECHECK_HOURS)
        watch.claimed_until = None
        address = watch.address
        before = address.status
        _judge(address, result, now)
        address.last_checked_at = now
        checked.append(address)
        if address.status != before:
            changes.append(Change(address, before))
    with transaction.atomic():
        AddressWatch.objects.bulk_update(
            watches, ["digest", "outcome", "status_code", "next_check_at", "claimed_until"],
            batch_size=500,
        )  # fmt: skip
        CaseAddress.objects.bulk_update(
            checked, ["status", "removed_at", "last_checked_at", "reappearances", "deadline"],
            batch_size=500,
        )  # fmt: skip
        refresh_deadlines({change.address.case_id for change in changes})
        _audit(changes)
        told = _notify([c.address for c in changes if c.address.status == REAPPEARED])
    if told and settings.CONSOLE_NOTIFY_EMAIL and can_email():
        _email(told)  # after the transaction: no lock is held while SMTP answers


def unread(member: StaffMember) -> list[Notification]:
    """Return the member's unread notifications, newest first (their cases' and unassigned)."""
    found = Notification.objects.filter(_theirs(member), read_at=None)
    return list(found.select_related("case", "address").order_by("-created_at")[:50])


def mark_read(member: StaffMember, notification_id: int) -> int:
    """Mark one of the member's notifications read; return how many were (0 or 1)."""
    found = Notification.objects.filter(_theirs(member), pk=notification_id)
    return found.update(read_at=timezone.now())


def _theirs(member: StaffMember) -> Q:
    """Notifications for ``member`` (or for nobody, on unassigned cases) on cases they see.

    A notification names its case's address: one on a case handed to someone else, or out of
    the member's view for any other reason, is not theirs to read.
    """
    mine = Q(member=member) | Q(member__isnull=True, case__assigned_to__isnull=True)
    seen = Case.objects.filter(case_scope(member)).values("pk")
    return mine & Q(helpline_id=member.helpline_id, case_id__in=seen)


def _judge(address: CaseAddress, result: Recheck, now: datetime.datetime) -> None:
    status = address.status
    if result.removal_confirmed:
        if status != CaseAddress.Status.REMOVED:
            address.status, address.removed_at = CaseAddress.Status.REMOVED, now
    elif result.outcome == "present":
        if status == CaseAddress.Status.REMOVED:
            address.status = CaseAddress.Status.REAPPEARED
            address.reappearances += 1
            address.deadline = None  # nothing is sent about this appearance yet
        elif status == CaseAddress.Status.SENT and address.deadline and address.deadline < now:
            address.status = CaseAddress.Status.STILL_UP


def _claim(now: datetime.datetime) -> list[AddressWatch]:
    """Return up to RECHECK_CHUNK due watches, held for this worker (others skip them)."""
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    due = AddressWatch.objects.filter(
        free,
        next_check_at__lte=now,
        address__status__in=WATCHED,
        address__case__status=Case.Status.OPEN,
    )
    ids = list(due.order_by("next_check_at").values_list("pk", flat=True)[:RECHECK_CHUNK])
    hold = now + datetime.timedelta(minutes=CLAIM_MINUTES)
    with transaction.atomic():
        # Only the rows still free are taken: a worker that got there first keeps its own.
        mine = list(
            AddressWatch.objects.select_for_update(skip_locked=True)
            .filter(free, pk__in=ids)
            .values_list("pk", flat=True)
        )
        AddressWatch.objects.filter(pk__in=mine).update(claimed_until=hold)
    return list(
        AddressWatch.objects.filter(pk__in=mine)
        .select_related("address__case")
        .order_by("next_check_at")
    )


def _audit(changes: list[Change]) -> None:
    by_helpline: dict[int, list[audit.Pending]] = defaultdict(list)
    for change in changes:
        address = change.address
        detail = {"actor": "worker", "from": change.before, "to": address.status}
        pending = audit.Pending("re-check", address.case_id, f"address:{address.pk}", detail)
        by_helpline[address.helpline_id].append(pending)
    for helpline_id, pending_entries in by_helpline.items():
        audit.append_many(helpline_id, None, pending_entries)


def _notify(reappeared: list[CaseAddress]) -> set[int]:
    """Make a notification for each address back online; return the members to tell."""
    now = timezone.now()
    made = [
        Notification(
            helpline_id=address.helpline_id,
            member_id=address.case.assigned_to_id,
            case_id=address.case_id,
            address=address,
            kind=Notification.Kind.REAPPEARED,
            created_at=now,
        )
        for address in reappeared
    ]
    Notification.objects.bulk_create(made)
    return {n.member_id for n in made if n.member_id is not None}


def _email(member_ids: set[int]) -> None:
    """Tell each member by email that the console has something for them; nothing more."""
    body = (
        "Hello,\n\nAn address in one of your cases needs you. Sign in to the Reclaim console "
        "to see it.\n"
    )
    members = StaffMember.objects.filter(pk__in=member_ids, active=True).select_related("user")
    for member in members:
        if "@" not in member.user.email:
            continue
        try:
            message = EmailMessage(NOTICE_SUBJECT, body, settings.DEFAULT_FROM_EMAIL)
            message.to = [member.user.email]
            message.send()
        except OSError:
            log.warning("a notification email could not be sent; the console shows it")
