"""Deleting cases: after the retention period (a worker job), or at the survivor's request.

A case is deleted with everything that hangs off it (addresses, notes, tasks, shared media and
their keys: every relation to a case cascades, a test checks it). What stays is a deletion
record (the case number, the helpline, when, why: no content) and the audit log, whose entries
name the case by id and gain a "delete case" entry. A case reopened before its job runs is
not deleted: the job reads the date again under a lock.
"""

import datetime

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from reclaim.web.console import audit
from reclaim.web.console.cases import open_case
from reclaim.web.console.models import Case, CaseDeletion, StaffMember
from reclaim.web.console.permissions import Action

RETENTION_BATCH = 200  # cases deleted per run; the job runs hourly, so a backlog clears in hours
ASKED_VIA = ("phone", "email", "chat", "post", "in person", "referral")


class DeletionError(Exception):
    """The deletion was not confirmed as needed; the message says why."""


def delete_on_request(request: HttpRequest, number: str, asked_via: str) -> CaseDeletion:
    """Delete case ``number`` at once because the survivor asked; return the deletion record."""
    if asked_via not in ASKED_VIA:
        raise DeletionError("Say how the survivor asked for the deletion.")
    made: list[CaseDeletion] = []

    def change(case: Case, member: StaffMember) -> dict[str, str]:
        made.append(_delete(case, CaseDeletion.Reason.SURVIVOR, member, asked_via))
        return {"reason": CaseDeletion.Reason.SURVIVOR, "number": case.number}

    open_case(request, number, Action.DELETE_CASE, detail={"asked_via": asked_via}, change=change)
    return made[0]


def delete_expired(now: datetime.datetime | None = None, limit: int = RETENTION_BATCH) -> int:
    """Delete up to ``limit`` closed cases whose retention date has passed; return how many."""
    moment = now or timezone.now()
    due = Case.objects.filter(status=Case.Status.CLOSED, retention_until__lte=moment)
    deleted = 0
    for case_id in due.order_by("retention_until", "pk").values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            locked = due.select_for_update(of=("self",)).select_related("helpline")
            case = locked.filter(pk=case_id).first()
            if case is None:  # reopened, or deleted on request, since the list was read
                continue
            _delete(case, CaseDeletion.Reason.RETENTION, None)
            detail = {"reason": CaseDeletion.Reason.RETENTION, "number": case.number}
            audit.append(case.helpline, None, "delete case", case_id=case.pk, detail=detail)
        deleted += 1
    return deleted


def _delete(
    case: Case, reason: str, member: StaffMember | None, asked_via: str = ""
) -> CaseDeletion:
    """Delete ``case`` and all that hangs off it; keep and return its deletion record."""
    record = CaseDeletion.objects.create(
        helpline_id=case.helpline_id,
        case_id=case.pk,
        number=case.number,
        deleted_at=timezone.now(),
        reason=reason,
        asked_via=asked_via,
        by=member,
    )
    # A query's delete, not the instance's: the instance keeps its id for the audit entry.
    Case.objects.filter(pk=case.pk).delete()
    return record
