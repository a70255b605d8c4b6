"""The audit log page for supervisors: entries filtered, whether the chain verifies, CSV.

Reading the log is itself logged (one entry per page or export, through ``open_page``). Cases
are named by number: a case that was deleted is found by its deletion record, so its entries
stay readable by number after the case is gone.
"""

import csv
import datetime
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import HttpRequest

from reclaim.web.console import checkpoints
from reclaim.web.console.cases import open_page
from reclaim.web.console.models import AuditEntry, Case, CaseDeletion, Helpline, StaffMember
from reclaim.web.console.permissions import Action

PAGE_SIZE = 100
MAX_PAGE = 100_000
EXPORT_CHUNK = 2000
CSV_COLUMNS = ("seq", "at", "member", "action", "case", "case_id", "target", "detail", "digest")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Filters:
    """What the log is narrowed to (empty for any)."""

    member: int | None = None
    case: str = ""  # a case number
    action: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None  # inclusive

    def as_detail(self) -> dict[str, str]:
        """Return the filters as the audit entry of this reading records them."""
        return {k: str(v) for k, v in self.__dict__.items() if v not in (None, "")}


@dataclass(frozen=True)
class Row:
    """An audit entry as the page and the export show it."""

    entry: AuditEntry
    member: str
    case: str  # the case number ('' for none, '?' if unknown)


@dataclass
class LogPage:
    """One page of the log, with the chain's state."""

    number: int
    rows: list[Row] = field(default_factory=list)
    has_next: bool = False
    verified: checkpoints.Verification = field(default_factory=checkpoints.Verification)
    members: list[StaffMember] = field(default_factory=list)

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def log_page(request: HttpRequest, filters: Filters, number: int) -> LogPage:
    """Return page ``number`` of the member's helpline's log, newest first, and the chain state."""
    member = open_page(request, Action.READ_AUDIT, {"page": "audit", **filters.as_detail()})
    line = member.helpline
    number = min(max(number, 1), MAX_PAGE)
    start = (number - 1) * PAGE_SIZE
    entries = list(_entries(line, filters)[start : start + PAGE_SIZE + 1])
    page = LogPage(number, has_next=len(entries) > PAGE_SIZE)
    page.rows = _rows(line, entries[:PAGE_SIZE])
    page.verified = checkpoints.verify_recent(line)
    staff = StaffMember.objects.filter(helpline_id=line.pk).select_related("user")
    page.members = list(staff.order_by("user__username"))
    return page


def verify_whole_chain(request: HttpRequest) -> checkpoints.Verification:
    """Verify every entry of the member's helpline's log (audited); return what was found."""
    member = open_page(request, Action.READ_AUDIT, {"page": "audit", "verify": "whole chain"})
    return checkpoints.verify_whole(member.helpline)


def export_rows(request: HttpRequest, filters: Filters) -> Iterator[str]:
    """Return the CSV lines of every entry matching ``filters``, oldest first (audited)."""
    detail = {"page": "audit export", **filters.as_detail()}
    member = open_page(request, Action.READ_AUDIT, detail)
    found = _entries(member.helpline, filters).order_by("seq")
    return _csv_lines(member.helpline, found)


def _csv_lines(line: Helpline, found: QuerySet[AuditEntry]) -> Iterator[str]:
    yield _csv_line(CSV_COLUMNS)
    chunk: list[AuditEntry] = []
    for entry in found.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(entry)
        if len(chunk) == EXPORT_CHUNK:
            yield from _chunk_lines(line, chunk)
            chunk = []
    yield from _chunk_lines(line, chunk)


def _chunk_lines(line: Helpline, entries: list[AuditEntry]) -> Iterator[str]:
    for row in _rows(line, entries):
        entry = row.entry
        detail = json.dumps(entry.detail, sort_keys=True, ensure_ascii=False)
        at = entry.at.astimezone(datetime.UTC).isoformat()
        values = (entry.seq, at, row.member, entry.action, row.case, entry.case_id or "")
        yield _csv_line((*values, entry.target, detail, entry.digest))


def _csv_line(values: Iterable[object]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([_cell(value) for value in values])
    return out.getvalue()


def _cell(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _entries(line: Helpline, filters: Filters) -> QuerySet[AuditEntry]:
    found = AuditEntry.objects.filter(helpline_id=line.pk)
    if filters.member is not None:
        found = found.filter(member_id=filters.member)
    if filters.case:
        found = found.filter(case_id__in=_case_ids(line, filters.case))
    if filters.action:
        found = found.filter(action=filters.action)
    if filters.since:
        found = found.filter(at__date__gte=filters.since)
    if filters.until:
        found = found.filter(at__date__lte=filters.until)
    return found.select_related("member__user").order_by("-seq")


def _case_ids(line: Helpline, number: str) -> list[int]:
    live = Case.objects.filter(helpline_id=line.pk, number=number).values_list("pk", flat=True)
    gone = CaseDeletion.objects.filter(helpline_id=line.pk, number=number)
    return [*live, *gone.values_list("case_id", flat=True)]


def _rows(line: Helpline, entries: list[AuditEntry]) -> list[Row]:
    ids = {entry.case_id for entry in entries if entry.case_id is not None}
    numbers = dict(Case.objects.filter(helpline_id=line.pk, pk__in=ids).values_list("pk", "number"))
    gone = CaseDeletion.objects.filter(helpline_id=line.pk, case_id__in=ids)
    numbers.update(gone.values_list("case_id", "number"))
    return [
        Row(
            entry,
            entry.member.user.get_username() if entry.member else "",
            numbers.get(entry.case_id, "?") if entry.case_id is not None else "",
        )
        for entry in entries
    ]


def known_actions() -> list[str]:
    """Return the actions the filter offers: the matrix's, and the log's own words."""
    own = {"open case", "delete case", "view staff", "add member", "change roles"}
    own |= {"deactivate member", "renew device", "confirm device", "change settings"}
    return sorted({str(action) for action in Action} | own)
