"""Notes, tasks, the timeline and closing, through the console's pages.

Rows are made directly; each page is requested once per behaviour with Django's test client.
"""

import datetime

import pytest
from django.utils import timezone

from reclaim.locker import SealError
from reclaim.web.console import audit, casetasks, keys, timeline
from reclaim.web.console.closing import add_months
from reclaim.web.console.models import (
    AuditEntry,
    Case,
    CaseNote,
    CaseTask,
    Helpline,
    StaffMember,
)
from reclaim.web.console.notes import note_name

from .caseclients import whole_database
from .fixtures import case, helpline, member, signed_in

NOTE = "She called back: the second site took it down, the forum has not answered"


@pytest.fixture
def line_a() -> Helpline:
    return helpline("a", "Helpline A")


def test_a_note_is_kept_sealed_and_the_database_holds_no_plaintext_of_it(line_a: Helpline) -> None:
    kim = member(line_a, "kim", "caseworker")
    case(line_a, "2026-000001", assigned_to=kim)
    client = signed_in(kim)
    response = client.post("/console/cases/2026-000001/notes/", {"text": NOTE})
    assert response.status_code == 302
    assert NOTE.encode() not in whole_database()
    assert b"second site took it down" not in whole_database()
    page = client.get("/console/cases/2026-000001/notes/")
    assert NOTE in page.content.decode()
    assert "kim" in page.content.decode()


def test_a_note_moved_to_another_case_does_not_open(line_a: Helpline) -> None:
    kim = member(line_a, "kim", "caseworker")
    one, two = case(line_a, "2026-000001"), case(line_a, "2026-000002")
    sealed = keys.seal(line_a, NOTE.encode(), note_name(one))
    CaseNote.objects.create(case=two, author=kim, written_at=timezone.now(), sealed_text=sealed)
    assert keys.unseal(line_a, sealed, note_name(one)) == NOTE.encode()
    with pytest.raises(SealError):
        keys.unseal(line_a, sealed, note_name(two))


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("assigned", 200),
        ("supervisor", 200),
        ("other-caseworker", 404),  # the case is assigned to someone else: not theirs to see
        ("administrator", 404),  # administrators see no case content
        ("other-helpline", 404),  # another helpline's case does not exist for them
    ],
)
def test_only_permitted_roles_read_and_write_notes(line_a: Helpline, who: str, status: int) -> None:
    kim = member(line_a, "kim", "caseworker")
    people = {
        "assigned": kim,
        "supervisor": member(line_a, "sam", "supervisor"),
        "other-caseworker": member(line_a, "lee", "caseworker"),
        "administrator": member(line_a, "ada", "administrator"),
        "other-helpline": member(helpline("b"), "bob", "caseworker", "supervisor"),
    }
    item = case(line_a, "2026-000001", assigned_to=kim)
    CaseNote.objects.create(
        case=item,
        author=kim,
        written_at=timezone.now(),
        sealed_text=keys.seal(line_a, NOTE.encode(), note_name(item)),
    )
    client = signed_in(people[who])
    read = client.get("/console/cases/2026-000001/notes/")
    assert read.status_code == status
    assert (NOTE in read.content.decode()) == (status == 200)
    written = client.post("/console/cases/2026-000001/notes/", {"text": "another note"})
    assert written.status_code == (302 if status == 200 else status)
    assert CaseNote.objects.filter(case=item).count() == (2 if status == 200 else 1)


def _task(item: Case, by: StaffMember, title: str, due: int, done: bool = False) -> CaseTask:
    return CaseTask.objects.create(
        case=item,
        sealed_title=keys.seal(item.helpline, title.encode(), casetasks.task_name(item)),
        due_on=timezone.localdate() + datetime.timedelta(days=due),
        created_by=by,
        created_at=timezone.now(),
        done_at=timezone.now() if done else None,
    )


def test_overdue_tasks_are_counted_and_shown_on_the_queue(line_a: Helpline) -> None:
    kim = member(line_a, "kim", "caseworker")
    late, fine = case(line_a, "2026-000001"), case(line_a, "2026-000002")
    _task(late, kim, "call back about the forum", -2)
    _task(late, kim, "send the batch", -1)
    _task(late, kim, "was late, now done", -5, done=True)
    _task(fine, kim, "not due yet", 3)
    _task(fine, kim, "due today is not overdue", 0)
    assert casetasks.overdue_counts([late.pk, fine.pk]) == {late.pk: 2}
    queue = signed_in(kim).get("/console/").content.decode()
    assert queue.count("Tasks overdue") == 1
    assert "Tasks overdue: 2" in queue
    assert "call back about the forum" not in queue  # titles are sealed content


