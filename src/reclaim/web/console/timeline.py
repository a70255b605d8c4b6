"""A case's timeline: everything that happened on it, newest first, paged.

Built from the audit log (every change by staff, and by the worker with no member) and from
the case itself (when it was opened, should no entry say so). Readings of the case are left
out: the audit log page shows who looked at what. A note added is shown, never its text.
"""

import datetime
from dataclasses import dataclass, field

from django.http import HttpRequest
from django.utils.translation import gettext as _

from reclaim.web.console.cases import open_case
from reclaim.web.console.closing import OUTCOMES
from reclaim.web.console.models import AuditEntry, Case, CaseAddress, StaffMember
from reclaim.web.console.permissions import Action

PAGE_SIZE = 50
MAX_PAGE = 10_000
# Entries that only read the case: the audit page shows them, the timeline does not.
READINGS = frozenset({str(Action.VIEW_CASE), str(Action.READ_NOTES), str(Action.VIEW_QUEUE)})


@dataclass(frozen=True)
class Event:
    """One thing that happened on a case, in words."""

    at: datetime.datetime
    who: str  # '' for Reclaim itself (the worker)
    what: str
    address: str = ""  # the address it was about, if any


@dataclass
class Timeline:
    """One page of a case's timeline."""

    case: Case
    number: int
    events: list[Event] = field(default_factory=list)
    has_next: bool = False

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def timeline(request: HttpRequest, number: str, page: int = 1) -> Timeline:
    """Return page ``page`` of case ``number``'s timeline (audited as a view of the case)."""
    case = open_case(request, number, Action.VIEW_CASE, target="timeline")
    page = min(max(page, 1), MAX_PAGE)
    start = (page - 1) * PAGE_SIZE
    found = (
        AuditEntry.objects.filter(helpline_id=case.helpline_id, case_id=case.pk)
        .exclude(action__in=READINGS)
        .exclude(target__startswith="draft:")  # drafts saved while typing (console.drafts)
        .select_related("member__user")
        .order_by("-seq")
    )
    entries = list(found[start : start + PAGE_SIZE + 1])
    shown = Timeline(case, page, has_next=len(entries) > PAGE_SIZE)
    entries = entries[:PAGE_SIZE]
    names, urls = _names(case, entries), _urls(case, entries)
    shown.events = [_event(entry, names, urls) for entry in entries]
    if not shown.has_next and not any(e.action == "open case" for e in entries):
        shown.events.append(Event(case.opened_at, "", _("Case opened")))
    return shown


def describe(action: str, detail: dict[str, str], names: dict[str, str]) -> str:
    """Return what an audit entry's action and detail mean, in words."""
    event = detail.get("event", "")
    if action == "open case":
        return _("Case opened with %(n)s addresses") % {"n": detail.get("addresses", "0")}
    if action == str(Action.ASSIGN):
        before, after = detail.get("from", ""), names.get(detail.get("to", ""), "?")
        if before:
            return _("Handed over from %(a)s to %(b)s") % {"a": names.get(before, "?"), "b": after}
        return _("Assigned to %(who)s") % {"who": after}
    if action == str(Action.CLAIM_ADDRESS):
        if "released_from" in detail:
            return _("Claim on an address released")
        if "taken_from" in detail:
            return _("Claim on an address taken over")
        return _("Address claimed")
    if event == "closed":
        label = OUTCOMES.get(detail.get("outcome", ""), detail.get("outcome", ""))
        return _("Case closed: %(outcome)s") % {"outcome": label}
    return _event_words(event) or _other(action, event, detail)


def _event_words(event: str) -> str:
    """Return a case event's words in the page's language ("" for one not named here)."""
    words = {
        "note added": _("Note added"),
        "task added": _("Task added"),
        "task done": _("Task done"),
        "task reopened": _("Task marked not done"),
        "reopened": _("Case reopened"),
    }
    return words.get(event, "")


def _other(action: str, event: str, detail: dict[str, str]) -> str:
    # Actions written by other parts (batches sent, re-checks by the worker) in their own words.
    words = event or action
    extra = ", ".join(f"{k}: {v}" for k, v in sorted(detail.items()) if k != "event")
    return f"{words[:1].upper()}{words[1:]}" + (f" ({extra})" if extra else "")


def _event(entry: AuditEntry, names: dict[str, str], urls: dict[str, str]) -> Event:
    who = entry.member.user.get_username() if entry.member else ""
    what = describe(entry.action, entry.detail, names)
    if entry.detail.get("due"):
        what += " " + _("(due %(date)s)") % {"date": entry.detail["due"]}
    return Event(entry.at, who, what, urls.get(entry.target, ""))


def _names(case: Case, entries: list[AuditEntry]) -> dict[str, str]:
    ids = {
        int(value)
        for entry in entries
        for key, value in entry.detail.items()
        if key in ("from", "to", "taken_from", "released_from") and str(value).isdigit()
    }
    found = StaffMember.objects.filter(helpline_id=case.helpline_id, pk__in=ids)
    return {str(m.pk): m.user.get_username() for m in found.select_related("user")}


def _urls(case: Case, entries: list[AuditEntry]) -> dict[str, str]:
    targets = {e.target for e in entries if e.target.startswith("address:")}
    ids = [int(t.split(":", 1)[1]) for t in targets if t.split(":", 1)[1].isdigit()]
    found = CaseAddress.objects.filter(case_id=case.pk, pk__in=ids).values_list("pk", "url")
    return {f"address:{pk}": url for pk, url in found}
