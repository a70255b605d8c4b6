"""Closing a case with its outcome, and reopening it.

A closed case is kept for the helpline's retention period (its settings page, 12 months by
default) and then deleted by the worker (reclaim.web.console.deletion); reopening a case clears
its deletion date. An outcome of "other" needs a few words, kept as a sealed note.
"""

import calendar
import datetime

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reclaim.web.console import notes
from reclaim.web.console.cases import open_case
from reclaim.web.console.models import Case, StaffMember
from reclaim.web.console.permissions import Action

# The fixed list of outcomes (kept as the key, so that figures can count them).
OUTCOMES = {
    "removed": _("Content removed"),
    "partly-removed": _("Content partly removed"),
    "not-removed": _("Content not removed"),
    "withdrew": _("The survivor withdrew"),
    "referred": _("Referred elsewhere"),
    "other": _("Other (say what)"),
}


# A referral's case whose consent the survivor withdrew (reclaim.web.console.referrals): it
# stays closed, emptied, until its retention date; nobody works it again.
WITHDRAWN_OUTCOME = "consent withdrawn"


class ClosingError(Exception):
    """The case cannot be closed or reopened as asked; the message says why."""


def close_case(request: HttpRequest, number: str, outcome: str, note: str = "") -> Case:
    """Close case ``number`` with ``outcome``; its deletion date follows the retention setting."""
    if outcome not in OUTCOMES:
        raise ClosingError("Choose the outcome of the case.")
    note = note.strip()
    if outcome == "other" and not note:
        raise ClosingError("Say in a few words what the outcome was.")

    def change(case: Case, member: StaffMember) -> dict[str, str]:
        if case.status == Case.Status.CLOSED:
            raise ClosingError("This case is already closed.")
        now = timezone.now()
        case.status, case.closed_at, case.outcome = Case.Status.CLOSED, now, outcome
        case.retention_until = add_months(now, case.helpline.retention_months)
        case.save(update_fields=["status", "closed_at", "outcome", "retention_until"])
        if note:
            notes.write_note(case, member, f"Outcome when closing: {note}")
        kept = case.retention_until.date().isoformat()
        return {"event": "closed", "outcome": outcome, "retention_until": kept}

    return open_case(request, number, Action.CLOSE_CASE, change=change)


def reopen_case(request: HttpRequest, number: str) -> Case:
    """Reopen closed case ``number``: no outcome and no deletion date any more."""

    def change(case: Case, member: StaffMember) -> dict[str, str]:
        if case.status != Case.Status.CLOSED:
            raise ClosingError("This case is open.")
        if case.outcome == WITHDRAWN_OUTCOME:
            raise ClosingError("The survivor withdrew consent: this case cannot be reopened.")
        before = case.outcome
        case.status, case.closed_at, case.outcome = Case.Status.OPEN, None, ""
        case.retention_until = None
        case.save(update_fields=["status", "closed_at", "outcome", "retention_until"])
        return {"event": "reopened", "outcome_before": before}

    return open_case(request, number, Action.CLOSE_CASE, change=change)


def add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """Return ``moment`` ``months`` calendar months later (a 31st may become a 28th or 30th)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