def test_tasks_are_added_sealed_and_marked_done_and_undone(line_a: Helpline) -> None:
    kim = member(line_a, "kim", "caseworker")
    item = case(line_a, "2026-000001", assigned_to=kim)
    client = signed_in(kim)
    due = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    added = client.post(
        "/console/cases/2026-000001/tasks/", {"title": "ring the survivor back", "due_on": due}
    )
    assert added.status_code == 302
    task = CaseTask.objects.get(case=item)
    assert b"ring the survivor back" not in whole_database()
    page = client.get("/console/cases/2026-000001/tasks/").content.decode()
    assert "ring the survivor back" in page and "(overdue)" in page
    client.post("/console/cases/2026-000001/tasks/", {"task": task.pk, "done": "1"})
    task.refresh_from_db()
    assert task.done_at is not None and task.done_by == kim
    assert casetasks.overdue_counts([item.pk]) == {}
    client.post("/console/cases/2026-000001/tasks/", {"task": task.pk, "done": "0"})
    task.refresh_from_db()
    assert task.done_at is None


def test_a_task_without_a_date_is_refused(line_a: Helpline) -> None:
    kim = member(line_a, "kim", "caseworker")
    item = case(line_a, "2026-000001", assigned_to=kim)
    response = signed_in(kim).post("/console/cases/2026-000001/tasks/", {"title": "something"})
    assert response.status_code == 400
    assert not CaseTask.objects.filter(case=item).exists()


def test_the_timeline_shows_what_happened_newest_first_without_note_text(line_a: Helpline) -> None:
    kim, lee = member(line_a, "kim", "caseworker"), member(line_a, "lee", "caseworker")
    item = case(line_a, "2026-000001", assigned_to=kim)
    audit.append(line_a, kim, "open case", item.pk, detail={"addresses": "3"})
    client = signed_in(kim)
    client.post("/console/cases/2026-000001/notes/", {"text": NOTE})
    due = timezone.localdate().isoformat()
    client.post("/console/cases/2026-000001/tasks/", {"title": "a task", "due_on": due})
    audit.append(line_a, None, "address removed", item.pk, "address:1", {"platform": "example"})
    client.post("/console/cases/2026-000001/close/", {"outcome": "removed"})
    client.post("/console/cases/2026-000001/close/", {"do": "reopen"})
    client.post("/console/cases/2026-000001/assign/", {"member": lee.pk})
    # Kim handed the case over, so Kim no longer sees it; a supervisor reads the timeline.
    page = signed_in(member(line_a, "sam", "supervisor")).get(
        "/console/cases/2026-000001/timeline/"
    )
    text = page.content.decode()
    assert page.status_code == 200
    order = [
        "Handed over from kim to lee",
        "Case reopened",
        "Case closed: Content removed",
        "Address removed (platform: example)",
        "Task added",
        "Note added",
        "Case opened with 3 addresses",
    ]
    positions = [text.index(words) for words in order]
    assert positions == sorted(positions), "newest first"
    assert "Reclaim (automatic)" in text
    assert "second site" not in text  # a note's text never shows on the timeline
    assert "a task" not in text
    assert "view case" not in text and "read notes" not in text  # readings are left out


def test_the_timeline_is_paged_and_says_when_a_case_was_opened(
    line_a: Helpline, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timeline, "PAGE_SIZE", 2)
    sam = member(line_a, "sam", "supervisor")
    item = case(line_a, "2026-000001")  # opened with no audit entry (as a referral might be)
    for n in range(3):
        audit.append(line_a, sam, "edit case", item.pk, detail={"event": f"step {n}"})
    client = signed_in(sam)
    first = client.get("/console/cases/2026-000001/timeline/").content.decode()
    assert "Step 2" in first and "Step 1" in first and "Step 0" not in first
    assert 'rel="next"' in first and "Case opened" not in first
    second = client.get("/console/cases/2026-000001/timeline/?page=2").content.decode()
    assert "Step 0" in second and "Case opened" in second and 'rel="next"' not in second


