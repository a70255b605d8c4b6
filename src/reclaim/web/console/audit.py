"""The audit log: every view and change of case data by staff, append-only and hash-chained.

Each entry's digest is the SHA-256 of a canonical JSON encoding of the entry (its helpline,
sequence number, who, when, what, which case, the target, the detail) together with ``prev``,
the digest of the entry before it; the helpline row keeps the last sequence number and digest.
So changing, removing or reordering any entry, the last one included, breaks the chain, as the
locker's custody log does (reclaim.locker, _custody.py). ``append`` must run inside the caller's
transaction: the helpline row is locked, so entries are numbered one at a time.
"""

import datetime
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from reclaim.web.console.models import AuditEntry, Helpline, StaffMember

GENESIS = "0" * 64
VERIFY_BATCH = 2000  # entries read at a time while verifying
VERIFY_ROUNDS = 3  # readings of entries appended while verifying, before the head must match


@dataclass(frozen=True)
class Break:
    """Where a helpline's audit chain is broken, and how."""

    seq: int
    reason: str


def append(
    helpline: Helpline,
    member: StaffMember | None,
    action: str,
    case_id: int | None = None,
    target: str = "",
    detail: Mapping[str, str] | None = None,
) -> AuditEntry:
    """Append one entry to ``helpline``'s audit log and return it."""
    with transaction.atomic():
        head = Helpline.objects.select_for_update().only("audit_seq", "audit_head")
        locked = head.get(pk=helpline.pk)
        entry = AuditEntry(
            helpline_id=helpline.pk,
            seq=locked.audit_seq + 1,
            member=member,
            at=timezone.now(),
            action=action,
            case_id=case_id,
            target=target,
            detail=dict(detail or {}),
            prev=locked.audit_head,
        )
        entry.digest = digest_of(entry)
        entry.save()
        Helpline.objects.filter(pk=helpline.pk).update(audit_seq=entry.seq, audit_head=entry.digest)
    return entry


def digest_of(entry: AuditEntry) -> str:
    """Return the SHA-256 (hex) of the entry's canonical encoding, ``prev`` included."""
    content = {
        "helpline": entry.helpline_id,
        "seq": entry.seq,
        "member": entry.member_id,
        "at": entry.at.astimezone(datetime.UTC).isoformat(),
        "action": entry.action,
        "case": entry.case_id,
        "target": entry.target,
        "detail": entry.detail,
        "prev": entry.prev,
    }
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def verify(helpline: Helpline) -> list[Break]:
    """Return where ``helpline``'s audit chain is broken (an empty list when it is whole)."""
    return verify_after(helpline, 0, GENESIS)[0]


def verify_after(helpline: Helpline, seq: int, digest: str) -> tuple[list[Break], int, str]:
    """Verify the entries after entry ``seq`` (whose digest is ``digest``) to the head.

    Return the breaks found and the last entry walked (its seq and digest). Entries up to
    ``seq`` are taken as verified (reclaim.web.console.checkpoints keeps that point).

    Entries are read first, then the helpline's head. Members keep working meanwhile: an
    entry appended after the reading began moves the head on, so the entries after those
    read are read too (a few rounds) before the head must match the last one.
    """
    breaks: list[Break] = []
    expected_seq, prev = seq + 1, digest
    for _round in range(VERIFY_ROUNDS):
        entries = AuditEntry.objects.filter(helpline=helpline, seq__gte=expected_seq)
        for entry in entries.order_by("seq").iterator(chunk_size=VERIFY_BATCH):
            if entry.seq != expected_seq:
                missing = f"entries {expected_seq} to {entry.seq - 1} missing"
                breaks.append(Break(expected_seq, missing))
            if entry.prev != prev:
                breaks.append(Break(entry.seq, "does not follow the entry before it"))
            if digest_of(entry) != entry.digest:
                breaks.append(Break(entry.seq, "changed after it was written"))
            expected_seq, prev = entry.seq + 1, entry.digest
        head = Helpline.objects.only("audit_seq", "audit_head").get(pk=helpline.pk)
        if head.audit_seq <= expected_seq - 1:  # nothing was appended while reading
            break
    if head.audit_seq != expected_seq - 1 or head.audit_head != prev:
        breaks.append(Break(expected_seq, "the last entries are missing"))
    return breaks, expected_seq - 1, prev


@dataclass(frozen=True)
class Pending:
    """An entry to append with others at once (``append_many``)."""

    action: str
    case_id: int | None = None
    target: str = ""
    detail: Mapping[str, str] | None = None


def append_many(
    helpline_id: int, member: StaffMember | None, pending: Sequence[Pending]
) -> list[AuditEntry]:
    """Append ``pending`` to one helpline's audit log in order, in one write; return them.

    The same chain as ``append`` (the helpline row locked, numbered one after another), for
    what is done to many cases at once (a batch sent, a worker's re-checks): three queries
    whatever the number of entries. ``member`` None is the worker.
    """
    if not pending:
        return []
    with transaction.atomic():
        head = Helpline.objects.select_for_update().only("audit_seq", "audit_head")
        locked = head.get(pk=helpline_id)
        seq, prev, at = locked.audit_seq, locked.audit_head, timezone.now()
        entries = []
        for one in pending:
            seq += 1
            entry = AuditEntry(
                helpline_id=helpline_id, seq=seq, member=member, at=at, action=one.action,
                case_id=one.case_id, target=one.target, detail=dict(one.detail or {}), prev=prev,
            )  # fmt: skip
            entry.digest = prev = digest_of(entry)
            entries.append(entry)
        AuditEntry.objects.bulk_create(entries)
        Helpline.objects.filter(pk=helpline_id).update(audit_seq=seq, audit_head=prev)
    return entries
