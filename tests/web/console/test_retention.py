"""Deleting cases: after their retention date (the worker's job), or at the survivor's request.

The job must delete what it should and nothing else: a closed case inside its retention, an
open case, and another helpline's cases all stay; the deletion record and the audit entries do.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.db import models
from django.utils import timezone

from reclaim.web.console import audit, deletion, keys, notes
from reclaim.web.console.models import (
    AuditEntry,
    Case,
    CaseAddress,
    CaseDeletion,
    CaseNote,
    CaseTask,
    Helpline,
    ReferralContent,
    StaffMember,
)
from reclaim.web.console.tasks import delete_expired_cases
from reclaim.web.worker import jobs

from .fixtures import address, case, days, helpline, member, signed_in


@dataclass
class World:
    line: Helpline
    other_line: Helpline
    kim: StaffMember
    expired: Case
    kept: list[Case]


def _filled(line: Helpline, number: str, by: StaffMember, **fields: object) -> Case:
    """A case with two addresses, a note, a task and an audit entry of its opening."""
    item = case(line, number, **fields)
    address(item, f"https://example.com/{number}/a")
    address(item, f"https://example.com/{number}/b", status=CaseAddress.Status.REMOVED)
    notes.write_note(item, by, f"a note on {number}")
    CaseTask.objects.create(
        case=item,
        sealed_title=keys.seal(line, b"a task"),
        due_on=timezone.localdate(),
        created_by=by,
        created_at=timezone.now(),
    )
    audit.append(line, by, "open case", item.pk, detail={"addresses": "2"})
    return item


@pytest.fixture
def world() -> World:
    line, other_line = helpline("a", "Helpline A"), helpline("b", "Helpline B")
    kim, bob = member(line, "kim", "caseworker"), member(other_line, "bob", "caseworker")
    closed = {"status": Case.Status.CLOSED, "closed_at": days(-400), "outcome": "removed"}
    expired = _filled(line, "2025-000001", kim, retention_until=days(-1), **closed)
    kept = [
        _filled(line, "2025-000002", kim, retention_until=days(30), **closed),  # inside
        _filled(line, "2025-000003", kim),  # open
        # Open, with a stale date (as if reopened): only closed cases are deleted.
        _filled(line, "2025-000004", kim, retention_until=days(-10)),
        _filled(other_line, "2025-000001", bob, retention_until=days(30), **closed),
        _filled(other_line, "2025-000005", bob),
    ]
    return World(line, other_line, kim, expired, kept)


def _rows_of(case_id: int) -> dict[str, int]:
    return {
        "addresses": CaseAddress.objects.filter(case_id=case_id).count(),
        "notes": CaseNote.objects.filter(case_id=case_id).count(),
        "tasks": CaseTask.objects.filter(case_id=case_id).count(),
    }


def test_retention_deletes_the_expired_case_with_everything_hanging_off_it(world: World) -> None:
    before_entries = list(AuditEntry.objects.filter(case_id=world.expired.pk).values("pk"))
    kept_rows = {item.pk: _rows_of(item.pk) for item in world.kept}
    assert delete_expired_cases.call() == 1
    assert not Case.objects.filter(pk=world.expired.pk).exists()
    assert _rows_of(world.expired.pk) == {"addresses": 0, "notes": 0, "tasks": 0}
    # Nothing else: every other case and all it holds is still there.
    assert set(Case.objects.values_list("pk", flat=True)) == {item.pk for item in world.kept}
    assert {item.pk: _rows_of(item.pk) for item in world.kept} == kept_rows
    record = CaseDeletion.objects.get()
    assert (record.helpline, record.number, record.case_id) == (
        world.line,
        "2025-000001",
        world.expired.pk,
    )
    assert record.reason == CaseDeletion.Reason.RETENTION and record.by is None
    # The audit log keeps its entries about the case and gains one for the deletion.
    after = AuditEntry.objects.filter(case_id=world.expired.pk).order_by("seq")
    assert list(after.values("pk"))[: len(before_entries)] == before_entries
    last = after.last()
    assert last is not None and last.action == "delete case" and last.member is None
    assert last.detail["reason"] == "retention"
    assert audit.verify(world.line) == [] and audit.verify(world.other_line) == []
    assert delete_expired_cases.call() == 0, "a second run finds nothing more"


def test_retention_runs_hourly_in_the_worker_and_in_bounded_batches(world: World) -> None:
    assert delete_expired_cases in jobs.JOBS
    assert any(p.job is delete_expired_cases for p in jobs.SCHEDULE)
    second = world.kept[0]
    Case.objects.filter(pk=second.pk).update(retention_until=days(-2))
    assert deletion.delete_expired(limit=1) == 1
    assert not Case.objects.filter(pk=second.pk).exists(), "the longest overdue goes first"
    assert Case.objects.filter(pk=world.expired.pk).exists()


def test_every_relation_to_a_case_is_deleted_with_it() -> None:
    """Anything another part hangs off a case or its addresses goes with it: no content stays."""
    for model in (Case, CaseAddress, ReferralContent):  # a case's referral holds its items
        for relation in model._meta.related_objects:
            on_delete = relation.on_delete  # type: ignore[attr-defined]  # ForeignObjectRel has it
            assert on_delete is models.CASCADE, f"{relation.related_model.__name__}: {on_delete}"


def test_a_supervisor_deletes_a_case_at_the_survivors_request(world: World) -> None:
    sam = member(world.line, "sam", "supervisor")
    item = world.kept[1]  # an open case
    client = signed_in(sam)
    url = f"/console/cases/{item.number}/delete/"
    page = client.get(url)
    assert page.status_code == 200 and "cannot be brought back" in page.content.decode()
    unconfirmed = client.post(url, {"asked_via": "phone"})
    assert unconfirmed.status_code == 400 and Case.objects.filter(pk=item.pk).exists()
    done = client.post(url, {"asked_via": "phone", "confirm": "on"})
    assert done.status_code == 200 and "is deleted" in done.content.decode()
    assert not Case.objects.filter(pk=item.pk).exists()
    assert _rows_of(item.pk) == {"addresses": 0, "notes": 0, "tasks": 0}
    record = CaseDeletion.objects.get(case_id=item.pk)
    assert (record.reason, record.asked_via, record.by) == ("survivor", "phone", sam)
    entry = AuditEntry.objects.filter(case_id=item.pk).order_by("seq").last()
    assert entry is not None and (entry.action, entry.member) == ("delete case", sam)
    assert entry.detail["reason"] == "survivor"
    # The same number in another helpline, and the other cases, are untouched.
    assert Case.objects.count() == len(world.kept) - 1 + 1
    assert audit.verify(world.line) == []


@pytest.mark.parametrize(("who", "status"), [("caseworker", 403), ("other-helpline", 404)])
def test_only_a_supervisor_of_the_helpline_deletes_a_case(
    world: World, who: str, status: int
) -> None:
    people = {
        "caseworker": world.kim,
        "other-helpline": member(world.other_line, "ben", "supervisor"),
    }
    item = world.kept[1]
    client = signed_in(people[who])
    url = f"/console/cases/{item.number}/delete/"
    assert client.get(url).status_code == status
    assert client.post(url, {"asked_via": "phone", "confirm": "on"}).status_code == status
    assert Case.objects.filter(pk=item.pk).exists()
    assert not CaseDeletion.objects.exists()


def test_a_case_reopened_before_the_job_runs_is_kept(world: World) -> None:
    Case.objects.filter(pk=world.expired.pk).update(status=Case.Status.OPEN, closed_at=None)
    assert deletion.delete_expired(now=timezone.now() + datetime.timedelta(days=1)) == 0
    assert Case.objects.filter(pk=world.expired.pk).exists()
