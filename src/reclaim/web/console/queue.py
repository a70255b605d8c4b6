"""The queue: a helpline's cases, and the addresses across them, filtered and sorted.

Both lists are sorted by the nearest legal deadline (cases by ``Case.next_deadline``, addresses
by their own), soonest first, those without one last. A page is read with one query for its
rows (and one for the cases' address counts), never one per row; instead of counting every
match, a page reads one row more than it shows to know whether there is a next page.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from reclaim.web.console.models import Case, CaseAddress, StaffMember
from reclaim.web.console.permissions import address_scope, case_scope

PAGE_SIZE = 50
MAX_PAGE = 10_000  # far past the end of any real queue; a bigger number is a typo or a probe


@dataclass(frozen=True)
class Filters:
    """What the queue is narrowed to ('' for any)."""

    status: str = "open"  # cases: open, closed, or '' for both; addresses: one status or ''
    caseworker: str = ""  # a member's id, "none" for unassigned, or ''
    platform: str = ""
    country: str = ""
    overdue: bool = False
    reappeared: bool = False

    def as_detail(self) -> dict[str, str]:
        """Return the filters as the audit entry records them."""
        values = {k: str(v) for k, v in self.__dict__.items() if v not in ("", False)}
        return values


@dataclass
class CaseRow:
    """A case as the queue shows it."""

    case: Case
    addresses: int = 0
    open_addresses: int = 0


@dataclass
class Page:
    """One page of a queue: its rows and whether pages come before and after."""

    number: int
    rows: list[object] = field(default_factory=list)
    has_next: bool = False

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def case_page(member: StaffMember, filters: Filters, number: int) -> Page:
    """Return page ``number`` of the cases ``member`` sees, as narrowed by ``filters``."""
    now = timezone.now()
    cases = Case.objects.filter(case_scope(member))
    if filters.status:
        cases = cases.filter(status=filters.status)
    cases = cases.filter(_caseworker(filters.caseworker, "assigned_to_id"))
    if filters.country:
        cases = cases.filter(country=filters.country)
    if filters.overdue:
        cases = cases.filter(next_deadline__lt=now)
    addresses = CaseAddress.objects.filter(case_id=OuterRef("pk"))
    if filters.platform:
        cases = cases.filter(Exists(addresses.filter(platform=filters.platform)))
    if filters.reappeared:
        cases = cases.filter(Exists(addresses.filter(reappearances__gt=0)))
    ordered = cases.select_related("assigned_to__user").order_by(
        F("next_deadline").asc(nulls_last=True), "opened_at", "pk"
    )
    page = _slice(ordered, number)
    rows = [CaseRow(case) for case in page.rows if isinstance(case, Case)]
    _count_addresses(rows)
    page.rows = list(rows)
    return page


def address_page(member: StaffMember, filters: Filters, number: int) -> Page:
    """Return page ``number`` of the addresses across the cases ``member`` sees."""
    now = timezone.now()
    found = CaseAddress.objects.filter(address_scope(member))
    if filters.status in CaseAddress.Status.values:
        found = found.filter(status=filters.status)
    elif filters.status == "open" or not filters.status:
        found = found.filter(status__in=CaseAddress.OPEN_STATUSES)
    found = found.filter(_caseworker(filters.caseworker, "case__assigned_to_id"))
    if filters.platform:
        found = found.filter(platform=filters.platform)
    if filters.country:
        found = found.filter(case__country=filters.country)
    if filters.overdue:
        found = found.filter(deadline__lt=now, status__in=CaseAddress.OPEN_STATUSES)
    if filters.reappeared:
        found = found.filter(reappearances__gt=0)
    ordered = found.select_related("case", "claimed_by__user").order_by(
        F("deadline").asc(nulls_last=True), "pk"
    )
    return _slice(ordered, number)


def is_overdue(deadline: datetime.datetime | None) -> bool:
    """Return whether a deadline has passed."""
    return deadline is not None and deadline < timezone.now()


def _caseworker(choice: str, field_name: str) -> Q:
    if choice == "none":
        return Q(**{f"{field_name}__isnull": True})
    if choice.isdigit():
        return Q(**{field_name: int(choice)})
    return Q()


def _slice(rows: QuerySet[Case] | QuerySet[CaseAddress], number: int) -> Page:
    number = min(max(number, 1), MAX_PAGE)
    start = (number - 1) * PAGE_SIZE
    found = list(rows[start : start + PAGE_SIZE + 1])
    return Page(number, list(found[:PAGE_SIZE]), has_next=len(found) > PAGE_SIZE)


def _count_addresses(rows: list[CaseRow]) -> None:
    by_case = {row.case.pk: row for row in rows}
    counts = (
        CaseAddress.objects.filter(case_id__in=by_case)
        .values("case_id")
        .annotate(
            total=Count("pk"), open=Count("pk", filter=Q(status__in=CaseAddress.OPEN_STATUSES))
        )
    )
    for count in counts:
        row = by_case[count["case_id"]]
        row.addresses, row.open_addresses = count["total"], count["open"]