def test_closing_requires_an_outcome(line_a: Helpline) -> None:
    kim = member(line_a, "kim", "caseworker")
    item = case(line_a, "2026-000001", assigned_to=kim)
    client = signed_in(kim)
    assert client.post("/console/cases/2026-000001/close/", {}).status_code == 400
    other = {"outcome": "other", "note": "  "}
    assert client.post("/console/cases/2026-000001/close/", other).status_code == 400
    made_up = {"outcome": "vanished"}
    assert client.post("/console/cases/2026-000001/close/", made_up).status_code == 400
    item.refresh_from_db()
    assert item.status == Case.Status.OPEN and item.retention_until is None
    assert not AuditEntry.objects.filter(action="close case").exists()


def test_closing_sets_the_retention_date_and_reopening_clears_it(line_a: Helpline) -> None:
    line_a.retention_months = 6
    line_a.save()
    kim = member(line_a, "kim", "caseworker")
    item = case(line_a, "2026-000001", assigned_to=kim)
    client = signed_in(kim)
    closed = client.post(
        "/console/cases/2026-000001/close/", {"outcome": "other", "note": "moved abroad"}
    )
    assert closed.status_code == 302
    item.refresh_from_db()
    assert item.status == Case.Status.CLOSED and item.outcome == "other"
    assert item.closed_at is not None
    assert item.retention_until == add_months(item.closed_at, 6)
    assert CaseNote.objects.filter(case=item).count() == 1  # the "other" words, sealed
    assert b"moved abroad" not in whole_database()
    assert "Other (say what)" in client.get("/console/cases/2026-000001/").content.decode()
    assert client.post("/console/cases/2026-000001/close/", {"do": "reopen"}).status_code == 302
    item.refresh_from_db()
    assert item.status == Case.Status.OPEN
    assert (item.closed_at, item.retention_until, item.outcome) == (None, None, "")


def test_a_caseworker_cannot_close_another_caseworkers_case(line_a: Helpline) -> None:
    kim, lee = member(line_a, "kim", "caseworker"), member(line_a, "lee", "caseworker")
    item = case(line_a, "2026-000001", assigned_to=lee)
    response = signed_in(kim).post("/console/cases/2026-000001/close/", {"outcome": "removed"})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.status == Case.Status.OPEN


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        ("2026-01-31T10:00", 1, "2026-02-28T10:00"),
        ("2028-01-31T10:00", 1, "2028-02-29T10:00"),
        ("2026-03-15T10:00", 12, "2027-03-15T10:00"),
        ("2026-11-30T10:00", 3, "2027-02-28T10:00"),
    ],
)
def test_add_months_keeps_to_the_calendar(start: str, months: int, end: str) -> None:
    moment = datetime.datetime.fromisoformat(start).replace(tzinfo=datetime.UTC)
    assert add_months(moment, months) == datetime.datetime.fromisoformat(end).replace(
        tzinfo=datetime.UTC
    )


def test_every_case_work_form_adds_exactly_one_audit_entry(line_a: Helpline) -> None:
    """The console's walk sends each page a GET; these are the forms, valid and not."""
    sam = member(line_a, "sam", "caseworker", "supervisor")
    item = case(line_a, "2026-000001")
    task = _task(item, sam, "a task", 1)
    base = "/console/cases/2026-000001/"
    due = timezone.localdate().isoformat()
    posts = [
        ("notes/", {"text": "a note"}),
        ("notes/", {"text": ""}),
        ("tasks/", {"title": "another task", "due_on": due}),
        ("tasks/", {"title": "no date"}),
        ("tasks/", {"task": task.pk, "done": "1"}),
        ("close/", {}),
        ("close/", {"outcome": "referred"}),
        ("close/", {"outcome": "referred"}),  # already closed: refused, the form shown, logged
        ("close/", {"do": "reopen"}),
        ("delete/", {"asked_via": "chat"}),
        ("delete/", {"asked_via": "chat", "confirm": "on"}),
    ]
    client = signed_in(sam)
    for url, data in posts:
        before = AuditEntry.objects.count()
        response = client.post(base + url, data)
        assert response.status_code in (200, 302, 400), (url, data, response.status_code)
        assert AuditEntry.objects.count() == before + 1, (url, data)
    assert audit.verify(line_a) == []
