"""Tasks on a case: something to do by a date, done or not; overdue ones show on the queue.

A task's words may say something about the survivor, so they are sealed like a note's; its due
date and whether it is done are plain, so the queue counts overdue tasks without unsealing.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count
from django.http import Http404, HttpRequest
from django.utils import timezone

from reclaim.web.console import drafts, keys
from reclaim.web.console.cases import open_case
from reclaim.web.console.models import Case, CaseTask, StaffMember
from reclaim.web.console.permissions import Action

MAX_TITLE_CHARS = 300


class TaskError(Exception):
    """A task cannot be added or changed as asked; the message says why."""


@dataclass(frozen=True)
class ShownTask:
    """A task as its page shows it."""

    id: int
    title: str
    due_on: datetime.date
    done: bool
    overdue: bool
    created_by: str


@dataclass(frozen=True)
class Tasks:
    """A case and its tasks: open ones by due date, then done ones."""

    case: Case
    tasks: list[ShownTask]


def list_tasks(request: HttpRequest, number: str) -> Tasks:
    """Return case ``number``'s tasks, unsealed (audited as a view of the case's tasks)."""
    case = open_case(request, number, Action.VIEW_CASE, target="tasks")
    today = timezone.localdate()
    found = case.tasks.select_related("created_by__user").order_by("done_at", "due_on", "pk")
    shown = [
        ShownTask(
            task.pk,
            keys.unseal(case.helpline, bytes(task.sealed_title), task_name(case)).decode(),
            task.due_on,
            task.done_at is not None,
            task.done_at is None and task.due_on < today,
            task.created_by.user.get_username(),
        )
        for task in found
    ]
    return Tasks(case, shown)


def add_task(request: HttpRequest, number: str, title: str, due_on: datetime.date) -> Case:
    """Add a task to case ``number``, due on ``due_on``; return the case."""
    title = title.strip()
    if not title or len(title) > MAX_TITLE_CHARS:
        raise TaskError(f"Say what is to be done, in up to {MAX_TITLE_CHARS} characters.")

    def change(case: Case, member: StaffMember) -> dict[str, str]:
        task = CaseTask.objects.create(
            case=case,
            sealed_title=keys.seal(case.helpline, title.encode(), task_name(case)),
            due_on=due_on,
            created_by=member,
            created_at=timezone.now(),
        )
        drafts.forget(member, "tasks", case)
        return {"event": "task added", "task": str(task.pk), "due": due_on.isoformat()}

    return open_case(request, number, Action.EDIT_CASE, target="tasks", change=change)


def mark_task(request: HttpRequest, number: str, task_id: int, done: bool) -> Case:
    """Mark a task of case ``number`` done (or not done again); return the case."""

    def change(case: Case, member: StaffMember) -> dict[str, str]:
        task = case.tasks.select_for_update().filter(pk=task_id).first()
        if task is None:
            raise Http404("no such task")
        if (task.done_at is not None) == done:
            return {"event": "task unchanged", "task": str(task.pk)}
        task.done_at, task.done_by = (timezone.now(), member) if done else (None, None)
        task.save(update_fields=["done_at", "done_by"])
        return {"event": "task done" if done else "task reopened", "task": str(task.pk)}

    return open_case(request, number, Action.EDIT_CASE, target="tasks", change=change)


def overdue_counts(case_ids: Iterable[int]) -> dict[int, int]:
    """Return how many open tasks are past their due date, by case id (cases with none left out)."""
    today = timezone.localdate()
    found = CaseTask.objects.filter(case_id__in=list(case_ids), done_at__isnull=True)
    counts = found.filter(due_on__lt=today).values("case_id").annotate(n=Count("pk"))
    return {row["case_id"]: row["n"] for row in counts}


def task_name(case: Case) -> bytes:
    """Return the sealing name of ``case``'s tasks."""
    return b"case-task:%d" % case.pk
