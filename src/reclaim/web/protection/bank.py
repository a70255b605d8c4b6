"""The hash bank: protection cases, their hashes, the change feed, and access by number and PIN.

Views and the API call these. Every change of an entry's status appends a BankChange under the
BankClock lock (models.py) and moves its tick count on, which tells each process's match index
to apply the new changes before its next query (index.py). Platforms read
the changes later, in batches (publish_due): every change made before a batch's closing time,
of every case, additions and withdrawals together, shuffled, with that one time. Three cases
made with feed reads between them are three runs of the feed when each is published on its
own; in one batch, nothing shows which hashes came together. The interval
(RECLAIM_FEED_BATCH_MINUTES) is the price of that: a platform learns of a hash up to one
interval late, while matching on this service takes it (and any withdrawal) at once.
"""

import secrets
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from reclaim.bank import Signal
from reclaim.errors import ReclaimError
from reclaim.web.access import attempts
from reclaim.web.protection import pins
from reclaim.web.protection.models import (
    ACTIVE,
    DELETED,
    RECEIVED,
    WITHDRAWN,
    BankChange,
    BankClock,
    BankEntry,
    Feedback,
    FeedChange,
    MatchSeen,
    ProtectionCase,
)

# Case numbers avoid letters and digits that are easy to mix up (0/O, 1/I/L).
NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
NUMBER_LENGTH = 10  # 31^10: about 8 * 10^14 numbers
PIN_DIGITS = 8
FEED_STATUSES = (ACTIVE, WITHDRAWN, DELETED)  # what platforms read; Received is ours alone


