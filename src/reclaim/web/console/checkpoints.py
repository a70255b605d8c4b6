"""The audit log's verified checkpoint: the page verifies only the entries written since.

Verifying the whole chain reads every entry a helpline ever wrote; the audit page would do
that on every visit. Instead, the last entry found whole is kept as a checkpoint (its sequence
number and digest) on the helpline row, sealed with the helpline's data key
(reclaim.web.console.keys): someone who can write to the database but does not hold
RECLAIM_HELPLINE_SECRET cannot move it. Each visit re-verifies from there: the sealed
checkpoint must open, the entry it names must still have the digest it names (and that digest
must still be the entry's own), and the entries after it must chain on from it. Then the
checkpoint moves to the last entry verified.

So an entry changed after the checkpoint is found by the next visit; one changed before it is
found by "Verify the whole chain" (supervisors), which walks every entry as ``audit.verify``
does and, when the chain is whole, moves the checkpoint to its end. A rewritten chain (every
digest recomputed after a change) is found at the checkpoint, whose sealed digest it cannot
match.
"""

from dataclasses import dataclass, field

from reclaim.locker import SealError
from reclaim.web.console import audit, keys
from reclaim.web.console.models import AuditEntry, Helpline

SEALING_NAME = b"audit-checkpoint"


@dataclass(frozen=True)
class Checkpoint:
    """The last audit entry found whole: its sequence number and digest."""

    seq: int
    digest: str


START = Checkpoint(0, audit.GENESIS)


@dataclass(frozen=True)
class Verification:
    """What a verification found, and from which entry on it looked."""

    breaks: list[audit.Break] = field(default_factory=list)
    after: int = 0  # entries up to this one were taken as verified (0: the whole chain)
    through: int = 0  # the last entry verified


def read(line: Helpline) -> Checkpoint | None:
    """Return the helpline's checkpoint (START if none yet), or None if it does not open."""
    sealed = Helpline.objects.values_list("audit_checkpoint", flat=True).get(pk=line.pk)
    if not sealed:
        return START
    try:
        seq, digest = keys.unseal(line, sealed, SEALING_NAME).decode().split(":")
        return Checkpoint(int(seq), digest)
    except (SealError, ValueError):
        return None


def keep(line: Helpline, point: Checkpoint) -> None:
    """Seal ``point`` and keep it as the helpline's checkpoint."""
    sealed = keys.seal(line, f"{point.seq}:{point.digest}".encode(), SEALING_NAME)
    Helpline.objects.filter(pk=line.pk).update(audit_checkpoint=sealed)


def verify_recent(line: Helpline) -> Verification:
    """Verify the entries since the checkpoint; move it on if they are whole; return the result.

    A checkpoint that does not open, or whose entry was changed or removed, is itself a break:
    then the whole chain is verified, and the checkpoint stays where it was.
    """
    point = read(line)
    if point is None:
        return _whole(line, [audit.Break(0, "the verified checkpoint was changed")])
    if point.seq and not _still_whole(line, point):
        reason = "the entry of the verified checkpoint was changed or removed"
        return _whole(line, [audit.Break(point.seq, reason)])
    breaks, seq, digest = audit.verify_after(line, point.seq, point.digest)
    if not breaks and seq > point.seq:
        keep(line, Checkpoint(seq, digest))
    return Verification(breaks, point.seq, seq)


def verify_whole(line: Helpline) -> Verification:
    """Verify every entry; when the chain is whole, move the checkpoint to its end."""
    breaks, seq, digest = audit.verify_after(line, 0, audit.GENESIS)
    if not breaks:
        keep(line, Checkpoint(seq, digest))
    return Verification(breaks, 0, seq)


def _whole(line: Helpline, first: list[audit.Break]) -> Verification:
    breaks, seq, _digest = audit.verify_after(line, 0, audit.GENESIS)
    return Verification(first + breaks, 0, seq)


def _still_whole(line: Helpline, point: Checkpoint) -> bool:
    entry = AuditEntry.objects.filter(helpline=line, seq=point.seq).first()
    return entry is not None and entry.digest == point.digest == audit.digest_of(entry)
