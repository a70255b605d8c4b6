"""The queue: cases and addresses filtered by status, caseworker, platform, country, overdue and
reappeared, sorted by the nearest deadline, paged, in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reclaim.web.console import queue
from reclaim.web.console.casework import refresh_next_deadline
from reclaim.web.console.models import Case, CaseAddress, Helpline, StaffMember
from reclaim.web.console.queue import Filters

from .fixtures import address, case, days, member, signed_in


@pytest.fixture
def lead(line: Helpline) -> StaffMember:
    return member(line, "lead", "supervisor", "caseworker")


def numbers(page: queue.Page) -> list[str]:
    return [row.case.number for row in page.rows]  # type: ignore[attr-defined]


def make(line: Helpline, number: str, deadline_days: float | None, **fields: object) -> Case:
    made = case(line, number, **fields)
    if deadline_days is not None:
        address(made, f"https://example.com/{number}", deadline=days(deadline_days))
    refresh_next_deadline(made)
    return made


def test_cases_come_nearest_deadline_first_and_those_without_last(
    line: Helpline, lead: StaffMember
) -> None:
    make(line, "2020-000001", None)
    make(line, "2020-000002", 5)
    make(line, "2020-000003", -1)
    make(line, "2020-000004", 2)
    page = queue.case_page(lead, Filters(), 1)
    assert numbers(page) == ["2020-000003", "2020-000004", "2020-000002", "2020-000001"]


def test_each_filter_narrows_the_cases(line: Helpline, lead: StaffMember) -> None:
    other = member(line, "kim", "caseworker")
    overdue = make(line, "2020-000001", -1, country="ie")
    make(line, "2020-000002", 3, assigned_to=other)
    make(line, "2020-000003", None, status=Case.Status.CLOSED)
    reappeared = make(line, "2020-000004", 4)
    CaseAddress.objects.filter(case=reappeared).update(
        reappearances=1, status=CaseAddress.Status.REAPPEARED, platform="elsewhere"
    )
    assert numbers(queue.case_page(lead, Filters(overdue=True), 1)) == [overdue.number]
    assert numbers(queue.case_page(lead, Filters(country="ie"), 1)) == [overdue.number]
    assert numbers(queue.case_page(lead, Filters(caseworker=str(other.pk)), 1)) == ["2020-000002"]
    unassigned = numbers(queue.case_page(lead, Filters(caseworker="none"), 1))
    assert unassigned == ["2020-000001", "2020-000004"]
    assert numbers(queue.case_page(lead, Filters(status="closed"), 1)) == ["2020-000003"]
    assert len(numbers(queue.case_page(lead, Filters(status=""), 1))) == 4
    assert numbers(queue.case_page(lead, Filters(reappeared=True), 1)) == ["2020-000004"]
    assert numbers(queue.case_page(lead, Filters(platform="elsewhere"), 1)) == ["2020-000004"]


def test_addresses_across_cases_are_filtered_and_sorted(line: Helpline, lead: StaffMember) -> None:
    one, two = case(line, "2020-000001", country="ie"), case(line, "2020-000002")
    address(one, "https://a.example/1", deadline=days(3), platform="a")
    address(one, "https://b.example/1", deadline=days(-2), platform="b")
    address(two, "https://a.example/2", deadline=days(1), platform="a")
    address(two, "https://a.example/3", status=CaseAddress.Status.REMOVED, platform="a")
    address(two, "https://a.example/4", status=CaseAddress.Status.REAPPEARED, reappearances=2)

    def urls(filters: Filters) -> list[str]:
        return [a.url for a in queue.address_page(lead, filters, 1).rows]  # type: ignore[attr-defined]

    assert urls(Filters()) == [
        "https://b.example/1",
        "https://a.example/2",
        "https://a.example/1",
        "https://a.example/4",
    ], "open addresses, nearest deadline first"
    assert urls(Filters(platform="a")) == ["https://a.example/2", "https://a.example/1"]
    assert urls(Filters(overdue=True)) == ["https://b.example/1"]
    assert urls(Filters(country="ie")) == ["https://b.example/1", "https://a.example/1"]
    assert urls(Filters(status="removed")) == ["https://a.example/3"]
    assert urls(Filters(reappeared=True)) == ["https://a.example/4"]


def test_pages_hold_a_fixed_number_and_say_whether_more_follow(
    line: Helpline, lead: StaffMember
) -> None:
    Case.objects.bulk_create(
        Case(helpline=line, number=f"2020-{n:06d}", source="phone", opened_at=days(-n / 100),
             contact_method="none")
        for n in range(queue.PAGE_SIZE + 3)
    )  # fmt: skip
    first = queue.case_page(lead, Filters(), 1)
    second = queue.case_page(lead, Filters(), 2)
    assert len(first.rows) == queue.PAGE_SIZE and first.has_next and not first.has_previous
    assert len(second.rows) == 3 and not second.has_next and second.has_previous
    assert not set(numbers(first)) & set(numbers(second))


def test_the_queue_page_takes_the_same_queries_for_few_cases_as_for_many(
    line: Helpline, lead: StaffMember
) -> None:
    client = signed_in(lead)

    def queries(view: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/console/?view={view}").status_code == 200
        return len(captured)

    kim = member(line, "kim", "caseworker")
    make(line, "2020-000001", 1, assigned_to=kim)
    few = queries("cases"), queries("addresses")
    for n in range(2, 40):
        made = make(line, f"2020-{n:06d}", n, assigned_to=member(line, f"cw{n}", "caseworker"))
        made.addresses.update(claimed_by=kim)
    assert (queries("cases"), queries("addresses")) == few


def test_the_queue_page_shows_overdue_and_filters_through_the_form(
    line: Helpline, lead: StaffMember
) -> None:
    make(line, "2020-000001", -1)
    make(line, "2020-000002", 3, country="ie")
    client = signed_in(lead)
    page = client.get("/console/").content.decode()
    assert "(overdue)" in page and page.index("2020-000001") < page.index("2020-000002")
    narrowed = client.get("/console/?country=ie").content.decode()
    assert "2020-000002" in narrowed and "2020-000001" not in narrowed