class CaseAccessError(ReclaimError):
    """The case number and PIN do not match (one answer for both), or tries are on hold."""

    def __init__(self, reason: str, minutes: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason  # "wrong" or "held"
        self.minutes = minutes


@dataclass(frozen=True)
class EntryView:
    """What the person sees of one of their hashes."""

    id: int
    public_id: str
    signal_type: str
    value: str
    quality: int | None
    status: str
    matched: int  # platforms that reported a match
    verdicts: dict[str, int]  # PendingReview / Blocked / NotBlocked: how many platforms said so


def new_case(signals: Iterable[Signal]) -> tuple[ProtectionCase, str]:
    """Create a case holding ``signals``; return it and its PIN (shown once, kept hashed)."""
    pin = "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS))
    for _ in range(5):  # a clash of random numbers is rare; try again if it happens
        try:
            with transaction.atomic():
                case = ProtectionCase.objects.create(
                    number=_new_number(), pin_hash=pins.hash_pin(pin)
                )
                add_signals(case, signals)
                return case, pin
        except IntegrityError:
            continue
    raise ReclaimError("could not make a new case number; try again")


def add_signals(case: ProtectionCase, signals: Iterable[Signal]) -> int:
    """Add hashes to a case, skipping ones it already holds; return how many were new."""
    added = 0
    for signal in signals:
        known = case.entries.filter(fingerprint=signal.fingerprint).first()
        if known is not None:
            if known.status in (WITHDRAWN, DELETED):  # sent again: it counts again
                _change([known.id], RECEIVED)
                added += 1
            continue
        BankEntry.objects.create(
            case=case,
            signal_type=signal.signal_type,
            value=signal.value,
            quality=signal.quality,
            fingerprint=signal.fingerprint,
        )
        added += 1
    return added


def open_case(number: str, pin: str) -> ProtectionCase:
    """Return the case for this number and PIN; raise CaseAccessError (the same for either).

    The try is counted before the PIN is checked (reclaim.web.access.attempts), so at most
    five PINs are checked per case number in a quarter of an hour, however many arrive at once.
    """
    number = normalise_number(number)
    name = "case:" + number
    try:
        attempts.reserve(name)
    except attempts.HeldError as held:
        raise CaseAccessError("held", held.minutes) from None
    case = ProtectionCase.objects.filter(number=number).first()
    matches = pins.pin_matches(case.pin_hash if case else pins.dummy_hash(), pin.strip())
    if case is None or not matches:
        raise CaseAccessError("wrong")
    attempts.forget(name)
    return case


def normalise_number(number: str) -> str:
    """Return a case number as stored: capitals, without spaces or dashes."""
    return "".join(c for c in number.upper() if c.isalnum())


def format_number(number: str) -> str:
    """Return a case number in groups of five, easier to read out and copy."""
    return f"{number[:5]}-{number[5:]}"


def entries_of(case: ProtectionCase) -> list[EntryView]:
    """Return the case's hashes (not deleted) with what platforms reported about each."""
    views = []
    for entry in case.entries.exclude(status=DELETED).order_by("id"):
        verdicts = Counter(f.verdict for f in entry.feedback.all())
        platforms = {m.platform_id for m in entry.matches.all()}
        platforms |= {f.platform_id for f in entry.feedback.all()}
        views.append(
            EntryView(
                entry.id,
                entry.public_id,
                entry.signal_type,
                entry.value,
                entry.quality,
                entry.status,
                len(platforms),
                dict(verdicts),
            )
        )
    return views


def withdraw(
    case: ProtectionCase,
    entry_ids: Iterable[int] | None = None,
    public_ids: Iterable[str] | None = None,
) -> int:
    """Withdraw some (by id or public id; all when neither) of a case's hashes; return how many."""
    entries = case.entries.filter(status__in=(RECEIVED, ACTIVE))
    if entry_ids is not None:
        entries = entries.filter(id__in=[i for i in entry_ids if 0 < i < MAX_ID])
    if public_ids is not None:
        entries = entries.filter(public_id__in=list(public_ids))
    return _change(entries.values_list("id", flat=True), WITHDRAWN)


def public_ids(entry_ids: Iterable[int]) -> dict[int, str]:
    """Return the public id of each of these entries that is active now."""
    chosen = set(entry_ids)
    if not chosen:
        return {}
    rows = BankEntry.objects.filter(id__in=chosen, status=ACTIVE).values_list("id", "public_id")
    return dict(rows)


def activate_received() -> int:
    """Make received hashes active (matched and served to platforms); return how many.

    The worker's job calls it (and tests, directly); no request does, so a match only reads.
    """
    if not BankEntry.objects.filter(status=RECEIVED).exists():  # the usual case: no lock
        return 0
    return _change(BankEntry.objects.filter(status=RECEIVED).values_list("id", flat=True), ACTIVE)


def _change(ids: Iterable[int], status: str) -> int:
    with transaction.atomic():
        clock = BankClock.objects.select_for_update().get_or_create(id=1)[0]
        chosen = list(ids)
        if not chosen:
            return 0
        BankEntry.objects.filter(id__in=chosen).update(status=status)
        at = now()
        BankChange.objects.bulk_create(
            [BankChange(entry_id=i, status=status, at=at) for i in chosen]
        )
        clock.ticks += 1
        clock.save(update_fields=["ticks"])
    return len(chosen)


def now() -> datetime:
    """Return the time now: the one clock of the feed's batches (tests move it on)."""
    return timezone.now()


# Shuffles a batch of the feed; tests give it a seeded Random's to check an order.
shuffle: Callable[[list[tuple[int, str]]], None] = secrets.SystemRandom().shuffle


def batch_closed_at(moment: datetime, minutes: int) -> datetime:
    """Return when the last batch closed: the latest multiple of ``minutes`` since 1970 (UTC)."""
    seconds = minutes * 60
    epoch = int(moment.timestamp()) // seconds * seconds
    return datetime.fromtimestamp(epoch, UTC)


def publish_due() -> int:
    """Publish the batch that closed last, if not yet published; return how many rows it has.

    A batch holds every change made before its closing time not yet published (one made
    later by a process whose clock was behind waits for the next batch), each entry once
    with its latest status, in a shuffled order, all with the closing time as their time.
    """
    closed = batch_closed_at(now(), settings.FEED_BATCH_MINUTES)
    done = BankClock.objects.filter(id=1).values_list("published_through", flat=True).first()
    if done is not None and done >= closed:  # the usual case: already published, no lock
        return 0
    with transaction.atomic():
        clock = BankClock.objects.select_for_update().get_or_create(id=1)[0]
        if clock.published_through is not None and clock.published_through >= closed:
            return 0  # another process published it while this one waited for the lock
        published = _publish(closed)
        clock.published_through = closed
        clock.save(update_fields=["published_through"])
    return published


def _publish(closed: datetime) -> int:
    """Turn the changes made before ``closed`` into one batch of the feed (under the lock)."""
    waiting = BankChange.objects.filter(published=False, at__lt=closed).order_by("id")
    # An entry's last change counts: the order within a batch must not undo a withdrawal.
    latest = dict(waiting.values_list("entry_id", "status"))
    rows = [(entry, status) for entry, status in latest.items() if status in FEED_STATUSES]
    rows.sort()  # a known order in (by entry, so by case), so a seeded shuffle is repeatable
    shuffle(rows)  # the batch's order says nothing of which case a hash came from
    start = (FeedChange.objects.aggregate(last=Max("cursor"))["last"] or 0) + 1
    FeedChange.objects.bulk_create(
        [
            FeedChange(cursor=start + n, entry_id=entry, status=status, changed_at=closed)
            for n, (entry, status) in enumerate(rows)
        ],
        batch_size=5000,
    )
    batch = FeedChange.objects.filter(cursor__gte=start)
    for status in FEED_STATUSES:  # by subquery: a batch may hold more ids than SQLite takes
        chosen = batch.filter(status=status).values("entry_id")
        BankEntry.objects.filter(id__in=chosen).update(feed_status=status)
    waiting.update(published=True)  # the same rows: nothing is written while the lock is held
    return len(rows)


def feed_page(cursor: int, limit: int) -> tuple[list[FeedChange], bool]:
    """Return the published changes after ``cursor``, oldest first, and whether more follow."""
    publish_due()
    found = list(
        FeedChange.objects.filter(cursor__gt=cursor)
        .order_by("cursor")
        .select_related("entry")[: limit + 1]
    )
    return found[:limit], len(found) > limit


def record_matches(entry_ids: Iterable[int], platform_id: int) -> None:
    """Note that a platform's query matched these entries (for the person's count)."""
    for entry_id in set(entry_ids):
        MatchSeen.objects.get_or_create(entry_id=entry_id, platform_id=platform_id)


def record_feedback(public_id: str, platform_id: int, verdict: str) -> bool:
    """Keep a platform's verdict on an entry it matched; return False if it matched none such.

    Only a platform that matched the entry may say what it did about it, so that nobody can
    fill a person's page with verdicts on hashes they only read in the feed.
    """
    entry = BankEntry.objects.filter(public_id=public_id, status=ACTIVE).first()
    if entry is None or not entry.matches.filter(platform_id=platform_id).exists():
        return False
    Feedback.objects.update_or_create(
        entry_id=entry.id, platform_id=platform_id, defaults={"verdict": verdict}
    )
    return True


def _new_number() -> str:
    return "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_LENGTH))


MAX_ID = 2**62  # ids beyond this are not ids (and would overflow the database's integers)
