"""Web captures in the background: queued by the person, run by a worker that holds no key.

The person asks for a capture; a task (django-tasks, stored by django-tasks-db: see
reclaim.web.worker) waits with its address sealed (reclaim.web.sealing: a key derived from
SECRET_KEY, so a copy of the database alone does not show what was captured). The worker
captures the page with Chromium and seals the files into the locker's inbox with the locker's
public key (reclaim.locker's inbox); the next page the person opens in their locker takes them
in as evidence. A capture that fails returns its address and reason sealed to the locker's
inbox key, so the person still reads them after a restart (when personal mode's SECRET_KEY is
new). The person sees each capture's state from the task's row (``tasks_for``).

The worker's files exist in plaintext only while Chromium writes them, in a folder under
DATA_DIR that is private (0700) and removed as soon as they are sealed; one a killed worker
left behind is removed by the next capture.
"""

import base64
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet

from reclaim.errors import ReclaimError
from reclaim.locker import Locker, LockerError, SealError, remove_abandoned, scratch_folder
from reclaim.web.access.session import locker_folder
from reclaim.web.messages import capture_problem
from reclaim.web.sealing import seal_payload, unseal_payload

CAPTURE = "capture"
# A refused capture's note, sealed to the locker: marked so it is told from older rows.
OWNER_NOTE = b"owner-note:"
REFUSAL = "capture-refused"
FAILED = "failed"  # reclaim.capture.CaptureReason.FAILED, without loading Playwright
QUEUED, RUNNING = "queued", "running"  # what the overview says of a task not yet finished
SCRATCH_EXPORTS = (
    "exports"  # under DATA_DIR: where web exports decrypt (reclaim.web.evidence.packs)
)
SCRATCH_CAPTURES = "captures"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaskView:
    """What the person sees of a task: the address, where it stands, what went wrong."""

    id: str
    url: str
    incident: str | None
    status: str  # QUEUED, RUNNING or FAILED
    problem: str  # a reason code (reclaim.capture.CaptureReason, or "restarted")

    @property
    def message(self) -> str:
        """Return what went wrong in plain words in the page's language, never the detail."""
        return capture_problem(self.problem)


@task()
def capture(ref: str, payload: str) -> dict[str, str]:
    """Capture the sealed address into the locker ``ref``'s inbox; return a sealed problem.

    Every error is caught here and returned sealed, so that no address or browser call log
    reaches the task's row (a traceback would hold them); ``{}`` means it went well.
    """
    sealed = base64.b64decode(payload)
    problem = ""
    try:
        _capture(ref, sealed)
    except ReclaimError as error:
        # Only the reason is kept: the English detail may hold the browser's call log.
        problem = str(getattr(error, "reason", FAILED))
        log.info("a capture failed: %s", problem)  # the address is never logged
    except Exception:  # any other failure is said to the person as a failed capture
        log.error("a capture failed unexpectedly")  # no traceback: it may hold the address
        problem = FAILED
    if not problem:
        return {}
    return {"problem": base64.b64encode(_refusal(ref, sealed, problem)).decode()}


def queue_capture(ref: str, url: str, incident: str | None) -> str:
    """Queue a capture of ``url`` for the locker ``ref``; return the task's id."""
    sealed = seal_payload({"url": url, "incident": incident})
    return str(capture.enqueue(ref=ref, payload=base64.b64encode(sealed).decode()).id)


def tasks_for(ref: str, box: Locker | None = None) -> list[TaskView]:
    """Return the locker's captures that are waiting, running or failed.

    Given the open locker, a refused capture's address and reason are read from the note
    sealed to it, which outlives a restart (and a SECRET_KEY made afresh for each run).
    """
    views = [_view(row, box) for row in _captures(ref).order_by("enqueued_at")]
    return [view for view in views if view is not None]


def forget_done(ref: str) -> None:
    """Remove the locker's finished captures (their files are in the locker now)."""
    done = _captures(ref).filter(status=TaskResultStatus.SUCCESSFUL)
    DBTaskResult.objects.filter(id__in=[r.id for r in done if not _problem(r)]).delete()


def dismiss(ref: str, task_id: str) -> None:
    """Remove a failed capture the person has read about."""
    finished = (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)
    _captures(ref).filter(id=task_id, status__in=finished).delete()


def remove_abandoned_scratch() -> None:
    """Remove the plaintext that killed exports and captures left in the data folder."""
    for folder in (SCRATCH_EXPORTS, SCRATCH_CAPTURES):
        remove_abandoned(Path(settings.DATA_DIR) / folder)


def _captures(ref: str) -> DBTaskResultQuerySet:
    return DBTaskResult.objects.filter(task_path=capture.module_path, args_kwargs__kwargs__ref=ref)


def _problem(row: DBTaskResult[Any, Any]) -> bytes:
    found = row.return_value.get("problem", "") if isinstance(row.return_value, dict) else ""
    return base64.b64decode(found)


def _refusal(ref: str, sealed: bytes, problem: str) -> bytes:
    """Return why a capture failed, with its address, sealed to the locker's inbox key.

    The worker cannot read the locker, but it can seal to it; the owner reads the note with
    the locker open, after a restart too. Without an inbox key, it is sealed as the address is.
    """
    try:
        url = unseal_payload(sealed)["url"]
        note = json.dumps({"url": url, "problem": problem}).encode()
        return OWNER_NOTE + Locker.seal_note(locker_folder(ref), REFUSAL, note)
    except (SealError, LockerError, OSError):
        return seal_payload({"problem": problem})


def _capture(ref: str, sealed: bytes) -> None:
    # Playwright loads only here, in the worker: web processes never pay for importing it.
    from reclaim.capture import capture_page

    request = unseal_payload(sealed)
    root = locker_folder(ref)
    # Private, removed when done; one a killed worker left is removed by the next capture.
    with scratch_folder(Path(settings.DATA_DIR) / SCRATCH_CAPTURES, "capture") as scratch:
        found = capture_page(
            request["url"], scratch.path / "capture", settings.CAPTURE_ALLOW_PRIVATE
        )
        details = found.locker_details()  # the address, time, status and signing key
        Locker.deliver(root, found.files, CAPTURE, request["incident"], details)


def _view(row: DBTaskResult[Any, Any], box: Locker | None) -> TaskView | None:
    status = {TaskResultStatus.READY: QUEUED, TaskResultStatus.RUNNING: RUNNING}.get(
        row.status, FAILED
    )
    sealed = _problem(row)
    if row.status == TaskResultStatus.SUCCESSFUL and not sealed:
        return None  # done: its files are in the locker
    if row.status == TaskResultStatus.FAILED:  # ended outside the capture (a worker died)
        sealed = seal_payload({"problem": FAILED})
    task_id = str(row.id)
    if sealed.startswith(OWNER_NOTE) and box is not None:
        try:
            note = json.loads(box.open_note(REFUSAL, sealed[len(OWNER_NOTE) :]))
            return TaskView(task_id, note["url"], None, FAILED, note["problem"])
        except (SealError, ValueError):
            pass  # not this locker's note: said as a restart below
    try:
        request = unseal_payload(base64.b64decode(row.args_kwargs["kwargs"]["payload"]))
        problem = unseal_payload(sealed)["problem"] if sealed else ""
    except SealError:  # sealed under an earlier SECRET_KEY (personal mode makes one per run)
        return TaskView(task_id, "", None, FAILED, "restarted")
    return TaskView(task_id, request["url"], request["incident"], status, problem)
